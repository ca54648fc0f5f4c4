package loan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gjj/internal/core/deposit"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// CoBorrower names a co-borrower (共同借款人, usually the spouse) by their
// fund account and ID number; both must match one account.
type CoBorrower struct {
	AccountNo string
	IDNumber  string
}

// QuoteInput is what a quote (贷款额度试算) is asked for.
type QuoteInput struct {
	HousePrice  money.Fen // 房屋总价 (or appraisal, whichever is lower)
	TermMonths  int
	Method      string // equal_installment | equal_principal
	Home        Home
	Amount      money.Fen // the amount wanted; 0 = the limit
	MonthlyDebt money.Fen // existing monthly debt payments of the household
	CoBorrower  *CoBorrower
}

// The limit rules of a quote (domain.md §3.3, §3.5).
const (
	RuleCap      = "cap"      // city maximum, single or couple
	RulePrice    = "price"    // house price × (1 − down payment)
	RuleBalance  = "balance"  // balances × multiple
	RuleCapacity = "capacity" // repayment capacity × term
	RuleAgeTerm  = "age_term" // term up to retirement + N years and the longest term
)

// The eligibility checks of a quote and an application (§3.2).
const (
	CheckAccount    = "account_status"
	CheckContinuous = "continuous_months"
	CheckNoLoan     = "no_open_loan"
	CheckHomeCount  = "home_count"
	CheckAge        = "age"
	CheckTerm       = "term"
	CheckAmount     = "amount"
	CheckDTI        = "dti"
)

// Limit is one limit of a quote with how it was computed. Amount rules set
// LimitFen; the age/term rule sets MaxTermMonths.
type Limit struct {
	Rule          string     `json:"rule"`
	Name          string     `json:"name"`
	LimitFen      *money.Fen `json:"limit_fen,omitempty"`
	MaxTermMonths *int       `json:"max_term_months,omitempty"`
	Detail        string     `json:"detail"`
	// Binding marks the rule that sets the limit (the smallest amount; the
	// age/term rule when it is shorter than the term asked for).
	Binding bool `json:"binding"`
}

