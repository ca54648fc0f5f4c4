package kb_test

import (
	"context"
	"strings"
	"testing"

	"gjj/internal/audit"
	"gjj/internal/kb"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

var by = kb.Approval{Maker: "staff:maker", Checker: "staff:checker", ChangeRef: "change:1"}

func publish(t *testing.T, d *db.DB, a *audit.Log, dr kb.Draft) int64 {
	t.Helper()
	var id int64
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		id, err = kb.PublishTx(context.Background(), tx, a, dr, by)
		return err
	})
	if err != nil {
		t.Fatalf("publish %q: %v", dr.Title, err)
	}
	return id
}

func titles(hits []kb.Hit) string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Title)
	}
	return strings.Join(out, "|")
}

func TestValidate(t *testing.T) {
	ok := kb.Draft{Title: "标题", Body: "正文", Category: kb.CategoryLoan}
	for _, tc := range []struct {
		name, code, field string
		change            func(d *kb.Draft)
	}{
		{"ok", "", "", func(d *kb.Draft) {}},
		{"no title", "kb.bad_title", "title", func(d *kb.Draft) { d.Title = " " }},
		{"long title", "kb.bad_title", "title", func(d *kb.Draft) { d.Title = strings.Repeat("长", kb.MaxTitle+1) }},
		{"no body", "kb.bad_body", "body", func(d *kb.Draft) { d.Body = "" }},
		{"bad utf-8", "kb.bad_body", "body", func(d *kb.Draft) { d.Body = "\xff" }},
		{"category", "kb.bad_category", "category", func(d *kb.Draft) { d.Category = "policy" }},
		{"keyword comma", "kb.bad_keywords", "keywords", func(d *kb.Draft) { d.Keywords = []string{"提取，租房"} }},
		{"keyword long", "kb.bad_keywords", "keywords", func(d *kb.Draft) { d.Keywords = []string{strings.Repeat("字", kb.MaxKeyword+1)} }},
		{"too many keywords", "kb.bad_keywords", "keywords", func(d *kb.Draft) {
			for i := range kb.MaxKeywords + 1 {
				d.Keywords = append(d.Keywords, strings.Repeat("词", i+1))
			}
		}},
		{"channel", "kb.bad_channel", "channels", func(d *kb.Draft) { d.Channels = []string{"app", "%"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dr := ok
			tc.change(&dr)
			_, err := kb.Validate(dr)
			e := errs.E(err)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e.Code != tc.code || e.Kind != errs.Invalid || e.Details["field"] != tc.field {
				t.Errorf("%v (%v)", err, e.Details)
			}
		})
	}
	got, err := kb.Validate(kb.Draft{Title: " 标题 ", Body: "正文", Category: kb.CategoryLoan,
		Keywords: []string{"额度", " ", "额度", "首套"}, Channels: []string{"app", "app", "web"}})
	if err != nil || got.Title != "标题" || strings.Join(got.Keywords, ",") != "额度,首套" || strings.Join(got.Channels, ",") != "app,web" {
		t.Errorf("normalised %+v %v", got, err)
	}
}

// TestSearchChannelsAndLifecycle: search ranks title over keyword over body
// hits (ties: the newest first), shows an article only on its channels, follows revisions (version +1)
// and stops at withdrawal; each write is audited; List pages and filters
// every status.
func TestSearchChannelsAndLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		s := kb.New(d, a)
		body := publish(t, d, a, kb.Draft{Title: "租房怎么办", Category: kb.CategoryWithdrawal, Body: "可以按月提取公积金支付房租"})
		kw := publish(t, d, a, kb.Draft{Title: "无房职工", Category: kb.CategoryWithdrawal, Body: "说明", Keywords: []string{"提取额度"}})
		title := publish(t, d, a, kb.Draft{Title: "提取条件", Category: kb.CategoryWithdrawal, Body: "说明"})
		apponly := publish(t, d, a, kb.Draft{Title: "APP 提取指南", Category: kb.CategoryGeneral, Body: "在APP办理", Channels: []string{"app"}})
		publish(t, d, a, kb.Draft{Title: "贷款额度", Category: kb.CategoryLoan, Body: "最高额度 100%_ 以内"})

		hits, err := s.Search(ctx, "web", "提取", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := titles(hits); got != "提取条件|无房职工|租房怎么办" {
			t.Errorf("web 提取 = %s", got)
		}
		if hits[2].ID != body || hits[1].ID != kw || hits[0].ID != title || !strings.Contains(hits[2].Snippet, "提取") {
			t.Errorf("hits %+v", hits)
		}
		if hits, _ := s.Search(ctx, "app", "提取", "", 0); titles(hits) != "APP 提取指南|提取条件|无房职工|租房怎么办" {
			t.Errorf("app 提取 = %s", titles(hits))
		}
		// Every word must match; wildcards are literal.
		for q, want := range map[string]string{"提取 房租": "租房怎么办", "%": "贷款额度", "_": "贷款额度", "100%_": "贷款额度", "无此词": ""} {
			hits, err := s.Search(ctx, "web", q, "", 0)
			if err != nil || titles(hits) != want {
				t.Errorf("search %q = %q %v, want %q", q, titles(hits), err, want)
			}
		}
		if hits, _ := s.Search(ctx, "web", "", kb.CategoryLoan, 0); titles(hits) != "贷款额度" {
			t.Errorf("category loan = %s", titles(hits))
		}
		if hits, _ := s.Search(ctx, "web", "", "", 2); len(hits) != 2 {
			t.Errorf("limit 2: %d", len(hits))
		}
		for _, tc := range []struct {
			ch, q, cat string
			limit      int
			code       string
		}{
			{"fax", "", "", 0, "kb.bad_channel"},
			{"web", strings.Repeat("长", kb.MaxQuery+1), "", 0, "kb.bad_query"},
			{"web", "", "x", 0, "kb.bad_category"},
			{"web", "", "", kb.MaxLimit + 1, "kb.bad_limit"},
		} {
			if _, err := s.Search(ctx, tc.ch, tc.q, tc.cat, tc.limit); errs.CodeOf(err) != tc.code {
				t.Errorf("%+v: %v", tc, err)
			}
		}
		if _, err := s.Get(ctx, "web", apponly); errs.CodeOf(err) != "kb.not_found" {
			t.Errorf("app-only article on web: %v", err)
		}
		if got, err := s.Get(ctx, "app", apponly); err != nil || got.Version != 1 || got.Status != kb.StatusPublished {
			t.Errorf("app-only on app: %+v %v", got, err)
		}

		// Revise, then withdraw.
		if st, _ := kb.State(ctx, d, title); st != "1/published" {
			t.Errorf("state %q", st)
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			return kb.ReviseTx(ctx, tx, a, title, kb.Draft{Title: "提取住房公积金的条件", Category: kb.CategoryWithdrawal, Body: "新说明"}, by)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, "web", title); got.Version != 2 || got.Body != "新说明" {
			t.Errorf("revised %+v", got)
		}
		err = d.InTx(ctx, func(tx *db.Tx) error { return kb.WithdrawTx(ctx, tx, a, title, by) })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "web", title); errs.CodeOf(err) != "kb.not_found" {
			t.Errorf("withdrawn article: %v", err)
		}
		if hits, _ := s.Search(ctx, "web", "提取", "", 0); titles(hits) != "无房职工|租房怎么办" {
			t.Errorf("after withdrawal = %s", titles(hits))
		}
		if st, _ := kb.State(ctx, d, title); st != "3/withdrawn" {
			t.Errorf("state %q", st)
		}
		for _, f := range []func(tx *db.Tx) error{
			func(tx *db.Tx) error { return kb.WithdrawTx(ctx, tx, a, title, by) },
			func(tx *db.Tx) error {
				return kb.ReviseTx(ctx, tx, a, title, kb.Draft{Title: "t", Category: kb.CategoryLoan, Body: "b"}, by)
			},
		} {
			if err := d.InTx(ctx, f); errs.CodeOf(err) != "kb.withdrawn" {
				t.Errorf("write to withdrawn: %v", err)
			}
		}
		for _, action := range []string{"kb.publish", "kb.revise", "kb.withdraw"} {
			es, err := a.List(ctx, audit.Filter{Action: action})
			if err != nil || len(es) == 0 || es[0].Actor != "staff:checker" || !strings.Contains(es[0].After, "change:1") {
				t.Errorf("%s audit: %+v %v", action, es, err)
			}
		}

		// The console list: every status, filters, pages.
		rows, total, err := s.List(ctx, kb.Filter{Limit: 2})
		if err != nil || total != 5 || len(rows) != 2 {
			t.Errorf("list: %d rows of %d, %v", len(rows), total, err)
		}
		rows2, _, _ := s.List(ctx, kb.Filter{Limit: 2, Offset: 2})
		if len(rows2) != 2 || rows2[0].ID == rows[0].ID || rows2[0].ID == rows[1].ID {
			t.Errorf("page 2 %+v", rows2)
		}
		if rows, total, _ := s.List(ctx, kb.Filter{Status: kb.StatusWithdrawn}); total != 1 || rows[0].ID != title {
			t.Errorf("withdrawn: %d %+v", total, rows)
		}
		if _, total, _ := s.List(ctx, kb.Filter{Q: "额度"}); total != 2 {
			t.Errorf("q 额度: %d", total)
		}
		if _, _, err := s.List(ctx, kb.Filter{Status: "draft"}); errs.CodeOf(err) != "kb.bad_status" {
			t.Errorf("bad status: %v", err)
		}
		if r, err := a.Verify(ctx, d); err != nil || !r.OK() {
			t.Errorf("audit chain: %+v %v", r, err)
		}
	})
}

func TestSeedDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := kb.New(d, audit.New(d))
		for i, want := range []int{len(kb.DemoArticles), 0} {
			n, err := s.SeedDemo(ctx)
			if err != nil || n != want {
				t.Fatalf("seed %d: %d %v", i, n, err)
			}
		}
		for q, want := range map[string]string{"提取条件": "提取住房公积金需要满足哪些条件？", "贷款额度": "住房公积金贷款额度怎么计算？",
			"缴存比例": "单位和职工的住房公积金缴存比例是多少？"} {
			hits, err := s.Search(ctx, "wechat", q, "", 1)
			if err != nil || len(hits) != 1 || hits[0].Title != want {
				t.Errorf("%s: %+v %v", q, hits, err)
			}
		}
	})
}
