package appapi_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/kb"
)

type kbItem struct {
	ID           int64    `json:"id"`
	Title        string   `json:"title"`
	Category     string   `json:"category"`
	CategoryName string   `json:"category_name"`
	Keywords     []string `json:"keywords"`
	Version      int      `json:"version"`
	Snippet      string   `json:"snippet"`
	Body         string   `json:"body"`
}

// TestKB: the knowledge base without login — search ranks the demo article
// whose title matches first, an article opens with its body, articles of
// other channels and withdrawn ones are 404, bad queries are 400; every
// answer matches openapi.yaml.
func TestKB(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := server(t, a)
		search := func(q string) []kbItem {
			t.Helper()
			return apitest.Decode[struct {
				Items []kbItem `json:"items"`
			}](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/kb?" + q, Auth: "-"}), http.StatusOK).Items
		}
		hits := search("q=" + "%E8%B4%B7%E6%AC%BE%E9%A2%9D%E5%BA%A6") // 贷款额度
		if len(hits) == 0 || hits[0].Title != kb.DemoArticles[1].Title || hits[0].CategoryName != "贷款" || hits[0].Body != "" || hits[0].Snippet == "" {
			t.Fatalf("search 贷款额度: %+v", hits)
		}
		if all := search(""); len(all) != len(kb.DemoArticles) {
			t.Errorf("all: %d", len(all))
		}
		if dep := search("category=deposit"); len(dep) != 1 || dep[0].Category != "deposit" {
			t.Errorf("deposit: %+v", dep)
		}
		if one := search("limit=1"); len(one) != 1 {
			t.Errorf("limit 1: %d", len(one))
		}
		got := apitest.Decode[kbItem](t, c.Do(t, apitest.Call{Method: http.MethodGet,
			Path: base + "/kb/" + strconv.FormatInt(hits[0].ID, 10), Auth: "-"}), http.StatusOK)
		if got.Body != kb.DemoArticles[1].Body || got.Version != 1 || len(got.Keywords) == 0 {
			t.Errorf("article %+v", got)
		}

		// A web-only article is not on the app; a withdrawn one is nowhere.
		submit := func(in change.Input) {
			t.Helper()
			r, err := a.Changes.Submit(ctx, "staff:maker", in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Changes.Approve(ctx, "staff:checker", r.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		submit(change.Input{Kind: change.KindKBArticle, Action: "publish", Title: "网厅专用说明", Body: "仅网厅", Category: "general", Channels: []string{"web"}})
		submit(change.Input{Kind: change.KindKBArticle, Action: "withdraw", Article: hits[0].ID})
		webOnly, _ := a.KB.Search(ctx, "web", "网厅专用", "", 1)
		if len(webOnly) != 1 {
			t.Fatalf("web-only article: %+v", webOnly)
		}
		for _, id := range []int64{webOnly[0].ID, hits[0].ID, 999999} {
			r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/kb/" + strconv.FormatInt(id, 10), Auth: "-"})
			apitest.CheckProblem(t, r, http.StatusNotFound, "kb.not_found")
		}
		if all := search(""); len(all) != len(kb.DemoArticles)-1 {
			t.Errorf("after withdrawal: %d", len(all))
		}
		r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/kb/abc", Auth: "-"})
		apitest.CheckProblem(t, r, http.StatusNotFound, "kb.not_found")
		for q, code := range map[string]string{
			"q=" + strings.Repeat("%E5%AD%97", kb.MaxQuery+1): "kb.bad_query",
			"category=policy": "kb.bad_category",
			"limit=0":         "request.invalid_query",
		} {
			r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/kb?" + q, Auth: "-", Spec: apitest.SpecInvalid})
			apitest.CheckProblem(t, r, http.StatusBadRequest, code)
		}
	})
}
