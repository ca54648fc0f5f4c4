package deposit_test

import (
	"context"
	"fmt"
	"testing"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// env is a deposit service on a fresh store with the platform's base data, the
// business date set to today and a simulated bank.
type env struct {
	t      *testing.T
	ctx    context.Context
	db     *db.DB
	svc    *deposit.Service
	ledger *ledger.Ledger
	audit  *audit.Log
	policy *policy.Store
	dates  *bizdate.Service
	bank   *exchange.Simulator
}

const bank = "102"

var today = date.MustParse("2026-11-21")

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "staff:test", Channel: "counter"})
	e := &env{t: t, ctx: ctx, db: d, audit: audit.New(d), policy: policy.New(d), bank: exchange.NewSimulator()}
	e.dates = bizdate.New(d, e.audit)
	e.ledger = ledger.New(d, e.dates)
	if _, err := e.policy.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.policy.SeedCodes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.dates.Ensure(ctx, today); err != nil {
		t.Fatal(err)
	}
	if err := e.ledger.EnsureCenterAccounts(ctx, bank); err != nil {
		t.Fatal(err)
	}
	e.svc = deposit.New(deposit.Deps{DB: d, Ledger: e.ledger, Audit: e.audit, Policy: e.policy, Dates: e.dates, Bank: e.bank, BankCode: bank})
	return e
}

// idNumber returns a distinct valid resident ID number (GB 11643) for each
// i below 16,800,000: the birth date and sequence number encode i.
func idNumber(i int) string {
	day := i / 1000
	body := fmt.Sprintf("350102%04d%02d%02d%03d", 1950+day/(12*28)%50, 1+day/28%12, 1+day%28, i%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := 0; k < 17; k++ {
		sum += int(body[k]-'0') * w[k]
	}
	return body + string("10X98765432"[sum%11])
}

// importUnit creates unit "U<n>" (credit code from codes) with employees
// contributing at base 10,000.00 (12%/12%), each with an opening balance of
// 1,000.00, paid through 2026-10. unitIdx picks distinct people and codes.
func (e *env) importUnit(unitIdx, employees int) *deposit.Unit {
	e.t.Helper()
	codes := []string{"91350100M000100Y43", "91110000802100433B", "91440300708461136T"}
	in := deposit.ImportUnit{UnitNo: fmt.Sprintf("1000000000%02d", unitIdx+1), USCC: codes[unitIdx], Name: fmt.Sprintf("测试单位%d", unitIdx+1),
		Payday: 10, UnitBps: 1200, PersonBps: 1200, FirstMonth: date.MustParseMonth("2020-01"), PaidThrough: date.MustParseMonth("2026-10")}
	for i := range employees {
		n := unitIdx*100000 + i
		in.Employees = append(in.Employees, deposit.ImportEmployee{
			ImportPerson: deposit.ImportPerson{IDNumber: idNumber(n), Name: fmt.Sprintf("职工%d", n), Mobile: fmt.Sprintf("139%08d", n)},
			AccountNo:    fmt.Sprintf("2%02d%09d", unitIdx+1, i+1), Base: 1_000_000, StartMonth: in.FirstMonth, PaidThrough: in.PaidThrough,
			Opening: money.Yuan(1000)})
	}
	u, err := db.Get(e.ctx, e.db, func(tx *db.Tx) (*deposit.Unit, error) { return e.svc.ImportUnitTx(e.ctx, tx, in) })
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) verifyBooks() {
	e.t.Helper()
	r, err := ledger.Verify(e.ctx, e.db)
	if err != nil || !r.OK() {
		e.t.Fatalf("ledger verify: %+v %v", r, err)
	}
	ar, err := e.audit.Verify(e.ctx, e.db)
	if err != nil || !ar.OK() {
		e.t.Fatalf("audit verify: %+v %v", ar, err)
	}
}
