package securitytest_test

import (
	"net/http"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
)

// formRole is the caller a form is tried as: a role the matrix lets through
// (the page group's own user first), so only the CSRF check can stop it.
func formRole(want rule) role {
	for _, r := range []role{webPerson, unitAgent, kioskDevice, sysadmin, paramMaker, paramChecker, reviewer, channelAdmin,
		hotlineAgent, auditor, anonymous} {
		if want.allow.has(r) {
			return r
		}
	}
	return anonymous
}

// TestCSRFOnEveryForm: every POST route of the cookie-authenticated pages
// (/web/, /unit/, /admin/, /kiosk/, /wechat/ pages), found in the router,
// refuses a post without a CSRF token, with a wrong one and a cross-site
// one (Sec-Fetch-Site: cross-site) with 403, and nothing changes: no row,
// no state, and the caller's session still works (a refused logout does not
// log out).
func TestCSRFOnEveryForm(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		v := newEnv(t, a)
		forms := 0
		for _, rt := range routes(v.e) {
			if rt.Method != http.MethodPost || !isPage(rt.Path) {
				continue
			}
			want, ok := expectation(rt.Method, rt.Path)
			if !ok {
				t.Errorf("POST %s: not in the security matrix", rt.Path)
				continue
			}
			forms++
			r := formRole(want)
			path := concrete(rt.Path)
			for _, tt := range []struct {
				name string
				o    reqOpts
			}{
				{"no token", reqOpts{noCSRF: true}},
				{"wrong token", reqOpts{csrfField: "wrong-token-0123456789abcdefghijklmn"}},
				{"cross-site", reqOpts{header: map[string]string{"Sec-Fetch-Site": "cross-site"}}},
			} {
				if r != anonymous { // the session exists before the snapshot
					v.session(r, channelOf(r))
				}
				before := apitest.Snapshot(t, a)
				rec := v.do(r, http.MethodPost, path, nil, &tt.o)
				if rec.Code != http.StatusForbidden {
					t.Errorf("POST %s as %s, %s: %s, want 403", rt.Path, r, tt.name, excerpt(rec))
				}
				unchangedButRefusal(t, a, before, "POST "+rt.Path+" "+tt.name)
				if r != anonymous { // the session survives
					if check := v.do(r, http.MethodGet, homeOf(r), nil, nil); judge(check) != allowed {
						t.Errorf("after a refused POST %s (%s) the %s session is gone: %s", rt.Path, tt.name, r, excerpt(check))
					}
				}
			}
		}
		if forms < 40 {
			t.Errorf("only %d forms found in the router", forms)
		}
	}, allChannels)
}

// homeOf is a page a role's session may open.
func homeOf(r role) string {
	switch r {
	case webPerson:
		return "/web/"
	case unitAgent:
		return "/unit/"
	case kioskDevice:
		return "/kiosk/"
	case sysadmin:
		return "/admin/users"
	case hotlineAgent:
		return "/admin/workorders"
	}
	return "/admin/"
}

// channelOf is the identity channel of a role's cookie session.
func channelOf(r role) string {
	switch r {
	case appPerson:
		return "app"
	case webPerson:
		return "web"
	case unitAgent:
		return "unit"
	case kioskDevice:
		return "kiosk"
	}
	return "counter"
}

// unchangedButRefusal asserts that a refused call wrote nothing but, at
// most, the audit record of its refusal.
func unchangedButRefusal(t *testing.T, a *app.App, before apitest.State, what string) {
	t.Helper()
	d := apitest.Delta(before, apitest.Snapshot(t, a))
	if d["audit_log"] == 1 {
		e := apitest.LastAudit(t, a)
		if !strings.Contains(e.Action, "refus") && !strings.Contains(e.Action, "denied") && !strings.Contains(e.Action, "csrf") {
			t.Errorf("%s: audited %q %s, want only a refusal", what, e.Action, e.After)
		}
		delete(d, "audit_log")
	}
	if len(d) > 0 {
		t.Errorf("%s: rows written %v", what, d)
	}
}
