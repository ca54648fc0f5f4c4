package loan

import (
	"context"

	"gjj/internal/core/loan/schedule"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// BasisOn returns the loan interest basis (policy loan.interest_basis)
// in force on the date: the one a loan contracted that day is recorded with.
// Any caller may use it. Errors: policy errors (policy.not_in_force) and
// schedule.ErrBasis for a value the schedule does not know.
func (s *Service) BasisOn(ctx context.Context, on date.Date) (schedule.Basis, error) {
	v, err := s.policy.String(ctx, policy.LoanInterestBasis, on)
	if err != nil {
		return "", err
	}
	return schedule.ParseBasis(v)
}

// periodDays returns the actual days of periods first … first+n−1 (1-based)
// of a loan disbursed on the date with the due day: from due date k−1 (the
// disbursement date for period 1) to due date k.
func periodDays(disbursed date.Date, dueDay, first, n int) []int {
	out := make([]int, n)
	for i := range out {
		k := first + i
		from := disbursed
		if k > 1 {
			from = dueDate(disbursed, dueDay, k-1)
		}
		out[i] = from.DaysUntil(dueDate(disbursed, dueDay, k))
	}
	return out
}

// buildPlan is the plan of a new loan on the basis: schedule.Build for
// monthly, schedule.BuildDays with the days between the due dates of a loan
// disbursed on the date for actual_360.
func buildPlan(basis schedule.Basis, amount money.Fen, n int, rate int64, m schedule.Method, disbursed date.Date, dueDay int) (*schedule.Plan, error) {
	if basis == schedule.Actual360 {
		return schedule.BuildDays(amount, n, rate, m, periodDays(disbursed, dueDay, 1, n))
	}
	return schedule.Build(amount, n, rate, m)
}

// amortisePlan re-amortises the balance of loan l over at most n periods
// starting with period first on the loan's recorded basis.
func amortisePlan(l *Loan, first int, balance money.Fen, n int, rate int64, m schedule.Method, fixed money.Fen) (*schedule.Plan, error) {
	if schedule.Basis(l.InterestBasis) == schedule.Actual360 {
		return schedule.AmortizeDays(balance, n, rate, m, fixed, periodDays(l.DisbursedOn, l.DueDay, first, n))
	}
	return schedule.Amortize(balance, n, rate, m, fixed)
}

// dueDayOf is the due day of a loan disbursed on the date: its day of the
// month, at most the 28th.
func dueDayOf(disbursed date.Date) int { return min(disbursed.Day(), 28) }
