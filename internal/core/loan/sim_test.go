package loan_test

import (
	"context"
	"math/big"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/loan"
	"gjj/internal/demo"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
)

// ---------------------------------------------------------------------------
// An independent model of one 等额本息 loan, written from domain.md §3.7–3.9
// with exact rationals (big.Rat), sharing no code with the loan core.

type mPeriod struct {
	due                 date.Date
	principal, interest money.Fen
}

type model struct {
	rate, balance, fixed money.Fen // rate in millionths
	periods              []mPeriod // index k−1 is period k
	dueDay               int
	start                date.Date
}

func rat(v int64) *big.Rat { return new(big.Rat).SetInt64(v) }

// roundRat rounds a non-negative rational half up to an integer.
func roundRat(x *big.Rat) money.Fen {
	y := new(big.Rat).Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(y.Num(), y.Denom())
	return money.Fen(q.Int64())
}

func monthlyRate(rate money.Fen) *big.Rat { return new(big.Rat).SetFrac64(int64(rate), 12_000_000) }

// annuity is round(P·r·(1+r)^n / ((1+r)^n − 1)).
func annuity(p money.Fen, n int, rate money.Fen) money.Fen {
	r := monthlyRate(rate)
	pow := rat(1)
	base := new(big.Rat).Add(rat(1), r)
	for i := 0; i < n; i++ {
		pow.Mul(pow, base)
	}
	num := new(big.Rat).Mul(rat(int64(p)), r)
	num.Mul(num, pow)
	den := new(big.Rat).Sub(pow, rat(1))
	return roundRat(num.Quo(num, den))
}

func (m *model) due(k int) date.Date {
	mo := m.start.MonthOf().Add(k)
	return date.Of(mo.Year(), mo.Month(), m.dueDay)
}

// rebuild re-amortises balance from period `from` over n periods at fixed M.
func (m *model) rebuild(from, n int) {
	m.periods = m.periods[:from-1]
	b := m.balance
	for k := from; k < from+n; k++ {
		in := roundRat(new(big.Rat).Mul(rat(int64(b)), monthlyRate(m.rate)))
		p := m.fixed - in
		if k == from+n-1 {
			p = b
		}
		b -= p
		m.periods = append(m.periods, mPeriod{due: m.due(k), principal: p, interest: in})
	}
}

// penalty is round(amount × rate/360 × 1.5 × days).
func penalty(amount money.Fen, rate money.Fen, days int) money.Fen {
	x := new(big.Rat).SetFrac64(int64(amount)*int64(rate)*15*int64(days), 360*1_000_000*10)
	return roundRat(x)
}

