package schedule

import (
	"math/big"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// Basis is the interest basis of a loan's plan (policy loan.interest_basis,
// domain.md §3.7 note): how the interest of one period is computed.
type Basis string

// The interest bases. Their spelling is the policy value.
const (
	// Monthly: interest_k = round(B_{k−1} × annual rate / 12), whatever the
	// length of the period (the default; Build and Amortize).
	Monthly Basis = "monthly"
	// Actual360: interest_k = round(B_{k−1} × annual rate / 360 × days),
	// days being the actual days from due date k−1 (the disbursement date
	// for the first period, which is thereby prorated) to due date k
	// (BuildDays and AmortizeDays).
	Actual360 Basis = "actual_360"
)

// Bases lists the values of loan.interest_basis.
var Bases = []string{string(Monthly), string(Actual360)}

// ErrBasis is a value that is not an interest basis (errs.Invalid).
var ErrBasis = errs.New(errs.Invalid, "loan.bad_basis", "计息方式应为 monthly（按月计息）或 actual_360（按实际天数计息，日利率=年利率/360）")

// Valid reports whether b is one of the bases.
func (b Basis) Valid() bool { return b == Monthly || b == Actual360 }

// Name is the basis' Chinese name, or "" for an unknown basis.
func (b Basis) Name() string {
	switch b {
	case Monthly:
		return "按月计息（月利率=年利率/12）"
	case Actual360:
		return "按实际天数计息（日利率=年利率/360）"
	}
	return ""
}

// ParseBasis returns the basis named s. Any package may call it. Errors:
// ErrBasis.
func ParseBasis(s string) (Basis, error) {
	if b := Basis(s); b.Valid() {
		return b, nil
	}
	return "", ErrBasis.With("basis", s)
}

// DayInterest is the interest on the balance for days at the annual rate
// (millionths) with a 360-day year: round(B × rate / 360 × days), half up.
// Negative balances, rates or days give zero.
func DayInterest(balance money.Fen, rate int64, days int) money.Fen {
	if balance <= 0 || rate <= 0 || days <= 0 {
		return 0
	}
	return money.Fen(mulDivRound(360*1_000_000, int64(balance), rate, int64(days)))
}

// BuildDays is Build on the actual_360 basis: days[k−1] is the number of
// days of period k (days[0] from the disbursement date to the first due
// date: the prorated first period). It needs at least n day counts.
//
// 等额本息: the instalment M stays the one of the monthly formula (what the
// borrower signs for and what Build quotes); each period's interest is
// counted by days, principal_k = M − interest_k, so the principal part
// moves with the length of the month, and the last period repays whatever
// principal is left (it absorbs the drift; its payment differs from M).
// 等额本金: principal_k = round(P/n) as in Build, interest by days, the last
// period repays B_{n−1}. The principal parts always add up to P exactly.
//
// Errors: ErrAmount, ErrTerm, ErrRate, ErrMethod; ErrDays when there are
// fewer than n day counts or one is outside 0–MaxDays; ErrPayment when M does
// not exceed a period's interest before the last period.
func BuildDays(principal money.Fen, n int, rate int64, m Method, days []int) (*Plan, error) {
	if err := check(principal, n, rate); err != nil {
		return nil, err
	}
	var fixed money.Fen
	switch m {
	case EqualInstalment:
		fixed = instalment(principal, n, rate)
	case EqualPrincipal:
		fixed = money.Fen(divRound(big.NewInt(int64(principal)), big.NewInt(int64(n))))
	default:
		return nil, ErrMethod.With("method", string(m))
	}
	return AmortizeDays(principal, n, rate, m, fixed, days)
}

// AmortizeDays is Amortize on the actual_360 basis: the interest of period
// k is DayInterest(B_{k−1}, rate, days[k−1]); the rest is as Amortize (the
// loan core calls it to re-amortise an actual_360 loan after a prepayment or
// a rate change, with the fixed amount of Reduce or the loan's own). Errors:
// as Amortize; ErrDays when there are fewer than n day counts or one is
// outside 0–MaxDays.
func AmortizeDays(balance money.Fen, n int, rate int64, m Method, fixed money.Fen, days []int) (*Plan, error) {
	if err := check(balance, n, rate); err != nil {
		return nil, err
	}
	if !m.Valid() {
		return nil, ErrMethod.With("method", string(m))
	}
	if len(days) < n {
		return nil, ErrDays.With("days", len(days)).With("term_months", n)
	}
	for _, d := range days[:n] {
		if d < 0 || d > MaxDays {
			return nil, ErrDays.With("days", d)
		}
	}
	if fixed <= 0 || fixed > MaxPrincipal*2 {
		return nil, ErrPayment.With("fixed_fen", int64(fixed))
	}
	return amortize(balance, n, rate, m, fixed, func(k int, b money.Fen) money.Fen { return DayInterest(b, rate, days[k-1]) })
}
