package loan_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/loan"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

// TestQuoteLimits: each limit of §3.3 computed from the demo accounts and
// the seeded policy, the couple cap with a co-borrower, the rounding unit,
// the balance floor and existing debts.
func TestQuoteLimits(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2026-03-10")
		li, zhang := demo.Employees[1], demo.Employees[3] // 李明 5,321,000 fen; 张伟 456,700 fen (below the 20,000 floor)
		limits := func(q *loan.Quote) map[string]money.Fen {
			out := map[string]money.Fen{}
			for _, l := range q.Limits {
				if l.LimitFen != nil {
					out[l.Rule] = *l.LimitFen
				}
			}
			return out
		}
		cases := []struct {
			name     string
			who      demo.Employee
			in       loan.QuoteInput
			want     map[string]money.Fen
			limit    money.Fen
			eligible bool
		}{
			{"single", li, loan.QuoteInput{HousePrice: money.Yuan(1_000_000), TermMonths: 360, Method: "equal_installment", Home: loan.HomeFirst},
				map[string]money.Fen{"cap": money.Yuan(400_000), "price": money.Yuan(800_000), "balance": money.Yuan(532_100),
					"capacity": 439_040 * 360}, money.Yuan(400_000), true},
			{"price binds, second home 30%", li, loan.QuoteInput{HousePrice: money.Yuan(250_000) + 123, TermMonths: 240, Method: "equal_principal", Home: loan.HomeSecond},
				map[string]money.Fen{"price": 17_500_086}, money.Yuan(175_000), true},
			{"balance floor", zhang, loan.QuoteInput{HousePrice: money.Yuan(1_000_000), TermMonths: 360, Method: "equal_installment", Home: loan.HomeFirst},
				map[string]money.Fen{"balance": money.Yuan(200_000)}, money.Yuan(200_000), true},
			{"debts reduce capacity", li, loan.QuoteInput{HousePrice: money.Yuan(1_000_000), TermMonths: 60, Method: "equal_installment", Home: loan.HomeFirst,
				MonthlyDebt: money.Yuan(2_000)}, map[string]money.Fen{"capacity": (439_040 - 200_000) * 60}, 14_300_000, true},
			{"couple cap and balances", li, loan.QuoteInput{HousePrice: money.Yuan(2_000_000), TermMonths: 360, Method: "equal_installment", Home: loan.HomeFirst,
				CoBorrower: &loan.CoBorrower{AccountNo: zhang.AccountNo, IDNumber: zhang.IDNumber}},
				map[string]money.Fen{"cap": money.Yuan(600_000), "balance": money.Yuan(732_100)}, money.Yuan(600_000), true},
			{"amount above the limit", li, loan.QuoteInput{HousePrice: money.Yuan(1_000_000), TermMonths: 360, Method: "equal_installment", Home: loan.HomeFirst,
				Amount: money.Yuan(400_001)}, nil, money.Yuan(400_000), false},
		}
		for _, c := range cases {
			q, err := a.Loan.Quote(ctx, personOf(t, a, c.who), c.in)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got := limits(q)
			for rule, want := range c.want {
				if got[rule] != want {
					t.Errorf("%s: limit %s = %s, want %s", c.name, rule, got[rule], want)
				}
			}
			if q.Limit != c.limit || q.Eligible != c.eligible {
				t.Errorf("%s: limit %s eligible %v, want %s %v; checks %+v", c.name, q.Limit, q.Eligible, c.limit, c.eligible, q.Checks)
			}
			if q.Limit%money.Yuan(1_000) != 0 {
				t.Errorf("%s: limit %s not rounded to 1,000 yuan", c.name, q.Limit)
			}
		}
	})
}

// TestRetirementDate follows the 2025 reform: +1 month per 4 months of birth.
func TestRetirementDate(t *testing.T) {
	cases := []struct {
		birth string
		sex   ident.Sex
		want  string
	}{
		{"1964-12-15", ident.Male, "2024-12-15"},
		{"1965-01-15", ident.Male, "2025-02-15"},
		{"1965-05-01", ident.Male, "2025-07-01"},
		{"1976-09-01", ident.Male, "2039-09-01"},
		{"1990-01-31", ident.Male, "2053-01-31"},
		{"1969-12-01", ident.Female, "2024-12-01"},
		{"1970-01-01", ident.Female, "2025-02-01"},
		{"1988-08-18", ident.Female, "2046-08-18"},
	}
	for _, c := range cases {
		if got := loan.RetirementDate(date.MustParse(c.birth), c.sex); got.String() != c.want {
			t.Errorf("RetirementDate(%s, %s) = %s, want %s", c.birth, c.sex, got, c.want)
		}
	}
}