// Check is one eligibility rule's result with a reason a person can read.
type Check struct {
	Rule   string `json:"rule"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Quote is a loan quote: every limit, the resulting limit, the rate in force
// for the term and home, the eligibility checks and the plan of the amount.
type Quote struct {
	On            date.Date
	Home          Home
	Method        schedule.Method
	TermMonths    int
	HousePrice    money.Fen
	MonthlyDebt   money.Fen
	Limits        []Limit
	Limit         money.Fen // 可贷额度 (rounded down to loan.limit_unit)
	MaxTermMonths int
	Amount        money.Fen // the amount the plan is for
	Rate          int64     // annual, millionths
	Checks        []Check
	Eligible      bool
	Plan          *schedule.Plan // nil when Amount is zero
	// Basis is the interest basis in force on the quote date; an actual_360
	// plan assumes disbursement on that date.
	Basis schedule.Basis

	borrower, co *deposit.Employee
}

// Failed returns the checks that did not pass.
func (q *Quote) Failed() []Check {
	var out []Check
	for _, c := range q.Checks {
		if !c.Passed {
			out = append(out, c)
		}
	}
	return out
}

// Quote computes a quote for the person (the borrower, by the session) on
// the business date (domain.md §3.3–3.6). A quote is never refused for a rule:
// failed rules come back as checks with Eligible false. Personal channels call
// it for the signed-in person.
//
// Errors: ErrInvalidInput (missing or negative figures), ErrHome, the
// schedule errors for the term, method and amount (errs.Invalid),
// ErrCoBorrower, deposit.ErrEmployeeNotFound (the person has no fund
// account), policy errors.
func (s *Service) Quote(ctx context.Context, personID int64, in QuoteInput) (*Quote, error) {
	return s.quote(ctx, s.db, personID, in)
}

func (s *Service) quote(ctx context.Context, q db.Querier, personID int64, in QuoteInput) (*Quote, error) {
	m, err := schedule.ParseMethod(in.Method)
	if err != nil {
		return nil, err
	}
	if !in.Home.Valid() {
		return nil, ErrHome.With("home", string(in.Home))
	}
	if in.TermMonths < 1 || in.TermMonths > schedule.MaxTerm {
		return nil, schedule.ErrTerm.With("term_months", in.TermMonths)
	}
	if in.HousePrice <= 0 || in.HousePrice > schedule.MaxPrincipal*10 {
		return nil, ErrInvalidInput.With("field", "house_price_fen")
	}
	if in.Amount < 0 || in.Amount > schedule.MaxPrincipal {
		return nil, schedule.ErrAmount.With("amount_fen", int64(in.Amount))
	}
	if in.MonthlyDebt < 0 || in.MonthlyDebt > schedule.MaxPrincipal {
		return nil, ErrInvalidInput.With("field", "monthly_debt_fen")
	}
	today, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	b, err := s.deposit.PersonAccount(ctx, personID)
	if err != nil {
		return nil, err
	}
	var co *deposit.Employee
	if in.CoBorrower != nil {
		if co, err = s.coBorrower(ctx, b, *in.CoBorrower); err != nil {
			return nil, err
		}
	}
	p, err := s.loanPolicy(ctx, today)
	if err != nil {
		return nil, err
	}
	qt := &Quote{On: today, Home: in.Home, Method: m, TermMonths: in.TermMonths, HousePrice: in.HousePrice,
		MonthlyDebt: in.MonthlyDebt, borrower: b, co: co}
	people := []*deposit.Employee{b}
	if co != nil {
		people = append(people, co)
	}

	// Amount limits (§3.3).
	capFen, capName := p.capSingle, "单人最高贷款额度"
	if co != nil {
		capFen, capName = p.capCouple, "夫妻（含共同借款人）最高贷款额度"
	}
	amountLimits := []Limit{{Rule: RuleCap, Name: "最高贷款额度", LimitFen: fenPtr(capFen),
		Detail: fmt.Sprintf("%s %s 元", capName, capFen.Format())}}

	dp := p.downFirst
	if in.Home == HomeSecond {
		dp = p.downSecond
	}
	price := money.Fen(int64(in.HousePrice) * (10_000 - dp) / 10_000)
	amountLimits = append(amountLimits, Limit{Rule: RulePrice, Name: "房价扣除最低首付", LimitFen: fenPtr(price),
		Detail: fmt.Sprintf("房屋总价 %s 元 ×（1 − %s最低首付比例 %s）", in.HousePrice.Format(), in.Home.Name(), policy.FormatBps(dp))})

	var counted money.Fen
	parts := make([]string, 0, len(people))
	for _, e := range people {
		counted += max(e.Balance, p.balanceFloor)
		parts = append(parts, e.Balance.Format())
	}
	bal := counted * money.Fen(p.multiple)
	amountLimits = append(amountLimits, Limit{Rule: RuleBalance, Name: "账户余额倍数", LimitFen: fenPtr(bal),
		Detail: fmt.Sprintf("账户余额 %s 元（每人不足 %s 元按 %s 元计）× %d 倍", strings.Join(parts, " + "),
			p.balanceFloor.Format(), p.balanceFloor.Format(), p.multiple)})

	var income, unitPart money.Fen
	for _, e := range people {
		mo, err := s.deposit.MonthlyAmount(ctx, e)
		if err != nil {
			return nil, err
		}
		income += e.Base
		unitPart += mo.Unit
	}
	monthlyCap := money.Fen(int64(income+unitPart)*p.capacityBps/10_000) - in.MonthlyDebt
	capacity := max(monthlyCap, 0) * money.Fen(in.TermMonths)
	amountLimits = append(amountLimits, Limit{Rule: RuleCapacity, Name: "还款能力", LimitFen: fenPtr(capacity),
		Detail: fmt.Sprintf("[（月工资 %s 元 + 单位月缴存额 %s 元）× 还款能力系数 %s − 现有月还款额 %s 元] × %d 个月",
			income.Format(), unitPart.Format(), policy.FormatBps(p.capacityBps), in.MonthlyDebt.Format(), in.TermMonths)})

	low := 0
	for i, l := range amountLimits {
		if *l.LimitFen < *amountLimits[low].LimitFen {
			low = i
		}
	}
	amountLimits[low].Binding = true
	qt.Limit = *amountLimits[low].LimitFen / p.limitUnit * p.limitUnit

	// Term limit (§3.5): age at application + term ≤ retirement + N years.
	maxTerm := p.maxTermYears * 12
	termDetail := fmt.Sprintf("最长贷款期限 %d 年", p.maxTermYears)
	var ages []int
	for _, e := range people[:1] { // the age rule is the borrower's
		id, err := ident.ParseResidentID(e.IDNumber)
		if err != nil {
			continue // not a resident ID: no age rule can be applied
		}
		retire := RetirementDate(id.BirthDate(), id.Sex())
		end := addMonths(retire, p.retirePlusYears*12)
		byAge := monthsBetween(today, end)
		ages = append(ages, ageOn(id.BirthDate(), today))
		if byAge < maxTerm {
			maxTerm = byAge
			termDetail = fmt.Sprintf("法定退休日期 %s 后 %d 年即 %s 前须还清，最长 %d 个月", retire, p.retirePlusYears, end, byAge)
		} else {
			termDetail += fmt.Sprintf("（法定退休日期 %s 后 %d 年为 %s）", retire, p.retirePlusYears, end)
		}
	}
	qt.MaxTermMonths = maxTerm
	qt.Limits = append(amountLimits, Limit{Rule: RuleAgeTerm, Name: "年龄与期限", MaxTermMonths: intPtr(maxTerm),
		Detail: termDetail, Binding: in.TermMonths > maxTerm})

	if qt.Rate, err = s.RateOn(ctx, today, in.Home, in.TermMonths); err != nil {
		return nil, err
	}
	qt.Amount = in.Amount
	if qt.Amount == 0 {
		qt.Amount = qt.Limit
	}
	if qt.Basis, err = s.BasisOn(ctx, today); err != nil {
		return nil, err
	}
	if qt.Amount > 0 {
		if qt.Plan, err = buildPlan(qt.Basis, qt.Amount, in.TermMonths, qt.Rate, m, today, dueDayOf(today)); err != nil {
			return nil, err
		}
	}

	// Eligibility (§3.2) and the request against the limits.
	add := func(rule string, ok bool, format string, args ...any) {
		qt.Checks = append(qt.Checks, Check{Rule: rule, Passed: ok, Detail: fmt.Sprintf(format, args...)})
	}
	for i, e := range people {
		who := "借款人"
		if i == 1 {
			who = "共同借款人"
		}
		add(CheckAccount, e.Status == deposit.EmpNormal, "%s个人账户状态%s", who, statusText(e.Status))
		months, err := deposit.ConsecutiveMonths(ctx, q, e.AccountNo)
		if err != nil {
			return nil, err
		}
		if months >= p.minMonths {
			add(CheckContinuous, true, "%s连续缴存 %d 个月，满足 %d 个月的要求", who, months, p.minMonths)
		} else {
			add(CheckContinuous, false, "%s连续缴存 %d 个月，少于 %d 个月的要求", who, months, p.minMonths)
		}
		open, err := openLoanOf(ctx, q, e.PersonID)
		if err != nil {
			return nil, err
		}
		if open != "" {
			add(CheckNoLoan, false, "%s尚有未结清的住房公积金贷款（贷款账号 %s）", who, open)
		} else {
			add(CheckNoLoan, true, "%s没有未结清的住房公积金贷款", who)
		}
	}
	settled, err := settledLoans(ctx, q, b.PersonID)
	if err != nil {
		return nil, err
	}
	switch {
	case settled >= 2:
		add(CheckHomeCount, false, "已使用过 %d 次住房公积金贷款，不支持第三套及以上住房贷款", settled)
	case settled == 1 && in.Home == HomeFirst:
		add(CheckHomeCount, false, "已使用过一次住房公积金贷款，应按二套住房申请")
	default:
		add(CheckHomeCount, true, "按%s申请", in.Home.Name())
	}
	for _, age := range ages {
		add(CheckAge, age >= 18, "借款人年龄 %d 周岁（须年满 18 周岁）", age)
	}
	if in.TermMonths <= maxTerm {
		add(CheckTerm, true, "贷款期限 %d 个月，不超过最长 %d 个月", in.TermMonths, maxTerm)
	} else {
		add(CheckTerm, false, "贷款期限 %d 个月，超过年龄与期限规则允许的 %d 个月", in.TermMonths, maxTerm)
	}
	switch {
	case qt.Amount <= 0:
		add(CheckAmount, false, "可贷额度为 0 元")
	case qt.Amount > qt.Limit:
		add(CheckAmount, false, "申请金额 %s 元超过可贷额度 %s 元（%s）", qt.Amount.Format(), qt.Limit.Format(), amountLimits[low].Name)
	default:
		add(CheckAmount, true, "申请金额 %s 元，不超过可贷额度 %s 元", qt.Amount.Format(), qt.Limit.Format())
	}
	if qt.Plan != nil {
		need := qt.Plan.First() + in.MonthlyDebt
		allowed := money.Fen(int64(income) * p.dtiBps / 10_000)
		add(CheckDTI, need <= allowed, "首期月还款额 %s 元加现有月还款额 %s 元，%s月收入 %s 元的 %s（%s 元）",
			qt.Plan.First().Format(), in.MonthlyDebt.Format(), map[bool]string{true: "不超过", false: "超过"}[need <= allowed],
			income.Format(), policy.FormatBps(p.dtiBps), allowed.Format())
	}
	qt.Eligible = len(qt.Failed()) == 0
	return qt, nil
}

// coBorrower reads the co-borrower's account and checks the ID number.
func (s *Service) coBorrower(ctx context.Context, b *deposit.Employee, c CoBorrower) (*deposit.Employee, error) {
	acct := strings.TrimSpace(c.AccountNo)
	id := strings.ToUpper(strings.TrimSpace(c.IDNumber))
	if acct == "" || id == "" || acct == b.AccountNo {
		return nil, ErrCoBorrower
	}
	e, err := s.deposit.Employee(ctx, acct)
	if errors.Is(err, deposit.ErrEmployeeNotFound) {
		return nil, ErrCoBorrower
	}
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(e.IDNumber, id) || e.PersonID == b.PersonID {
		return nil, ErrCoBorrower
	}
	return e, nil
}

// loanPolicy is the loan parameters in force on a date.
type loanPolicy struct {
	minMonths, multiple, maxTermYears, retirePlusYears int
	capSingle, capCouple, balanceFloor, limitUnit      money.Fen
	capacityBps, dtiBps, downFirst, downSecond         int64
}

func (s *Service) loanPolicy(ctx context.Context, on date.Date) (*loanPolicy, error) {
	p := &loanPolicy{}
	ints := []struct {
		key string
		dst *int
	}{
		{policy.LoanMinContinuousMonths, &p.minMonths}, {policy.LoanBalanceMultiple, &p.multiple},
		{policy.LoanMaxTermYears, &p.maxTermYears}, {policy.LoanRetirementPlusYears, &p.retirePlusYears},
	}
	for _, v := range ints {
		n, err := s.policy.Int(ctx, v.key, on)
		if err != nil {
			return nil, err
		}
		*v.dst = int(n)
	}
	fens := []struct {
		key string
		dst *money.Fen
	}{
		{policy.LoanCapSingle, &p.capSingle}, {policy.LoanCapCouple, &p.capCouple},
		{policy.LoanBalanceFloor, &p.balanceFloor}, {policy.LoanLimitUnit, &p.limitUnit},
	}
	for _, v := range fens {
		f, err := s.policy.Fen(ctx, v.key, on)
		if err != nil {
			return nil, err
		}
		*v.dst = f
	}
	bpss := []struct {
		key string
		dst *int64
	}{
		{policy.LoanCapacityCoefficient, &p.capacityBps}, {policy.LoanDTIMax, &p.dtiBps},
		{policy.LoanDownPaymentFirst, &p.downFirst}, {policy.LoanDownPaymentSecond, &p.downSecond},
	}
	for _, v := range bpss {
		n, err := s.policy.Bps(ctx, v.key, on)
		if err != nil {
			return nil, err
		}
		*v.dst = n
	}
	if p.limitUnit <= 0 {
		p.limitUnit = 1
	}
	return p, nil
}

func statusText(code string) string {
	names := map[string]string{deposit.EmpNormal: "正常", deposit.EmpSealed: "封存", deposit.EmpFrozen: "冻结",
		deposit.EmpMerged: "合并销户", deposit.EmpTransferred: "外部转出销户", deposit.EmpWithdrawn: "提取销户"}
	if n, ok := names[code]; ok {
		if code == deposit.EmpNormal {
			return "正常"
		}
		return "为" + n + "（须为正常）"
	}
	return "为 " + code + "（须为正常）"
}

func fenPtr(f money.Fen) *money.Fen { return &f }
func intPtr(n int) *int             { return &n }
