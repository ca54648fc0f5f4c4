package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gjj/admin/console"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/policy"
)

// staff are the signed-in users of the role tests: the demo staff plus the
// two eachStore adds.
var staff = []string{"admin", "maker", "checker", "reviewer", "auditor", "hotline"}

// pageGrants says, for every console page, which of staff may open it.
var pageGrants = []struct {
	path    string
	allowed []string
}{
	{"/admin/", []string{"maker", "checker", "reviewer", "auditor"}},
	{"/admin/reviews/preregistrations", []string{"reviewer"}},
	{"/admin/reviews/deferrals", []string{"reviewer"}},
	{"/admin/reviews/withdrawals", []string{"reviewer"}},
	{"/admin/reviews/loans", []string{"reviewer"}},
	{"/admin/accounts", []string{"reviewer"}},
	{"/admin/accounts/" + demo.Employees[1].AccountNo, []string{"reviewer"}},
	{"/admin/audit", []string{"auditor"}},
	{"/admin/sms", []string{"admin", "auditor", "hotline"}},
	{"/admin/batch", []string{"admin", "reviewer", "auditor"}},
	{"/admin/params", []string{"maker", "checker", "auditor"}},
	{"/admin/params/interest.rate", []string{"maker", "checker", "auditor"}},
	{"/admin/channels", []string{"maker", "checker", "auditor"}},
	{"/admin/users", []string{"admin", "auditor"}},
	{"/admin/changes", []string{"admin", "maker", "checker", "auditor"}},
	{"/admin/notices", []string{"maker", "checker", "auditor"}},
	{"/admin/kb", []string{"maker", "checker", "auditor", "hotline"}},
	{"/admin/workorders", []string{"admin", "reviewer", "auditor", "hotline"}},
	{"/admin/sms/templates", []string{"admin", "maker", "checker", "auditor", "hotline"}},
}

// landing is where each staff member arrives after signing in: the first
// page of the menu their roles allow.
var landing = map[string]string{
	"admin": "/admin/changes", "maker": "/admin/", "checker": "/admin/", "reviewer": "/admin/", "auditor": "/admin/", "hotline": "/admin/kb",
}

