package webhall_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/access/change"
	"gjj/internal/app"
	"gjj/internal/kb"
)

// TestHelp: the help pages (帮助中心) need no login, search the articles
// published on the web channel, open one, and refuse bad searches on the page;
// articles of other channels and withdrawn ones are not found.
func TestHelp(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := hallServer(t, a)
		u := newUser(t, srv)
		p := halltest.HTML(t, u.Get(t, "/web/help"), http.StatusOK)
		for _, d := range kb.DemoArticles {
			halltest.Contains(t, p, d.Title)
		}
		p = halltest.HTML(t, u.Get(t, "/web/help?q="+url.QueryEscape("缴存比例")), http.StatusOK)
		halltest.Contains(t, p, kb.DemoArticles[2].Title)
		halltest.Lacks(t, p, kb.DemoArticles[0].Title, kb.DemoArticles[1].Title)
		p = halltest.HTML(t, u.Get(t, "/web/help?q="+url.QueryEscape("没有这样的问题")), http.StatusOK)
		halltest.Contains(t, p, `id="help-empty"`)
		p = halltest.HTML(t, u.Get(t, "/web/help?category=loan"), http.StatusOK)
		halltest.Contains(t, p, kb.DemoArticles[1].Title)
		halltest.Lacks(t, p, kb.DemoArticles[2].Title)

		hits, err := a.KB.Search(ctx, "web", "提取条件", "", 1)
		if err != nil || len(hits) != 1 {
			t.Fatalf("%+v %v", hits, err)
		}
		p = halltest.HTML(t, u.Get(t, "/web/help/"+strconv.FormatInt(hits[0].ID, 10)), http.StatusOK)
		halltest.Contains(t, p, `id="help-title">`+kb.DemoArticles[0].Title, "离休、退休的")

		refused(t, u.Get(t, "/web/help?q="+url.QueryEscape(strings.Repeat("字", kb.MaxQuery+1))), http.StatusBadRequest, "kb.bad_query", "搜索内容不超过")
		refused(t, u.Get(t, "/web/help?category=x"), http.StatusBadRequest, "kb.bad_category", "文章分类应为")

		// An app-only article and a withdrawn one are not on the web.
		for _, in := range []change.Input{
			{Kind: change.KindKBArticle, Action: "publish", Title: "APP 专用说明", Body: "仅 APP", Category: "general", Channels: []string{"app"}},
			{Kind: change.KindKBArticle, Action: "withdraw", Article: hits[0].ID},
		} {
			r, err := a.Changes.Submit(ctx, "staff:maker", in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Changes.Approve(ctx, "staff:checker", r.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		appOnly, _ := a.KB.Search(ctx, "app", "APP 专用", "", 1)
		if len(appOnly) != 1 {
			t.Fatalf("app-only: %+v", appOnly)
		}
		for _, id := range []int64{appOnly[0].ID, hits[0].ID} {
			refused(t, u.Get(t, "/web/help/"+strconv.FormatInt(id, 10)), http.StatusNotFound, "kb.not_found", "没有这篇知识库文章")
		}
		p = halltest.HTML(t, u.Get(t, "/web/help"), http.StatusOK)
		halltest.Lacks(t, p, kb.DemoArticles[0].Title, "APP 专用说明")
	})
}
