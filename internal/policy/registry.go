package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gjj/internal/channel/catalog"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/workcal"
)

// Kind says how a parameter's value is written in policy_param.value and which
// typed getter reads it.
type Kind string

// The parameter kinds. Stored values are canonical text: integers in decimal
// without sign, spaces or leading zeros.
const (
	KindBps      Kind = "bps"      // ratio in basis points, 12% = "1200"; read with Store.Bps
	KindPPM      Kind = "ppm"      // interest rate in millionths, 2.6% = "26000"; read with Store.PPM
	KindFen      Kind = "fen"      // amount in fen, 1,900 yuan = "190000"; read with Store.Fen
	KindInt      Kind = "int"      // count of days, months, years, times; read with Store.Int
	KindEnum     Kind = "enum"     // one of Spec.Options; read with Store.String
	KindBool     Kind = "bool"     // "true" or "false"; read with Store.Bool
	KindMonthDay Kind = "monthday" // "MM-DD" that exists in every year; read with Store.MonthDay
	KindJSON     Kind = "json"     // a JSON document for structured rules (channel.matrix, channel.capacity); read with Store.String
)

// The rounding modes of deposit.rounding (domain.md §1.5): truncate, round half
// up, or round up (ceiling) to fen, jiao or yuan.
const (
	TruncFen   = "TRUNC_FEN"    // 舍入到分
	TruncJiao  = "TRUNC_JIAO"   // 舍入到角
	TruncYuan  = "TRUNC_YUAN"   // 舍入到元
	HalfUpFen  = "HALF_UP_FEN"  // 四舍五入到分
	HalfUpJiao = "HALF_UP_JIAO" // 四舍五入到角
	HalfUpYuan = "HALF_UP_YUAN" // 四舍五入到元 (default)
	CeilFen    = "CEIL_FEN"     // 见厘进分
	CeilJiao   = "CEIL_JIAO"    // 见分进角
	CeilYuan   = "CEIL_YUAN"    // 见角进元
)

// RoundingModes lists the values of deposit.rounding.
var RoundingModes = []string{TruncFen, TruncJiao, TruncYuan, HalfUpFen, HalfUpJiao, HalfUpYuan, CeilFen, CeilJiao, CeilYuan}

// The day-count bases of interest.basis (domain.md §1.11).
const (
	Act360         = "ACT_360"           // 积数 × 年利率 / 360 (default)
	YearPlusAct360 = "YEAR_PLUS_ACT_360" // opening balance × annual rate + movements × days × rate / 360
	Act365         = "ACT_365"           // 积数 × 年利率 / 365
)

// InterestBases lists the values of interest.basis.
var InterestBases = []string{Act360, YearPlusAct360, Act365}

// Spec describes one known parameter: its key, kind, Chinese title, a Chinese
// description of the allowed values and the validator of a stored value.
type Spec struct {
	Key   string
	Kind  Kind
	Title string // Chinese name shown to staff, e.g. "单位缴存比例上限"
	// Allowed describes the allowed values in Chinese, e.g. "5%至12%".
	Allowed string
	// Min and Max bound numeric kinds (inclusive, in the stored unit).
	Min, Max int64
	// Options lists the values of an enum.
	Options []string
	// Validate checks a stored-form value (canonical text, e.g. "1200" for 12%).
	// It returns nil or an errs.Invalid error with code policy.invalid_value
	// whose message names the Title and the Allowed range.
	Validate func(value string) error
}

