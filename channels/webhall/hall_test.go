package webhall_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gjj/channels/hallkit/halltest"
	"gjj/channels/webhall"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
)

var (
	wang  = demo.Employees[0] // 王建国 (also the unit's agent)
	li    = demo.Employees[1] // 李明
	chen  = demo.Employees[2] // 陈芳
	zhang = demo.Employees[3] // 张伟
	lin   = demo.Unregistered // 林静, no credential yet
)

func TestLogin(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a)
		u := newUser(t, srv)

		halltest.Redirect(t, u.Get(t, "/web/"), "/web/login")
		halltest.Redirect(t, u.Get(t, "/web/statement?from=2026-01-01"), "/web/login?next=%2Fweb%2Fstatement%3Ffrom%3D2026-01-01")
		// An htmx request is told where to go instead of getting the login page swapped in.
		req, _ := http.NewRequest(http.MethodGet, u.Base+"/web/statement", nil)
		req.Header.Set("HX-Request", "true")
		if p := u.Do(t, req); p.Status != http.StatusNoContent || !strings.HasPrefix(p.Header.Get("HX-Redirect"), "/web/login") {
			t.Fatalf("htmx request without a session = %d %q", p.Status, p.Header.Get("HX-Redirect"))
		}
		login := halltest.HTML(t, u.Get(t, "/web/login?next=/web/statement"), http.StatusOK)
		halltest.Contains(t, login, "个人用户登录", "身份证号码或预留手机号", "短信验证码登录", `href="/web/register"`, `name="_csrf"`, `value="/web/statement"`)
		if csp := login.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}

		// A wrong password, an unknown ID number and an unknown mobile get the
		// same answer; the typed login stays, the password is never echoed.
		for _, login := range []string{li.IDNumber, "110105194912310101", "13999999999", "not-an-id"} {
			p := u.Post(t, "/web/login", url.Values{"login": {login}, "password": {"Wrong#2026x"}})
			refused(t, p, http.StatusUnauthorized, "identity.bad_credentials", "用户名、密码或动态口令不正确")
			halltest.Contains(t, p, `value="`+login+`"`)
			halltest.Lacks(t, p, "Wrong#2026x")
			if u.session() != "" {
				t.Fatal("a refused login set a session cookie")
			}
		}

		p := u.Post(t, "/web/login", url.Values{"login": {li.IDNumber}, "password": {demo.Password}, "next": {"/web/statement"}})
		halltest.Redirect(t, p, "/web/statement")
		sc := strings.Join(p.Header.Values("Set-Cookie"), "\n")
		for _, attr := range []string{webhall.SessionCookie + "=", "Path=/web", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(sc, attr) {
				t.Errorf("session cookie lacks %s: %s", attr, sc)
			}
		}
		if strings.Contains(sc, "Secure") {
			t.Errorf("session cookie over plain http is Secure: %s", sc)
		}
		home := halltest.HTML(t, u.Get(t, "/web/"), http.StatusOK)
		halltest.Contains(t, home, li.Name, li.AccountNo, demo.UnitName, "账户余额", "退出")
		if cc := home.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
		// A signed-in person opening the login page goes to the overview.
		halltest.Redirect(t, u.Get(t, "/web/login"), "/web/")

		// Logout ends the session: the old token no longer works.
		token := u.session()
		halltest.Redirect(t, u.Post(t, "/web/logout", nil), "/web/login?ok=logout")
		if _, err := a.Identity.Session(context.Background(), token, webhall.Channel); err == nil {
			t.Fatal("the session survived logout")
		}
		u.setSession(token)
		halltest.Redirect(t, u.Get(t, "/web/"), "/web/login")

		// The reserved mobile logs in too; an outside target is ignored.
		u.Get(t, "/web/login")
		halltest.Redirect(t, u.Post(t, "/web/login", url.Values{"login": {li.Mobile}, "password": {demo.Password}, "next": {"//evil.example/web/"}}), "/web/")
	})
}

// TestSecureCookie: behind an HTTPS proxy the session cookie is Secure.
func TestSecureCookie(t *testing.T) {
	a := apitestOpen(t)
	srv := hallServer(t, a)
	u := newUser(t, srv)
	u.Get(t, "/web/login")
	p := u.PostRaw(t, "/web/login", url.Values{"_csrf": {u.CSRF}, "login": {li.IDNumber}, "password": {demo.Password}},
		map[string]string{"X-Forwarded-Proto": "https"})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("login = %d: %s", p.Status, halltest.Excerpt(p.Body))
	}
	sc := strings.Join(p.Header.Values("Set-Cookie"), "\n")
	if !strings.Contains(sc, webhall.SessionCookie+"=") || !strings.Contains(sc, "Secure") {
		t.Errorf("session cookie behind https lacks Secure: %s", sc)
	}
}

