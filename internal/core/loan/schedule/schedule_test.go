package schedule_test

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"gjj/internal/core/loan/schedule"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

const rate26 = 26000 // 2.6%

// TestVectorsLarge is the 1,000,000 yuan / 360 months / 2.6% vector of
// domain.md §3.7.
func TestVectorsLarge(t *testing.T) {
	p, err := schedule.Build(money.Yuan(1_000_000), 360, rate26, schedule.EqualInstalment)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Periods) != 360 {
		t.Fatalf("%d periods", len(p.Periods))
	}
	first, last := p.Periods[0], p.Periods[359]
	for _, c := range []struct {
		name      string
		got, want money.Fen
	}{
		{"M", p.Fixed, 400340},
		{"first payment", first.Payment, 400340},
		{"first interest", first.Interest, 216667},
		{"first principal", first.Principal, 183673},
		{"last payment", last.Payment, 400175},
		{"last balance", last.Balance, 0},
		{"total interest", p.TotalInterest, 44122235},
	} {
		if c.got != c.want {
			t.Errorf("等额本息 %s = %s, want %s", c.name, c.got, c.want)
		}
	}

	q, err := schedule.Build(money.Yuan(1_000_000), 360, rate26, schedule.EqualPrincipal)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want money.Fen
	}{
		{"period 1", q.Periods[0].Payment, 494445},
		{"period 1 principal", q.Periods[0].Principal, 277778},
		{"period 1 interest", q.Periods[0].Interest, 216667},
		{"period 2", q.Periods[1].Payment, 493843},
		{"period 360", q.Periods[359].Payment, 278300},
		{"period 360 principal", q.Periods[359].Principal, 277698},
		{"period 360 interest", q.Periods[359].Interest, 602},
		{"total interest", q.TotalInterest, 39108303},
	} {
		if c.got != c.want {
			t.Errorf("等额本金 %s = %s, want %s", c.name, c.got, c.want)
		}
	}
}

// TestVectorsSmall is the 100,000 yuan / 12 months / 2.6% vector of §3.7.
func TestVectorsSmall(t *testing.T) {
	p, err := schedule.Build(money.Yuan(100_000), 12, rate26, schedule.EqualInstalment)
	if err != nil {
		t.Fatal(err)
	}
	interest := []money.Fen{21667, 19883, 18095, 16303, 14507, 12707, 10904, 9096, 7285, 5470, 3650, 1827}
	for i, per := range p.Periods {
		want := money.Fen(845116)
		if i == 11 {
			want = 845118
		}
		if per.Payment != want || per.Interest != interest[i] || per.Period != i+1 {
			t.Errorf("等额本息 period %d: %+v; want payment %s interest %s", i+1, per, want, interest[i])
		}
	}
	if p.Periods[5].Balance != 5032466 {
		t.Errorf("balance after 6 payments %s, want 50324.66", p.Periods[5].Balance)
	}

	q, err := schedule.Build(money.Yuan(100_000), 12, rate26, schedule.EqualPrincipal)
	if err != nil {
		t.Fatal(err)
	}
	pays := []money.Fen{855000, 853194, 851389, 849583, 847777, 845972, 844166, 842361, 840555, 838750, 836944, 835143}
	for i, per := range q.Periods {
		if per.Payment != pays[i] {
			t.Errorf("等额本金 period %d pays %s, want %s", i+1, per.Payment, pays[i])
		}
	}
}

// TestPrepaymentVectors are the §3.8 examples.
func TestPrepaymentVectors(t *testing.T) {
	// 100,000 / 2.6% / 12 after 6 payments: 50,324.66; prepay 20,000.
	balance := money.Fen(5032466 - 2000000)
	m, err := schedule.Reduce(schedule.EqualInstalment, balance, 6, rate26)
	if err != nil || m != 509251 {
		t.Errorf("reduce-payment M = %s, %v; want 5092.51", m, err)
	}
	n, err := schedule.Shorten(schedule.EqualInstalment, balance, rate26, 845116)
	if err != nil || n != 4 {
		t.Errorf("shorten-term n' = %d, %v; want 4", n, err)
	}
	plan, err := schedule.Amortize(balance, n, rate26, schedule.EqualInstalment, 845116)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Periods) != 4 || plan.Periods[3].Balance != 0 || plan.Periods[0].Payment != 845116 || plan.Periods[3].Payment >= 845116 {
		t.Errorf("shortened plan %+v", plan.Periods)
	}
	// A 3-period plan at the same M cannot repay it: n' really is minimal.
	if short, _ := schedule.Amortize(balance, 3, rate26, schedule.EqualInstalment, 845116); short.Periods[2].Payment <= 845116 {
		t.Errorf("3 periods would have sufficed: %+v", short.Periods)
	}

	// 100,000 principal prepaid 12 days after the due date at 2.6%: 86.67.
	acc, err := schedule.AccruedInterest(money.Yuan(100_000), rate26, 12)
	if err != nil || acc != 8667 {
		t.Errorf("accrued interest %s, %v; want 86.67", acc, err)
	}
	prin, intr, err := schedule.SplitPrepayment(money.Yuan(100_000)+8667, rate26, 12)
	if err != nil || prin != money.Yuan(100_000) || intr != 8667 {
		t.Errorf("split = %s + %s, %v", prin, intr, err)
	}
	// 等额本金: keep the principal share, fewer periods; or a smaller share.
	if n, err := schedule.Shorten(schedule.EqualPrincipal, 3000000, rate26, 833333); err != nil || n != 4 {
		t.Errorf("等额本金 shorten = %d, %v", n, err)
	}
	if f, err := schedule.Reduce(schedule.EqualPrincipal, 3000000, 6, rate26); err != nil || f != 500000 {
		t.Errorf("等额本金 reduce = %s, %v", f, err)
	}
}

