package schedule_test

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"gjj/internal/core/loan/schedule"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// ratHalfUp rounds a non-negative rational half up to an integer number of fen.
func ratHalfUp(r *big.Rat) money.Fen {
	// floor(r + 1/2)
	v := new(big.Rat).Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(v.Num(), v.Denom())
	return money.Fen(q.Int64())
}

// ratInstalment is M = P·r·(1+r)^n/((1+r)^n − 1), r = rate/12e6, in big.Rat.
func ratInstalment(p money.Fen, n int, rate int64) money.Fen {
	if rate == 0 {
		return ratHalfUp(big.NewRat(int64(p), int64(n)))
	}
	r := big.NewRat(rate, 12_000_000)
	a := new(big.Rat).Add(big.NewRat(1, 1), r)
	an := big.NewRat(1, 1)
	for range n {
		an.Mul(an, a)
	}
	num := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(p)), r)
	num.Mul(num, an)
	den := new(big.Rat).Sub(an, big.NewRat(1, 1))
	return ratHalfUp(num.Quo(num, den))
}

// ratDayInterest is B × rate/1e6 / 360 × days, rounded half up, in big.Rat.
func ratDayInterest(b money.Fen, rate int64, days int) money.Fen {
	v := new(big.Rat).SetFrac64(int64(b)*int64(days), 1)
	v.Mul(v, big.NewRat(rate, 1_000_000))
	v.Quo(v, big.NewRat(360, 1))
	return ratHalfUp(v)
}

// calendarDays are the days of n monthly periods of a loan disbursed on d
// with the due day min(day, 28), the first due in the next month, counted
// with package time (independently of the loan core's date arithmetic).
func calendarDays(d time.Time, n int) []int {
	dueDay := min(d.Day(), 28)
	due := func(k int) time.Time {
		return time.Date(d.Year(), d.Month()+time.Month(k), dueDay, 0, 0, 0, 0, time.UTC)
	}
	out := make([]int, n)
	prev := d
	for k := 1; k <= n; k++ {
		out[k-1] = int(due(k).Sub(prev).Hours() / 24)
		prev = due(k)
	}
	return out
}

// TestDayInterestVector checks one period by hand: 1,000,000 yuan at 3.1%
// for 31 days = 100,000,000 × 0.031 / 360 × 31 = 266,944.44… fen.
func TestDayInterestVector(t *testing.T) {
	for _, c := range []struct {
		balance money.Fen
		rate    int64
		days    int
		want    money.Fen
	}{
		{money.Yuan(1_000_000), 31000, 31, 266944},
		{money.Yuan(1_000_000), 31000, 28, 241111}, // 241,111.11…
		{money.Yuan(100), 26000, 30, 22},           // 10,000 × 0.026 / 360 × 30 = 21.666…
		{3, 1_000_000, 60, 1},                      // 3 × 60 / 360 = 0.5 → half up
		{money.Yuan(1), 26000, 0, 0},
		{0, 26000, 31, 0},
	} {
		if got := schedule.DayInterest(c.balance, c.rate, c.days); got != c.want {
			t.Errorf("DayInterest(%d, %d, %d) = %d, want %d", c.balance, c.rate, c.days, got, c.want)
		}
	}
}

