package unithall_test

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

	"gjj/channels/unithall"
	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
)

// The second unit (taken over with deposit.ImportUnitTx) and its employee.
const (
	otherUnitNo = "100000000002"
	otherEmp    = "202000000001"
	otherName   = "周八"
)

// hallPolicy is the access rule that admits unit agents to the hall's pages.
// access.rolePolicies does not seed it yet (TestSeededPolicyAdmitsHall says
// so); until it does, the test stores get it before the enforcer loads.
var hallPolicy = []any{"p", access.RoleUnitAgent, "unit:*", "/unit/*", "GET|POST"}

// eachStore runs f on a demo-seeded platform with hallPolicy on SQLite and on
// MariaDB.
func eachStore(t *testing.T, f func(t *testing.T, a *app.App)) {
	t.Helper()
	apitest.EachStore(t, f, hallOptions(true)...)
}

// sqliteSpec is the database setting of a new SQLite file under t.TempDir().
var sqliteSpec = apitest.SQLite

// openApp opens and demo-seeds a platform on database; withHallPolicy stores
// hallPolicy first.
func openApp(t testing.TB, database string, withHallPolicy bool) *app.App {
	t.Helper()
	return apitest.OpenApp(t, database, hallOptions(withHallPolicy)...)
}

// hallOptions open the hall's platforms logging errors only and, with
// withHallPolicy, with hallPolicy stored.
func hallOptions(withHallPolicy bool) []apitest.Option {
	opts := []apitest.Option{apitest.WithConfig(func(c *config.Config) { c.LogLevel = "error" })}
	if withHallPolicy {
		opts = append(opts, apitest.BeforeOpen(storeHallPolicy))
	}
	return opts
}

// storeHallPolicy migrates the database and stores hallPolicy.
func storeHallPolicy(t testing.TB, database string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, database)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO casbin_rule (p_type, v0, v1, v2, v3) VALUES (?, ?, ?, ?, ?)`, hallPolicy...); err != nil {
		t.Fatal(err)
	}
}

// hallServer serves the platform with the hall registered after a.Server()
// (it replaces the portal's /unit/ placeholder).
func hallServer(t testing.TB, a *app.App, demoMode bool) *httptest.Server {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	unithall.Register(e, unithall.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit, Audit: a.Audit, Bank: a.Bank, Demo: demoMode})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// importOtherUnit takes over a second unit with one contributing employee.
func importOtherUnit(t testing.TB, a *app.App) {
	t.Helper()
	ctx := context.Background()
	today, err := a.Dates.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	paid := today.MonthOf().Add(-1)
	first := date.MustParseMonth("2020-01")
	in := deposit.ImportUnit{UnitNo: otherUnitNo, USCC: apitest.USCC("91350100M00020001"), Name: "另一家贸易有限公司", Address: "福州市台江区示例路 2 号",
		LegalRep: "周强", Payday: 15, UnitBps: 1200, PersonBps: 1200, FirstMonth: first, PaidThrough: paid,
		Employees: []deposit.ImportEmployee{{
			ImportPerson: deposit.ImportPerson{IDNumber: apitest.ResidentID("35010219900101001"), Name: otherName, Mobile: "13900000021"},
			AccountNo:    otherEmp, BankCard: "6222020200009999", Base: 800_000, StartMonth: first, PaidThrough: paid, Opening: 100_000}},
	}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := a.Deposit.ImportUnitTx(ctx, tx, in)
		return err
	}); err != nil {
		t.Fatalf("import the second unit: %v", err)
	}
}

// residentID completes 17 digits with the GB 11643 check character.
var residentID = apitest.ResidentID

// otpSteps hands out the demo agent's TOTP codes of steps not used yet on a
// platform (the replay guard refuses a step twice; see apitest.OTP). The zero
// value is ready to use.
type otpSteps struct{ otp apitest.OTP }

func (o *otpSteps) code(t testing.TB) string {
	t.Helper()
	return o.otp.Code(t, "agent")
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

// login signs the demo agent in and checks the redirect to the overview.
func (u *user) login(t testing.TB, otp *otpSteps) {
	t.Helper()
	u.get(t, "/unit/login")
	p := u.post(t, "/unit/login", url.Values{"unit_code": {demo.UnitNo}, "id_number": {demo.AgentID},
		"password": {demo.Password}, "totp": {otp.code(t)}})
	if p.status != http.StatusSeeOther || p.location() != "/unit/" {
		t.Fatalf("login = %d %q: %s", p.status, p.location(), excerpt(p.body))
	}
}

// html checks a page is a 200 HTML page and returns it.
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