// TestSimulation24Months runs a 36-month 等额本息 loan of 120,000 yuan
// through 24 months of day-end jobs — one instalment missed for ten days,
// a partial prepayment, the 1 January repricing to the 2025-05-08 rate and
// a monthly offset agreement from the fund account — and matches the plan,
// every payment, the bank debits, the ledger and the penalty against the
// independent model above.
func TestSimulation24Months(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		setDay(t, a, "2025-03-10")
		e := demo.Employees[1]
		l := disburse(t, a, e, application(money.Yuan(120_000), 36, "equal_installment"))
		if l.Rate != 23500 || l.DueDay != 10 {
			t.Fatalf("loan rate %d due day %d, want 2.35%% on the 10th", l.Rate, l.DueDay)
		}

		// The model, built the same way a person would on paper.
		m := &model{rate: 23500, balance: money.Yuan(120_000), dueDay: 10, start: date.MustParse("2025-03-10")}
		m.fixed = annuity(m.balance, 36, m.rate)
		m.rebuild(1, 36)
		if l.Fixed != m.fixed {
			t.Fatalf("M %s, model %s", l.Fixed, m.fixed)
		}
		type payment struct {
			on     date.Date
			amount money.Fen
		}
		var bankWant, fundWant []payment
		var interestWant, penaltyWant money.Fen
		missedFrom, missedTo := date.MustParse("2025-07-10"), date.MustParse("2025-07-20")
		prepayOn, repriceOn, offsetOn := date.MustParse("2025-10-20"), date.MustParse("2026-01-01"), date.MustParse("2026-06-01")
		last := date.MustParse("2027-03-10")

		next := 1 // the model's next period to collect
		var overdue *mPeriod
		card := demo.BankCard(e)
		eodUntil(t, a, last.String(), func(day date.Date) {
			switch day.String() {
			case missedFrom.String():
				a.LoanBank.SetCardBalance(card, 0)
			case missedTo.String():
				a.LoanBank.UnlimitCard(card)
			case prepayOn.String():
				r, err := a.Loan.Prepay(personCtx, personOf(t, a, e), l.LoanNo, loan.PrepayInput{Amount: money.Yuan(20_000),
					Mode: loan.ModeReduce, Source: loan.SourceBank, Key: "sim-prepay-1"})
				if err != nil {
					t.Fatalf("prepay: %v", err)
				}
				// Model: K = B(1 + r·d/30), d = days since the last due date.
				days := m.periods[next-2].due.DaysUntil(day)
				k := money.Yuan(20_000)
				den := new(big.Rat).Add(rat(1), new(big.Rat).Mul(monthlyRate(m.rate), big.NewRat(int64(days), 30)))
				p := roundRat(new(big.Rat).Quo(rat(int64(k)), den))
				if r.Principal != p || r.Interest != k-p {
					t.Fatalf("prepay split %s + %s, model %s + %s", r.Principal, r.Interest, p, k-p)
				}
				bankWant = append(bankWant, payment{day, k})
				interestWant += k - p
				m.balance -= p
				left := len(m.periods) - next + 1
				m.fixed = annuity(m.balance, left, m.rate)
				m.rebuild(next, left)
				if r.Fixed != m.fixed || r.PeriodsLeft != left {
					t.Fatalf("after prepayment M %s left %d, model %s %d", r.Fixed, r.PeriodsLeft, m.fixed, left)
				}
			case offsetOn.String():
				if _, err := a.Loan.SignOffset(personCtx, personOf(t, a, e), l.LoanNo, false); err != nil {
					t.Fatalf("offset: %v", err)
				}
			}
			if day.String() == repriceOn.String() {
				// Existing loans take the rate in force on 1 January from the
				// next instalment on (2.1% since 2025-05-08).
				m.rate = 21000
				left := len(m.periods) - next + 1
				m.fixed = annuity(m.balance, left, m.rate)
				m.rebuild(next, left)
			}
			// What the day-end job of this day must collect.
			if overdue != nil && !day.Before(missedTo) {
				pen := penalty(overdue.principal, m.rate, overdue.due.DaysUntil(day))
				bankWant = append(bankWant, payment{day, overdue.principal + overdue.interest + pen})
				penaltyWant += pen
				interestWant += overdue.interest
				m.balance -= overdue.principal
				overdue = nil
			}
			if next <= len(m.periods) && m.periods[next-1].due.String() == day.String() {
				p := m.periods[next-1]
				next++
				switch {
				case !day.Before(missedFrom) && day.Before(missedTo):
					overdue = &p
					return
				case !day.Before(offsetOn):
					fundWant = append(fundWant, payment{day, p.principal + p.interest})
				default:
					bankWant = append(bankWant, payment{day, p.principal + p.interest})
				}
				interestWant += p.interest
				m.balance -= p.principal
			}
		})
		if next != 25 {
			t.Fatalf("model collected %d periods", next-1)
		}

		// The loan and its plan.
		got, err := a.Loan.Loan(ctx, 0, l.LoanNo)
		if err != nil {
			t.Fatal(err)
		}
		if got.Balance != m.balance || got.Rate != 21000 || got.Fixed != m.fixed || got.Status != loan.LoanNormal || got.OverdueCount != 1 {
			t.Errorf("loan balance %s rate %d M %s status %s overdue %d; model balance %s M %s",
				got.Balance, got.Rate, got.Fixed, got.Status, got.OverdueCount, m.balance, m.fixed)
		}
		plan, err := a.Loan.Plan(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) != len(m.periods) {
			t.Fatalf("plan has %d periods, model %d", len(plan), len(m.periods))
		}
		for i, in := range plan {
			mp := m.periods[i]
			wantStatus := loan.InstPaid
			if i >= 24 {
				wantStatus = loan.InstScheduled
			}
			if in.Period != i+1 || in.DueOn.String() != mp.due.String() || in.Principal != mp.principal || in.Interest != mp.interest ||
				in.Status != wantStatus {
				t.Errorf("period %d: %+v; model due %s principal %s interest %s status %s", i+1, in, mp.due, mp.principal, mp.interest, wantStatus)
			}
			if in.Status == loan.InstPaid && (in.PaidPrincipal != in.Principal || in.PaidInterest != in.Interest || in.PaidPenalty != in.Penalty) {
				t.Errorf("period %d paid %+v", i+1, in)
			}
		}
		if plan[3].Penalty != penaltyWant || penaltyWant == 0 {
			t.Errorf("penalty of period 4: %s, model %s", plan[3].Penalty, penaltyWant)
		}

		// The bank debits, in order, and the fund deductions.
		debits := a.LoanBank.Debits()
		if len(debits) != len(bankWant) {
			t.Fatalf("%d bank debits, model %d", len(debits), len(bankWant))
		}
		for i, d := range debits {
			if d.On.String() != bankWant[i].on.String() || d.Amount != bankWant[i].amount {
				t.Errorf("debit %d: %s %s, model %s %s", i, d.On, d.Amount, bankWant[i].on, bankWant[i].amount)
			}
		}
		txns, err := a.Loan.Txns(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		var fundGot []payment
		kinds := map[string]int{}
		for _, tx := range txns {
			kinds[tx.Kind]++
			if tx.Source == loan.SourceFund {
				fundGot = append(fundGot, payment{tx.BizDate, tx.Amount})
			}
		}
		if len(fundGot) != len(fundWant) {
			t.Fatalf("fund deductions %v, model %v", fundGot, fundWant)
		}
		var fundTotal money.Fen
		for i := range fundGot {
			if fundGot[i].on.String() != fundWant[i].on.String() || fundGot[i].amount != fundWant[i].amount {
				t.Errorf("fund deduction %d: %v, model %v", i, fundGot[i], fundWant[i])
			}
			fundTotal += fundGot[i].amount
		}
		if kinds["01"] != 1 || kinds["04"] != 1 || kinds["03"] != 1 || kinds["05"] != len(fundWant) || kinds["02"] != 24-1-len(fundWant) {
			t.Errorf("detail kinds %v", kinds)
		}

		// The ledger: receivable = balance; income = interest and penalty;
		// the fund account paid the offset instalments.
		for code, want := range map[string]money.Fen{
			ledger.LoanCode(l.LoanNo):        m.balance,
			ledger.CodeLoanInterestIncome:    interestWant,
			ledger.CodePenaltyIncome:         penaltyWant,
			ledger.PersonalCode(e.AccountNo): e.Opening - fundTotal,
		} {
			acct, err := a.Ledger.Account(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			if acct.Balance != want {
				t.Errorf("ledger %s = %s, model %s", code, acct.Balance, want)
			}
		}
		apitest.VerifyClean(t, a)
	})
}
