package loan_test

import (
	"context"
	"testing"

	"gjj/internal/app"
	"gjj/internal/core/loan"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// staffCtx is a context acting as a staff member at the counter.
func staffCtx(who string) context.Context {
	return reqctx.WithActor(context.Background(), reqctx.Actor{ID: who, Channel: "counter"})
}

// personCtx is a context acting as the person on the app.
var personCtx = reqctx.WithActor(context.Background(), reqctx.Actor{ID: "person:test", Channel: "app"})

func setDay(t testing.TB, a *app.App, d string) {
	t.Helper()
	if _, err := a.Dates.Set(context.Background(), date.MustParse(d), true); err != nil {
		t.Fatal(err)
	}
}

// personOf returns the person id of a demo employee.
func personOf(t testing.TB, a *app.App, e demo.Employee) int64 {
	t.Helper()
	var id int64
	if err := a.DB.GetContext(context.Background(), &id, `SELECT id FROM person WHERE id_number = ?`, e.IDNumber); err != nil {
		t.Fatal(err)
	}
	return id
}

// application is a valid application of amount over term months.
func application(amount money.Fen, term int, method string) loan.ApplicationInput {
	return loan.ApplicationInput{
		QuoteInput: loan.QuoteInput{HousePrice: money.Yuan(500_000), TermMonths: term, Method: method, Home: loan.HomeFirst,
			Amount: amount},
		HouseAddress: "福州市鼓楼区示例路 8 号 1-101", SellerName: "示例房地产开发有限公司", SellerAccount: "6222999900001111",
		SellerBank: "示例银行鼓楼支行",
	}
}

// disburse takes an application of the demo employee through both review
// levels, the contract and the disbursement on the current business date.
func disburse(t testing.TB, a *app.App, e demo.Employee, in loan.ApplicationInput) *loan.Loan {
	t.Helper()
	ap, err := a.Loan.Apply(personCtx, personOf(t, a, e), in)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	for _, r := range []string{"staff:r1", "staff:r2"} {
		if ap, err = a.Loan.Decide(staffCtx(r), ap.ID, r, loan.DecisionApprove, "同意"); err != nil {
			t.Fatalf("review by %s: %v", r, err)
		}
	}
	if ap.Status != loan.AppApproved {
		t.Fatalf("after two approvals: %s", ap.Status)
	}
	if _, err := a.Loan.SignContract(staffCtx("staff:r2"), ap.ID, "闽(2025)福州市不动产证明第0000001号"); err != nil {
		t.Fatalf("contract: %v", err)
	}
	l, err := a.Loan.Disburse(staffCtx("staff:r2"), ap.ID)
	if err != nil {
		t.Fatalf("disburse: %v", err)
	}
	return l
}

// eod runs the day-end job once and fails the test on error.
func eod(t testing.TB, a *app.App) *loan.EODResult {
	t.Helper()
	r, err := a.Loan.EndOfDay(staffCtx("system:eod"), loan.EODOptions{Holder: "test"})
	if err != nil {
		t.Fatalf("eod: %v", err)
	}
	if r.Loans != nil && len(r.Loans.Failed) > 0 {
		t.Fatalf("eod %s: failed loans %v", r.Date, r.Loans.Failed)
	}
	return r
}

// eodUntil runs the day-end job until the business date is after last.
func eodUntil(t testing.TB, a *app.App, last string, before func(day date.Date)) {
	t.Helper()
	end := date.MustParse(last)
	for {
		today, err := a.Dates.Today(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if today.After(end) {
			return
		}
		if before != nil {
			before(today)
		}
		eod(t, a)
	}
}