// Parameter keys (domain.md §9). Use these constants rather than string literals.
const (
	DepositRatioUnitMin      = "deposit.ratio.unit.min"
	DepositRatioUnitMax      = "deposit.ratio.unit.max"
	DepositRatioPersonMin    = "deposit.ratio.person.min"
	DepositRatioPersonMax    = "deposit.ratio.person.max"
	DepositBaseMin           = "deposit.base.min"
	DepositBaseMax           = "deposit.base.max"
	DepositRounding          = "deposit.rounding"
	DepositRemitDeadlineDays = "deposit.remit_deadline_days_after_payday"
	DepositYearStart         = "deposit.year_start"

	InterestRate           = "interest.rate"
	InterestBasis          = "interest.basis"
	InterestSettlementDate = "interest.settlement_date"

	WithdrawMinRetainedBalance = "withdraw.min_retained_balance"
	WithdrawSealMonthsLeave    = "withdraw.seal_months_before_leave_withdrawal"
	// WithdrawRules is the withdrawal rule document (JSON, internal/core/withdrawal/rules).
	WithdrawRules = "withdraw.rules"

	LoanMinContinuousMonths = "loan.min_continuous_months"
	LoanCapSingle           = "loan.cap.single"
	LoanCapCouple           = "loan.cap.couple"
	LoanBalanceMultiple     = "loan.balance_multiple"
	LoanBalanceFloor        = "loan.balance_floor"
	LoanCapacityCoefficient = "loan.capacity_coefficient"
	LoanDTIMax              = "loan.dti_max"
	LoanDownPaymentFirst    = "loan.down_payment.first"
	LoanDownPaymentSecond   = "loan.down_payment.second"
	LoanMaxTermYears        = "loan.max_term_years"
	LoanRetirementPlusYears = "loan.retirement_plus_years"
	LoanRepriceExistingOn   = "loan.reprice_existing_on"
	LoanPenaltyMultiplier   = "loan.penalty_multiplier"
	LoanPenaltyCompound     = "loan.penalty_compound"
	LoanPrepayMinAmount     = "loan.prepay.min_amount"
	LoanPrepayMaxPerYear    = "loan.prepay.max_per_year"
	LoanRateFirstLE5Y       = "loan.rate.first.le5y"
	LoanRateFirstGT5Y       = "loan.rate.first.gt5y"
	LoanRateSecondLE5Y      = "loan.rate.second.le5y"
	LoanRateSecondGT5Y      = "loan.rate.second.gt5y"
	LoanLimitUnit           = "loan.limit_unit"
	LoanReviewLevels        = "loan.review_levels"
	// LoanInterestBasis is the interest basis of new loan plans (schedule.Bases:
	// monthly, actual_360); the value in force on a loan's contract date is
	// recorded on the loan.
	LoanInterestBasis = "loan.interest_basis"

	// §4.4: the channel gate's switch matrix and admission capacities
	// (JSON documents, see internal/channel/catalog).
	ChannelMatrix   = "channel.matrix"
	ChannelCapacity = "channel.capacity"
	// ChannelPeakWindows are scheduled peak windows with their own
	// capacities (catalog.PeakWindows).
	ChannelPeakWindows = "channel.peak_windows"

	// CalendarWorkingDays is the working-day calendar: public holidays and
	// make-up workdays (JSON, internal/platform/workcal).
	CalendarWorkingDays = "calendar.working_days"
)

