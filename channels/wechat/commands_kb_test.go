package wechat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gjj/internal/app"
	"gjj/internal/kb"
	"gjj/internal/platform/db"
)

// TestHelpSearchesKnowledgeBase: 帮助 (keyword and menu button) lists the
// top knowledge-base articles shown on WeChat with links to
// /web/help/{id}; a text that is no command is a question answered with the
// matching articles (found as a whole or by the articles' keywords in it),
// never with an article restricted to another channel; a question that
// matches nothing gets the help text.
func TestHelpSearchesKnowledgeBase(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		// An article for the app only, matching the same question.
		var appOnly int64
		if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			appOnly, err = kb.PublishTx(ctx, tx, a.Audit, kb.Draft{Title: "APP 专享：退休提取办理指南", Category: kb.CategoryWithdrawal,
				Body: "退休提取在手机APP办理。", Keywords: []string{"退休", "提取"}, Channels: []string{"app"}},
				kb.Approval{Maker: "staff:maker", Checker: "staff:checker", ChangeRef: "change:test"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		link := func(id int64) string { return fmt.Sprintf("%s/web/help/%d", publicURL, id) }
		newest, err := a.KB.Search(ctx, "wechat", "", "", 3)
		if err != nil || len(newest) == 0 {
			t.Fatalf("no demo articles on wechat: %v", err)
		}
		find := func(q string) kb.Hit {
			t.Helper()
			hs, err := a.KB.Search(ctx, "wechat", q, "", 1)
			if err != nil || len(hs) != 1 {
				t.Fatalf("article %q: %v %v", q, hs, err)
			}
			return hs[0]
		}
		withdrawalArt, loanArt := find("提取住房公积金需要满足哪些条件"), find("贷款额度怎么计算")

		const from = "oKB_QUESTION_000000000000000"
		msgID := time.Now().UnixNano()
		send := func(content string) string {
			msgID++
			return parseReply(t, post(t, e, query(time.Now()), textXML(from, content, msgID))).Content
		}
		cases := []struct {
			name, text    string
			want, wantNot []string
		}{
			{"help keyword lists the newest articles", "帮助", []string{"请回复以下关键字", "常见问题", link(newest[0].ID), newest[0].Title}, nil},
			{"whole-text match", "贷款额度", []string{"为您找到", link(loanArt.ID), loanArt.Title}, []string{"请回复以下关键字"}},
			{"question matched by keywords", "我退休了，怎么提取公积金？", []string{"为您找到", link(withdrawalArt.ID)},
				[]string{link(appOnly), "APP 专享", link(loanArt.ID)}},
			{"no match gets help", "今天天气怎么样", []string{"请回复以下关键字"}, []string{"为您找到", "常见问题"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got := send(c.text)
				for _, w := range c.want {
					if !strings.Contains(got, w) {
						t.Errorf("reply lacks %q: %s", w, got)
					}
				}
				for _, w := range c.wantNot {
					if strings.Contains(got, w) {
						t.Errorf("reply shows %q: %s", w, got)
					}
				}
			})
		}
		t.Run("help button", func(t *testing.T) {
			r := parseReply(t, post(t, e, query(time.Now()), eventXML(from, "CLICK", "help", time.Now().Unix())))
			if !strings.Contains(r.Content, "常见问题") || !strings.Contains(r.Content, link(newest[0].ID)) {
				t.Errorf("help button: %s", r.Content)
			}
		})
	})
}
