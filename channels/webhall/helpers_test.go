package webhall_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/channels/webhall"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/notify"
	"gjj/internal/platform/config"
)

// eachStore runs f on a demo-seeded platform on SQLite and on MariaDB + Redis.
func eachStore(t *testing.T, f func(t *testing.T, a *app.App)) {
	t.Helper()
	apitest.EachStore(t, f, quiet)
}

// quiet opens platforms logging errors only.
var quiet = apitest.WithConfig(func(c *config.Config) { c.LogLevel = "error" })

// hallServer serves the whole platform (a.Server registers the hall).
func hallServer(t testing.TB, a *app.App) *httptest.Server {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// otpText finds the code in an OTP message of the outbox.
var otpText = regexp.MustCompile(`验证码为([0-9]{6})`)

// otp returns the code of the newest SMS with the template (otp.register, …)
// sent to phone, read from the platform's SMS outbox (fails if none).
func otp(t testing.TB, a *app.App, phone, template string) string {
	t.Helper()
	msgs, err := a.Notify.Outbox(context.Background(), notify.Filter{Phone: phone, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Template == template {
			if s := otpText.FindStringSubmatch(m.Text); s != nil {
				return s[1]
			}
		}
	}
	t.Fatalf("no %s SMS to %s in the outbox", template, phone)
	return ""
}

// smsCount is the number of messages the outbox holds for phone.
func smsCount(t testing.TB, a *app.App, phone string) int {
	t.Helper()
	msgs, err := a.Notify.Outbox(context.Background(), notify.Filter{Phone: phone, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// clock is a settable clock for the identity service (lockout delays).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// appSession logs a person in on the app channel as the app API does.
func appSession(t testing.TB, a *app.App, login, password string) string {
	t.Helper()
	ctx := context.Background()
	p, err := a.Identity.LoginPerson(ctx, login, password)
	if err != nil {
		t.Fatalf("app login of %s: %v", login, err)
	}
	token, _, err := a.Identity.NewSessionFrom(ctx, *p, "app", identity.Client{IP: "10.1.2.3", UserAgent: "GJJApp/1.0 (Android 14)"})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// user is a browser without JavaScript: a cookie jar, no automatic redirects,
// and the CSRF token of the last page it read.
type user struct {
	base string
	c    *http.Client
	csrf string
}

func newUser(t testing.TB, srv *httptest.Server) *user {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &user{base: srv.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() string { return p.header.Get("Location") }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (u *user) do(t testing.TB, req *http.Request) page {
	t.Helper()
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := u.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := page{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		u.csrf = m[1]
	}
	return p
}

func (u *user) get(t testing.TB, path string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u.do(t, req)
}

// post submits a form with the current CSRF token (unless form has _csrf).
func (u *user) post(t testing.TB, path string, form url.Values) page {
	t.Helper()
	form = maps.Clone(form) // the caller's values stay as they are
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", u.csrf)
	}
	return u.postRaw(t, path, form, nil)
}

// postRaw submits a form as it is, with extra headers.
func (u *user) postRaw(t testing.TB, path string, form url.Values, header map[string]string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return u.do(t, req)
}

// login signs a person in with the password form and checks the redirect.
func (u *user) login(t testing.TB, login, password string) {
	t.Helper()
	u.get(t, "/web/login")
	p := u.post(t, "/web/login", url.Values{"login": {login}, "password": {password}})
	if p.status != http.StatusSeeOther || p.location() != "/web/" {
		t.Fatalf("login of %s = %d %q: %s", login, p.status, p.location(), excerpt(p.body))
	}
}

// loginDemo signs in the demo employee with the demo password.
func (u *user) loginDemo(t testing.TB, e demo.Employee) {
	t.Helper()
	u.login(t, e.IDNumber, demo.Password)
}

// session is the value of the hall's session cookie in the jar ("" if none).
func (u *user) session() string {
	base, _ := url.Parse(u.base + "/web/")
	for _, c := range u.c.Jar.Cookies(base) {
		if c.Name == webhall.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// setSession puts a token into the jar as the hall's session cookie.
func (u *user) setSession(token string) {
	base, _ := url.Parse(u.base + "/web/")
	u.c.Jar.SetCookies(base, []*http.Cookie{{Name: webhall.SessionCookie, Value: token, Path: "/web"}})
}

// html checks a page has the status and is HTML, and returns it.
func html(t testing.TB, p page, status int) page {
	t.Helper()
	if p.status != status {
		t.Fatalf("status = %d, want %d: %s", p.status, status, excerpt(p.body))
	}
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type = %q, want text/html", ct)
	}
	return p
}

// redirect checks a 303 to location.
func redirect(t testing.TB, p page, location string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.location() != location {
		t.Fatalf("answer = %d %q, want 303 %q: %s", p.status, p.location(), location, excerpt(p.body))
	}
}

// contains checks that the page has every text.
func contains(t testing.TB, p page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Errorf("page lacks %q: %s", s, excerpt(p.body))
		}
	}
}

// lacks checks that the page has none of the texts.
func lacks(t testing.TB, p page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.body, s) {
			t.Errorf("page shows %q: %s", s, excerpt(p.body))
		}
	}
}

// refused checks a refusal re-rendered as a page: the status, the error code
// and the Chinese message.
func refused(t testing.TB, p page, status int, code, message string) {
	t.Helper()
	html(t, p, status)
	contains(t, p, `data-code="`+code+`"`, message)
}

// excerpt is the visible text around the main part of a page, for messages.
func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	body = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	body = strings.Join(strings.Fields(body), " ")
	if len(body) > 1200 {
		body = body[:1200] + "…"
	}
	return body
}
