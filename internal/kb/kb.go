// Package kb is the knowledge base (知识库): short articles answering the
// questions people ask most — 提取条件, 贷款额度, 缴存比例 — with a title, a
// category, a body, search keywords and the channels that show them. Every
// channel reads the same published articles: the app API and the personal web
// hall help page list and open them, the WeChat 帮助 keyword and 12329 hotline
// agents call Search.
//
// Articles change only through maker-checker change requests (kind
// kb_article in internal/access/change): Validate checks a draft at
// submission, and the approving transaction calls PublishTx, ReviseTx or
// WithdrawTx, each of which writes its audit record (kb.publish, kb.revise,
// kb.withdraw) in that transaction. Each revision adds one to the article's
// version, so a change request made against version N is stale once another
// revision is approved. SeedDemo writes the demo articles directly (demo
// data, audited as kb.publish).
package kb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Article categories.
const (
	CategoryDeposit    = "deposit"    // 缴存
	CategoryWithdrawal = "withdrawal" // 提取
	CategoryLoan       = "loan"       // 贷款
	CategoryAccount    = "account"    // 账户与登录
	CategoryGeneral    = "general"    // 综合服务
)

// Categories lists the categories in display order.
func Categories() []string {
	return []string{CategoryDeposit, CategoryWithdrawal, CategoryLoan, CategoryAccount, CategoryGeneral}
}

var categoryNames = map[string]string{
	CategoryDeposit:    "缴存",
	CategoryWithdrawal: "提取",
	CategoryLoan:       "贷款",
	CategoryAccount:    "账户与登录",
	CategoryGeneral:    "综合服务",
}

// CategoryName is the Chinese name of a category ("" for an unknown one).
func CategoryName(c string) string { return categoryNames[c] }

// Statuses of an article.
const (
	StatusPublished = "published" // shown on its channels
	StatusWithdrawn = "withdrawn" // 已撤回: shown nowhere, kept for the record
)

// StatusName is the Chinese name of a status.
func StatusName(s string) string {
	switch s {
	case StatusPublished:
		return "已发布"
	case StatusWithdrawn:
		return "已撤回"
	}
	return s
}

// Limits of an article, a query and a page.
const (
	MaxTitle     = 200    // characters
	MaxBody      = 20_000 // characters
	MaxKeywords  = 20     // keywords per article
	MaxKeyword   = 20     // characters per keyword
	MaxQuery     = 50     // characters of a search
	DefaultLimit = 20
	MaxLimit     = 100
)

// Errors.
var (
	ErrTitle     = errs.Newf(errs.Invalid, "kb.bad_title", "文章标题不能为空，且不超过 %d 个字", MaxTitle)
	ErrBody      = errs.Newf(errs.Invalid, "kb.bad_body", "文章正文不能为空，且不超过 %d 个字", MaxBody)
	ErrCategory  = errs.New(errs.Invalid, "kb.bad_category", "文章分类应为 deposit（缴存）、withdrawal（提取）、loan（贷款）、account（账户与登录）或 general（综合服务）")
	ErrKeywords  = errs.Newf(errs.Invalid, "kb.bad_keywords", "关键词最多 %d 个，每个不超过 %d 个字，且不能含逗号", MaxKeywords, MaxKeyword)
	ErrChannel   = errs.New(errs.Invalid, "kb.bad_channel", "渠道代码不正确")
	ErrQuery     = errs.Newf(errs.Invalid, "kb.bad_query", "搜索内容不超过 %d 个字", MaxQuery)
	ErrLimit     = errs.Newf(errs.Invalid, "kb.bad_limit", "每页条数应在 1 到 %d 之间", MaxLimit)
	ErrStatus    = errs.New(errs.Invalid, "kb.bad_status", "状态应为 published（已发布）或 withdrawn（已撤回）")
	ErrNotFound  = errs.New(errs.NotFound, "kb.not_found", "没有这篇知识库文章")
	ErrWithdrawn = errs.New(errs.Conflict, "kb.withdrawn", "该文章已撤回，不能修订或再次撤回")
)