// TestRoles signs every role in and opens every page: an allowed page is 200
// with the page in the menu, a refused one is the console's 403 page, the
// menu lists exactly the allowed pages, and each refusal is audited as
// console.refused. Forms of a page a role may not use are refused too, before
// anything is done.
func TestRoles(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		otp := apitest.NewOTP()
		users := map[string]*user{}
		for _, name := range staff {
			u := newUser(t, srv)
			if got := u.login(t, otp, name); got != landing[name] {
				t.Errorf("%s lands on %q, want %q", name, got, landing[name])
			}
			users[name] = u
		}
		for _, pg := range pageGrants {
			for _, name := range staff {
				t.Run(strings.TrimPrefix(pg.path, "/admin/")+"/"+name, func(t *testing.T) {
					allowed := false
					for _, n := range pg.allowed {
						allowed = allowed || n == name
					}
					before, _ := lastAudit(t, a, "console.refused")
					p := users[name].get(t, pg.path)
					if allowed {
						html(t, p, http.StatusOK)
						lacks(t, p, "无权访问")
						return
					}
					if pg.path == "/admin/" {
						// Staff without the dashboard are sent to their first page.
						if p.status != http.StatusSeeOther || p.header.Get("Location") != landing[name] {
							t.Errorf("%s at /admin/: %d → %q, want 303 → %q", name, p.status, p.header.Get("Location"), landing[name])
						}
						return
					}
					html(t, p, http.StatusForbidden)
					contains(t, p, "无权访问", "没有办理此业务的权限", `id="staff-name"`)
					e, ok := lastAudit(t, a, "console.refused")
					if !ok || e.Seq == before.Seq || e.Actor != "staff:"+name || e.Channel != console.Channel ||
						e.Result != "refused" || !strings.HasPrefix(e.Object, "/admin/") {
						t.Errorf("refusal audit %+v", e.Record)
					}
				})
			}
		}
		t.Run("menu", func(t *testing.T) {
			for _, name := range staff {
				p := users[name].get(t, landing[name])
				for _, pg := range pageGrants {
					if strings.HasPrefix(pg.path, "/admin/accounts/") || strings.HasPrefix(pg.path, "/admin/params/") {
						continue // not menu entries
					}
					allowed := false
					for _, n := range pg.allowed {
						allowed = allowed || n == name
					}
					if has := strings.Contains(p.body, `href="`+pg.path+`"`); has != allowed {
						t.Errorf("%s: menu entry %s shown = %v, want %v", name, pg.path, has, allowed)
					}
				}
			}
		})
		t.Run("refused forms", func(t *testing.T) {
			ctx := context.Background()
			pr, err := a.Deposit.SubmitPreregistration(ctx, prereg("91350104M00040001", "福州示例物流有限公司", "35010419800101001", "郑强", "13900000041"))
			if err != nil {
				t.Fatal(err)
			}
			approve := fmt.Sprintf("/admin/reviews/preregistrations/%d/approve", pr.ID)
			for _, name := range []string{"admin", "maker", "checker", "auditor", "hotline"} {
				u := users[name]
				u.get(t, landing[name]) // a fresh CSRF token
				p := html(t, u.post(t, approve, url.Values{"comment": {"同意"}}), http.StatusForbidden)
				contains(t, p, "没有办理此业务的权限")
			}
			// The change-request routes: the queue and a request for makers,
			// checkers and auditors, each propose form for its kind's makers.
			changeRoutes := []struct {
				method, path string
				refused      []string
			}{
				{http.MethodGet, "/admin/changes/1", []string{"reviewer", "hotline"}},
				{http.MethodPost, "/admin/changes/1/approve", []string{"reviewer", "hotline", "auditor"}},
				{http.MethodPost, "/admin/params/" + policy.DepositRounding + "/changes", []string{"admin", "checker", "reviewer", "auditor", "hotline"}},
				{http.MethodPost, "/admin/channels/changes", []string{"admin", "checker", "reviewer", "auditor", "hotline"}},
				{http.MethodPost, "/admin/users/changes", []string{"maker", "checker", "reviewer", "auditor", "hotline"}},
				{http.MethodPost, "/admin/notices/changes", []string{"admin", "checker", "reviewer", "auditor", "hotline"}},
				{http.MethodPost, "/admin/kb/changes", []string{"admin", "checker", "reviewer", "auditor", "hotline"}},
				{http.MethodPost, "/admin/batch/eod", []string{"admin", "maker", "checker", "auditor", "hotline"}},
				{http.MethodPost, "/admin/batch/interest", []string{"admin", "maker", "checker", "auditor", "hotline"}},
				{http.MethodGet, "/admin/workorders/1", []string{"maker", "checker"}},
				{http.MethodPost, "/admin/workorders/1/assign", []string{"admin", "maker", "checker", "auditor"}},
				{http.MethodPost, "/admin/workorders/1/reply", []string{"admin", "maker", "checker", "auditor"}},
				{http.MethodPost, "/admin/workorders/1/close", []string{"admin", "maker", "checker", "auditor"}},
				{http.MethodPost, "/admin/reviews/withdrawals/1/approve", []string{"admin", "maker", "checker", "auditor", "hotline"}},
				{http.MethodPost, "/admin/reviews/loans/1/disburse", []string{"admin", "maker", "checker", "auditor", "hotline"}},
			}
			for _, r := range changeRoutes {
				for _, name := range r.refused {
					u := users[name]
					u.get(t, landing[name])
					var p page
					if r.method == http.MethodGet {
						p = u.get(t, r.path)
					} else {
						p = u.post(t, r.path, url.Values{"reason": {"试"}})
					}
					if p.status != http.StatusForbidden || !strings.Contains(p.body, "无权访问") {
						t.Errorf("%s %s %s = %d", name, r.method, r.path, p.status)
					}
				}
			}
			u := users["reviewer"]
			u.get(t, "/admin/")
			html(t, u.post(t, "/admin/audit/verify", nil), http.StatusForbidden)
			html(t, u.post(t, "/admin/accounts/"+demo.Employees[1].AccountNo+"/reveal", url.Values{"reason": {"核对身份信息"}}), http.StatusOK)
			got, err := a.Deposit.Preregistration(ctx, pr.ID)
			if err != nil || got.Status != deposit.PreregPending {
				t.Errorf("pre-registration after refused approvals: %+v %v", got, err)
			}
		})
	})
}

