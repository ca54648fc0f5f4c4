package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/config"
	"gjj/internal/platform/db"
)

// eachStore runs f on a demo-seeded platform on SQLite and on MariaDB +
// Redis, with one more staff user: hotline (hotline_agent); the demo has
// auditor (auditor).
func eachStore(t *testing.T, f func(t *testing.T, a *app.App)) {
	t.Helper()
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		addStaff(t, a, "hotline", "热线坐席", access.RoleHotlineAgent)
		f(t, a)
	}, options()...)
}

func options() []apitest.Option {
	return []apitest.Option{apitest.WithConfig(func(c *config.Config) { c.LogLevel = "error" })}
}

// addStaff creates a staff user with the demo password and TOTP secret and
// grants the role in the center domain.
func addStaff(t testing.TB, a *app.App, username, name, role string) {
	t.Helper()
	ctx := context.Background()
	hash, err := identity.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO staff_user (username, display_name, branch, status, created_at) VALUES (?, ?, 'center', 'active', ?)`,
			username, name, now)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO credential (subject_type, subject_id, password_hash, totp_secret, failed_logins, created_at, updated_at)
			VALUES ('staff', ?, ?, ?, 0, ?, ?)`, id, hash, demo.TOTPSecret, now, now)
		return err
	})
	if err != nil {
		t.Fatalf("add staff %s: %v", username, err)
	}
	if err := a.Access.Grant(access.Grant{Subject: "staff:" + username, Role: role, Domain: access.Center}); err != nil {
		t.Fatal(err)
	}
}

// server serves the whole platform (a.Server, console included).
func server(t testing.TB, a *app.App) *httptest.Server {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
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
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
	}
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

// htmx fetches path as htmx does (HX-Request: true).
func (u *user) htmx(t testing.TB, path string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	return u.do(t, req)
}

// post submits a form with the current CSRF token (unless form has _csrf).
func (u *user) post(t testing.TB, path string, form url.Values) page {
	t.Helper()
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

// login signs a staff member in with a fresh TOTP code and returns where the
// console sent them.
func (u *user) login(t testing.TB, otp *apitest.OTP, username string) string {
	t.Helper()
	u.get(t, "/admin/login")
	p := u.post(t, "/admin/login", url.Values{"username": {username}, "password": {demo.Password}, "totp": {otp.Code(t, username)}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/admin/") {
		t.Fatalf("login %s = %d %q: %s", username, p.status, p.location(), excerpt(p.body))
	}
	return p.location()
}

// html checks a page's status and that it is HTML, and returns it.
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
			t.Errorf("page has %q: %s", s, excerpt(p.body))
		}
	}
}

// excerpt is the visible text of the main part of a page, for messages.
func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	body = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	body = strings.Join(strings.Fields(body), " ")
	if len(body) > 1500 {
		body = body[:1500] + "…"
	}
	return body
}

// lastAudit returns the newest audit entry with the action.
func lastAudit(t testing.TB, a *app.App, action string) (audit.Entry, bool) {
	t.Helper()
	rows, err := a.Audit.List(context.Background(), audit.Filter{Action: action, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return audit.Entry{}, false
	}
	return rows[0], true
}

// prereg is a valid unit pre-registration.
func prereg(usccBody, name, agentIDBody, agentName, agentMobile string) deposit.PreregInput {
	return deposit.PreregInput{USCC: apitest.USCC(usccBody), Name: name, Address: "福州市仓山区示例路 8 号", LegalRep: "吴刚", Payday: 15,
		UnitBps: 1200, PersonBps: 1200, AgentIDNumber: apitest.ResidentID(agentIDBody), AgentName: agentName, AgentMobile: agentMobile}
}
