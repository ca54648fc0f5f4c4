// Package schedule is the arithmetic of provident fund loans as pure
// functions (domain.md §3.7–§3.9): the repayment plans of 等额本息 (equal
// instalment) and 等额本金 (equal principal) with their rounding and
// last-period rules, the recomputation after a partial prepayment (shorten the
// term or reduce the instalment), the interest accrued since the last due date
// on prepaid principal, and overdue penalty interest (罚息).
//
// Money is money.Fen; annual rates are millionths (2.6% = 26000) as policy
// stores them; the monthly rate is r = annual / 12 (the monthly basis; the
// actual_360 basis of basis.go counts interest by days with a 360-day year
// instead). Every fraction is computed
// exactly with integer arithmetic (math/big where a product could overflow)
// and rounded once, half up (四舍五入), to the fen — the module has no decimal
// library, and exact rationals give the same results as one.
//
// Any package may call these functions; they touch no store and no clock.
// Bad arguments are errs.Invalid errors with codes loan.bad_amount,
// loan.bad_term, loan.bad_rate, loan.bad_method and loan.bad_days.
package schedule

import (
	"math/big"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// Method is a repayment method (还款方式, DKHKFS).
type Method string

// The repayment methods the platform offers. Their JSON spelling is the one
// the public calculator takes.
const (
	EqualInstalment Method = "equal_installment" // 01 等额本息
	EqualPrincipal  Method = "equal_principal"   // 02 等额本金
)

// Code returns the JGJ/T 320 DKHKFS code of the method ("01", "02"), or "" for
// an unknown method.
func (m Method) Code() string {
	switch m {
	case EqualInstalment:
		return "01"
	case EqualPrincipal:
		return "02"
	}
	return ""
}

// Name returns the method's Chinese name (等额本息, 等额本金), or "" for an
// unknown method.
func (m Method) Name() string {
	switch m {
	case EqualInstalment:
		return "等额本息"
	case EqualPrincipal:
		return "等额本金"
	}
	return ""
}

// Valid reports whether m is one of the methods.
func (m Method) Valid() bool { return m.Code() != "" }

// Limits of the arguments. They keep every intermediate product of the
// int64 paths well inside int64.
const (
	// MaxTerm is the longest term in months (30 years, domain.md §3.5).
	MaxTerm = 360
	// MaxPrincipal is the largest principal accepted (100 million yuan).
	MaxPrincipal money.Fen = 10_000_000_000
	// MaxRate is the largest annual rate accepted, in millionths (100%).
	MaxRate int64 = 1_000_000
	// MaxDays is the largest day count of AccruedInterest and Penalty (100 years).
	MaxDays = 36_600
)

// monthsPPM is 12 × 10^6: the monthly rate is rate / monthsPPM.
const monthsPPM = 12_000_000

// Errors of bad arguments (errs.Invalid).
var (
	ErrAmount = errs.Newf(errs.Invalid, "loan.bad_amount", "贷款金额应大于零且不超过 %s 元", MaxPrincipal.Format())
	ErrTerm   = errs.Newf(errs.Invalid, "loan.bad_term", "贷款期限应为 1 至 %d 个月", MaxTerm)
	ErrRate   = errs.New(errs.Invalid, "loan.bad_rate", "贷款年利率应在 0 至 100% 之间")
	ErrMethod = errs.New(errs.Invalid, "loan.bad_method", "还款方式应为 equal_installment（等额本息）或 equal_principal（等额本金）")
	ErrDays   = errs.Newf(errs.Invalid, "loan.bad_days", "计息天数应在 0 至 %d 之间", MaxDays)
	// ErrPayment: the fixed instalment of a shortened term does not cover
	// the first month's interest (or principal share), so the loan would never
	// be repaid.
	ErrPayment = errs.New(errs.Invalid, "loan.bad_payment", "月还款额不足以偿还当月利息，无法缩短期限")
)

// ParseMethod returns the method named s (equal_installment, equal_principal),
// also accepting the DKHKFS codes "01" and "02". Errors: ErrMethod.
func ParseMethod(s string) (Method, error) {
	switch s {
	case string(EqualInstalment), "01":
		return EqualInstalment, nil
	case string(EqualPrincipal), "02":
		return EqualPrincipal, nil
	}
	return "", ErrMethod.With("method", s)
}

// Period is one instalment of a plan.
type Period struct {
	Period    int       `json:"period"` // 1-based
	Payment   money.Fen `json:"payment_fen"`
	Principal money.Fen `json:"principal_fen"`
	Interest  money.Fen `json:"interest_fen"`
	Balance   money.Fen `json:"balance_fen"` // principal outstanding after this period
}

// Plan is a repayment plan.
type Plan struct {
	Method    Method
	Principal money.Fen
	Rate      int64 // annual, millionths
	// Fixed is what stays the same from period to period: the instalment M
	// for 等额本息, the principal share for 等额本金 (the last period differs).
	Fixed money.Fen
	// Periods are numbered from 1.
	Periods       []Period
	TotalInterest money.Fen
	TotalPayment  money.Fen
}

// First is the first period's payment: the monthly payment of 等额本息, the
// highest payment of 等额本金 (zero for an empty plan).
func (p *Plan) First() money.Fen {
	if len(p.Periods) == 0 {
		return 0
	}
	return p.Periods[0].Payment
}

func check(principal money.Fen, n int, rate int64) error {
	if principal <= 0 || principal > MaxPrincipal {
		return ErrAmount.With("amount_fen", int64(principal))
	}
	if n < 1 || n > MaxTerm {
		return ErrTerm.With("term_months", n)
	}
	if rate < 0 || rate > MaxRate {
		return ErrRate.With("rate_ppm", rate)
	}
	return nil
}

// Build returns the plan of a loan of principal over n monthly periods at the
// annual rate (millionths) with method m (domain.md §3.7):
//
//	等额本息: M = round(P·r·(1+r)^n / ((1+r)^n − 1)); interest_k = round(B_{k−1}·r);
//	          principal_k = M − interest_k; the last period repays B_{n−1} plus its interest.
//	等额本金: principal_k = round(P/n); interest_k = round(B_{k−1}·r);
//	          the last period repays B_{n−1}.
//
// With a zero rate M = round(P/n). Errors: ErrAmount, ErrTerm, ErrRate, ErrMethod.
func Build(principal money.Fen, n int, rate int64, m Method) (*Plan, error) {
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
	return Amortize(principal, n, rate, m, fixed)
}

// Instalment returns M of 等额本息 for the principal over n periods at the
// annual rate (millionths). Errors: ErrAmount, ErrTerm, ErrRate.
func Instalment(principal money.Fen, n int, rate int64) (money.Fen, error) {
	if err := check(principal, n, rate); err != nil {
		return 0, err
	}
	return instalment(principal, n, rate), nil
}

// instalment is M = P·r·A^n / (A^n − 1) with A = 1 + r, r = rate/12e6, in
// integers: P·rate·a^n / (12e6·(a^n − b^n)) with a = 12e6 + rate, b = 12e6.
func instalment(principal money.Fen, n int, rate int64) money.Fen {
	if rate == 0 {
		return money.Fen(divRound(big.NewInt(int64(principal)), big.NewInt(int64(n))))
	}
	a := new(big.Int).Exp(big.NewInt(monthsPPM+rate), big.NewInt(int64(n)), nil)
	b := new(big.Int).Exp(big.NewInt(monthsPPM), big.NewInt(int64(n)), nil)
	num := new(big.Int).Mul(big.NewInt(int64(principal)), big.NewInt(rate))
	num.Mul(num, a)
	den := new(big.Int).Sub(a, b)
	den.Mul(den, big.NewInt(monthsPPM))
	return money.Fen(divRound(num, den))
}

// Amortize builds the plan of balance over at most n periods at the annual
// rate with a fixed amount per period: for 等额本息 every period but the last
// pays fixed (interest first, the rest principal); for 等额本金 every period
// but the last repays fixed principal plus its interest. The last period
// repays what is left with its interest. A period whose share would reach
// the balance early becomes the last one, so the plan may be shorter than n.
//
// Build calls it with the fixed amount of a new loan; after a prepayment or a
// rate change the loan core calls it with the recomputed amount (Reduce,
// Shorten). Errors: ErrAmount, ErrTerm, ErrRate, ErrMethod; ErrPayment when
// fixed is not positive or (等额本息) does not exceed the first month's
// interest although more than one period is left.
func Amortize(balance money.Fen, n int, rate int64, m Method, fixed money.Fen) (*Plan, error) {
	if err := check(balance, n, rate); err != nil {
		return nil, err
	}
	if !m.Valid() {
		return nil, ErrMethod.With("method", string(m))
	}
	if fixed <= 0 || fixed > MaxPrincipal*2 {
		return nil, ErrPayment.With("fixed_fen", int64(fixed))
	}
	return amortize(balance, n, rate, m, fixed, func(_ int, b money.Fen) money.Fen { return MonthlyInterest(b, rate) })
}

// amortize is Amortize with the interest of period k (1-based) on the
// balance b given by interest; the arguments are checked by the caller.
func amortize(balance money.Fen, n int, rate int64, m Method, fixed money.Fen, interestOf func(k int, b money.Fen) money.Fen) (*Plan, error) {
	p := &Plan{Method: m, Principal: balance, Rate: rate, Fixed: fixed, Periods: make([]Period, 0, n)}
	b := balance
	for k := 1; k <= n && b > 0; k++ {
		interest := interestOf(k, b)
		var principal money.Fen
		if m == EqualInstalment {
			principal = fixed - interest
			if principal <= 0 && k < n {
				return nil, ErrPayment.With("fixed_fen", int64(fixed)).With("interest_fen", int64(interest))
			}
		} else {
			principal = fixed
		}
		if k == n || principal >= b {
			principal = b
		}
		b -= principal
		pay := principal + interest
		p.Periods = append(p.Periods, Period{Period: k, Payment: pay, Principal: principal, Interest: interest, Balance: b})
		p.TotalInterest += interest
		p.TotalPayment += pay
	}
	return p, nil
}

// MonthlyInterest is one month's interest on the balance: round(B·r), r =
// rate / 12 (rate in millionths). Negative balances give zero.
func MonthlyInterest(balance money.Fen, rate int64) money.Fen {
	if balance <= 0 || rate <= 0 {
		return 0
	}
	return money.Fen(mulDivRound(monthsPPM, int64(balance), rate))
}

// Reduce is the fixed amount after a partial prepayment that keeps the term
// (§3.8 "keep term, reduce instalment"): for 等额本息 M recomputed on the new
// balance over the periods left; for 等额本金 round(balance / periods left).
// Errors: as Build.
func Reduce(m Method, balance money.Fen, left int, rate int64) (money.Fen, error) {
	if err := check(balance, left, rate); err != nil {
		return 0, err
	}
	switch m {
	case EqualInstalment:
		return instalment(balance, left, rate), nil
	case EqualPrincipal:
		return money.Fen(divRound(big.NewInt(int64(balance)), big.NewInt(int64(left)))), nil
	}
	return 0, ErrMethod.With("method", string(m))
}

// Shorten is the number of periods needed to repay balance while keeping the
// fixed amount (§3.8 "shorten term, keep instalment"): for 等额本息 the
// smallest n with M ≥ B·r·(1+r)^n/((1+r)^n − 1), i.e. n' = ceil(−ln(1 −
// B·r/M) / ln(1+r)) computed exactly; for 等额本金 ceil(B / principal share).
// The result is at most MaxTerm. Errors: ErrAmount, ErrRate, ErrMethod;
// ErrPayment when fixed is not positive, does not cover the interest or
// (等额本息) would need more than MaxTerm periods.
func Shorten(m Method, balance money.Fen, rate int64, fixed money.Fen) (int, error) {
	if err := check(balance, 1, rate); err != nil {
		return 0, err
	}
	if fixed <= 0 {
		return 0, ErrPayment.With("fixed_fen", int64(fixed))
	}
	switch m {
	case EqualPrincipal:
		n := (int64(balance) + int64(fixed) - 1) / int64(fixed)
		if n > MaxTerm {
			return 0, ErrPayment.With("fixed_fen", int64(fixed))
		}
		return int(n), nil
	case EqualInstalment:
	default:
		return 0, ErrMethod.With("method", string(m))
	}
	if rate == 0 {
		n := (int64(balance) + int64(fixed) - 1) / int64(fixed)
		if n > MaxTerm {
			return 0, ErrPayment.With("fixed_fen", int64(fixed))
		}
		return int(n), nil
	}
	// M·12e6·(a^n − b^n) ≥ B·rate·a^n  ⇔  M covers the annuity of B over n.
	a, b := big.NewInt(monthsPPM+rate), big.NewInt(monthsPPM)
	an, bn := big.NewInt(1), big.NewInt(1)
	bRate := new(big.Int).Mul(big.NewInt(int64(balance)), big.NewInt(rate))
	mScaled := new(big.Int).Mul(big.NewInt(int64(fixed)), big.NewInt(monthsPPM))
	if mScaled.Cmp(bRate) <= 0 {
		return 0, ErrPayment.With("fixed_fen", int64(fixed))
	}
	lhs, rhs := new(big.Int), new(big.Int)
	for n := 1; n <= MaxTerm; n++ {
		an.Mul(an, a)
		bn.Mul(bn, b)
		lhs.Sub(an, bn)
		lhs.Mul(lhs, mScaled)
		rhs.Mul(bRate, an)
		if lhs.Cmp(rhs) >= 0 {
			return n, nil
		}
	}
	return 0, ErrPayment.With("fixed_fen", int64(fixed))
}

// AccruedInterest is the interest on principal for days since the last due
// date, counted in 30-day months (§3.8): round(P × r × days / 30). Errors:
// ErrAmount for a negative or too large principal, ErrRate, ErrDays.
func AccruedInterest(principal money.Fen, rate int64, days int) (money.Fen, error) {
	if principal < 0 || principal > MaxPrincipal {
		return 0, ErrAmount.With("amount_fen", int64(principal))
	}
	if rate < 0 || rate > MaxRate {
		return 0, ErrRate.With("rate_ppm", rate)
	}
	if days < 0 || days > MaxDays {
		return 0, ErrDays.With("days", days)
	}
	return money.Fen(mulDivRound(monthsPPM*30, int64(principal), rate, int64(days))), nil
}

// SplitPrepayment splits an amount offered for prepayment days after the last
// due date into the principal it repays and the interest accrued on that
// principal (§3.8): principal = round(K / (1 + r × days / 30)), interest = K −
// principal, so the two always add up to K. Errors: as AccruedInterest.
func SplitPrepayment(amount money.Fen, rate int64, days int) (principal, interest money.Fen, err error) {
	if _, err := AccruedInterest(amount, rate, days); err != nil {
		return 0, 0, err
	}
	// K·360e6 / (360e6 + rate·days)
	den := monthsPPM*30 + rate*int64(days)
	principal = money.Fen(mulDivRound(den, int64(amount), monthsPPM*30))
	return principal, amount - principal, nil
}

// Penalty is the penalty interest (罚息) on an overdue amount for days at the
// contract rate times multiplier (basis points of the rate, 1.5× = 15000):
// round(amount × annual rate / 360 × multiplier × days) (§3.9). Errors:
// ErrAmount for a negative or too large amount, ErrRate, ErrDays; a
// multiplier outside 0–100000 bps is ErrRate.
func Penalty(amount money.Fen, rate, multiplierBps int64, days int) (money.Fen, error) {
	if amount < 0 || amount > MaxPrincipal {
		return 0, ErrAmount.With("amount_fen", int64(amount))
	}
	if rate < 0 || rate > MaxRate || multiplierBps < 0 || multiplierBps > 100_000 {
		return 0, ErrRate.With("rate_ppm", rate).With("multiplier_bps", multiplierBps)
	}
	if days < 0 || days > MaxDays {
		return 0, ErrDays.With("days", days)
	}
	// amount × rate/1e6 / 360 × mult/1e4 × days
	return money.Fen(mulDivRound(360*1_000_000*10_000, int64(amount), rate, multiplierBps, int64(days))), nil
}

// mulDivRound returns round_half_up(f1 × f2 × … / den) for non-negative
// factors and a positive denominator.
func mulDivRound(den int64, factors ...int64) int64 {
	num := big.NewInt(1)
	for _, f := range factors {
		num.Mul(num, big.NewInt(f))
	}
	return divRound(num, big.NewInt(den))
}

// divRound returns round_half_up(num / den) for num ≥ 0, den > 0.
func divRound(num, den *big.Int) int64 {
	q := new(big.Int).Lsh(num, 1)
	q.Add(q, den)
	q.Quo(q, new(big.Int).Lsh(den, 1))
	return q.Int64()
}
