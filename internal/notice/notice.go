// Package notice holds the center's public notices (政策公告与信息公开): policy
// news, announcements and service guides, each shown on the channels it names
// from its publication time until it expires. Channels list the notices in
// force for themselves (List); Publish stores one (seeding, tests — the admin
// console will put publishing under maker-checker). Times are wall-clock UTC.
package notice

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Notice categories.
const (
	CategoryPolicy = "policy" // 政策法规
	CategoryNotice = "notice" // 通知公告
	CategoryGuide  = "guide"  // 办事指南
)

var categoryNames = map[string]string{
	CategoryPolicy: "政策法规",
	CategoryNotice: "通知公告",
	CategoryGuide:  "办事指南",
}

// CategoryName is the Chinese name of a category ("" for an unknown one).
func CategoryName(category string) string { return categoryNames[category] }

// Limits of a notice and of a List page.
const (
	MaxTitle     = 200    // characters
	MaxBody      = 20_000 // characters
	DefaultLimit = 20
	MaxLimit     = 100
)

// Errors of Publish and List.
var (
	ErrTitle    = errs.Newf(errs.Invalid, "notice.bad_title", "公告标题不能为空，且不超过 %d 个字", MaxTitle)
	ErrBody     = errs.Newf(errs.Invalid, "notice.bad_body", "公告正文不能为空，且不超过 %d 个字", MaxBody)
	ErrCategory = errs.New(errs.Invalid, "notice.bad_category", "公告类别应为 policy（政策法规）、notice（通知公告）或 guide（办事指南）")
	ErrChannel  = errs.New(errs.Invalid, "notice.bad_channel", "渠道代码不正确")
	ErrExpiry   = errs.New(errs.Invalid, "notice.bad_expiry", "公告的截止时间应晚于发布时间")
	ErrLimit    = errs.Newf(errs.Invalid, "notice.bad_limit", "每页条数应在 1 到 %d 之间", MaxLimit)
)

// Notice is a published notice.
type Notice struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Category string `json:"category"`
	// Channels are the channel codes it shows on; empty means every channel.
	Channels    []string   `json:"channels"`
	PublishedAt time.Time  `json:"published_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"` // nil: no end
}

// Draft is a notice to publish.
type Draft struct {
	Title, Body, Category string
	// Channels are channel codes (catalog); empty shows it on every channel.
	Channels []string
	// PublishAt is when it starts to show; zero means now. A future time
	// schedules it.
	PublishAt time.Time
	// ExpiresAt is when it stops showing (after PublishAt); nil: never.
	ExpiresAt *time.Time
}

// Service stores and lists notices. Safe for concurrent use.
type Service struct {
	db    *db.DB
	audit *audit.Log
	now   func() time.Time
}

// New returns the notice service over store d, auditing to a.
func New(d *db.DB, a *audit.Log) *Service {
	return &Service{db: d, audit: a, now: time.Now}
}

// SetClock replaces the wall clock (tests only).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Publish validates and stores a notice with its audit record (notice.publish,
// actor from the context) in one transaction. Seeding and tests call it; the
// admin console will call it when a publication request is approved.
// Errors: ErrTitle, ErrBody, ErrCategory, ErrChannel, ErrExpiry (each with
// the field), store errors.
func (s *Service) Publish(ctx context.Context, d Draft) (*Notice, error) {
	n, channels, err := s.check(d)
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO notice (title, body, category, channels, published_at, expires_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, n.Title, n.Body, n.Category, channels, n.PublishedAt, n.ExpiresAt, "", now)
		if err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		if n.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("notice id: %w", err)
		}
		summary := map[string]any{"title": n.Title, "category": n.Category, "channels": channels,
			"published_at": n.PublishedAt.Format(time.RFC3339)}
		if n.ExpiresAt != nil {
			summary["expires_at"] = n.ExpiresAt.Format(time.RFC3339)
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "notice.publish", Object: fmt.Sprintf("notice:%d", n.ID),
			After: audit.Summary(summary)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// check validates a draft and returns the notice and its stored channel list.
func (s *Service) check(d Draft) (*Notice, string, error) {
	n := &Notice{Title: strings.TrimSpace(d.Title), Body: strings.TrimSpace(d.Body), Category: d.Category}
	if n.Title == "" || utf8.RuneCountInString(n.Title) > MaxTitle || !utf8.ValidString(n.Title) {
		return nil, "", ErrTitle.With("field", "title")
	}
	if n.Body == "" || utf8.RuneCountInString(n.Body) > MaxBody || !utf8.ValidString(n.Body) {
		return nil, "", ErrBody.With("field", "body")
	}
	if _, ok := categoryNames[n.Category]; !ok {
		return nil, "", ErrCategory.With("field", "category")
	}
	for _, c := range d.Channels {
		if _, ok := catalog.ChannelByCode(c); !ok {
			return nil, "", ErrChannel.With("field", "channels").With("channel", c)
		}
		if !slices.Contains(n.Channels, c) {
			n.Channels = append(n.Channels, c)
		}
	}
	stored := "*"
	if len(n.Channels) > 0 {
		stored = "," + strings.Join(n.Channels, ",") + ","
	} else {
		n.Channels = []string{}
	}
	n.PublishedAt = d.PublishAt
	if n.PublishedAt.IsZero() {
		n.PublishedAt = s.now()
	}
	n.PublishedAt = n.PublishedAt.UTC().Truncate(time.Second)
	if d.ExpiresAt != nil {
		exp := d.ExpiresAt.UTC().Truncate(time.Second)
		if !exp.After(n.PublishedAt) {
			return nil, "", ErrExpiry.With("field", "expires_at")
		}
		n.ExpiresAt = &exp
	}
	return n, stored, nil
}

type row struct {
	ID          int64      `db:"id"`
	Title       string     `db:"title"`
	Body        string     `db:"body"`
	Category    string     `db:"category"`
	Channels    string     `db:"channels"`
	PublishedAt time.Time  `db:"published_at"`
	ExpiresAt   *time.Time `db:"expires_at"`
}

func (r row) notice() Notice {
	n := Notice{ID: r.ID, Title: r.Title, Body: r.Body, Category: r.Category, Channels: []string{},
		PublishedAt: r.PublishedAt.UTC()}
	if r.Channels != "*" {
		for c := range strings.SplitSeq(strings.Trim(r.Channels, ","), ",") {
			if c != "" {
				n.Channels = append(n.Channels, c)
			}
		}
	}
	if r.ExpiresAt != nil {
		t := r.ExpiresAt.UTC()
		n.ExpiresAt = &t
	}
	return n
}

// List returns the notices in force now on the channel — published, not
// expired, showing on that channel or on every channel — newest first, at
// most limit (0: DefaultLimit). Any channel may call it; notices are public.
// Errors: ErrChannel, ErrLimit, store errors.
func (s *Service) List(ctx context.Context, channel string, limit int) ([]Notice, error) {
	if _, ok := catalog.ChannelByCode(channel); !ok {
		return nil, ErrChannel.With("channel", channel)
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 0 || limit > MaxLimit {
		return nil, ErrLimit.With("field", "limit")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var rows []row
	// Channel codes are lowercase letters only, so they hold no LIKE wildcard.
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, title, body, category, channels, published_at, expires_at FROM notice
		WHERE published_at <= ? AND (expires_at IS NULL OR expires_at > ?) AND (channels = '*' OR channels LIKE ?)
		ORDER BY published_at DESC, id DESC LIMIT ?`, now, now, "%,"+channel+",%", limit); err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	out := make([]Notice, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.notice())
	}
	return out, nil
}
