package hotline12329_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/kb"
	"gjj/internal/platform/db"
)

type kbAnswer struct {
	Items []struct {
		ID       int64  `json:"id"`
		Title    string `json:"title"`
		Category string `json:"category"`
		Body     string `json:"body"`
		Link     string `json:"link"`
	} `json:"items"`
}

// TestAgentKnowledgeBase: an agent's signed search answers the articles
// kb.Service.Search finds on the hotline channel, best first, with the body
// and the /web/help/{id} link; an article restricted to another channel is
// never answered; the category narrows; an empty q lists the newest; an
// unsigned (wrongly signed) search is refused.
func TestAgentKnowledgeBase(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := server(t, a)
		publish := func(d kb.Draft) int64 {
			t.Helper()
			var id int64
			if err := a.DB.InTx(ctx, func(tx *db.Tx) (err error) {
				id, err = kb.PublishTx(ctx, tx, a.Audit, d, kb.Approval{Maker: "staff:maker", Checker: "staff:checker", ChangeRef: "change:t"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		hotline := publish(kb.Draft{Title: "热线专用：公积金账户冻结怎么处理", Category: kb.CategoryAccount,
			Body: "账户冻结须携带身份证到服务网点办理解冻。", Keywords: []string{"冻结"}, Channels: []string{"hotline"}})
		wechatOnly := publish(kb.Draft{Title: "微信专用：公积金账户冻结说明", Category: kb.CategoryAccount,
			Body: "账户冻结说明。", Keywords: []string{"冻结"}, Channels: []string{"wechat"}})
		bodyOnly := publish(kb.Draft{Title: "司法协助", Category: kb.CategoryGeneral,
			Body: "法院冻结个人账户的，本中心依法协助执行。", Keywords: []string{"司法"}})

		search := func(q url.Values) kbAnswer {
			t.Helper()
			q.Set("agent", "A1001")
			return apitest.Decode[kbAnswer](t, c.do(req{method: "GET", uri: "/api/hotline/v1/kb?" + q.Encode()}), http.StatusOK)
		}
		ids := func(r kbAnswer) []int64 {
			var out []int64
			for _, it := range r.Items {
				out = append(out, it.ID)
			}
			return out
		}

		got := search(url.Values{"q": {"冻结"}})
		if len(got.Items) != 2 || got.Items[0].ID != hotline || got.Items[1].ID != bodyOnly {
			t.Fatalf("冻结: %v (want title match %d first, then body match %d; never %d)", ids(got), hotline, bodyOnly, wechatOnly)
		}
		first := got.Items[0]
		if first.Link != "/web/help/"+strconv.FormatInt(hotline, 10) || first.Body == "" || first.Category != kb.CategoryAccount {
			t.Errorf("item %+v", first)
		}
		want, err := a.KB.Search(ctx, "hotline", "冻结", "", 10)
		if err != nil || len(want) != len(got.Items) {
			t.Fatalf("kb.Search %v %v", want, err)
		}

		got = search(url.Values{"q": {"冻结"}, "category": {kb.CategoryGeneral}})
		if len(got.Items) != 1 || got.Items[0].ID != bodyOnly {
			t.Errorf("category general: %v", ids(got))
		}
		got = search(url.Values{"limit": {"2"}})
		if len(got.Items) != 2 || got.Items[0].ID != bodyOnly {
			t.Errorf("newest: %v", ids(got))
		}
		for _, id := range ids(search(url.Values{"limit": {"100"}})) {
			if id == wechatOnly {
				t.Error("an article for WeChat only is listed to hotline agents")
			}
		}
		if got := search(url.Values{"q": {"没有这样的文章xyz"}}); len(got.Items) != 0 {
			t.Errorf("no match: %v", ids(got))
		}
		apitest.CheckProblem(t, c.do(req{method: "GET", uri: "/api/hotline/v1/kb?agent=A1001&q=x", sigKey: "another-key-0123456789abc"}),
			http.StatusUnauthorized, "hotline.bad_signature")
	}, withKey)
}