// TestChannelTokens: a session of another channel never opens the hall, and a
// web session does not open the app.
func TestChannelTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := hallServer(t, a)
		u := newUser(t, srv)
		u.setSession(appSession(t, a, li.IDNumber, demo.Password))
		halltest.Redirect(t, u.Get(t, "/web/"), "/web/login")

		u = newUser(t, srv)
		u.loginDemo(t, li)
		if _, err := a.Identity.Session(ctx, u.session(), "app"); err == nil {
			t.Fatal("a web session opened the app channel")
		}
		// A unit agent's session (unit channel) is no person session here.
		agent := newUser(t, srv)
		p, err := a.Identity.LoginPerson(ctx, wang.IDNumber, demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Identity.NewSession(ctx, *p, "unit")
		if err != nil {
			t.Fatal(err)
		}
		agent.setSession(tok)
		halltest.Redirect(t, agent.Get(t, "/web/"), "/web/login")
	})
}

func TestCSRF(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a)
		u := newUser(t, srv)
		u.Get(t, "/web/login")
		form := url.Values{"login": {li.IDNumber}, "password": {demo.Password}}

		// No token, a wrong token, or a browser saying the form came from another site.
		for _, tc := range []struct {
			name   string
			form   url.Values
			header map[string]string
		}{
			{"no token", form, nil},
			{"wrong token", url.Values{"_csrf": {"forged"}, "login": form["login"], "password": form["password"]}, nil},
			{"cross-site", url.Values{"_csrf": {u.CSRF}, "login": form["login"], "password": form["password"]}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		} {
			p := u.PostRaw(t, "/web/login", tc.form, tc.header)
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "页面已失效或请求来源不明") {
				t.Errorf("%s: login = %d: %s", tc.name, p.Status, halltest.Excerpt(p.Body))
			}
			if u.session() != "" {
				t.Fatalf("%s: a forged login set a session", tc.name)
			}
		}
		// A same-origin browser request passes on Sec-Fetch-Site.
		halltest.Redirect(t, u.PostRaw(t, "/web/login", form, map[string]string{"Sec-Fetch-Site": "same-origin"}), "/web/")

		// Signed in, a forged certificate or password change does nothing.
		before := lastAction(t, a)
		for _, path := range []string{"/web/certificate", "/web/profile/password", "/web/sessions/revoke", "/web/logout"} {
			p := u.PostRaw(t, path, url.Values{"id": {"others"}}, nil)
			if p.Status != http.StatusForbidden {
				t.Errorf("POST %s without a token = %d", path, p.Status)
			}
		}
		if after := lastAction(t, a); after != before {
			t.Errorf("a forged request was audited: %s", after)
		}
		halltest.HTML(t, u.Get(t, "/web/"), http.StatusOK) // still signed in
	})
}

// lastAction names the newest audit record.
func lastAction(t testing.TB, a *app.App) string {
	t.Helper()
	e := apitest.LastAudit(t, a)
	return fmt.Sprintf("%d %s %s", e.Seq, e.Action, e.Object)
}

// apitestOpen opens one demo-seeded platform on SQLite.
func apitestOpen(t testing.TB) *app.App {
	t.Helper()
	return apitest.OpenApp(t, apitest.SQLite(t), quiet)
}

func TestLockout(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		clk := &clock{t: time.Now()}
		a.Identity.SetClock(clk.now)
		srv := hallServer(t, a)
		u := newUser(t, srv)
		u.Get(t, "/web/login")
		wrong := url.Values{"login": {chen.IDNumber}, "password": {"Wrong#2026x"}}
		for range 3 {
			refused(t, u.Post(t, "/web/login", wrong), http.StatusUnauthorized, "identity.bad_credentials", "用户名、密码或动态口令不正确")
		}
		// After three failures each try waits; the page says so with Retry-After.
		p := u.Post(t, "/web/login", url.Values{"login": {chen.IDNumber}, "password": {demo.Password}})
		refused(t, p, http.StatusTooManyRequests, "identity.retry_later", "登录失败次数较多，请稍后再试")
		if p.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After on a slowed-down login")
		}
		clk.add(31 * time.Second)
		refused(t, u.Post(t, "/web/login", wrong), http.StatusUnauthorized, "identity.bad_credentials", "用户名、密码或动态口令不正确")
		clk.add(31 * time.Second)
		refused(t, u.Post(t, "/web/login", wrong), http.StatusUnauthorized, "identity.locked", "账户已暂时锁定")
		clk.add(31 * time.Second)
		refused(t, u.Post(t, "/web/login", url.Values{"login": {chen.IDNumber}, "password": {demo.Password}}),
			http.StatusUnauthorized, "identity.locked", "账户已暂时锁定")
		clk.add(16 * time.Minute)
		halltest.Redirect(t, u.Post(t, "/web/login", url.Values{"login": {chen.IDNumber}, "password": {demo.Password}}), "/web/")
	})
}