// TestApplicationLifecycle: apply (checks pass), one open application, the
// idempotency key, two review levels by different reviewers, reasons for a
// rejection, contract, disbursement to the seller through the bank and the
// ledger, and refusals that write nothing.
func TestApplicationLifecycle(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		setDay(t, a, "2026-03-10")
		li := demo.Employees[1]
		pid := personOf(t, a, li)
		in := application(money.Yuan(300_000), 240, "equal_installment")
		in.IdempotencyKey = "app-1"

		// Refusals first: nothing is written.
		before := apitest.Snapshot(t, a)
		old := application(money.Yuan(100_000), 120, "equal_installment")
		_, err := a.Loan.Apply(personCtx, personOf(t, a, demo.Employees[0]), old)
		wantCode(t, err, "loan.not_eligible")
		if e := errs.E(err); e.Details["rule"] != loan.CheckTerm {
			t.Errorf("rule %v", e.Details["rule"])
		}
		big := application(money.Yuan(450_000), 240, "equal_installment")
		_, err = a.Loan.Apply(personCtx, pid, big)
		wantCode(t, err, "loan.not_eligible")
		if e := errs.E(err); e.Details["rule"] != loan.CheckAmount {
			t.Errorf("rule %v", e.Details["rule"])
		}
		bad := in
		bad.SellerAccount = "12ab"
		_, err = a.Loan.Apply(personCtx, pid, bad)
		wantCode(t, err, "loan.invalid_input")
		apitest.Unchanged(t, a, before)

		ap, err := a.Loan.Apply(personCtx, pid, in)
		if err != nil {
			t.Fatal(err)
		}
		if ap.Status != loan.AppReviewing || ap.ReviewLevel != 1 || ap.Rate != 26000 || len(ap.Checks) == 0 || ap.RepayCard != demo.BankCard(li) {
			t.Fatalf("application %+v", ap)
		}
		again, err := a.Loan.Apply(personCtx, pid, in)
		if err != nil || again.ID != ap.ID || !again.Replayed {
			t.Fatalf("replay: %+v %v", again, err)
		}
		changed := in
		changed.Amount++
		_, err = a.Loan.Apply(personCtx, pid, changed)
		wantCode(t, err, "loan.idempotency_key_reused")
		other := in
		other.IdempotencyKey = "app-2"
		_, err = a.Loan.Apply(personCtx, pid, other)
		wantCode(t, err, "loan.application_open")

		// Review: level 1, then a different reviewer for level 2.
		_, err = a.Loan.Decide(staffCtx("staff:r1"), ap.ID, "staff:r1", loan.DecisionReject, "")
		wantCode(t, err, "loan.comment_required")
		if ap, err = a.Loan.Decide(staffCtx("staff:r1"), ap.ID, "staff:r1", loan.DecisionApprove, "材料齐全"); err != nil || ap.ReviewLevel != 2 || ap.Status != loan.AppReviewing {
			t.Fatalf("level 1: %+v %v", ap, err)
		}
		_, err = a.Loan.Decide(staffCtx("staff:r1"), ap.ID, "staff:r1", loan.DecisionApprove, "")
		wantCode(t, err, "loan.same_reviewer")
		_, err = a.Loan.SignContract(staffCtx("staff:r2"), ap.ID, "X")
		wantCode(t, err, "loan.status")
		if ap, err = a.Loan.Decide(staffCtx("staff:r2"), ap.ID, "staff:r2", loan.DecisionApprove, "同意"); err != nil || ap.Status != loan.AppApproved {
			t.Fatalf("level 2: %+v %v", ap, err)
		}
		if len(ap.Reviews) != 2 || ap.Reviews[0].Reviewer != "staff:r1" || ap.Reviews[1].Level != 2 {
			t.Errorf("reviews %+v", ap.Reviews)
		}
		_, err = a.Loan.Disburse(staffCtx("staff:r2"), ap.ID)
		wantCode(t, err, "loan.status")
		if ap, err = a.Loan.SignContract(staffCtx("staff:r2"), ap.ID, "闽(2026)福州市不动产证明第0000002号"); err != nil || ap.Status != loan.AppSigned || ap.ContractNo == nil {
			t.Fatalf("contract: %+v %v", ap, err)
		}

		// A seller account the bank refuses: nothing posted, still signed.
		a.LoanBank.RejectSeller(in.SellerAccount)
		before = apitest.Snapshot(t, a)
		_, err = a.Loan.Disburse(staffCtx("staff:r2"), ap.ID)
		wantCode(t, err, "loan.seller_payment_failed")
		if d := apitest.Delta(before, apitest.Snapshot(t, a)); len(d) != 1 || d["audit_log"] != 1 {
			t.Errorf("refused disbursement wrote %v", d)
		}
		a.LoanBank.SetDown(true)
		_, err = a.Loan.Disburse(staffCtx("staff:r2"), ap.ID)
		wantCode(t, err, "exchange.bank_unavailable")
		a.LoanBank.SetDown(false)
		apitest.VerifyClean(t, a)
	})
}