// TestLogin covers the login page: a wrong factor gets the identity
// message on the form (401) and no session; a good login sets an HttpOnly
// session cookie scoped to /admin on the counter channel and honours a
// console "next" page (never another site); logout ends the session.
func TestLogin(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		otp := apitest.NewOTP()

		u := newUser(t, srv)
		p := u.get(t, "/admin/accounts?name=%E6%9D%8E%E6%98%8E")
		if p.status != http.StatusSeeOther || p.location() != "/admin/login?next=%2Fadmin%2Faccounts%3Fname%3D%25E6%259D%258E%25E6%2598%258E" {
			t.Fatalf("no session: %d %q", p.status, p.location())
		}
		html(t, u.get(t, "/admin/login?next=%2F%2Fevil.example"), http.StatusOK)
		p = html(t, u.post(t, "/admin/login", url.Values{"username": {"reviewer"}, "password": {"wrong"}, "totp": {"123456"},
			"next": {"//evil.example"}}), http.StatusUnauthorized)
		contains(t, p, "用户名、密码或动态口令不正确", `value="reviewer"`)
		lacks(t, p, "wrong", `value="//evil.example"`)
		if e, ok := lastAudit(t, a, "identity.login"); !ok || e.Result != "refused" || e.Channel != console.Channel {
			t.Errorf("failed login audit %+v", e.Record)
		}

		p = u.post(t, "/admin/login", url.Values{"username": {"reviewer"}, "password": {demo.Password}, "totp": {otp.Code(t, "reviewer")},
			"next": {"/admin/accounts?name=李明"}})
		if p.status != http.StatusSeeOther || p.location() != "/admin/accounts?name=李明" {
			t.Fatalf("login = %d %q", p.status, p.location())
		}
		var ck string
		for _, c := range p.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, console.SessionCookie+"=") {
				ck = c
			}
		}
		for _, want := range []string{console.SessionCookie + "=", "Path=/admin", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(ck, want) {
				t.Errorf("session cookie %q lacks %s", ck, want)
			}
		}
		p = html(t, u.get(t, p.location()), http.StatusOK)
		contains(t, p, "业务审核", `id="staff-name">业务审核<`, demo.Employees[1].AccountNo)
		if cc := p.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("CSP = %q", csp)
		}
		if p := u.get(t, "/admin/login"); p.status != http.StatusSeeOther || p.location() != "/admin/" {
			t.Errorf("login page while signed in = %d %q", p.status, p.location())
		}

		p = u.post(t, "/admin/logout", nil)
		if p.status != http.StatusSeeOther || p.location() != "/admin/login" {
			t.Fatalf("logout = %d %q", p.status, p.location())
		}
		if p := u.get(t, "/admin/"); p.status != http.StatusSeeOther || p.location() != "/admin/login" {
			t.Errorf("after logout = %d %q", p.status, p.location())
		}

		// An htmx request without a session is told where to sign in.
		p = u.htmx(t, "/admin/accounts?name=x")
		if p.status != http.StatusNoContent || !strings.HasPrefix(p.header.Get("HX-Redirect"), "/admin/login?next=") {
			t.Errorf("htmx without session = %d %q", p.status, p.header.Get("HX-Redirect"))
		}
		// A unit agent's or a person's session is not a staff session.
		p = u.post(t, "/admin/login", url.Values{"username": {demo.AgentID}, "password": {demo.Password}, "totp": {"000000"}})
		html(t, p, http.StatusUnauthorized)
	})
}

// TestCSRF refuses state-changing forms without the CSRF token or marked
// cross-site by the browser: 403 with the console's message, nothing done,
// the refusal audited.
func TestCSRF(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "reviewer")
		pr, err := a.Deposit.SubmitPreregistration(ctx, prereg("91350104M00050001", "福州示例建材有限公司", "35010419810202001", "钱进", "13900000051"))
		if err != nil {
			t.Fatal(err)
		}
		u.get(t, "/admin/reviews/preregistrations")
		approve := fmt.Sprintf("/admin/reviews/preregistrations/%d/approve", pr.ID)
		tests := []struct {
			name   string
			form   url.Values
			header map[string]string
		}{
			{"no token", url.Values{"comment": {"同意"}}, nil},
			{"wrong token", url.Values{"comment": {"同意"}, "_csrf": {"forged"}}, nil},
			{"cross-site", url.Values{"comment": {"同意"}, "_csrf": {u.csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := apitest.Snapshot(t, a)
				p := html(t, u.postRaw(t, approve, tt.form, tt.header), http.StatusForbidden)
				contains(t, p, "页面已失效或请求来源不明")
				apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
				if e, ok := lastAudit(t, a, "console.refused"); !ok || e.Actor != "staff:reviewer" || !strings.Contains(e.After, `"csrf"`) {
					t.Errorf("audit %+v", e.Record)
				}
			})
		}
		got, err := a.Deposit.Preregistration(ctx, pr.ID)
		if err != nil || got.Status != deposit.PreregPending {
			t.Fatalf("pre-registration: %+v %v", got, err)
		}
		// The login form needs the token too.
		p := newUser(t, srv).postRaw(t, "/admin/login", url.Values{"username": {"reviewer"}, "password": {demo.Password}, "totp": {"123456"}}, nil)
		html(t, p, http.StatusForbidden)
		// With the token the same form works.
		p = u.post(t, approve, url.Values{"comment": {"同意"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("approve with token = %d: %s", p.status, excerpt(p.body))
		}
	})
}
