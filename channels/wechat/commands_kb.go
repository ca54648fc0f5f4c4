package wechat

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gjj/internal/kb"
	"gjj/internal/platform/errs"
)

// Knowledge-base answers (知识库): the 帮助 keyword (and menu button) adds
// the top articles shown on the WeChat channel to the help text; a text
// that is no command is taken as a question and answered with the
// articles that match it, or with the help text when none does. Each
// article is its title and a link to the web hall's help page
// /web/help/{id}. The lookups pass the gate as GG-01 (信息发布); a closed or
// busy gate, or a failed search, answers the plain help text.

// itemPublish is the gate's service item of the knowledge base.
const itemPublish = "GG-01"

// kbHits is how many articles an answer lists.
const kbHits = 3

// helpAnswer is the help text with the top articles.
func (s *Service) helpAnswer(ctx context.Context) string {
	hits := s.kbSearch(ctx, "")
	if len(hits) == 0 {
		return s.helpText()
	}
	return s.helpText() + "\n\n常见问题：" + s.kbList(hits)
}

// questionAnswer answers a text that is no command.
func (s *Service) questionAnswer(ctx context.Context, text string) string {
	hits := s.kbSearch(ctx, text)
	if len(hits) == 0 {
		return s.helpText()
	}
	return "为您找到以下相关问题：" + s.kbList(hits) + "\n\n回复“帮助”查看可查询的业务。"
}

// kbSearch returns up to kbHits articles for q ("" the newest). A question
// that is not found as a whole is matched word by word: the articles whose
// title words or keywords occur in it, most matches first.
func (s *Service) kbSearch(ctx context.Context, q string) []kb.Hit {
	if s.d.KB == nil {
		return nil
	}
	ticket, err := s.d.Gate.Admit(ctx, Channel, itemPublish)
	if err != nil {
		if e := errs.E(err); e.Kind != errs.Busy && e.Kind != errs.Unavailable {
			s.logError(ctx, "gate", err)
		}
		return nil
	}
	hits, err := s.searchKB(ctx, strings.TrimSpace(q))
	ticket.Done(err)
	if err != nil {
		s.logError(ctx, "kb search", err)
		return nil
	}
	return hits
}

func (s *Service) searchKB(ctx context.Context, q string) ([]kb.Hit, error) {
	if q == "" || utf8.RuneCountInString(q) <= kb.MaxQuery {
		hits, err := s.d.KB.Search(ctx, Channel, q, "", kbHits)
		if err != nil || len(hits) > 0 || q == "" {
			return hits, err
		}
	}
	all, err := s.d.KB.Search(ctx, Channel, "", "", kb.MaxLimit)
	if err != nil {
		return nil, err
	}
	type scored struct {
		hit   kb.Hit
		score int
	}
	var ranked []scored
	for _, h := range all {
		n := 0
		for _, k := range h.Keywords {
			if utf8.RuneCountInString(k) >= 2 && strings.Contains(q, k) {
				n++
			}
		}
		if n > 0 {
			ranked = append(ranked, scored{h, n})
		}
	}
	slices.SortStableFunc(ranked, func(a, b scored) int { return b.score - a.score })
	out := make([]kb.Hit, 0, kbHits)
	for i := 0; i < len(ranked) && i < kbHits; i++ {
		out = append(out, ranked[i].hit)
	}
	return out, nil
}

// angle keeps a title from opening or closing a tag of the reply.
var angle = strings.NewReplacer("<", "＜", ">", "＞")

// kbList is one line per article: its title linked to the web hall's page.
func (s *Service) kbList(hits []kb.Hit) string {
	var b strings.Builder
	for i, h := range hits {
		fmt.Fprintf(&b, "\n%d. <a href=\"%s/web/help/%d\">%s</a>", i+1, s.cfg.PublicURL, h.ID, angle.Replace(h.Title))
	}
	return b.String()
}
