package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/kb"
)

// TestKBPage: the 知识库 page lists every article with filters and paging; a
// maker proposes a new article (a refused form keeps what was typed), a
// revision (the form prefilled from the article) and a withdrawal; each is
// pending until the checker approves it; auditors and 12329 agents read the
// page without the forms; a post without the CSRF token is refused.
func TestKBPage(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		otp := apitest.NewOTP()
		maker := newUser(t, srv)
		maker.login(t, otp, "maker")
		checker := newUser(t, srv)
		checker.login(t, otp, "checker")
		approve := func(kind change.Kind) {
			t.Helper()
			rows, err := a.Changes.List(ctx, change.Filter{Status: change.StatusPending, Kind: kind, Limit: 10})
			if err != nil || len(rows) != 1 {
				t.Fatalf("pending %+v %v", rows, err)
			}
			checker.get(t, "/admin/changes")
			p := checker.post(t, "/admin/changes/"+strconv.FormatInt(rows[0].ID, 10)+"/approve", url.Values{"comment": {"同意"}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("approve = %d: %s", p.status, excerpt(p.body))
			}
		}

		p := html(t, maker.get(t, "/admin/kb"), http.StatusOK)
		contains(t, p, `id="kb-form"`, `id="kb-table"`, fmt.Sprintf("共 %d 篇，第 1 / 1 页", len(kb.DemoArticles)), "暂无待复核的变更申请")
		for _, d := range kb.DemoArticles {
			contains(t, p, d.Title)
		}
		p = html(t, maker.htmx(t, "/admin/kb?category=loan"), http.StatusOK)
		contains(t, p, kb.DemoArticles[1].Title, "共 1 篇")
		lacks(t, p, kb.DemoArticles[0].Title, "<html")
		contains(t, html(t, maker.get(t, "/admin/kb?status=draft"), http.StatusBadRequest), kb.ErrStatus.Message)

		form := url.Values{"action": {"publish"}, "category": {"deposit"}, "title": {"灵活就业人员如何缴存住房公积金？"},
			"keywords": {"灵活就业，自愿缴存 个体"}, "body": {"灵活就业人员可凭身份证到服务网点或通过手机APP开立个人账户自愿缴存。"},
			"channels": {"app", "web"}, "reason": {"新增常见问题"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("category", "news")
		p = html(t, maker.post(t, "/admin/kb/changes", bad), http.StatusBadRequest)
		contains(t, p, kb.ErrCategory.Message, "灵活就业人员可凭身份证", `id="form-error"`)
		p = maker.post(t, "/admin/kb/changes", form)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/admin/changes/") {
			t.Fatalf("propose = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		p = html(t, maker.get(t, p.location()), http.StatusOK)
		contains(t, p, "发布知识库文章：灵活就业人员如何缴存住房公积金？", "灵活就业、自愿缴存、个体", "2 个渠道")
		if hits, _ := a.KB.Search(ctx, "app", "灵活就业", "", 0); len(hits) != 0 {
			t.Fatalf("published before approval")
		}
		contains(t, html(t, maker.get(t, "/admin/kb"), http.StatusOK), `id="pending-changes"`, "知识库文章")
		approve(change.KindKBArticle)
		hits, err := a.KB.Search(ctx, "app", "灵活就业", "", 0)
		if err != nil || len(hits) != 1 || strings.Join(hits[0].Keywords, ",") != "灵活就业,自愿缴存,个体" {
			t.Fatalf("after approval %+v %v", hits, err)
		}
		id := strconv.FormatInt(hits[0].ID, 10)

		// Revise from the prefilled form.
		p = html(t, maker.get(t, "/admin/kb?edit="+id), http.StatusOK)
		contains(t, p, "申请修订文章（编号 "+id+"）", `name="article" value="`+id+`"`, "灵活就业人员可凭身份证")
		rev := url.Values{}
		for k, v := range form {
			rev[k] = v
		}
		rev.Set("action", "revise")
		rev.Set("article", id)
		rev.Set("body", "灵活就业人员可通过手机APP开户，按月或按年缴存。")
		if p = maker.post(t, "/admin/kb/changes", rev); p.status != http.StatusSeeOther {
			t.Fatalf("revise = %d: %s", p.status, excerpt(p.body))
		}
		approve(change.KindKBArticle)
		if got, _ := a.KB.Get(ctx, "web", hits[0].ID); got.Version != 2 || !strings.Contains(got.Body, "按月或按年") {
			t.Errorf("revised %+v", got)
		}
		// Withdraw from the row's button.
		p = html(t, maker.get(t, "/admin/kb"), http.StatusOK)
		contains(t, p, `id="withdraw-`+id+`"`)
		if p = maker.post(t, "/admin/kb/changes", url.Values{"action": {"withdraw"}, "article": {id}}); p.status != http.StatusSeeOther {
			t.Fatalf("withdraw = %d: %s", p.status, excerpt(p.body))
		}
		approve(change.KindKBArticle)
		p = html(t, maker.get(t, "/admin/kb?status=withdrawn"), http.StatusOK)
		contains(t, p, "灵活就业人员如何缴存住房公积金？", "已撤回", "共 1 篇")
		lacks(t, p, `id="withdraw-`+id+`"`)

		// CSRF-less: refused, nothing submitted.
		n := len(mustList(t, a))
		form.Del("_csrf")
		html(t, maker.postRaw(t, "/admin/kb/changes", form, nil), http.StatusForbidden)
		if len(mustList(t, a)) != n {
			t.Errorf("a CSRF-less post submitted a request")
		}

		for _, name := range []string{"auditor", "hotline"} {
			u := newUser(t, srv)
			u.login(t, otp, name)
			p := html(t, u.get(t, "/admin/kb"), http.StatusOK)
			contains(t, p, kb.DemoArticles[0].Title)
			lacks(t, p, `id="kb-form"`, `id="withdraw-`)
		}
		apitest.VerifyClean(t, a)
	})
}

func mustList(t *testing.T, a *app.App) []change.Request {
	t.Helper()
	rows, err := a.Changes.List(context.Background(), change.Filter{Limit: change.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