// Draft is the content of an article as a maker proposes it.
type Draft struct {
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Body     string   `json:"body"`
	Keywords []string `json:"keywords"`
	// Channels are channel codes (catalog); empty shows it on every channel.
	Channels []string `json:"channels"`
}

// Article is a stored article.
type Article struct {
	ID       int64    `json:"id"`
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Body     string   `json:"body"`
	Keywords []string `json:"keywords"`
	// Channels are the channel codes it shows on; empty means every channel.
	Channels    []string  `json:"channels"`
	Status      string    `json:"status"`
	Version     int       `json:"version"`
	ChangeRef   string    `json:"-"`
	CreatedBy   string    `json:"-"`
	ApprovedBy  string    `json:"-"`
	PublishedAt time.Time `json:"published_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Draft returns the article's content as a draft.
func (a Article) Draft() Draft {
	return Draft{Title: a.Title, Category: a.Category, Body: a.Body,
		Keywords: slices.Clone(a.Keywords), Channels: slices.Clone(a.Channels)}
}

// ShowsOn reports whether the article is listed on channel.
func (a Article) ShowsOn(channel string) bool {
	return len(a.Channels) == 0 || slices.Contains(a.Channels, channel)
}

// Validate checks a draft and returns it normalised (trimmed, duplicates of
// keywords and channels removed, non-nil slices). Anyone may call it; the
// change service calls it at submission. Errors: ErrTitle, ErrBody,
// ErrCategory, ErrKeywords, ErrChannel, each with the field.
func Validate(d Draft) (Draft, error) {
	out := Draft{Title: strings.TrimSpace(d.Title), Category: strings.TrimSpace(d.Category),
		Body: strings.TrimSpace(d.Body), Keywords: []string{}, Channels: []string{}}
	if out.Title == "" || !utf8.ValidString(out.Title) || utf8.RuneCountInString(out.Title) > MaxTitle {
		return Draft{}, ErrTitle.With("field", "title")
	}
	if out.Body == "" || !utf8.ValidString(out.Body) || utf8.RuneCountInString(out.Body) > MaxBody {
		return Draft{}, ErrBody.With("field", "body")
	}
	if _, ok := categoryNames[out.Category]; !ok {
		return Draft{}, ErrCategory.With("field", "category")
	}
	for _, k := range d.Keywords {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !utf8.ValidString(k) || utf8.RuneCountInString(k) > MaxKeyword || strings.ContainsAny(k, ",，") {
			return Draft{}, ErrKeywords.With("field", "keywords")
		}
		if !slices.Contains(out.Keywords, k) {
			out.Keywords = append(out.Keywords, k)
		}
	}
	if len(out.Keywords) > MaxKeywords {
		return Draft{}, ErrKeywords.With("field", "keywords")
	}
	for _, c := range d.Channels {
		if _, ok := catalog.ChannelByCode(c); !ok {
			return Draft{}, ErrChannel.With("field", "channels").With("channel", c)
		}
		if !slices.Contains(out.Channels, c) {
			out.Channels = append(out.Channels, c)
		}
	}
	return out, nil
}

// Service reads articles. Safe for concurrent use; one per process
// (app.App.KB).
type Service struct {
	db    *db.DB
	audit *audit.Log
	now   func() time.Time
}

// New returns the knowledge base over store d, auditing to a.
func New(d *db.DB, a *audit.Log) *Service { return &Service{db: d, audit: a, now: time.Now} }

// SetClock replaces the wall clock (tests only).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

type row struct {
	ID          int64     `db:"id"`
	Title       string    `db:"title"`
	Category    string    `db:"category"`
	Body        string    `db:"body"`
	Keywords    string    `db:"keywords"`
	Channels    string    `db:"channels"`
	Status      string    `db:"status"`
	Version     int       `db:"version"`
	ChangeRef   string    `db:"change_ref"`
	CreatedBy   string    `db:"created_by"`
	ApprovedBy  string    `db:"approved_by"`
	PublishedAt time.Time `db:"published_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

const cols = `id, title, category, body, keywords, channels, status, version, change_ref, created_by, approved_by,
	published_at, updated_at`

func split(stored string) []string {
	out := []string{}
	if stored == "*" {
		return out
	}
	for v := range strings.SplitSeq(strings.Trim(stored, ","), ",") {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func join(vs []string, empty string) string {
	if len(vs) == 0 {
		return empty
	}
	return "," + strings.Join(vs, ",") + ","
}

func (r row) article() Article {
	return Article{ID: r.ID, Title: r.Title, Category: r.Category, Body: r.Body, Keywords: split(r.Keywords),
		Channels: split(r.Channels), Status: r.Status, Version: r.Version, ChangeRef: r.ChangeRef,
		CreatedBy: r.CreatedBy, ApprovedBy: r.ApprovedBy, PublishedAt: r.PublishedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Get returns article id on channel: published and shown there. Any channel
// may call it; articles are public. Errors: ErrChannel, ErrNotFound (also
// for a withdrawn article or one of another channel).
func (s *Service) Get(ctx context.Context, channel string, id int64) (*Article, error) {
	if _, ok := catalog.ChannelByCode(channel); !ok {
		return nil, ErrChannel.With("channel", channel)
	}
	a, err := s.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusPublished || !a.ShowsOn(channel) {
		return nil, ErrNotFound.With("id", id)
	}
	return a, nil
}

// Article returns article id whatever its status (the console and the change
// service). Errors: ErrNotFound.
func (s *Service) Article(ctx context.Context, id int64) (*Article, error) {
	return ArticleTx(ctx, s.db, id)
}

// ArticleTx reads article id through q (a change request's transaction).
// Errors: ErrNotFound.
func ArticleTx(ctx context.Context, q db.Querier, id int64) (*Article, error) {
	var r row
	err := q.GetContext(ctx, &r, `SELECT `+cols+` FROM kb_article WHERE id = ?`, id)
	if db.NoRows(err) {
		return nil, ErrNotFound.With("id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read kb article: %w", err)
	}
	a := r.article()
	return &a, nil
}

// Hit is a search result: the article and why it matched.
type Hit struct {
	Article
	CategoryName string `json:"category_name"`
	// Snippet is up to 80 characters of the body around the first match.
	Snippet string `json:"snippet"`
	Score   int    `json:"-"`
}

// Search returns the published articles shown on channel that match q, best
// first: every word of q (split on spaces) must occur in the title, a keyword
// or the body; a word in the title counts most, then in a keyword, then in
// the body. An empty q lists the articles newest first. category, when not
// empty, narrows to one category. Every channel (the app API, the web hall,
// the WeChat 帮助 keyword, 12329 agents) calls it. Errors: ErrChannel,
// ErrQuery, ErrCategory, ErrLimit.
func (s *Service) Search(ctx context.Context, channel, q, category string, limit int) ([]Hit, error) {
	if _, ok := catalog.ChannelByCode(channel); !ok {
		return nil, ErrChannel.With("channel", channel)
	}
	q = strings.TrimSpace(q)
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > MaxQuery {
		return nil, ErrQuery.With("field", "q")
	}
	if category != "" && categoryNames[category] == "" {
		return nil, ErrCategory.With("field", "category")
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 0 || limit > MaxLimit {
		return nil, ErrLimit.With("field", "limit")
	}
	words := strings.Fields(q)
	query := `SELECT ` + cols + ` FROM kb_article WHERE status = ? AND (channels = '*' OR channels LIKE ?)`
	args := []any{StatusPublished, "%," + channel + ",%"} // channel codes hold no LIKE wildcard
	if category != "" {
		query, args = query+` AND category = ?`, append(args, category)
	}
	for _, w := range words {
		p := "%" + likeEscape(w) + "%"
		query += ` AND (title LIKE ? ESCAPE '!' OR keywords LIKE ? ESCAPE '!' OR body LIKE ? ESCAPE '!')`
		args = append(args, p, p, p)
	}
	query += ` ORDER BY updated_at DESC, id DESC`
	if len(words) == 0 {
		query += ` LIMIT ` + strconv.Itoa(limit)
	} else {
		query += ` LIMIT 500` // ranked below; the knowledge base is small
	}
	var rows []row
	if err := s.db.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("search kb: %w", err)
	}
	hits := make([]Hit, 0, len(rows))
	for _, r := range rows {
		a := r.article()
		h := Hit{Article: a, CategoryName: CategoryName(a.Category), Snippet: snippet(a.Body, words)}
		for _, w := range words {
			switch {
			case strings.Contains(a.Title, w):
				h.Score += 100
			case slices.ContainsFunc(a.Keywords, func(k string) bool { return strings.Contains(k, w) }):
				h.Score += 30
			default:
				h.Score += 1 + min(strings.Count(a.Body, w), 9)
			}
		}
		hits = append(hits, h)
	}
	slices.SortStableFunc(hits, func(a, b Hit) int { return b.Score - a.Score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// likeEscape escapes LIKE wildcards with '!' (ESCAPE '!' on both dialects).
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// snippet is up to 80 characters of body starting a little before the first
// word found (the start of the body when none is).
func snippet(body string, words []string) string {
	r := []rune(strings.Join(strings.Fields(body), " "))
	start := 0
	for _, w := range words {
		if i := strings.Index(string(r), w); i >= 0 {
			start = max(utf8.RuneCountInString(string(r)[:i])-10, 0)
			break
		}
	}
	end := min(start+80, len(r))
	out := string(r[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(r) {
		out += "…"
	}
	return out
}

// Filter selects articles for List (the console); empty fields match all.
type Filter struct {
	Status   string
	Category string
	// Q matches the title or a keyword.
	Q string
	// Limit is the page size (0: DefaultLimit); Offset skips that many.
	Limit, Offset int
}

// List returns articles of every status for the console, newest change
// first, and how many match in all. Errors: ErrStatus, ErrCategory,
// ErrQuery, ErrLimit.
func (s *Service) List(ctx context.Context, f Filter) ([]Article, int, error) {
	if f.Status != "" && f.Status != StatusPublished && f.Status != StatusWithdrawn {
		return nil, 0, ErrStatus.With("field", "status")
	}
	if f.Category != "" && categoryNames[f.Category] == "" {
		return nil, 0, ErrCategory.With("field", "category")
	}
	f.Q = strings.TrimSpace(f.Q)
	if !utf8.ValidString(f.Q) || utf8.RuneCountInString(f.Q) > MaxQuery {
		return nil, 0, ErrQuery.With("field", "q")
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 0 || f.Limit > MaxLimit || f.Offset < 0 {
		return nil, 0, ErrLimit.With("field", "limit")
	}
	where, args := ` WHERE 1 = 1`, []any{}
	if f.Status != "" {
		where, args = where+` AND status = ?`, append(args, f.Status)
	}
	if f.Category != "" {
		where, args = where+` AND category = ?`, append(args, f.Category)
	}
	if f.Q != "" {
		p := "%" + likeEscape(f.Q) + "%"
		where, args = where+` AND (title LIKE ? ESCAPE '!' OR keywords LIKE ? ESCAPE '!')`, append(args, p, p)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM kb_article`+where, args...); err != nil {
		return nil, 0, fmt.Errorf("count kb: %w", err)
	}
	var rows []row
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+cols+` FROM kb_article`+where+
		` ORDER BY updated_at DESC, id DESC LIMIT `+strconv.Itoa(f.Limit)+` OFFSET `+strconv.Itoa(f.Offset), args...); err != nil {
		return nil, 0, fmt.Errorf("list kb: %w", err)
	}
	out := make([]Article, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.article())
	}
	return out, total, nil
}

// Approval names the change request that makes a write and its people.
type Approval struct {
	Maker, Checker string
	ChangeRef      string // "change:<id>"
}

// PublishTx stores a new article (version 1) from a validated draft in tx
// with its kb.publish audit record; the maker-checker approval calls it.
// Errors: the Validate errors, store errors.
func PublishTx(ctx context.Context, tx *db.Tx, a *audit.Log, d Draft, by Approval) (int64, error) {
	d, err := Validate(d)
	if err != nil {
		return 0, err
	}
	now := db.Now()
	res, err := tx.ExecContext(ctx, `INSERT INTO kb_article (title, category, body, keywords, channels, status, version,
		change_ref, created_by, approved_by, published_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
		d.Title, d.Category, d.Body, join(d.Keywords, ""), join(d.Channels, "*"), StatusPublished,
		by.ChangeRef, by.Maker, by.Checker, now, now)
	if err != nil {
		return 0, fmt.Errorf("insert kb article: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	_, err = a.Append(ctx, tx, audit.Record{Actor: by.Checker, Action: "kb.publish", Object: object(id),
		After: audit.Summary(map[string]any{"title": d.Title, "category": d.Category, "version": 1,
			"channels": join(d.Channels, "*"), "change": by.ChangeRef})})
	return id, err
}

// ReviseTx replaces the content of published article id with a validated
// draft and adds one to its version, in tx with its kb.revise audit record.
// Errors: ErrNotFound, ErrWithdrawn, the Validate errors, store errors.
func ReviseTx(ctx context.Context, tx *db.Tx, a *audit.Log, id int64, d Draft, by Approval) error {
	d, err := Validate(d)
	if err != nil {
		return err
	}
	cur, err := ArticleTx(ctx, tx, id)
	if err != nil {
		return err
	}
	if cur.Status != StatusPublished {
		return ErrWithdrawn.With("id", id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE kb_article SET title = ?, category = ?, body = ?, keywords = ?, channels = ?,
		version = version + 1, change_ref = ?, created_by = ?, approved_by = ?, updated_at = ? WHERE id = ?`,
		d.Title, d.Category, d.Body, join(d.Keywords, ""), join(d.Channels, "*"), by.ChangeRef, by.Maker, by.Checker,
		db.Now(), id); err != nil {
		return fmt.Errorf("revise kb article: %w", err)
	}
	_, err = a.Append(ctx, tx, audit.Record{Actor: by.Checker, Action: "kb.revise", Object: object(id),
		Before: audit.Summary(map[string]any{"title": cur.Title, "version": cur.Version}),
		After: audit.Summary(map[string]any{"title": d.Title, "category": d.Category, "version": cur.Version + 1,
			"channels": join(d.Channels, "*"), "change": by.ChangeRef})})
	return err
}

// WithdrawTx withdraws published article id (no channel shows it any more)
// and adds one to its version, in tx with its kb.withdraw audit record.
// Errors: ErrNotFound, ErrWithdrawn, store errors.
func WithdrawTx(ctx context.Context, tx *db.Tx, a *audit.Log, id int64, by Approval) error {
	cur, err := ArticleTx(ctx, tx, id)
	if err != nil {
		return err
	}
	if cur.Status != StatusPublished {
		return ErrWithdrawn.With("id", id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE kb_article SET status = ?, version = version + 1, change_ref = ?,
		approved_by = ?, updated_at = ? WHERE id = ?`, StatusWithdrawn, by.ChangeRef, by.Checker, db.Now(), id); err != nil {
		return fmt.Errorf("withdraw kb article: %w", err)
	}
	_, err = a.Append(ctx, tx, audit.Record{Actor: by.Checker, Action: "kb.withdraw", Object: object(id),
		Before: audit.Summary(map[string]any{"title": cur.Title, "status": cur.Status, "version": cur.Version}),
		After:  audit.Summary(map[string]any{"status": StatusWithdrawn, "version": cur.Version + 1, "change": by.ChangeRef})})
	return err
}

// State is an article's version and status as the change service records it
// for its stale check ("3/published"), or "" when id is 0 or not found.
func State(ctx context.Context, q db.Querier, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	a, err := ArticleTx(ctx, q, id)
	if errs.KindOf(err) == errs.NotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strconv.Itoa(a.Version) + "/" + a.Status, nil
}

func object(id int64) string { return "kb:" + strconv.FormatInt(id, 10) }
