package securitytest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
)

// cookieOf is the value of the named cookie an answer sets ("" if none).
func cookieOf(rec *httptest.ResponseRecorder, name string) string {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// pagePost posts a form with the given cookies (and the CSRF cookie and
// token of every page group).
func pagePost(v *env, path string, form url.Values, cookies map[string]string) *httptest.ResponseRecorder {
	form.Set("_csrf", csrfTok)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	for _, name := range csrfCookies {
		req.AddCookie(&http.Cookie{Name: name, Value: csrfTok})
	}
	for k, val := range cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: val})
	}
	rec := httptest.NewRecorder()
	v.e.ServeHTTP(rec, req)
	return rec
}

// pageGet opens a page with one cookie.
func pageGet(v *env, path, cookie, value string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/html")
	req.AddCookie(&http.Cookie{Name: cookie, Value: value})
	rec := httptest.NewRecorder()
	v.e.ServeHTTP(rec, req)
	return rec
}

// TestSessionFixationAndLogout: a session cookie planted before the login
// (an attacker's choice, or a live session of another person) is not the
// one valid after it; the login issues a fresh one; logout ends it, and the
// old cookie or token is refused afterwards — in the personal hall, the
// unit hall, the console and the app API.
func TestSessionFixationAndLogout(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		v := newEnv(t, a)
		otp := apitest.NewOTP()
		planted := "attacker-chosen-session-0123456789abcdefghijk"
		halls := []struct {
			name, cookie, login, home, logout string
			form                              url.Values
		}{
			{"personal hall", "gjj_web_session", "/web/login", "/web/", "/web/logout",
				url.Values{"login": {personA.IDNumber}, "password": {demo.Password}}},
			{"unit hall", "gjj_unit_session", "/unit/login", "/unit/", "/unit/logout",
				url.Values{"unit_code": {demo.UnitNo}, "id_number": {demo.AgentID}, "password": {demo.Password}}},
			{"console", "gjj_admin_session", "/admin/login", "/admin/", "/admin/logout",
				url.Values{"username": {"reviewer"}, "password": {demo.Password}}},
		}
		for _, h := range halls {
			t.Run(h.name, func(t *testing.T) {
				form := url.Values{}
				for k, vs := range h.form {
					form[k] = vs
				}
				if h.name != "personal hall" {
					who := "agent"
					if h.name == "console" {
						who = "reviewer"
					}
					form.Set("totp", otp.Code(t, who))
				}
				rec := pagePost(v, h.login, form, map[string]string{h.cookie: planted})
				fresh := cookieOf(rec, h.cookie)
				if rec.Code != http.StatusSeeOther || fresh == "" {
					t.Fatalf("login: %s (cookie %q)", excerpt(rec), fresh)
				}
				if fresh == planted {
					t.Fatalf("the login kept the planted session id")
				}
				if judge(pageGet(v, h.home, h.cookie, planted)) != denied {
					t.Errorf("the planted cookie opens %s after the login", h.home)
				}
				if got := pageGet(v, h.home, h.cookie, fresh); judge(got) != allowed {
					t.Fatalf("the fresh cookie does not open %s: %s", h.home, excerpt(got))
				}
				// Logging in again replaces the session: the first one ends.
				if h.name == "personal hall" {
					again := cookieOf(pagePost(v, h.login, h.form, map[string]string{h.cookie: fresh}), h.cookie)
					if again == "" || again == fresh {
						t.Errorf("a second login kept the session id")
					}
					if judge(pageGet(v, h.home, h.cookie, fresh)) != denied {
						t.Errorf("the replaced session still opens %s", h.home)
					}
					fresh = again
				}
				out := pagePost(v, h.logout, url.Values{}, map[string]string{h.cookie: fresh})
				if out.Code >= 400 {
					t.Fatalf("logout: %s", excerpt(out))
				}
				if judge(pageGet(v, h.home, h.cookie, fresh)) != denied {
					t.Errorf("the cookie still opens %s after logout", h.home)
				}
			})
		}

		t.Run("app API", func(t *testing.T) {
			login := func() string {
				req := httptest.NewRequest(http.MethodPost, "/api/app/v1/sessions",
					strings.NewReader(`{"id_number":"`+personA.IDNumber+`","password":"`+demo.Password+`"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+planted) // a planted token is ignored
				rec := httptest.NewRecorder()
				v.e.ServeHTTP(rec, req)
				var got struct {
					Token string `json:"token"`
				}
				if rec.Code != http.StatusCreated && rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Token == "" {
					t.Fatalf("app login: %s", excerpt(rec))
				}
				return got.Token
			}
			call := func(method, tok string) int {
				req := httptest.NewRequest(method, map[string]string{http.MethodGet: "/api/app/v1/account", http.MethodDelete: "/api/app/v1/sessions/current"}[method], nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				v.e.ServeHTTP(rec, req)
				return rec.Code
			}
			tok := login()
			if tok == planted {
				t.Fatal("the login answered the planted token")
			}
			if call(http.MethodGet, planted) != http.StatusUnauthorized {
				t.Errorf("the planted token works")
			}
			if c := call(http.MethodGet, tok); c != http.StatusOK {
				t.Fatalf("the new token: %d", c)
			}
			if c := call(http.MethodDelete, tok); c >= 300 {
				t.Fatalf("logout: %d", c)
			}
			if c := call(http.MethodGet, tok); c != http.StatusUnauthorized {
				t.Errorf("the token works after logout: %d", c)
			}
		})
	}, allChannels)
}

// TestOTPReplayOverHTTP cross-checks over HTTP what internal/identity tests
// at the service: a staff TOTP code logs in once (the same code again is
// refused, even with the right password), and an SMS login code works once.
func TestOTPReplayOverHTTP(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		inbox := apitest.CaptureSMS(a)
		v := newEnv(t, a)
		otp := apitest.NewOTP()
		code := otp.Code(t, "checker")
		body := []byte(`{"username":"checker","password":"` + demo.Password + `","totp":"` + code + `"}`)
		if rec := v.do(anonymous, http.MethodPost, "/api/admin/v1/sessions", body, nil); rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
			t.Fatalf("staff login: %s", excerpt(rec))
		}
		before := apitest.Snapshot(t, a)
		if rec := v.do(anonymous, http.MethodPost, "/api/admin/v1/sessions", body, nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("replayed TOTP code: %s, want 401", excerpt(rec))
		}
		d := apitest.Delta(before, apitest.Snapshot(t, a))
		if d["user_session"] != 0 {
			t.Errorf("a replayed TOTP code started a session")
		}

		// SMS login code in the personal hall: once.
		send := pagePost(v, "/web/login/sms", url.Values{"phone": {personA.Mobile}, "action": {"send"}}, nil)
		if send.Code != http.StatusOK {
			t.Fatalf("send the login code: %s", excerpt(send))
		}
		sms := inbox.Code(t, personA.Mobile, "otp.login")
		first := pagePost(v, "/web/login/sms", url.Values{"phone": {personA.Mobile}, "sms_code": {sms}}, nil)
		if first.Code != http.StatusSeeOther || cookieOf(first, "gjj_web_session") == "" {
			t.Fatalf("SMS login: %s", excerpt(first))
		}
		second := pagePost(v, "/web/login/sms", url.Values{"phone": {personA.Mobile}, "sms_code": {sms}}, nil)
		if second.Code == http.StatusSeeOther || cookieOf(second, "gjj_web_session") != "" {
			t.Errorf("the SMS code logged in twice: %s", excerpt(second))
		}
	}, allChannels)
}
