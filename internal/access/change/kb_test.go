package change_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/kb"
	"gjj/internal/platform/errs"
)

// TestKBArticle is maker-checker end to end for knowledge-base articles:
// publish reaches the channels only after approval, with a diff and an
// impact naming the channels; a revision adds a version; a second revision
// made against the old version is stale; withdrawal takes the article off
// every channel; each apply is audited and the chain verifies.
func TestKBArticle(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		draft := change.Input{Kind: change.KindKBArticle, Action: "publish", Title: "公积金异地转移接续怎么办理？",
			Category: "general", Body: "通过全国住房公积金小程序申请转移接续。", Keywords: []string{"转移", "异地"}, Channels: []string{"app", "web"}}
		r, err := a.Changes.Submit(ctx, "staff:maker", draft)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != change.StatusPending || r.Impact.Count == nil || *r.Impact.Count != 2 ||
			!strings.Contains(r.Impact.Summary, "2 个渠道") || len(r.Diff) != 5 || r.Diff[0].After != draft.Title {
			t.Errorf("publish request %+v", r)
		}
		if hits, _ := a.KB.Search(ctx, "app", "转移", "", 0); len(hits) != 0 {
			t.Fatalf("shown before approval: %+v", hits)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", r.ID, "同意"); err != nil {
			t.Fatal(err)
		}
		hits, err := a.KB.Search(ctx, "app", "转移", "", 0)
		if err != nil || len(hits) != 1 || hits[0].Version != 1 {
			t.Fatalf("after approval: %+v %v", hits, err)
		}
		id := hits[0].ID
		if _, err := a.KB.Get(ctx, "wechat", id); errs.CodeOf(err) != "kb.not_found" {
			t.Errorf("shown on wechat: %v", err)
		}

		// Two revisions against version 1: the second approved is stale.
		rev := func(body string) *change.Request {
			in := draft
			in.Action, in.Article, in.Body = "revise", id, body
			r, err := a.Changes.Submit(ctx, "staff:maker", in)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		r1, r2 := rev("第二版正文。"), rev("另一版正文。")
		if len(r1.Diff) != 1 || r1.Diff[0].Field != "body" || !strings.Contains(r1.Impact.Summary, "第 2 版") {
			t.Errorf("revise request %+v", r1)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", r1.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", r2.ID, "")
		wantCode(t, err, "change.stale")
		if got, _ := a.KB.Get(ctx, "web", id); got.Version != 2 || got.Body != "第二版正文。" {
			t.Errorf("revised %+v", got)
		}

		// Withdraw.
		w, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindKBArticle, Action: "withdraw", Article: id})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", w.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := a.KB.Get(ctx, "app", id); errs.CodeOf(err) != "kb.not_found" {
			t.Errorf("withdrawn article shown: %v", err)
		}
		for _, action := range []string{"kb.publish", "kb.revise", "kb.withdraw"} {
			es, err := a.Audit.List(ctx, audit.Filter{Action: action, Object: "kb:" + strconv.FormatInt(id, 10)})
			if err != nil || len(es) != 1 || es[0].Actor != "staff:checker" {
				t.Errorf("%s audit %+v %v", action, es, err)
			}
		}
		apitest.VerifyClean(t, a)
	})
}

// TestKBArticleValidation: bad submissions are refused with their codes and
// nothing is stored.
func TestKBArticleValidation(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		hits, err := a.KB.Search(ctx, "web", "提取条件", "", 1)
		if err != nil || len(hits) != 1 {
			t.Fatalf("demo article: %+v %v", hits, err)
		}
		demo := hits[0].Article
		ok := change.Input{Kind: change.KindKBArticle, Action: "publish", Title: "标题", Body: "正文", Category: "loan"}
		for _, tc := range []struct {
			name  string
			actor string
			in    func(in change.Input) change.Input
			code  string
		}{
			{"no action", "staff:maker", func(in change.Input) change.Input { in.Action = ""; return in }, "change.field_required"},
			{"bad action", "staff:maker", func(in change.Input) change.Input { in.Action = "delete"; return in }, "change.bad_kb_action"},
			{"publish with article", "staff:maker", func(in change.Input) change.Input { in.Article = demo.ID; return in }, "change.field_not_allowed"},
			{"revise without article", "staff:maker", func(in change.Input) change.Input { in.Action = "revise"; return in }, "change.field_required"},
			{"unknown article", "staff:maker", func(in change.Input) change.Input { in.Action, in.Article = "revise", 99999; return in }, "kb.not_found"},
			{"withdraw with title", "staff:maker", func(in change.Input) change.Input { in.Action, in.Article = "withdraw", demo.ID; return in }, "change.field_not_allowed"},
			{"no change", "staff:maker", func(change.Input) change.Input {
				return change.Input{Kind: change.KindKBArticle, Action: "revise", Article: demo.ID, Title: demo.Title, Body: demo.Body,
					Category: demo.Category, Keywords: demo.Keywords, Channels: demo.Channels}
			}, "change.no_change"},
			{"bad category", "staff:maker", func(in change.Input) change.Input { in.Category = "news"; return in }, "kb.bad_category"},
			{"bad keyword", "staff:maker", func(in change.Input) change.Input { in.Keywords = []string{"a,b"}; return in }, "kb.bad_keywords"},
			{"effective date", "staff:maker", func(in change.Input) change.Input { in.EffectiveFrom = "2030-01-01"; return in }, "change.field_not_allowed"},
			{"not a maker", "staff:checker", func(in change.Input) change.Input { return in }, "access.forbidden"},
			{"reviewer", "staff:reviewer", func(in change.Input) change.Input { return in }, "access.forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := mine(t, a)
				_, err := a.Changes.Submit(ctx, tc.actor, tc.in(ok))
				wantCode(t, err, tc.code)
				unchanged(t, a, before)
			})
		}
		// A withdrawn article cannot be revised or withdrawn again.
		w, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindKBArticle, Action: "withdraw", Article: demo.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", w.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindKBArticle, Action: "withdraw", Article: demo.ID})
		wantCode(t, err, "kb.withdrawn")
		if got, _ := a.KB.Article(ctx, demo.ID); got.Status != kb.StatusWithdrawn {
			t.Errorf("status %s", got.Status)
		}
	})
}
