package withdrawal_test

import (
	"fmt"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/ledger"
	"gjj/internal/platform/money"
)

// later is the env's withdrawal service with a clock ahead by d (the
// reconciliation's timeout is measured on it; the database's times stay real).
func (e *env) later(d time.Duration) *withdrawal.Service {
	return withdrawal.New(withdrawal.Deps{DB: e.a.DB, Ledger: e.a.Ledger, Audit: e.a.Audit, Policy: e.a.Policy, Dates: e.a.Dates,
		Deposit: e.a.Deposit, StepUp: fakeStepUp{}, Limits: e.a.Gate, Loans: e.loans, Contracts: e.a.Housing, Property: e.a.Housing,
		Payments: e.bank, BankCode: app.SettlementBank, SMS: e.sms.send, Now: func() time.Time { return time.Now().Add(d) }})
}

func (e *env) entries(serial string) int {
	e.t.Helper()
	var n int
	if err := e.a.DB.GetContext(e.ctx, &n, `SELECT COUNT(*) FROM journal_entry WHERE serial = ?`, serial); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestReconcileMissingCallbacks: the bank's callback never arrives. Within
// the timeout nothing is asked; past it the reconciliation asks the bank and
// applies each result exactly once — paid, failed (reversed), never received
// (sent again, then paid), still pending (left) — and a second run, a late
// callback and a concurrent run change nothing more.
func TestReconcileMissingCallbacks(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		amount := money.Yuan(1_000)
		submit := func(emp demo.Employee) int64 {
			t.Helper()
			p, ctx := e.person(emp, "app")
			r, err := e.svc.Submit(ctx, p, "rc-"+emp.AccountNo, rentInput(emp, amount))
			if err != nil || r.Status != withdrawal.StatusPaying {
				t.Fatalf("%s: %+v %v", emp.Name, r, err)
			}
			return r.ID
		}
		e.bank.Hold(true) // callbacks never delivered
		paid := submit(li)
		e.bank.FailCard(demo.BankCard(chen), "收款账户状态异常")
		failed := submit(chen)
		e.bank.Hold(false)
		e.bank.Drop(true) // accepted, then lost by the bank
		lost := submit(zhang)
		e.bank.Drop(false)
		e.bank.Stall(true) // the bank still works on it
		pending := submit(wang)

		// Within the timeout: nothing is asked.
		rep, err := e.svc.Reconcile(e.ctx)
		if err != nil || rep.Checked != 0 || e.bank.Queries() != 0 {
			t.Fatalf("within the timeout: %+v %v (%d queries)", rep, err, e.bank.Queries())
		}
		late := e.later(31 * time.Minute)
		rep, err = late.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := withdrawal.ReconcileReport{Checked: 4, Paid: 1, Failed: 1, Resent: 1, Pending: 1}
		if rep != want {
			t.Errorf("report %+v, want %+v", rep, want)
		}
		status := func(id int64) string {
			got, err := e.svc.Get(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status
		}
		// The resent instruction reached the bank, which (stalled) still works on it.
		for id, st := range map[int64]string{paid: withdrawal.StatusPaid, failed: withdrawal.StatusPayFailed, lost: withdrawal.StatusPaying,
			pending: withdrawal.StatusPaying} {
			if got := status(id); got != st {
				t.Errorf("application %d: %s, want %s", id, got, st)
			}
		}
		// The bank finishes (callbacks still lost): the second run pays the
		// resent and the pending one; a third run and the late callbacks
		// change nothing.
		e.bank.Stall(false)
		e.bank.Hold(true)
		rep, err = late.Reconcile(e.ctx)
		if err != nil || rep != (withdrawal.ReconcileReport{Checked: 2, Paid: 2}) {
			t.Errorf("second run %+v %v", rep, err)
		}
		rep, err = late.Reconcile(e.ctx)
		if err != nil || rep.Checked != 0 {
			t.Errorf("third run %+v %v", rep, err)
		}
		for _, id := range []int64{paid, failed, lost, pending} {
			if err := e.bank.Deliver(e.ctx, fmt.Sprintf("WDP-%d", id)); err != nil {
				t.Errorf("late callback %d: %v", id, err)
			}
		}
		for _, id := range []int64{paid, lost, pending} {
			if n := e.entries(fmt.Sprintf("WD-PAID-%d", id)); n != 1 {
				t.Errorf("application %d: %d payment postings", id, n)
			}
		}
		if n := e.entries(fmt.Sprintf("WD-REV-%d", failed)); n != 1 || e.entries(fmt.Sprintf("WD-PAID-%d", failed)) != 0 {
			t.Errorf("failed payout: %d reversals", n)
		}
		if e.balance(chen) != chen.Opening || e.balance(li) != li.Opening-amount || e.balance(wang) != wang.Opening-amount {
			t.Errorf("balances %v %v %v", e.balance(chen), e.balance(li), e.balance(wang))
		}
		if c := e.ledgerBalance(ledger.CodeWithdrawalClearing); c != 0 {
			t.Errorf("clearing %v", c)
		}
		if n := e.sms.count("withdrawal.paid"); n != 3 {
			t.Errorf("%d paid SMS", n)
		}
		e.verify()
	})
}