// registry holds every known parameter. Each validator is written out per key
// so that a reviewer sees the allowed range next to the key.
var registry = func() map[string]Spec {
	specs := []Spec{
		// §1.6: national band 5%–12% for each side (条例 art.18 floor; 建金〔2005〕5号 ceiling).
		bps(DepositRatioUnitMin, "单位缴存比例下限", 500, 1200),
		bps(DepositRatioUnitMax, "单位缴存比例上限", 500, 1200),
		bps(DepositRatioPersonMin, "个人缴存比例下限", 500, 1200),
		bps(DepositRatioPersonMax, "个人缴存比例上限", 500, 1200),
		// §1.7: sanity bounds only; the real bounds are the local minimum wage and 3× the average wage.
		fen(DepositBaseMin, "缴存基数下限", money.Yuan(1), money.Yuan(100_000)),
		fen(DepositBaseMax, "缴存基数上限", money.Yuan(1), money.Yuan(1_000_000)),
		enum(DepositRounding, "月缴存额舍入方式", RoundingModes),
		// 条例 art.19: units remit within 5 days of paying wages; a center may only shorten it.
		integer(DepositRemitDeadlineDays, "汇缴期限（发薪日后天数）", 0, 5),
		monthDay(DepositYearStart, "住房公积金年度起始日"),

		ppm(InterestRate, "住房公积金存款年利率", 0, 100_000),
		enum(InterestBasis, "结息计息天数基础", InterestBases),
		monthDay(InterestSettlementDate, "年度结息日"),

		fen(WithdrawMinRetainedBalance, "提取后账户最低留存余额", 0, money.Yuan(100_000)),
		integer(WithdrawSealMonthsLeave, "离职提取前须封存月数", 0, 60),
		jsonDoc(WithdrawRules, "提取规则（按提取原因）",
			`JSON 对象：review 给出自动审批最高金额 auto_approve_max_fen、双人审核起点金额 four_eyes_above_fen（分）和审批时限 decision_working_days（工作日）；reasons 按提取原因给出名称、提取原因代码 tqyy、服务事项 item、类型 type（partial 部分提取 / close 销户提取）、可申请的账户状态、连续缴存月数、封存、年龄、无房、购房合同、贷款、间隔月数等条件、额度 cap、须填信息 fields、须审核材料 materials 和是否可自动审批 auto_approve`,
			func(v string) error { _, err := rules.Parse(v); return err }),

		integer(LoanMinContinuousMonths, "申请贷款前须连续缴存月数", 0, 120),
		fen(LoanCapSingle, "单人最高贷款额度", money.Yuan(1), money.Yuan(10_000_000)),
		fen(LoanCapCouple, "夫妻共同申请最高贷款额度", money.Yuan(1), money.Yuan(10_000_000)),
		integer(LoanBalanceMultiple, "贷款额度对应账户余额倍数", 1, 100),
		fen(LoanBalanceFloor, "余额倍数法保底余额", 0, money.Yuan(1_000_000)),
		bps(LoanCapacityCoefficient, "还款能力系数", 1, 10_000),
		bps(LoanDTIMax, "月还款额占月收入比例上限", 1, 10_000),
		bps(LoanDownPaymentFirst, "首套住房最低首付比例", 0, 10_000),
		bps(LoanDownPaymentSecond, "二套住房最低首付比例", 0, 10_000),
		// §3.5: 1–30 years by statute.
		integer(LoanMaxTermYears, "最长贷款年限", 1, 30),
		integer(LoanRetirementPlusYears, "贷款到期可超过法定退休年龄的年数", 0, 10),
		monthDay(LoanRepriceExistingOn, "存量贷款利率调整日"),
		// §3.9: multiplier of the contract rate in basis points (1.5× = 15000 = "150%").
		bps(LoanPenaltyMultiplier, "逾期罚息利率倍数（以合同利率为100%）", 10_000, 20_000),
		boolean(LoanPenaltyCompound, "逾期利息是否计收罚息（复利）"),
		fen(LoanPrepayMinAmount, "部分提前还款最低金额", 0, money.Yuan(1_000_000)),
		integer(LoanPrepayMaxPerYear, "每年提前还款最多次数", 1, 12),
		// §3.6: PBOC rates; second-home keys hold the published floors.
		ppm(LoanRateFirstLE5Y, "首套住房公积金贷款年利率（五年以下含五年）", 0, 100_000),
		ppm(LoanRateFirstGT5Y, "首套住房公积金贷款年利率（五年以上）", 0, 100_000),
		ppm(LoanRateSecondLE5Y, "二套住房公积金贷款年利率下限（五年以下含五年）", 0, 100_000),
		ppm(LoanRateSecondGT5Y, "二套住房公积金贷款年利率下限（五年以上）", 0, 100_000),
		// §3.3: the limit is rounded down to this unit (usually 1,000 or 10,000 yuan).
		fen(LoanLimitUnit, "可贷额度取整单位", 1, money.Yuan(10_000)),
		// §3.13: review levels of a loan application (初审, 终审 …), each by a different reviewer.
		integer(LoanReviewLevels, "贷款审批级数", 1, 3),
		enum(LoanInterestBasis, "贷款计息方式（monthly 按月、actual_360 按实际天数/360）", schedule.Bases),

		jsonDoc(ChannelMatrix, "渠道服务事项开关矩阵",
			`JSON 对象：channels 给出每个渠道的总开关（true/false）；items 按服务事项代码给出 enabled（事项总开关）和 channels（各渠道的 enabled、可选的办理时间 hours 如 "08:30-17:30"、单笔限额 single_limit_fen 和单日限额 daily_limit_fen，单位为分，0 为不限）`,
			func(v string) error { _, err := catalog.ParseMatrix(v); return err }),
		jsonDoc(ChannelCapacity, "渠道流量容量",
			`JSON 对象：每个渠道的 query（查询）、apply（申请）、fund（资金）三类事项各给出 rate_per_s（每秒受理数，0.001 至 100000，最多三位小数）和 burst（瞬时最多受理数，1 至 100000）`,
			func(v string) error { _, err := catalog.ParseCapacity(v); return err }),
		jsonDoc(ChannelPeakWindows, "渠道高峰时段容量",
			`JSON 对象：windows 为高峰时段列表，每个时段给出名称 name、适用服务事项 items（可选）、月份 months（1 至 12，可选）和/或每月起止日 day_from、day_to（1 至 31）、可选的时间 hours 如 "08:00-20:00"，以及 capacity：按渠道、事项类别（query、apply、fund）给出 rate_per_s 和 burst，时段内替代渠道流量容量；多个时段同时生效时以列在前面的为准`,
			func(v string) error { _, err := catalog.ParsePeakWindows(v); return err }),
		jsonDoc(CalendarWorkingDays, "工作日历（法定节假日与调休上班日）",
			`JSON 对象：holidays 为放假日期列表（法定节假日及调休放假，YYYY-MM-DD），workdays 为调休上班的周六、周日列表；其余周一至周五为工作日。办结时限等按工作日计算的期限使用本日历`,
			func(v string) error { _, err := workcal.Parse(v); return err }),
	}
	m := make(map[string]Spec, len(specs))
	for _, s := range specs {
		if _, dup := m[s.Key]; dup {
			panic("policy: duplicate parameter key " + s.Key)
		}
		m[s.Key] = s
	}
	return m
}()