// TestDisbursement: the loan account, the ledger entry, the plan with due
// dates and the seller payment; disbursing twice pays once.
func TestDisbursement(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2026-01-31")
		li := demo.Employees[1]
		bank, _ := a.Ledger.Account(ctx, ledger.BankCode(app.SettlementBank))
		l := disburse(t, a, li, application(money.Yuan(200_000), 120, "equal_principal"))
		if l.Status != loan.LoanNormal || l.Balance != money.Yuan(200_000) || l.DueDay != 28 || l.MaturityOn.String() != "2036-01-28" {
			t.Fatalf("loan %+v", l)
		}
		again, err := a.Loan.Disburse(staffCtx("staff:r2"), l.ApplicationID)
		if err != nil || again.LoanNo != l.LoanNo {
			t.Fatalf("second disbursement %+v %v", again, err)
		}
		if p := a.LoanBank.Payments(); len(p) != 1 || p[0].Amount != money.Yuan(200_000) || p[0].AccountNo != "6222999900001111" {
			t.Errorf("seller payments %+v", p)
		}
		rec, err := a.Ledger.Account(ctx, ledger.LoanCode(l.LoanNo))
		if err != nil || rec.Balance != money.Yuan(200_000) || rec.Type != ledger.Asset {
			t.Errorf("receivable %+v %v", rec, err)
		}
		bank2, _ := a.Ledger.Account(ctx, ledger.BankCode(app.SettlementBank))
		if bank.Balance-bank2.Balance != money.Yuan(200_000) {
			t.Errorf("bank moved %s", bank.Balance-bank2.Balance)
		}
		plan, err := a.Loan.Plan(ctx, l)
		if err != nil || len(plan) != 120 {
			t.Fatalf("plan %d %v", len(plan), err)
		}
		if plan[0].DueOn.String() != "2026-02-28" || plan[1].DueOn.String() != "2026-03-28" || plan[0].Principal != 166_667 {
			t.Errorf("first periods %+v %+v", plan[0], plan[1])
		}
		// One open loan per person: a new application is refused by the checks.
		_, err = a.Loan.Apply(personCtx, personOf(t, a, li), application(money.Yuan(10_000), 12, "equal_installment"))
		wantCode(t, err, "loan.not_eligible")
		if out, err := a.Loan.OpenLoan(ctx, li.AccountNo); err != nil || out == nil || out.LoanNo != l.LoanNo {
			t.Errorf("outstanding %+v %v", out, err)
		}
		apitest.VerifyClean(t, a)
	})
}