// TestActual360AgainstIndependentComputation builds actual_360 plans for
// fixed and random loans and disbursement dates and recomputes every period
// with math/big rationals: M of the monthly formula (等额本息) or round(P/n)
// (等额本金), interest_k = round(B_{k−1} × rate / 360 × days_k) with the days
// counted by package time, principal_k = M − interest_k, the last period
// repaying the rest. The principal parts must add up to P exactly.
func TestActual360AgainstIndependentComputation(t *testing.T) {
	type loanCase struct {
		principal money.Fen
		n         int
		rate      int64
		disbursed time.Time
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	cases := []loanCase{
		{money.Yuan(1_000_000), 360, rate26, day(2025, 1, 31)}, // due day 28, first period 28 days
		{money.Yuan(500_000), 240, 31000, day(2024, 2, 15)},    // leap February
		{money.Yuan(300_000), 12, 23500, day(2025, 3, 29)},     // first period 30 days (3-29 → 4-28)
		{money.Yuan(10_000), 1, 28500, day(2025, 12, 10)},
		{1, 1, 1_000_000, day(2025, 5, 5)},
		{money.Yuan(80_000), 60, 0, day(2025, 7, 1)}, // zero rate: no interest
	}
	rng := rand.New(rand.NewPCG(12, 360))
	for range 200 {
		cases = append(cases, loanCase{
			principal: money.Fen(1 + rng.Int64N(int64(money.Yuan(2_000_000)))),
			n:         1 + rng.IntN(schedule.MaxTerm),
			rate:      rng.Int64N(100_001),
			disbursed: day(2000, time.January, 1).AddDate(0, 0, rng.IntN(365*30)),
		})
	}
	for _, c := range cases {
		days := calendarDays(c.disbursed, c.n)
		for _, m := range []schedule.Method{schedule.EqualInstalment, schedule.EqualPrincipal} {
			p, err := schedule.BuildDays(c.principal, c.n, c.rate, m, days)
			if err != nil {
				t.Fatalf("%v %s: %v", c, m, err)
			}
			fixed := ratInstalment(c.principal, c.n, c.rate)
			if m == schedule.EqualPrincipal {
				fixed = ratHalfUp(big.NewRat(int64(c.principal), int64(c.n)))
			}
			if p.Fixed != fixed {
				t.Fatalf("%v %s: fixed %d, independent %d", c, m, p.Fixed, fixed)
			}
			b := c.principal
			var sumP, sumI money.Fen
			for k := 1; k <= c.n && b > 0; k++ {
				if k > len(p.Periods) {
					t.Fatalf("%v %s: plan has %d periods, balance %d left", c, m, len(p.Periods), b)
				}
				got := p.Periods[k-1]
				interest := ratDayInterest(b, c.rate, days[k-1])
				principal := fixed
				if m == schedule.EqualInstalment {
					principal = fixed - interest
				}
				if k == c.n || principal >= b {
					principal = b
				}
				b -= principal
				want := schedule.Period{Period: k, Payment: principal + interest, Principal: principal, Interest: interest, Balance: b}
				if got != want {
					t.Fatalf("%v %s period %d (%d days): got %+v, want %+v", c, m, k, days[k-1], got, want)
				}
				sumP += got.Principal
				sumI += got.Interest
			}
			if sumP != c.principal || b != 0 {
				t.Fatalf("%v %s: principal parts add up to %d, want %d", c, m, sumP, c.principal)
			}
			if sumI != p.TotalInterest || p.TotalPayment != c.principal+sumI {
				t.Fatalf("%v %s: totals %d/%d, want %d/%d", c, m, p.TotalInterest, p.TotalPayment, sumI, c.principal+sumI)
			}
		}
	}
}

// TestActual360DiffersFromMonthly shows the basis matters: a 28-day first
// period (disbursed 31 January, due 28 February) costs less interest than
// the monthly r, a 31-day period more, and the 等额本息 instalment M is the
// same on both bases.
func TestActual360DiffersFromMonthly(t *testing.T) {
	days := calendarDays(time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC), 12)
	if days[0] != 28 || days[1] != 28 || days[2] != 31 { // 1-31→2-28, 2-28→3-28, 3-28→4-28
		t.Fatalf("days %v", days)
	}
	d, err := schedule.BuildDays(money.Yuan(100_000), 12, 31000, schedule.EqualInstalment, days)
	if err != nil {
		t.Fatal(err)
	}
	m, err := schedule.Build(money.Yuan(100_000), 12, 31000, schedule.EqualInstalment)
	if err != nil {
		t.Fatal(err)
	}
	if d.Fixed != m.Fixed || d.Periods[0].Payment != m.Periods[0].Payment {
		t.Errorf("M %d vs %d, first payment %d vs %d", d.Fixed, m.Fixed, d.Periods[0].Payment, m.Periods[0].Payment)
	}
	// 10,000,000 fen × 3.1% / 360 × 28 = 24,111.11 → 24,111; monthly: 10,000,000 × 3.1% / 12 = 25,833.33 → 25,833.
	if d.Periods[0].Interest != 24111 || m.Periods[0].Interest != 25833 {
		t.Errorf("first interest actual_360 %d, monthly %d", d.Periods[0].Interest, m.Periods[0].Interest)
	}
	if d.Periods[2].Interest <= schedule.MonthlyInterest(d.Periods[1].Balance, 31000) {
		t.Errorf("31-day period interest %d not above the monthly %d", d.Periods[2].Interest, schedule.MonthlyInterest(d.Periods[1].Balance, 31000))
	}
}

func TestBasisArguments(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"parse unknown", err(schedule.ParseBasis("ACT_360")), "loan.bad_basis"},
		{"parse empty", err(schedule.ParseBasis("")), "loan.bad_basis"},
		{"too few days", err(schedule.BuildDays(money.Yuan(1000), 12, rate26, schedule.EqualInstalment, make([]int, 11))), "loan.bad_days"},
		{"negative days", err(schedule.AmortizeDays(money.Yuan(1000), 2, rate26, schedule.EqualPrincipal, 100, []int{30, -1})), "loan.bad_days"},
		{"bad method", err(schedule.BuildDays(money.Yuan(1000), 1, rate26, "x", []int{30})), "loan.bad_method"},
		{"bad amount", err(schedule.BuildDays(0, 1, rate26, schedule.EqualInstalment, []int{30})), "loan.bad_amount"},
		{"bad payment", err(schedule.AmortizeDays(money.Yuan(1000), 2, rate26, schedule.EqualInstalment, 0, []int{30, 30})), "loan.bad_payment"},
	} {
		var e *errs.Error
		if !errors.As(c.err, &e) || e.Code != c.code || e.Kind != errs.Invalid {
			t.Errorf("%s: %v, want %s", c.name, c.err, c.code)
		}
	}
	for _, v := range schedule.Bases {
		if b, err := schedule.ParseBasis(v); err != nil || string(b) != v {
			t.Errorf("ParseBasis(%q) = %q, %v", v, b, err)
		}
	}
}