// Lookup returns the Spec of a known key.
func Lookup(key string) (Spec, bool) {
	s, ok := registry[key]
	s.Options = slices.Clone(s.Options)
	return s, ok
}

// Keys returns every known parameter key, sorted.
func Keys() []string {
	keys := make([]string, 0, len(registry))
	for k := range registry {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Display formats a stored value for APIs and pages: ratios and rates as
// percent strings ("12%", "2.6%"), amounts as yuan ("1,900.00"), anything else
// unchanged. A value that does not parse is returned unchanged.
func (s Spec) Display(value string) string {
	n, ok := canonicalInt(value)
	if !ok {
		return value
	}
	switch s.Kind {
	case KindBps:
		return FormatBps(n)
	case KindPPM:
		return FormatPPM(n)
	case KindFen:
		return money.Fen(n).Format()
	}
	return value
}

// ParseInput turns what a staff member types into the stored form and
// validates it: ratios and rates as percent strings ("12%", "2.6%"), amounts as
// yuan ("1,900" or "1900.00"), other kinds as their stored text (surrounding
// spaces dropped). Errors are errs.Invalid: the percent and money parser errors,
// or policy.invalid_value from Validate. The change-request service calls it
// when a maker submits a new version.
func (s Spec) ParseInput(input string) (string, error) {
	input = strings.TrimSpace(input)
	var (
		n   int64
		err error
	)
	switch s.Kind {
	case KindBps:
		n, err = ParsePercentBps(input)
	case KindPPM:
		n, err = ParsePercentPPM(input)
	case KindFen:
		var f money.Fen
		f, err = money.ParseYuan(input)
		n = int64(f)
	default:
		if err := s.Validate(input); err != nil {
			return "", err
		}
		return input, nil
	}
	if err != nil {
		return "", err
	}
	v := strconv.FormatInt(n, 10)
	if err := s.Validate(v); err != nil {
		return "", err
	}
	return v, nil
}

// spec returns the Spec of key or errs Invalid policy.unknown_key.
func spec(key string) (Spec, error) {
	s, ok := registry[key]
	if !ok {
		return Spec{}, errs.Newf(errs.Invalid, "policy.unknown_key", "未知的参数：%s", key).With("key", key)
	}
	return s, nil
}

func invalidValue(s Spec) *errs.Error {
	return errs.Newf(errs.Invalid, "policy.invalid_value", "参数「%s」的取值不正确，允许的取值：%s", s.Title, s.Allowed).
		With("key", s.Key).With("allowed", s.Allowed)
}

// canonicalInt parses a canonical decimal integer ("0", "1200"; no sign,
// spaces or leading zeros).
func canonicalInt(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != v || strings.HasPrefix(v, "-") {
		return 0, false
	}
	return n, true
}

func numeric(key, title string, kind Kind, lo, hi int64, allowed string) Spec {
	s := Spec{Key: key, Kind: kind, Title: title, Min: lo, Max: hi, Allowed: allowed}
	s.Validate = func(v string) error {
		n, ok := canonicalInt(v)
		if !ok || n < lo || n > hi {
			return invalidValue(s)
		}
		return nil
	}
	return s
}

func bps(key, title string, lo, hi int64) Spec {
	return numeric(key, title, KindBps, lo, hi, FormatBps(lo)+"至"+FormatBps(hi))
}

func ppm(key, title string, lo, hi int64) Spec {
	return numeric(key, title, KindPPM, lo, hi, FormatPPM(lo)+"至"+FormatPPM(hi))
}

func fen(key, title string, lo, hi money.Fen) Spec {
	return numeric(key, title, KindFen, int64(lo), int64(hi), lo.Format()+"元至"+hi.Format()+"元")
}

func integer(key, title string, lo, hi int64) Spec {
	return numeric(key, title, KindInt, lo, hi, fmt.Sprintf("%d至%d的整数", lo, hi))
}

func enum(key, title string, options []string) Spec {
	options = slices.Clone(options) // the exported lists stay harmless to modify
	s := Spec{Key: key, Kind: KindEnum, Title: title, Options: options, Allowed: strings.Join(options, "、")}
	s.Validate = func(v string) error {
		if !slices.Contains(options, v) {
			return invalidValue(s)
		}
		return nil
	}
	return s
}

func boolean(key, title string) Spec {
	s := Spec{Key: key, Kind: KindBool, Title: title, Allowed: "true 或 false"}
	s.Validate = func(v string) error {
		if v != "true" && v != "false" {
			return invalidValue(s)
		}
		return nil
	}
	return s
}

// jsonDoc is a KindJSON parameter checked by parse, whose error message
// (Chinese, naming the offending place) is shown after the title.
func jsonDoc(key, title, allowed string, parse func(string) error) Spec {
	s := Spec{Key: key, Kind: KindJSON, Title: title, Allowed: allowed}
	s.Validate = func(v string) error {
		if err := parse(v); err != nil {
			return errs.Newf(errs.Invalid, "policy.invalid_value", "参数「%s」的取值不正确：%s", s.Title, err.Error()).
				With("key", s.Key).With("allowed", s.Allowed).With("reason", err.Error())
		}
		return nil
	}
	return s
}

func monthDay(key, title string) Spec {
	s := Spec{Key: key, Kind: KindMonthDay, Title: title, Allowed: "MM-DD 格式的日期（每年都存在，不可为 02-29），例如 07-01"}
	s.Validate = func(v string) error {
		if _, _, ok := parseMonthDay(v); !ok {
			return invalidValue(s)
		}
		return nil
	}
	return s
}

// parseMonthDay parses "MM-DD" for a day that exists in every year (so not 02-29).
func parseMonthDay(v string) (time.Month, int, bool) {
	if len(v) != 5 || v[2] != '-' || !digits(v[:2]) || !digits(v[3:]) {
		return 0, 0, false
	}
	m, _ := strconv.Atoi(v[:2])
	d, _ := strconv.Atoi(v[3:])
	if m < 1 || m > 12 || d < 1 {
		return 0, 0, false
	}
	// 2001 is not a leap year: the last day of month m is day 0 of month m+1.
	if last := date.Of(2001, time.Month(m)+1, 0).Day(); d > last {
		return 0, 0, false
	}
	return time.Month(m), d, true
}

// seedVersion is one default version inserted by Store.Seed.
type seedVersion struct {
	key, value, from string
}

// defaultFrom is the effective date of defaults that carry no date of their own
// (ratios, rounding, counts…): a day before any business the platform holds, so
// the default is in force on every business date until a center adds a version.
const defaultFrom = "2000-01-01"

// defaults are the versions Store.Seed inserts (domain.md §9). Values marked
// "example" are one city's numbers and must be replaced by the center.
var defaults = []seedVersion{
	{DepositRatioUnitMin, "500", defaultFrom},
	{DepositRatioUnitMax, "1200", defaultFrom},
	{DepositRatioPersonMin, "500", defaultFrom},
	{DepositRatioPersonMax, "1200", defaultFrom},
	// Example (临沂 2023, domain.md §1.7): floor = minimum wage 1,900 yuan,
	// cap = 3 × 2022 average monthly wage = 23,681 yuan. Replace with local values each 1 July.
	{DepositBaseMin, "190000", "2023-07-01"},
	{DepositBaseMax, "2368100", "2023-07-01"},
	{DepositRounding, HalfUpYuan, defaultFrom},
	{DepositRemitDeadlineDays, "5", defaultFrom},
	{DepositYearStart, "07-01", defaultFrom},

	// 银发〔2016〕43号: 1.50% for all deposits from 2016-02-21. Earlier rates are not seeded.
	{InterestRate, "15000", "2016-02-21"},
	{InterestBasis, Act360, defaultFrom},
	{InterestSettlementDate, "06-30", defaultFrom},

	{WithdrawMinRetainedBalance, "0", defaultFrom},
	{WithdrawSealMonthsLeave, "6", defaultFrom},
	{WithdrawRules, rules.DefaultJSON(), defaultFrom},

	{LoanMinContinuousMonths, "6", defaultFrom},
	{LoanCapSingle, "40000000", defaultFrom}, // example: 400,000 yuan
	{LoanCapCouple, "60000000", defaultFrom}, // example: 600,000 yuan
	{LoanBalanceMultiple, "10", defaultFrom},
	{LoanBalanceFloor, "2000000", defaultFrom}, // 20,000 yuan
	{LoanCapacityCoefficient, "4000", defaultFrom},
	{LoanDTIMax, "5000", defaultFrom},
	{LoanDownPaymentFirst, "2000", defaultFrom},
	{LoanDownPaymentSecond, "3000", defaultFrom},
	{LoanMaxTermYears, "30", defaultFrom},
	{LoanRetirementPlusYears, "5", defaultFrom},
	{LoanRepriceExistingOn, "01-01", defaultFrom},
	{LoanPenaltyMultiplier, "15000", defaultFrom},
	{LoanPenaltyCompound, "false", defaultFrom},
	{LoanPrepayMinAmount, "1000000", defaultFrom}, // 10,000 yuan
	{LoanPrepayMaxPerYear, "2", defaultFrom},
	{LoanLimitUnit, "100000", defaultFrom}, // 1,000 yuan
	{LoanReviewLevels, "2", defaultFrom},
	{LoanInterestBasis, "monthly", defaultFrom},

	// domain.md §3.6 (PBOC). Second-home values are the published floors ("不低于").
	{LoanRateFirstLE5Y, "27500", "2015-08-26"},
	{LoanRateFirstGT5Y, "32500", "2015-08-26"},
	{LoanRateSecondLE5Y, "30250", "2015-08-26"},
	{LoanRateSecondGT5Y, "35750", "2015-08-26"},
	{LoanRateFirstLE5Y, "26000", "2022-10-01"},
	{LoanRateFirstGT5Y, "31000", "2022-10-01"},
	{LoanRateSecondLE5Y, "30250", "2022-10-01"},
	{LoanRateSecondGT5Y, "35750", "2022-10-01"},
	{LoanRateFirstLE5Y, "23500", "2024-05-18"},
	{LoanRateFirstGT5Y, "28500", "2024-05-18"},
	{LoanRateSecondLE5Y, "27750", "2024-05-18"},
	{LoanRateSecondGT5Y, "33250", "2024-05-18"},
	{LoanRateFirstLE5Y, "21000", "2025-05-08"},
	{LoanRateFirstGT5Y, "26000", "2025-05-08"},
	{LoanRateSecondLE5Y, "25250", "2025-05-08"},
	{LoanRateSecondGT5Y, "30750", "2025-05-08"},

	// §4.4: every channel on, items on the channels of their kind all day,
	// online limits on a person's fund-moving items; capacities per channel
	// and class (internal/channel/catalog).
	{ChannelMatrix, catalog.DefaultMatrixJSON(), defaultFrom},
	{ChannelCapacity, catalog.DefaultCapacityJSON(), defaultFrom},
	{ChannelPeakWindows, catalog.DefaultPeakWindowsJSON(), defaultFrom},

	// The 2026 national holidays and make-up workdays (国办发明电〔2025〕7号).
	{CalendarWorkingDays, workcal.DefaultJSON(), defaultFrom},
}