// TestPrepaymentAndSettlement: the §3.8 example numbers through the core —
// a 100,000 / 12-month loan after 6 payments, 20,000 prepaid on the due date
// (no accrued interest) with reduce-payment gives 5,092.51; then shortening;
// the minimum amount; full settlement and the 结清证明.
func TestPrepaymentAndSettlement(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2022-10-10") // 2.6% for terms up to 5 years (2022-10-01)
		li := demo.Employees[1]
		pid := personOf(t, a, li)
		// Twelve months need a co-borrower's income for the capacity limit.
		in := application(money.Yuan(100_000), 12, "equal_installment")
		lin := demo.Employees[4]
		in.CoBorrower = &loan.CoBorrower{AccountNo: lin.AccountNo, IDNumber: lin.IDNumber}
		l := disburse(t, a, li, in)
		if l.Fixed != 845116 {
			t.Fatalf("M %s", l.Fixed)
		}
		eodUntil(t, a, "2023-04-10", nil) // six instalments
		l, _ = a.Loan.Loan(ctx, 0, l.LoanNo)
		if l.Balance != 5032466 {
			t.Fatalf("balance after six payments %s", l.Balance)
		}
		_, err := a.Loan.Prepay(personCtx, pid, l.LoanNo, loan.PrepayInput{Amount: money.Yuan(9_999), Mode: loan.ModeReduce, Source: loan.SourceBank, Key: "p0"})
		wantCode(t, err, "loan.prepay_amount")
		_, err = a.Loan.Prepay(personCtx, pid+1000, l.LoanNo, loan.PrepayInput{Amount: money.Yuan(20_000), Mode: loan.ModeReduce, Source: loan.SourceBank, Key: "p0"})
		wantCode(t, err, "loan.not_found")
		setDay(t, a, "2023-04-11")
		setDay(t, a, "2023-04-10") // same day as the due date: no accrued interest
		r, err := a.Loan.Prepay(personCtx, pid, l.LoanNo, loan.PrepayInput{Amount: money.Yuan(20_000), Mode: loan.ModeReduce, Source: loan.SourceBank, Key: "p1"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Principal != money.Yuan(20_000) || r.Interest != 0 || r.Fixed != 509251 || r.PeriodsLeft != 6 || r.Loan.Balance != 3032466 {
			t.Errorf("reduce: %+v", r)
		}
		r2, err := a.Loan.Prepay(personCtx, pid, l.LoanNo, loan.PrepayInput{Amount: money.Yuan(20_000), Mode: loan.ModeReduce, Source: loan.SourceBank, Key: "p1"})
		if err != nil || !r2.Replayed || r2.Principal != r.Principal {
			t.Errorf("replay %+v %v", r2, err)
		}
		if n := len(a.LoanBank.Debits()); n != 7 {
			t.Errorf("%d debits, want 6 instalments + 1 prepayment", n)
		}
		// The yearly count (2 by default) is reached after one more.
		if _, err := a.Loan.Prepay(personCtx, pid, l.LoanNo, loan.PrepayInput{Amount: money.Yuan(10_000), Mode: loan.ModeShorten, Source: loan.SourceFund, Key: "p2"}); err != nil {
			t.Fatal(err)
		}
		_, err = a.Loan.Prepay(personCtx, pid, l.LoanNo, loan.PrepayInput{Amount: money.Yuan(10_000), Mode: loan.ModeShorten, Source: loan.SourceBank, Key: "p3"})
		wantCode(t, err, "loan.prepay_count")
		if err := a.Loan.SettlementPDF(ctx, l, &discard{}); !errors.Is(err, loan.ErrNotSettled) {
			t.Errorf("certificate of an open loan: %v", err)
		}

		// Twelve days after the next due date: full settlement pays the
		// balance and its accrued interest; the loan is settled.
		eodUntil(t, a, "2023-05-10", nil)
		setDay(t, a, "2023-05-22")
		l, _ = a.Loan.Loan(ctx, 0, l.LoanNo)
		bal := l.Balance
		r3, err := a.Loan.Prepay(personCtx, pid, l.LoanNo, loan.PrepayInput{Full: true, Source: loan.SourceBank, Key: "p4"})
		if err != nil {
			t.Fatal(err)
		}
		acc := money.Fen((int64(bal)*l.Rate*12*2 + 360_000_000) / (360_000_000 * 2))
		if !r3.Settled || r3.Principal != bal || r3.Interest != acc || r3.Loan.Status != loan.LoanSettled || r3.Loan.Balance != 0 {
			t.Errorf("settlement %+v (accrued want %s)", r3, acc)
		}
		if out, _ := a.Loan.OpenLoan(ctx, li.AccountNo); out != nil {
			t.Errorf("still outstanding: %+v", out)
		}
		st, err := a.Loan.SettlementOf(ctx, r3.Loan)
		if err != nil || st.PrincipalRepaid != money.Yuan(100_000) || st.SettledOn.String() != "2023-05-22" {
			t.Errorf("settlement content %+v %v", st, err)
		}
		if rec, _ := a.Ledger.Account(ctx, ledger.LoanCode(l.LoanNo)); rec.Balance != 0 {
			t.Errorf("receivable left %s", rec.Balance)
		}
		// A settled loan is not serviced any more and a new loan may be applied for.
		if _, err := a.Loan.Apply(personCtx, pid, func() loan.ApplicationInput {
			in := application(money.Yuan(50_000), 60, "equal_installment")
			in.Home = loan.HomeSecond
			return in
		}()); err != nil {
			t.Errorf("apply after settlement: %v", err)
		}
		apitest.VerifyClean(t, a)
	})
}

