package loan_test

import (
	"context"
	"math/big"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/loan"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// addParam installs a policy version as an approved change would.
func addParam(t *testing.T, a *app.App, key, value, from string) {
	t.Helper()
	ctx := context.Background()
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		return a.Policy.AddVersion(ctx, tx, policy.Version{Key: key, Value: value, EffectiveFrom: date.MustParse(from),
			CreatedBy: "maker", ApprovedBy: "checker"})
	}); err != nil {
		t.Fatal(err)
	}
}

// checkDays360 checks the loan's stored plan independently of the schedule
// package: the principal parts and the prepaid principal add up to the
// amount disbursed; every
// instalment not yet paid has interest round(B × rate / 360 × days) with B
// the principal outstanding before it (the sum of the principal of it and
// the later instalments), rate the loan's current rate and days the actual
// days since the previous due date (the disbursement date for period 1),
// computed with math/big; for 等额本息 every such instalment but the last
// pays the loan's fixed M.
func checkDays360(t *testing.T, a *app.App, l *loan.Loan, prepaid money.Fen) []loan.Instalment {
	t.Helper()
	plan, err := a.Loan.Plan(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	var total money.Fen
	for _, in := range plan {
		total += in.Principal
	}
	if total+prepaid != l.Principal {
		t.Fatalf("principal parts add up to %s + prepaid %s, want %s", total, prepaid, l.Principal)
	}
	var after money.Fen // principal of the instalments after the current one
	for i := len(plan) - 1; i >= 0; i-- {
		in := plan[i]
		b := after + in.Principal
		after = b
		if in.Status == loan.InstPaid {
			continue
		}
		from := l.DisbursedOn
		if i > 0 {
			from = plan[i-1].DueOn
		}
		days := from.DaysUntil(in.DueOn)
		v := new(big.Rat).SetFrac(big.NewInt(int64(b)*int64(days)*l.Rate), big.NewInt(360_000_000))
		v.Add(v, big.NewRat(1, 2))
		want := new(big.Int).Quo(v.Num(), v.Denom()).Int64()
		if int64(in.Interest) != want {
			t.Errorf("period %d (%s, %d days, balance %s, rate %d): interest %s, want %d", in.Period, in.DueOn, days, b, l.Rate, in.Interest, want)
		}
		if l.Method == string(schedule.EqualInstalment) && i < len(plan)-1 && in.Payment() != l.Fixed {
			t.Errorf("period %d pays %s, want M %s", in.Period, in.Payment(), l.Fixed)
		}
	}
	return plan
}

// TestInterestBasisActual360 takes a loan contracted while loan.interest_basis
// is actual_360 through quote, contract, disbursement after the parameter
// went back to monthly, instalments, a partial prepayment and the repricing
// of 1 January: it keeps actual_360 throughout and every generated plan has
// interest by days. A loan contracted after the change is monthly.
func TestInterestBasisActual360(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2025-11-20")
		addParam(t, a, policy.LoanInterestBasis, "actual_360", "2025-11-01")
		addParam(t, a, policy.LoanInterestBasis, "monthly", "2025-11-21")
		addParam(t, a, policy.LoanRateFirstGT5Y, "25000", "2026-01-01") // a rate change for the repricing
		if b, err := a.Loan.BasisOn(ctx, date.MustParse("2025-10-31")); err != nil || b != schedule.Monthly {
			t.Fatalf("default basis %q %v", b, err)
		}
		bad := a.DB.InTx(ctx, func(tx *db.Tx) error {
			return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.LoanInterestBasis, Value: "ACT_360",
				EffectiveFrom: date.MustParse("2025-12-01"), CreatedBy: "maker", ApprovedBy: "checker"})
		})
		wantCode(t, bad, "policy.invalid_value")

		li, wang := demo.Employees[1], demo.Employees[3]
		pid := personOf(t, a, li)
		in := application(money.Yuan(200_000), 120, "equal_installment")
		q, err := a.Loan.Quote(personCtx, pid, in.QuoteInput)
		if err != nil {
			t.Fatal(err)
		}
		monthly, _ := schedule.Build(money.Yuan(200_000), 120, q.Rate, schedule.EqualInstalment)
		// Quoted on 2025-11-20 as if disbursed that day: 30 days to 2025-12-20.
		if q.Basis != schedule.Actual360 || q.Plan == nil || q.Plan.Fixed != monthly.Fixed ||
			q.Plan.Periods[0].Interest != schedule.DayInterest(money.Yuan(200_000), q.Rate, 30) ||
			q.Plan.Periods[0].Interest == monthly.Periods[0].Interest && q.Plan.Periods[1].Interest == monthly.Periods[1].Interest {
			t.Fatalf("quote basis %q plan %+v", q.Basis, q.Plan.Periods[:2])
		}

		// Contract on 2025-11-20 (actual_360 in force), disbursement on 2025-11-21 (monthly in force).
		ap, err := a.Loan.Apply(personCtx, pid, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{"staff:r1", "staff:r2"} {
			if ap, err = a.Loan.Decide(staffCtx(r), ap.ID, r, loan.DecisionApprove, "同意"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Loan.SignContract(staffCtx("staff:r2"), ap.ID, "闽(2025)福州市不动产证明第0000009号"); err != nil {
			t.Fatal(err)
		}
		setDay(t, a, "2025-11-21")
		if b, err := a.Loan.BasisOn(ctx, date.MustParse("2025-11-21")); err != nil || b != schedule.Monthly {
			t.Fatalf("basis in force on 2025-11-21: %q %v", b, err)
		}
		l, err := a.Loan.Disburse(staffCtx("staff:r2"), ap.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.InterestBasis != string(schedule.Actual360) || l.Fixed != monthly.Fixed || l.DueDay != 21 {
			t.Fatalf("loan basis %q fixed %s due day %d", l.InterestBasis, l.Fixed, l.DueDay)
		}
		plan := checkDays360(t, a, l, 0)
		if plan[0].DueOn.String() != "2025-12-21" || plan[0].Interest == schedule.MonthlyInterest(l.Principal, l.Rate) &&
			plan[2].Interest == schedule.MonthlyInterest(l.Principal-plan[0].Principal-plan[1].Principal, l.Rate) {
			t.Errorf("plan looks monthly: %+v", plan[:3])
		}

		// A loan contracted on 2025-11-21 is monthly.
		other := disburse(t, a, wang, application(money.Yuan(50_000), 60, "equal_principal"))
		if other.InterestBasis != string(schedule.Monthly) {
			t.Errorf("loan contracted under monthly has basis %q", other.InterestBasis)
		}
		op, _ := a.Loan.Plan(ctx, other)
		if op[0].Interest != schedule.MonthlyInterest(other.Principal, other.Rate) {
			t.Errorf("monthly loan first interest %s, want %s", op[0].Interest, schedule.MonthlyInterest(other.Principal, other.Rate))
		}

		// First instalment collected, then a partial prepayment (reduce) re-amortises by days.
		eodUntil(t, a, "2025-12-21", nil)
		r, err := a.Loan.Prepay(personCtx, pid, l.LoanNo, loan.PrepayInput{Amount: money.Yuan(20_000), Mode: loan.ModeReduce,
			Source: loan.SourceBank, Key: "b1"})
		if err != nil {
			t.Fatal(err)
		}
		l = r.Loan
		want, _ := schedule.Reduce(schedule.EqualInstalment, l.Balance, 119, l.Rate)
		if l.InterestBasis != string(schedule.Actual360) || r.PeriodsLeft != 119 || l.Fixed != want {
			t.Fatalf("after prepayment: basis %q periods %d fixed %s want %s", l.InterestBasis, r.PeriodsLeft, l.Fixed, want)
		}
		checkDays360(t, a, l, r.Principal)

		// Repricing on 1 January 2026 to 2.5%: re-amortised by days, basis kept.
		eodUntil(t, a, "2026-01-01", nil)
		l, err = a.Loan.Loan(ctx, 0, l.LoanNo)
		if err != nil {
			t.Fatal(err)
		}
		if l.Rate != 25000 || l.InterestBasis != string(schedule.Actual360) {
			t.Fatalf("after repricing: rate %d basis %q", l.Rate, l.InterestBasis)
		}
		checkDays360(t, a, l, r.Principal)
		apitest.VerifyClean(t, a)
	})
}