// TestPenaltyVector is §3.9: 4,003.40 overdue 10 days at 2.6% × 1.5 = 4.34.
func TestPenaltyVector(t *testing.T) {
	cases := []struct {
		amount money.Fen
		rate   int64
		mult   int64
		days   int
		want   money.Fen
	}{
		{400340, rate26, 15000, 10, 434},
		{400340, rate26, 15000, 0, 0},
		{400340, rate26, 10000, 10, 289}, // 2.8915 → 2.89
		{0, rate26, 15000, 10, 0},
		{money.Yuan(1_000_000), 31000, 15000, 360, 4650000}, // a year at 4.65%
	}
	for _, c := range cases {
		got, err := schedule.Penalty(c.amount, c.rate, c.mult, c.days)
		if err != nil || got != c.want {
			t.Errorf("Penalty(%s, %d, %d, %d) = %s, %v; want %s", c.amount, c.rate, c.mult, c.days, got, err, c.want)
		}
	}
}

// TestBadArguments: every refusal is errs.Invalid with its code.
func TestBadArguments(t *testing.T) {
	cases := []struct {
		name string
		err  error
		code string
	}{
		{"zero amount", err(schedule.Build(0, 12, rate26, schedule.EqualInstalment)), "loan.bad_amount"},
		{"huge amount", err(schedule.Build(schedule.MaxPrincipal+1, 12, rate26, schedule.EqualInstalment)), "loan.bad_amount"},
		{"zero term", err(schedule.Build(100, 0, rate26, schedule.EqualInstalment)), "loan.bad_term"},
		{"long term", err(schedule.Build(100, 361, rate26, schedule.EqualInstalment)), "loan.bad_term"},
		{"negative rate", err(schedule.Build(100, 12, -1, schedule.EqualInstalment)), "loan.bad_rate"},
		{"method", err(schedule.Build(100, 12, rate26, "balloon")), "loan.bad_method"},
		{"parse method", err(schedule.ParseMethod("03")), "loan.bad_method"},
		{"payment below interest", err(schedule.Shorten(schedule.EqualInstalment, money.Yuan(100_000), rate26, 21666)), "loan.bad_payment"},
		{"payment needs more than 360 periods", err(schedule.Shorten(schedule.EqualInstalment, money.Yuan(100_000), rate26, 21667)), "loan.bad_payment"},
		{"amortize with too small M", err(schedule.Amortize(money.Yuan(100_000), 12, rate26, schedule.EqualInstalment, 100)), "loan.bad_payment"},
		{"negative days", err(schedule.AccruedInterest(100, rate26, -1)), "loan.bad_days"},
		{"penalty multiplier", err(schedule.Penalty(100, rate26, -5, 1)), "loan.bad_rate"},
	}
	for _, c := range cases {
		e := errs.E(c.err)
		if c.err == nil || e.Kind != errs.Invalid || e.Code != c.code {
			t.Errorf("%s: %v, want %s", c.name, c.err, c.code)
		}
	}
	if m, err := schedule.ParseMethod("02"); err != nil || m != schedule.EqualPrincipal || m.Code() != "02" || m.Name() != "等额本金" {
		t.Errorf("ParseMethod(02) = %q, %v", m, err)
	}
}

func err[T any](_ T, e error) error { return e }