type discard struct{ n int }

func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// TestOffsetPartialFund: under an offset agreement the fund account pays
// what it holds and the bank the rest, in one day-end run.
func TestOffsetPartialFund(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2026-03-10")
		zhang := demo.Employees[3] // fund balance 4,567.00, of which 4,000.00 must stay
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.WithdrawMinRetainedBalance, Value: "400000",
				EffectiveFrom: date.MustParse("2026-01-01"), CreatedBy: "maker", ApprovedBy: "checker"})
		})
		if err != nil {
			t.Fatal(err)
		}
		l := disburse(t, a, zhang, application(money.Yuan(60_000), 36, "equal_installment"))
		pid := personOf(t, a, zhang)
		if _, err := a.Loan.SignOffset(personCtx, pid, l.LoanNo, false); err != nil {
			t.Fatal(err)
		}
		_, err = a.Loan.SignOffset(personCtx, pid, l.LoanNo, false)
		wantCode(t, err, "loan.offset_exists")
		_, err = a.Loan.SignOffset(personCtx, personOf(t, a, demo.Employees[1]), l.LoanNo, false)
		wantCode(t, err, "loan.not_found")
		eodUntil(t, a, "2026-04-10", nil)
		txns, _ := a.Loan.Txns(ctx, l)
		var fund, bank money.Fen
		for _, tx := range txns {
			switch tx.Source {
			case loan.SourceFund:
				fund += tx.Amount
			case loan.SourceBank:
				bank += tx.Amount
			}
		}
		if fund != zhang.Opening-money.Yuan(4_000) || fund+bank != l.Fixed {
			t.Errorf("fund %s bank %s, want %s + rest of %s", fund, bank, zhang.Opening-money.Yuan(4_000), l.Fixed)
		}
		if pf, _ := a.Ledger.Account(ctx, ledger.PersonalCode(zhang.AccountNo)); pf.Balance != money.Yuan(4_000) {
			t.Errorf("fund balance %s", pf.Balance)
		}
		if _, err := a.Loan.CancelOffset(personCtx, pid, l.LoanNo); err != nil {
			t.Fatal(err)
		}
		_, err = a.Loan.CancelOffset(personCtx, pid, l.LoanNo)
		wantCode(t, err, "loan.no_offset")
		apitest.VerifyClean(t, a)
	})
}

