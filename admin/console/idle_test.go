package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gjj/admin/console"
	"gjj/internal/apitest"
	"gjj/internal/app"
)

// TestIdleTimeout: every signed-in page carries the idle timeout for its
// timer (and the script that runs it); once the session is gone — the
// identity service ends it after that long without a request — the next
// request goes to the login page, which says the session ended for
// inactivity and returns to the page after signing in again. A browser that
// never signed in gets the plain login page.
func TestIdleTimeout(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		otp := apitest.NewOTP()
		u := newUser(t, srv)
		u.login(t, otp, "auditor")
		secs := int(console.IdleTimeout().Seconds())
		if secs != 30*60 {
			t.Errorf("idle timeout %ds", secs)
		}
		p := html(t, u.get(t, "/admin/audit"), http.StatusOK)
		contains(t, p, `data-idle-seconds="`+strconv.Itoa(secs)+`"`, `src="/admin/static/idle.js"`, `id="idle-warning" hidden`)
		js := u.get(t, "/admin/static/idle.js")
		if js.status != http.StatusOK || !strings.Contains(js.body, "expired=1") {
			t.Errorf("idle.js = %d", js.status)
		}
		p = html(t, newUser(t, srv).get(t, "/admin/login"), http.StatusOK)
		lacks(t, p, "data-idle-seconds", `id="idle-expired"`)
		contains(t, p, "30 分钟无操作将自动退出")

		// The session ends (as after 30 idle minutes) while the browser keeps its cookie.
		var token string
		for _, ck := range u.c.Jar.Cookies(mustURL(t, srv.URL+"/admin/")) {
			if ck.Name == console.SessionCookie {
				token = ck.Value
			}
		}
		if err := a.Identity.EndSession(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		p = u.get(t, "/admin/audit?action=staff.reveal")
		want := "/admin/login?expired=1&next=" + url.QueryEscape("/admin/audit?action=staff.reveal")
		if p.status != http.StatusSeeOther || p.location() != want {
			t.Fatalf("after the session ended: %d %q, want %q", p.status, p.location(), want)
		}
		p = html(t, u.get(t, p.location()), http.StatusOK)
		contains(t, p, `id="idle-expired"`, "您已超过 30 分钟未操作")
		// Signing in again returns to the page.
		form := url.Values{"username": {"auditor"}, "password": {"Demo#2026"}, "totp": {otp.Code(t, "auditor")},
			"next": {"/admin/audit?action=staff.reveal"}}
		if p := u.post(t, "/admin/login", form); p.status != http.StatusSeeOther || p.location() != "/admin/audit?action=staff.reveal" {
			t.Fatalf("login again = %d %q", p.status, p.location())
		}
		// Without any session cookie: the plain login redirect.
		if p := newUser(t, srv).get(t, "/admin/audit"); p.status != http.StatusSeeOther || strings.Contains(p.location(), "expired") {
			t.Errorf("no session: %d %q", p.status, p.location())
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
