package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/signing"
)

var newKeyRe = regexp.MustCompile(`id="new-key">([^<]+)<`)

// TestDevicesPage: a channel admin registers a kiosk and an agency on the
// 终端与机构 page (the key shown once, stored sealed), sees the heartbeat
// age and print counts, disables, enables and rotates; an auditor reads the
// page without forms and may not post; WeChat off, publishing the menu says so.
func TestDevicesPage(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		otp := apitest.NewOTP()
		maker := newUser(t, srv)
		maker.login(t, otp, "maker")
		p := html(t, maker.get(t, "/admin/devices"), http.StatusOK)
		contains(t, p, `href="/admin/devices"`, "尚未登记自助终端", "尚未登记数据共享机构", `id="kiosk-form"`, `id="wechat-off"`)

		p = html(t, maker.post(t, "/admin/devices/kiosks", url.Values{"id": {"K-CON-01"}, "branch": {"鼓楼网点"}, "name": {"1 号机"}}), http.StatusCreated)
		m := newKeyRe.FindStringSubmatch(p.body)
		if m == nil || len(m[1]) != 43 {
			t.Fatalf("no key shown: %s", excerpt(p.body))
		}
		key := m[1]
		if p.header.Get("Cache-Control") != "no-store" {
			t.Errorf("key page Cache-Control %q", p.header.Get("Cache-Control"))
		}
		contains(t, p, `id="kiosk-K-CON-01"`, "鼓楼网点", "从未")
		var stored string
		if err := a.DB.GetContext(ctx, &stored, `SELECT secret FROM kiosk_device WHERE id = 'K-CON-01'`); err != nil || !signing.Sealed(stored) {
			t.Fatalf("stored %q %v", stored, err)
		}
		got, err := a.Kiosk.Devices.Key(ctx, "K-CON-01")
		if err != nil || string(got) != key {
			t.Fatalf("key opens as %q %v", got, err)
		}
		// The key is not on the page again.
		lacks(t, html(t, maker.get(t, "/admin/devices"), http.StatusOK), key)
		// A duplicate: the refusal next to the forms.
		p = html(t, maker.post(t, "/admin/devices/kiosks", url.Values{"id": {"K-CON-01"}, "branch": {"鼓楼网点"}}), http.StatusConflict)
		contains(t, p, "该终端编号已登记")

		if _, err := a.Kiosk.Devices.Heartbeat(ctx, "K-CON-01", "10.0.0.8", "ok"); err != nil {
			t.Fatal(err)
		}
		p = maker.post(t, "/admin/devices/kiosks/K-CON-01/disable", nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", p.status, excerpt(p.body))
		}
		p = html(t, maker.get(t, p.location()), http.StatusOK)
		contains(t, p, "已停用自助终端 K-CON-01", "刚刚（10.0.0.8）", "启用</button>")
		if _, err := a.Kiosk.Devices.Key(ctx, "K-CON-01"); err == nil {
			t.Error("a disabled kiosk still has a key")
		}
		if e, ok := lastAudit(t, a, "kiosk.disable"); !ok || e.Actor != "staff:maker" {
			t.Errorf("disable audit %+v", e.Record)
		}
		if p = maker.post(t, "/admin/devices/kiosks/K-CON-01/enable", nil); p.status != http.StatusSeeOther {
			t.Fatalf("enable: %d", p.status)
		}
		p = html(t, maker.post(t, "/admin/devices/kiosks/K-CON-01/rotate", nil), http.StatusOK)
		m = newKeyRe.FindStringSubmatch(p.body)
		if m == nil || m[1] == key {
			t.Fatalf("rotation shows %v", m)
		}
		if got, _ := a.Kiosk.Devices.Key(ctx, "K-CON-01"); string(got) != m[1] {
			t.Error("the rotated key is not the one shown")
		}
		html(t, maker.post(t, "/admin/devices/kiosks/K-NONE/rotate", nil), http.StatusNotFound)

		p = html(t, maker.post(t, "/admin/devices/agencies", url.Values{"id": {"MZ-09"}, "name": {"市民政局"}, "kinds": {"basic", "loans"}}), http.StatusCreated)
		if newKeyRe.FindStringSubmatch(p.body) == nil {
			t.Fatal("no agency key shown")
		}
		contains(t, p, `id="agency-MZ-09"`, "基本信息、贷款明细")
		html(t, maker.post(t, "/admin/devices/agencies", url.Values{"id": {"MZ-10"}, "name": {"x"}}), http.StatusBadRequest)
		if p = maker.post(t, "/admin/devices/agencies/MZ-09/disable", nil); p.status != http.StatusSeeOther {
			t.Fatalf("agency disable: %d", p.status)
		}
		p = html(t, maker.post(t, "/admin/devices/wechat-menu", nil), http.StatusConflict)
		contains(t, p, "微信渠道未开启")

		auditor := newUser(t, srv)
		auditor.login(t, otp, "auditor")
		p = html(t, auditor.get(t, "/admin/devices"), http.StatusOK)
		contains(t, p, `id="kiosk-K-CON-01"`, `id="agency-MZ-09"`)
		lacks(t, p, `id="kiosk-form"`, "更换密钥")
		html(t, auditor.post(t, "/admin/devices/kiosks/K-CON-01/disable", nil), http.StatusForbidden)
		apitest.VerifyClean(t, a)
	})
}