// TestEODRunOnce: several instances starting the day-end job together close
// the business date exactly once; a caller expecting that date afterwards
// gets the stored result; a dead holder's run is taken over.
func TestEODRunOnce(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2026-03-10")
		l := disburse(t, a, demo.Employees[1], application(money.Yuan(30_000), 12, "equal_installment"))
		setDay(t, a, "2026-04-10") // the first instalment is due
		var wg sync.WaitGroup
		results := make([]error, 8)
		ran := make([]*loan.EODResult, 8)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ran[i], results[i] = a.Loan.EndOfDay(staffCtx("system:eod"), loan.EODOptions{Holder: "instance-" + string(rune('a'+i)),
					Expect: date.MustParse("2026-04-10")})
			}(i)
		}
		wg.Wait()
		worked := 0
		for i, err := range results {
			switch {
			case err == nil && !ran[i].Finished:
				worked++
			case err == nil && ran[i].Finished:
			case errs.KindOf(err) == errs.Busy:
			default:
				t.Errorf("instance %d: %v", i, err)
			}
		}
		today, _ := a.Dates.Today(ctx)
		if worked != 1 || today.String() != "2026-04-11" {
			t.Fatalf("%d instances ran; business date %s", worked, today)
		}
		if d := a.LoanBank.Debits(); len(d) != 1 {
			t.Errorf("%d debits", len(d))
		}
		r, err := a.Loan.EndOfDay(staffCtx("system:eod"), loan.EODOptions{Holder: "late", Expect: date.MustParse("2026-04-10")})
		if err != nil || !r.Finished || r.Loans == nil || r.Loans.Collected != 1 {
			t.Errorf("late instance: %+v %v", r, err)
		}
		_, err = a.Loan.EndOfDay(staffCtx("system:eod"), loan.EODOptions{Holder: "late", Expect: date.MustParse("2026-05-01")})
		wantCode(t, err, "eod.date_moved")

		// A run whose holder died (no heartbeat for longer than the lease).
		long := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO eod_run (biz_date, status, holder, started_at, heartbeat_at, summary)
			VALUES (?, 'running', 'dead', ?, ?, '')`, date.MustParse("2026-04-11"), long, long); err != nil {
			t.Fatal(err)
		}
		r, err = a.Loan.EndOfDay(staffCtx("system:eod"), loan.EODOptions{Holder: "rescuer"})
		if err != nil || !r.Resumed || r.Next.String() != "2026-04-12" {
			t.Errorf("take-over: %+v %v", r, err)
		}
		plan, _ := a.Loan.Plan(ctx, l)
		if plan[0].Status != loan.InstPaid {
			t.Errorf("first instalment %+v", plan[0])
		}
		apitest.VerifyClean(t, a)
	})
}

// The loan core answers the withdrawal core's loan questions.
var _ withdrawal.LoanFacts = (*loan.Service)(nil)

// TestRepayable: what a repayment withdrawal may pay on a date: principal
// outstanding, overdue interest and penalty to that date, and the interest
// accrued since the last due date.
func TestRepayable(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2026-03-10")
		li := demo.Employees[1]
		pid := personOf(t, a, li)
		if out, err := a.Loan.OutstandingLoan(ctx, pid); err != nil || out {
			t.Fatalf("outstanding before the loan: %v %v", out, err)
		}
		l := disburse(t, a, li, application(money.Yuan(30_000), 12, "equal_installment"))
		if out, err := a.Loan.OutstandingLoan(ctx, pid); err != nil || !out {
			t.Fatalf("outstanding: %v %v", out, err)
		}
		if r, err := a.Loan.Repayable(ctx, pid, date.MustParse("2026-03-10")); err != nil || r != money.Yuan(30_000) {
			t.Errorf("repayable on the disbursement day %s %v", r, err)
		}
		a.LoanBank.SetCardBalance(demo.BankCard(li), 0)
		eodUntil(t, a, "2026-04-10", nil)
		plan, _ := a.Loan.Plan(ctx, l)
		p1 := plan[0]
		if p1.Status != loan.InstOverdue {
			t.Fatalf("period 1 %+v", p1)
		}
		on := date.MustParse("2026-04-20")
		pen, _ := schedule.Penalty(p1.Principal, l.Rate, 15000, 10)
		acc, _ := schedule.AccruedInterest(money.Yuan(30_000)-p1.Principal, l.Rate, 10)
		want := money.Yuan(30_000) + p1.Interest + pen + acc
		if r, err := a.Loan.Repayable(ctx, pid, on); err != nil || r != want || pen == 0 {
			t.Errorf("repayable %s %v, want %s", r, err, want)
		}
		if r, err := a.Loan.Repayable(ctx, personOf(t, a, demo.Employees[2]), on); err != nil || r != 0 {
			t.Errorf("repayable without a loan %s %v", r, err)
		}
		apitest.VerifyClean(t, a)
	})
}
