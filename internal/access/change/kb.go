package change

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gjj/internal/channel/catalog"
	"gjj/internal/kb"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Actions of a kb_article change request.
const (
	KBPublish  = "publish"  // a new article
	KBRevise   = "revise"   // new content for a published article
	KBWithdraw = "withdraw" // take a published article off every channel
)

// ErrBadKBAction answers a kb_article request with another action.
var ErrBadKBAction = errs.New(errs.Invalid, "change.bad_kb_action", "知识库变更的操作应为 publish（发布）、revise（修订）或 withdraw（撤回）")

// prepareKB validates a kb_article submission: publish takes a full draft
// and no article; revise the article id and a full draft that differs from
// the article; withdraw only the article id. The base is the article's
// version and status (kb.State), so approving is refused as stale after
// another revision of the same article.
func (s *Service) prepareKB(ctx context.Context, in Input, pr *prepared) error {
	action := strings.TrimSpace(in.Action)
	switch action {
	case KBPublish, KBRevise, KBWithdraw:
	case "":
		return required("action")
	default:
		return ErrBadKBAction.With("field", "action")
	}
	p := payload{Action: action}
	var cur *kb.Article
	if action == KBPublish {
		if in.Article != 0 {
			return ErrFieldNotAllowed.With("field", "article").With("kind", string(KindKBArticle))
		}
	} else {
		if in.Article <= 0 {
			return required("article")
		}
		a, err := kb.ArticleTx(ctx, s.d.DB, in.Article)
		if err != nil {
			return withField(err, "article")
		}
		if a.Status != kb.StatusPublished {
			return kb.ErrWithdrawn.With("field", "article")
		}
		cur, p.Article = a, a.ID
	}
	if action == KBWithdraw {
		for _, f := range present(in) {
			if f != "action" && f != "article" {
				return ErrFieldNotAllowed.With("field", f).With("kind", string(KindKBArticle))
			}
		}
	} else {
		d, err := kb.Validate(kb.Draft{Title: in.Title, Category: in.Category, Body: in.Body, Keywords: in.Keywords, Channels: in.Channels})
		if err != nil {
			return err
		}
		p.Title, p.Category, p.Body, p.Keywords, p.Channels = d.Title, d.Category, d.Body, d.Keywords, d.Channels
	}
	base, err := kb.State(ctx, s.d.DB, p.Article)
	if err != nil {
		return err
	}
	pr.p, pr.base = p, base
	switch action {
	case KBPublish:
		pr.target = truncate(p.Title, 100)
		pr.diff = kbDiff(nil, p)
	case KBRevise:
		pr.target = truncate("kb:"+strconv.FormatInt(cur.ID, 10)+" "+cur.Title, 100)
		pr.diff = kbDiff(cur, p)
		if len(pr.diff) == 0 {
			return ErrNoChange.With("field", "body")
		}
	case KBWithdraw:
		pr.target = truncate("kb:"+strconv.FormatInt(cur.ID, 10)+" "+cur.Title, 100)
		pr.diff = []DiffLine{{Field: "status", Title: "文章状态：" + cur.Title,
			Before: kb.StatusName(cur.Status) + "（第 " + strconv.Itoa(cur.Version) + " 版）", After: kb.StatusName(kb.StatusWithdrawn)}}
	}
	pr.impact = kbImpact(action, cur, p)
	return nil
}

// kbDiff lists the fields of the article (nil: a new one) that p changes.
func kbDiff(cur *kb.Article, p payload) []DiffLine {
	var before kb.Draft
	if cur != nil {
		before = cur.Draft()
	}
	var out []DiffLine
	add := func(field, title, b, a string) {
		if b != a {
			out = append(out, DiffLine{Field: field, Title: title, Before: b, After: a})
		}
	}
	add("title", "标题", before.Title, p.Title)
	add("category", "分类", kb.CategoryName(before.Category), kb.CategoryName(p.Category))
	add("keywords", "关键词", strings.Join(before.Keywords, "、"), strings.Join(p.Keywords, "、"))
	add("channels", "发布渠道", channelNames(before.Channels, cur == nil), channelNames(p.Channels, false))
	if before.Body != p.Body {
		out = append(out, DiffLine{Field: "body", Title: "正文", Before: clipText(before.Body), After: clipText(p.Body)})
	}
	return out
}

// channelNames names channel codes in Chinese ("全部渠道" for none unless blank).
func channelNames(codes []string, blank bool) string {
	if len(codes) == 0 {
		if blank {
			return ""
		}
		return "全部渠道"
	}
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		ch, _ := catalog.ChannelByCode(c)
		names = append(names, ch.Name)
	}
	return strings.Join(names, "、")
}

// clipText shortens a body for a diff line.
func clipText(s string) string {
	if utf8.RuneCountInString(s) <= 120 {
		return s
	}
	return string([]rune(s)[:120]) + fmt.Sprintf("…（共 %d 字）", utf8.RuneCountInString(s))
}

// kbImpact says which channels gain or lose the article.
func kbImpact(action string, cur *kb.Article, p payload) Impact {
	shows := p.Channels
	if action == KBWithdraw {
		shows = cur.Channels
	}
	var details []string
	for _, ch := range catalog.Channels() {
		if len(shows) == 0 || containsStr(shows, ch.Code) {
			details = append(details, ch.Name)
		}
	}
	n := int64(len(details))
	var summary string
	switch action {
	case KBPublish:
		summary = fmt.Sprintf("批准后在 %d 个渠道的帮助中心、智能问答和热线坐席检索中可查到此文章", n)
	case KBRevise:
		summary = fmt.Sprintf("批准后 %d 个渠道显示第 %d 版内容（当前第 %d 版）", n, cur.Version+1, cur.Version)
	default:
		summary = fmt.Sprintf("批准后 %d 个渠道不再显示此文章，热线坐席也检索不到", n)
	}
	return Impact{Summary: summary, Count: &n, Details: details}
}

func containsStr(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// applyKB writes an approved kb_article request in tx (kb writes its own
// audit record).
func (s *Service) applyKB(ctx context.Context, tx *db.Tx, p payload, r row, checker string) error {
	by := kb.Approval{Maker: r.Maker, Checker: checker, ChangeRef: object(r.ID)}
	d := kb.Draft{Title: p.Title, Category: p.Category, Body: p.Body, Keywords: p.Keywords, Channels: p.Channels}
	switch p.Action {
	case KBPublish:
		_, err := kb.PublishTx(ctx, tx, s.d.Audit, d, by)
		return err
	case KBRevise:
		return kb.ReviseTx(ctx, tx, s.d.Audit, p.Article, d, by)
	case KBWithdraw:
		return kb.WithdrawTx(ctx, tx, s.d.Audit, p.Article, by)
	}
	return fmt.Errorf("change: kb_article action %q", p.Action)
}

// describeKB is a kb_article request's Chinese title and content.
func describeKB(p payload, c map[string]any) (string, map[string]any) {
	c["action"] = p.Action
	if p.Article != 0 {
		c["article"] = p.Article
	}
	if p.Action != KBWithdraw {
		c["title"], c["body"], c["category"] = p.Title, p.Body, p.Category
		c["keywords"] = append([]string{}, p.Keywords...)
		c["channels"] = append([]string{}, p.Channels...)
	}
	switch p.Action {
	case KBPublish:
		return "发布知识库文章：" + p.Title, c
	case KBRevise:
		return fmt.Sprintf("修订知识库文章（编号 %d）：%s", p.Article, p.Title), c
	}
	return fmt.Sprintf("撤回知识库文章（编号 %d）", p.Article), c
}