// TestAgainstIndependentComputation compares random plans with a
// computation written with big.Float at 256 bits (a different route to the
// same rounding) and checks the invariants every plan must hold.
func TestAgainstIndependentComputation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		principal := money.Fen(r.Int64N(int64(money.Yuan(2_000_000))) + 100)
		n := r.IntN(schedule.MaxTerm) + 1
		rate := r.Int64N(60000) // 0–6%
		if i%17 == 0 {
			rate = 0
		}
		m := schedule.EqualInstalment
		if i%2 == 1 {
			m = schedule.EqualPrincipal
		}
		p, err := schedule.Build(principal, n, rate, m)
		if err != nil {
			t.Fatalf("Build(%s, %d, %d, %s): %v", principal, n, rate, m, err)
		}
		if m == schedule.EqualInstalment {
			if want := floatInstalment(principal, n, rate); p.Fixed != want {
				t.Fatalf("M(%s, %d, %d) = %s, independent %s", principal, n, rate, p.Fixed, want)
			}
		}
		var sumPrincipal, sumInterest money.Fen
		b := principal
		for k, per := range p.Periods {
			if per.Period != k+1 || per.Principal < 0 || per.Interest < 0 || per.Payment != per.Principal+per.Interest {
				t.Fatalf("%s %s/%d/%d period %+v", m, principal, n, rate, per)
			}
			if want := floatMonthly(b, rate); per.Interest != want {
				t.Fatalf("interest on %s at %d = %s, independent %s", b, rate, per.Interest, want)
			}
			b -= per.Principal
			if per.Balance != b {
				t.Fatalf("balance %s, want %s", per.Balance, b)
			}
			if m == schedule.EqualInstalment && k < len(p.Periods)-1 && per.Payment != p.Fixed {
				t.Fatalf("period %d pays %s, M %s", k+1, per.Payment, p.Fixed)
			}
			sumPrincipal += per.Principal
			sumInterest += per.Interest
		}
		if sumPrincipal != principal || b != 0 || sumInterest != p.TotalInterest || len(p.Periods) > n {
			t.Fatalf("%s %s/%d/%d: principal %s interest %s/%s left %s periods %d", m, principal, n, rate, sumPrincipal, sumInterest, p.TotalInterest, b, len(p.Periods))
		}
	}
}

// floatInstalment is M computed in big.Float, rounded half up.
func floatInstalment(principal money.Fen, n int, rate int64) money.Fen {
	const prec = 256
	if rate == 0 {
		return roundFloat(new(big.Float).SetPrec(prec).Quo(bf(int64(principal)), bf(int64(n))))
	}
	r := new(big.Float).SetPrec(prec).Quo(bf(rate), bf(12_000_000))
	one := bf(1)
	pow := new(big.Float).SetPrec(prec).Set(one)
	base := new(big.Float).SetPrec(prec).Add(one, r)
	for i := 0; i < n; i++ {
		pow.Mul(pow, base)
	}
	num := new(big.Float).SetPrec(prec).Mul(bf(int64(principal)), r)
	num.Mul(num, pow)
	den := new(big.Float).SetPrec(prec).Sub(pow, one)
	return roundFloat(num.Quo(num, den))
}

func floatMonthly(b money.Fen, rate int64) money.Fen {
	v := new(big.Float).SetPrec(256).Mul(bf(int64(b)), bf(rate))
	return roundFloat(v.Quo(v, bf(12_000_000)))
}

func bf(v int64) *big.Float { return new(big.Float).SetPrec(256).SetInt64(v) }

func roundFloat(v *big.Float) money.Fen {
	v = new(big.Float).SetPrec(256).Add(v, big.NewFloat(0.5))
	i, _ := v.Int(nil)
	return money.Fen(i.Int64())
}

// TestShortenIsMinimal: for random balances and instalments, Shorten gives
// the fewest periods whose exact annuity the instalment covers.
func TestShortenIsMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for i := 0; i < 200; i++ {
		balance := money.Fen(r.Int64N(int64(money.Yuan(500_000))) + 10000)
		rate := r.Int64N(50000) + 1000
		n0 := r.IntN(300) + 2
		m, _ := schedule.Instalment(balance+money.Fen(r.Int64N(int64(balance))), n0, rate)
		n, err := schedule.Shorten(schedule.EqualInstalment, balance, rate, m)
		if errors.Is(err, schedule.ErrPayment) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		mf := new(big.Float).SetPrec(256).SetInt64(int64(m))
		if annuity(balance, n, rate).Cmp(mf) > 0 {
			t.Fatalf("balance %s rate %d M %s: the annuity over %d periods is more than M", balance, rate, m, n)
		}
		if n > 1 && annuity(balance, n-1, rate).Cmp(mf) <= 0 {
			t.Fatalf("balance %s rate %d M %s: %d periods would do", balance, rate, m, n-1)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d cases checked", checked)
	}
}

// annuity is the exact (unrounded) instalment in big.Float.
func annuity(principal money.Fen, n int, rate int64) *big.Float {
	const prec = 256
	r := new(big.Float).SetPrec(prec).Quo(bf(rate), bf(12_000_000))
	one := bf(1)
	pow := new(big.Float).SetPrec(prec).Set(one)
	base := new(big.Float).SetPrec(prec).Add(one, r)
	for i := 0; i < n; i++ {
		pow.Mul(pow, base)
	}
	num := new(big.Float).SetPrec(prec).Mul(bf(int64(principal)), r)
	num.Mul(num, pow)
	den := new(big.Float).SetPrec(prec).Sub(pow, one)
	return num.Quo(num, den)
}
