package unithall_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"gjj/channels/hallkit/halltest"
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

// user is a browser without JavaScript (halltest.Browser) on the hall.
type user struct{ *halltest.Browser }

func newUser(t testing.TB, srv *httptest.Server) *user {
	return &user{halltest.NewBrowser(t, srv.URL)}
}

// login signs the demo agent in and checks the redirect to the overview.
func (u *user) login(t testing.TB, otp *otpSteps) {
	t.Helper()
	u.Get(t, "/unit/login")
	p := u.Post(t, "/unit/login", url.Values{"unit_code": {demo.UnitNo}, "id_number": {demo.AgentID},
		"password": {demo.Password}, "totp": {otp.code(t)}})
	if p.Status != http.StatusSeeOther || p.Location() != "/unit/" {
		t.Fatalf("login = %d %q: %s", p.Status, p.Location(), halltest.Excerpt(p.Body))
	}
}
