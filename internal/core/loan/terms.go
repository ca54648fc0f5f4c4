package loan

import (
	"context"
	"strings"
	"time"

	"gjj/internal/core/loan/schedule"
	"gjj/internal/platform/date"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// ParseRate reads an annual rate as people type it: a percent with or
// without the sign ("2.6", "2.6%", "3.025%") into millionths. Errors:
// ErrRateSyntax (errs.Invalid loan.bad_rate).
func ParseRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrRateSyntax
	}
	if !strings.HasSuffix(s, "%") && !strings.HasSuffix(s, "％") {
		s += "%"
	}
	ppm, err := policy.ParsePercentPPM(s)
	if err != nil || ppm > schedule.MaxRate {
		return 0, ErrRateSyntax.With("rate", s)
	}
	return ppm, nil
}

// Calculate is the public loan calculator (no login, no store): the plan of
// amount over termMonths at the annual rate typed as a percent ("2.6") with
// the method. Any channel may call it. Errors: ErrRateSyntax and the
// schedule errors (loan.bad_amount, loan.bad_term, loan.bad_rate,
// loan.bad_method), all errs.Invalid.
func Calculate(amount money.Fen, termMonths int, rate string, method string) (*schedule.Plan, error) {
	ppm, err := ParseRate(rate)
	if err != nil {
		return nil, err
	}
	m, err := schedule.ParseMethod(method)
	if err != nil {
		return nil, err
	}
	return schedule.Build(amount, termMonths, ppm, m)
}

// RateOn returns the annual loan rate (millionths) in force on the date for a
// contract term and home (domain.md §3.6): the first- or second-home rate of
// terms up to five years (60 months) or beyond. Second-home values are the
// published floors. Errors: policy errors (policy.not_in_force).
func (s *Service) RateOn(ctx context.Context, on date.Date, home Home, termMonths int) (int64, error) {
	key := policy.LoanRateFirstGT5Y
	switch {
	case home == HomeSecond && termMonths <= 60:
		key = policy.LoanRateSecondLE5Y
	case home == HomeSecond:
		key = policy.LoanRateSecondGT5Y
	case termMonths <= 60:
		key = policy.LoanRateFirstLE5Y
	}
	return s.policy.PPM(ctx, key, on)
}

// RetirementDate is the statutory retirement date of a person born on birth
// (domain.md §3.5): 60 years for men and 55 for women, raised from 2025 by
// one month for every four months of birth from January 1965 (men) or
// January 1970 (women) up to 36 months (全国人大常委会 2024 decision: men
// 60→63, women 55→58). The 50→55 track of women workers is not modelled
// (the platform does not know the post); the 55 track is the one the loan
// age rule is usually read against.
func RetirementDate(birth date.Date, sex ident.Sex) date.Date {
	years, from := 60, date.MonthOf(1965, time.January)
	if sex == ident.Female {
		years, from = 55, date.MonthOf(1970, time.January)
	}
	delay := 0
	if bm := birth.MonthOf(); !bm.Before(from) {
		delay = min(36, from.MonthsUntil(bm)/4+1)
	}
	return addMonths(birth, years*12+delay)
}

// addMonths adds n months to d, keeping the day or using the month's last day.
func addMonths(d date.Date, n int) date.Date {
	m := d.MonthOf().Add(n)
	day := min(d.Day(), m.Last().Day())
	return date.Of(m.Year(), m.Month(), day)
}

// monthsBetween counts whole months from a to b (0 when b is not after a).
func monthsBetween(a, b date.Date) int {
	n := a.MonthOf().MonthsUntil(b.MonthOf())
	if b.Day() < a.Day() {
		n--
	}
	return max(n, 0)
}

// ageOn is the person's age in whole years on the date.
func ageOn(birth, on date.Date) int {
	return monthsBetween(birth, on) / 12
}
