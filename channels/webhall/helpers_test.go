package webhall_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"gjj/channels/hallkit/halltest"
	"gjj/channels/webhall"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
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

// user is a browser without JavaScript (halltest.Browser) on the hall.
type user struct{ *halltest.Browser }

func newUser(t testing.TB, srv *httptest.Server) *user {
	return &user{halltest.NewBrowser(t, srv.URL)}
}

// login signs a person in with the password form and checks the redirect.
func (u *user) login(t testing.TB, login, password string) {
	t.Helper()
	u.Get(t, "/web/login")
	p := u.Post(t, "/web/login", url.Values{"login": {login}, "password": {password}})
	if p.Status != http.StatusSeeOther || p.Location() != "/web/" {
		t.Fatalf("login of %s = %d %q: %s", login, p.Status, p.Location(), halltest.Excerpt(p.Body))
	}
}

// loginDemo signs in the demo employee with the demo password.
func (u *user) loginDemo(t testing.TB, e demo.Employee) {
	t.Helper()
	u.login(t, e.IDNumber, demo.Password)
}

// session is the value of the hall's session cookie in the jar ("" if none).
func (u *user) session() string { return u.Cookie("/web/", webhall.SessionCookie) }

// setSession puts a token into the jar as the hall's session cookie.
func (u *user) setSession(token string) {
	u.SetCookie("/web/", &http.Cookie{Name: webhall.SessionCookie, Value: token, Path: "/web"})
}

// refused checks a refusal re-rendered as a page: the status, the error code
// and the Chinese message.
func refused(t testing.TB, p halltest.Page, status int, code, message string) {
	t.Helper()
	halltest.HTML(t, p, status)
	halltest.Contains(t, p, `data-code="`+code+`"`, message)
}
