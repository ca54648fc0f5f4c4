package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/notice"
)

// TestNotices: the maker proposes a notice for two channels on /admin/notices
// (a refused form keeps what was typed and shows the service's message); it
// is pending on the page and published only when the checker approves it on
// the change-request page; the auditor reads the page without the form.
func TestNotices(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		otp := apitest.NewOTP()
		maker := newUser(t, srv)
		maker.login(t, otp, "maker")
		before, err := a.Notices.List(ctx, "app", notice.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		kiosk, err := a.Notices.List(ctx, "kiosk", notice.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}

		p := html(t, maker.get(t, "/admin/notices"), http.StatusOK)
		contains(t, p, `id="notice-form"`, "暂无待复核的变更申请")
		for _, n := range before {
			contains(t, p, n.Title)
		}
		form := url.Values{"category": {"notice"}, "title": {"端午节假期业务安排"}, "body": {"6月19日至21日暂停柜面业务，网上业务正常办理。"},
			"channels": {"app", "web"}, "reason": {"节假日安排"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("title", " ")
		p = html(t, maker.post(t, "/admin/notices/changes", bad), http.StatusBadRequest)
		contains(t, p, notice.ErrTitle.Message, "6月19日至21日暂停柜面业务")
		bad.Set("title", "x")
		bad.Set("publish_at", "明天")
		contains(t, html(t, maker.post(t, "/admin/notices/changes", bad), http.StatusBadRequest), "北京时间")

		p = maker.post(t, "/admin/notices/changes", form)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/admin/changes/") {
			t.Fatalf("propose = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		rows, err := a.Changes.List(ctx, change.Filter{Status: change.StatusPending, Kind: change.KindNotice, Limit: 10})
		if err != nil || len(rows) != 1 || rows[0].Maker != "staff:maker" {
			t.Fatalf("pending notice requests %+v %v", rows, err)
		}
		r := rows[0]
		p = html(t, maker.get(t, "/admin/notices"), http.StatusOK)
		contains(t, p, `id="pending-changes"`, `href="/admin/changes/`)
		if list, _ := a.Notices.List(ctx, "app", notice.MaxLimit); len(list) != len(before) {
			t.Fatalf("published before approval: %+v", list)
		}

		// The checker approves it on the change-request page.
		checker := newUser(t, srv)
		checker.login(t, otp, "checker")
		checker.get(t, "/admin/changes")
		p = checker.post(t, "/admin/changes/"+strconv.FormatInt(r.ID, 10)+"/approve", url.Values{"comment": {"同意发布"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("approve = %d: %s", p.status, excerpt(p.body))
		}
		list, err := a.Notices.List(ctx, "app", notice.MaxLimit)
		if err != nil || len(list) != len(before)+1 || list[0].Title != "端午节假期业务安排" {
			t.Fatalf("published %+v %v", list, err)
		}
		if l, _ := a.Notices.List(ctx, "kiosk", notice.MaxLimit); len(l) != len(kiosk) {
			t.Errorf("shown on kiosk too: %+v", l)
		}
		p = html(t, checker.get(t, "/admin/notices"), http.StatusOK)
		contains(t, p, "端午节假期业务安排", "通知公告", "暂无待复核的变更申请")
		lacks(t, p, `id="notice-form"`)

		auditor := newUser(t, srv)
		auditor.login(t, otp, "auditor")
		p = html(t, auditor.get(t, "/admin/notices"), http.StatusOK)
		contains(t, p, "端午节假期业务安排")
		lacks(t, p, `id="notice-form"`)
	})
}
