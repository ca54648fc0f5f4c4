package withdrawal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/exchange"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
)

// Facts are what the rule engine knows about the applicant and the account
// on the business date. The core gathers them (the store under row locks,
// the loan core, 网签备案 and 不动产登记 through exchange); tests build them.
type Facts struct {
	Today date.Date
	// The account.
	Status   string     // GRZHZT
	StatusOn *date.Date // when the status was last set (封存 date for 02)
	Balance  money.Fen
	// MinRetained is withdraw.min_retained_balance; SealMonths is
	// withdraw.seal_months_before_leave_withdrawal.
	MinRetained money.Fen
	SealMonths  int
	// BankCard is the account's registered card (verified at real-name L2).
	BankCard string
	// ContinuousMonths is 连续缴存月数 up to the paid-through month.
	ContinuousMonths int
	// OtherOpen: another open application holds the account.
	OtherOpen bool
	// The applicant (from the resident ID number).
	IDNumber string
	// Loans at this center.
	Loan          bool
	LoanRepayable money.Fen
	// HomesOwned is the 不动产登记 answer (asked only when a rule needs it).
	HomesOwned int
	// Purchase is the 网签备案 contract of Input.ContractNo (nil when the
	// registry does not know it); ContractWithdrawn is what other open or
	// paid applications take from it; ContractUsed: this account already has
	// an open or paid application of the reason for it.
	Purchase          *exchange.PurchaseContract
	ContractWithdrawn money.Fen
	ContractUsed      bool
	// Lease is the registered lease of Input.LeaseNo (nil when unknown).
	Lease *exchange.LeaseContract
	// LastPaid is the business date of the last paid application of the
	// reason for the account (zero when none).
	LastPaid date.Date
}

// Evaluation is the rule engine's verdict.
type Evaluation struct {
	Checks []Check
	// Amount is what will be withdrawn: the input amount, or for 销户 the
	// balance (interest to date is added at approval).
	Amount money.Fen
	// ReviewLevel is 0 (approve automatically), 1 (初审) or 2 (初审 + 终审).
	ReviewLevel int
	// Failed is the first failing check, nil when none failed.
	Failed *Check
}

// ruleKinds are the error kinds of a refused rule: what the person must fix
// in the request (invalid) or what stands against it now (conflict).
var ruleKinds = map[string]errs.Kind{
	"fields": errs.Invalid, "bank_card": errs.Invalid, "amount_cap": errs.Invalid,
}

// RuleError is the refusal of an application by a rule: kind invalid or
// conflict, code withdrawal.<rule>, the failing rule's Chinese detail as the
// message, and details rule and checks (every rule's result).
func RuleError(ev *Evaluation) *errs.Error {
	c := ev.Failed
	kind, ok := ruleKinds[c.Rule]
	if !ok {
		kind = errs.Conflict
	}
	return errs.New(kind, "withdrawal."+c.Rule, c.Detail).With("rule", c.Rule).With("checks", ev.Checks)
}

// Evaluate applies a reason's rules to an application: every rule in a fixed
// order (information, account status, open application, loans, eligibility,
// frequency, bank card, balance, amount cap, then what needs review), each
// with its result and a Chinese explanation. It is pure: the same facts give
// the same verdict. Any package may call it (the channels to preview).
func Evaluate(doc *rules.Doc, r *rules.Reason, f Facts, in Input) *Evaluation {
	ev := &Evaluation{Amount: in.Amount}
	add := func(rule, outcome, format string, args ...any) {
		ev.Checks = append(ev.Checks, Check{Rule: rule, Outcome: outcome, Passed: outcome == Pass, Detail: fmt.Sprintf(format, args...)})
	}
	yuan := func(f money.Fen) string { return f.Format() + " 元" }

	// Required information.
	var missing []string
	for _, fld := range r.Fields {
		if fieldValue(in, fld) == "" {
			missing = append(missing, rules.FieldName(fld))
		}
	}
	if len(missing) > 0 {
		add("fields", Fail, "%s须填写：%s", r.Name, strings.Join(missing, "、"))
	} else {
		add("fields", Pass, "申请信息齐全")
	}

	// Account status (§2.4: 冻结 and 销户 accounts cannot withdraw).
	switch {
	case f.Status == "06":
		add("account_status", Fail, "账户已冻结，不能办理提取")
	case f.Status == "03" || f.Status == "04" || f.Status == "05":
		add("account_status", Fail, "账户已销户，不能办理提取")
	case !slices.Contains(r.Statuses, f.Status):
		add("account_status", Fail, "账户状态为%s，%s须账户状态为%s", statusName(f.Status), r.Name, statusNames(r.Statuses))
	default:
		add("account_status", Pass, "账户状态%s，可以办理", statusName(f.Status))
	}

	if f.OtherOpen {
		add("pending", Fail, "该账户已有一笔正在办理的提取申请，请待其办结或撤销后再申请")
	} else {
		add("pending", Pass, "没有正在办理的其他提取申请")
	}

	switch {
	case r.Loan == rules.LoanForbidden && f.Loan:
		add("loan", Fail, "您在本中心有未结清的住房公积金贷款，只能办理偿还贷款提取")
	case r.Loan == rules.LoanRequired && !f.Loan:
		add("loan", Fail, "您在本中心没有未结清的住房公积金贷款，不能办理%s", r.Name)
	case r.Loan == rules.LoanRequired:
		add("loan", Pass, "有本中心未结清的住房公积金贷款")
	default:
		add("loan", Pass, "没有本中心未结清的住房公积金贷款")
	}

	if r.MinContinuousMonths > 0 {
		if f.ContinuousMonths < r.MinContinuousMonths {
			add("continuous_months", Fail, "连续缴存 %d 个月，少于 %d 个月的要求", f.ContinuousMonths, r.MinContinuousMonths)
		} else {
			add("continuous_months", Pass, "连续缴存 %d 个月，满足不少于 %d 个月的要求", f.ContinuousMonths, r.MinContinuousMonths)
		}
	}

	if r.RequireSealed {
		switch {
		case f.Status != "02" || f.StatusOn == nil:
			add("sealed", Fail, "账户未封存，%s须账户封存满 %d 个月", r.Name, f.SealMonths)
		case monthsBetween(*f.StatusOn, f.Today) < f.SealMonths:
			add("sealed", Fail, "账户于 %s 封存，封存不满 %d 个月", *f.StatusOn, f.SealMonths)
		default:
			add("sealed", Pass, "账户于 %s 封存，已满 %d 个月", *f.StatusOn, f.SealMonths)
		}
	}

	if r.MinAgeMale > 0 || r.MinAgeFemale > 0 {
		id, err := ident.ParseResidentID(f.IDNumber)
		if err != nil {
			add("age", Review, "证件号码不是居民身份证号码，须人工核对年龄")
		} else {
			need, sex := r.MinAgeMale, "男性"
			if id.Sex() == ident.Female {
				need, sex = r.MinAgeFemale, "女性"
			}
			if age := ageOn(id.BirthDate(), f.Today); age < need {
				add("age", Fail, "年满 %d 周岁，%s须年满 %d 周岁", age, sex, need)
			} else {
				add("age", Pass, "年满 %d 周岁，达到%s %d 周岁的要求", age, sex, need)
			}
		}
	}

	if r.NoHome {
		if f.HomesOwned > 0 {
			add("no_home", Fail, "不动产登记显示您在本市有 %d 套住房，不符合无房租房提取条件", f.HomesOwned)
		} else {
			add("no_home", Pass, "不动产登记显示您在本市无自有住房")
		}
	}

	var contractCap money.Fen
	if r.PurchaseContract && in.ContractNo != "" {
		c := f.Purchase
		switch {
		case c == nil:
			add("contract", Fail, "网签备案系统未查到购房合同 %s", in.ContractNo)
		case !slices.Contains(c.BuyerIDs, strings.ToUpper(f.IDNumber)):
			add("contract", Fail, "购房合同 %s 的买受人不是申请人本人", in.ContractNo)
		case c.SignedOn.After(f.Today):
			add("contract", Fail, "购房合同 %s 的签订日期 %s 晚于今天", in.ContractNo, c.SignedOn)
		case addMonths(c.SignedOn, 12*r.ContractYears).Before(f.Today):
			add("contract", Fail, "购房合同 %s 于 %s 签订，已超过签订后 %d 年的提取期限", in.ContractNo, c.SignedOn, r.ContractYears)
		default:
			contractCap = c.Price - c.Loan - f.ContractWithdrawn
			if contractCap < 0 {
				contractCap = 0
			}
			add("contract", Pass, "购房合同 %s 已网签备案（%s 签订，总价 %s，贷款 %s）", in.ContractNo, c.SignedOn, yuan(c.Price), yuan(c.Loan))
		}
	}

	if slices.Contains(r.Fields, rules.FieldLeaseNo) && in.LeaseNo != "" {
		l := f.Lease
		switch {
		case l == nil:
			add("lease", Fail, "未查到租赁合同备案 %s", in.LeaseNo)
		case !strings.EqualFold(l.TenantID, f.IDNumber):
			add("lease", Fail, "租赁合同 %s 的承租人不是申请人本人", in.LeaseNo)
		case f.Today.Before(l.From) || f.Today.After(l.To):
			add("lease", Fail, "租赁合同 %s 不在租期内（%s 至 %s）", in.LeaseNo, l.From, l.To)
		default:
			add("lease", Pass, "租赁合同 %s 已备案，租期 %s 至 %s", in.LeaseNo, l.From, l.To)
		}
	}

	if r.IntervalMonths > 0 {
		if !f.LastPaid.IsZero() && f.Today.Before(addMonths(f.LastPaid, r.IntervalMonths)) {
			add("interval", Fail, "上次%s于 %s 到账，两次提取须间隔 %d 个月，%s 起可再次申请",
				r.Name, f.LastPaid, r.IntervalMonths, addMonths(f.LastPaid, r.IntervalMonths))
		} else if f.LastPaid.IsZero() {
			add("interval", Pass, "此前没有%s", r.Name)
		} else {
			add("interval", Pass, "上次%s于 %s 到账，已间隔 %d 个月以上", r.Name, f.LastPaid, r.IntervalMonths)
		}
	}
	if r.OncePerContract && in.ContractNo != "" {
		if f.ContractUsed {
			add("once_per_contract", Fail, "已就购房合同 %s 办理过%s，同一套住房只能提取一次", in.ContractNo, r.Name)
		} else {
			add("once_per_contract", Pass, "未就该住房办理过%s", r.Name)
		}
	}

	heir := in.Counter != nil && in.Counter.HeirName != ""
	switch {
	case heir && !r.HeirPayee:
		add("bank_card", Fail, "%s不能由继承人代为领取，收款银行卡须为本人已登记的银行卡", r.Name)
	case heir:
		add("bank_card", Review, "收款人为继承人或受遗赠人%s（银行卡尾号 %s），须核对继承权证明与收款账户", in.Counter.HeirName, tail(in.BankCard))
	case f.BankCard == "":
		add("bank_card", Fail, "账户没有登记银行卡，请先完成银行卡实名认证")
	case in.BankCard != f.BankCard:
		add("bank_card", Fail, "收款银行卡须为本人已登记并通过核验的银行卡（尾号 %s）", tail(f.BankCard))
	default:
		add("bank_card", Pass, "收款银行卡为本人已核验的银行卡（尾号 %s）", tail(f.BankCard))
	}

	// Balance, then the cap.
	if r.Type == rules.Close {
		ev.Amount = f.Balance
		switch {
		case f.Balance <= 0:
			add("balance", Fail, "账户余额为零，没有可提取的金额")
		default:
			add("balance", Pass, "销户提取账户全部余额 %s，另加结息至今日的利息", yuan(f.Balance))
		}
		if in.Amount != 0 && in.Amount != f.Balance {
			add("amount_cap", Fail, "销户提取金额为账户全部余额 %s 及利息，无需填写其他金额", yuan(f.Balance))
		} else {
			add("amount_cap", Pass, "提取全部余额并销户")
		}
	} else {
		keep := max(f.MinRetained, 1) // a partial withdrawal may not empty the account
		avail := max(f.Balance-keep, 0)
		switch {
		case in.Amount > f.Balance:
			add("balance", Fail, "提取金额 %s超过账户余额 %s", yuan(in.Amount), yuan(f.Balance))
		case in.Amount > avail && f.MinRetained > 0:
			add("balance", Fail, "提取后账户余额须不少于 %s，本次最多可提取 %s", yuan(f.MinRetained), yuan(avail))
		case in.Amount > avail:
			add("balance", Fail, "部分提取后账户余额不能为零，本次最多可提取 %s；如需全部提取请办理销户提取", yuan(avail))
		default:
			add("balance", Pass, "账户余额 %s，提取后余额 %s", yuan(f.Balance), yuan(f.Balance-in.Amount))
		}
		cap, what := capOf(r, f, in, contractCap)
		if cap >= 0 && in.Amount > cap {
			add("amount_cap", Fail, "提取金额 %s超过%s %s", yuan(in.Amount), what, yuan(cap))
		} else if cap >= 0 {
			add("amount_cap", Pass, "提取金额不超过%s %s", what, yuan(cap))
		} else {
			add("amount_cap", Pass, "提取金额不超过%s", what)
		}
	}

	// What only staff can decide.
	level := 0
	switch {
	case in.Counter != nil:
		// The counter has collected and checked the materials
		// (FileAtCounter refuses a missing one); a reviewer other than the
		// filer still decides.
		if len(r.Materials) > 0 {
			add("materials", Pass, "柜面已收取并核验材料：%s", strings.Join(r.Materials, "、"))
		}
		add("counter", Review, "柜面代办申请（受理人 %s），须由受理人以外的审核人员审核", in.Counter.FiledBy)
		level = 1
	case len(r.Materials) > 0:
		add("materials", Review, "须人工审核材料：%s", strings.Join(r.Materials, "、"))
		level = 1
	}
	if heir {
		level = max(level, 1)
	}
	if !r.AutoApprove {
		add("auto_approve", Review, "%s须经人工审核", r.Name)
		level = 1
	}
	if ev.Amount > doc.Review.AutoApproveMaxFen {
		add("review_amount", Review, "金额超过自动审批额度 %s，须人工审核", yuan(doc.Review.AutoApproveMaxFen))
		level = 1
	}
	if level > 0 && ev.Amount > doc.Review.FourEyesAboveFen {
		add("four_eyes", Review, "金额超过 %s，须初审、终审两名审核人员审核", yuan(doc.Review.FourEyesAboveFen))
		level = 2
	}
	if level == 0 {
		add("auto_approve", Pass, "全部条件可自动核验，实时办理")
	}
	ev.ReviewLevel = level
	for i := range ev.Checks {
		if ev.Checks[i].Outcome == Fail {
			ev.Failed = &ev.Checks[i]
			break
		}
	}
	return ev
}

// capOf is a partial withdrawal's cap by the reason's formula and what it
// is called; -1 means the balance is the only bound.
func capOf(r *rules.Reason, f Facts, in Input, contractCap money.Fen) (money.Fen, string) {
	switch r.Cap.Kind {
	case rules.CapFixed:
		return r.Cap.Fen, "每次可提取额度"
	case rules.CapPerMonth:
		return r.Cap.Fen * money.Fen(r.Cap.Months), fmt.Sprintf("每次可提取额度（每月 %s 元 × %d 个月）", r.Cap.Fen.Format(), r.Cap.Months)
	case rules.CapContract:
		return contractCap, "购房合同总价扣除贷款及已提取金额后的余额"
	case rules.CapDeclared:
		v := in.CostFen
		if r.Cap.Field == rules.FieldRepaidFen {
			v = in.RepaidFen
		}
		return v, "申报的" + rules.FieldName(r.Cap.Field)
	case rules.CapLoan:
		return f.LoanRepayable, "贷款可偿还金额"
	}
	return -1, "账户可提取余额"
}

func fieldValue(in Input, f string) string {
	switch f {
	case rules.FieldContractNo:
		return in.ContractNo
	case rules.FieldLeaseNo:
		return in.LeaseNo
	case rules.FieldProofNo:
		return in.ProofNo
	case rules.FieldCostFen:
		if in.CostFen > 0 {
			return in.CostFen.String()
		}
	case rules.FieldRepaidFen:
		if in.RepaidFen > 0 {
			return in.RepaidFen.String()
		}
	}
	return ""
}

var accountStatusNames = map[string]string{"01": "正常", "02": "封存", "03": "合并销户", "04": "外部转出销户", "05": "提取销户", "06": "冻结"}

func statusName(code string) string {
	if n, ok := accountStatusNames[code]; ok {
		return "“" + n + "”"
	}
	return code
}

func statusNames(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = statusName(c)
	}
	return strings.Join(out, "或")
}

func tail(card string) string {
	if len(card) < 4 {
		return card
	}
	return card[len(card)-4:]
}

// ageOn is the age in whole years on day d of someone born on birth.
func ageOn(birth, d date.Date) int {
	age := d.Year() - birth.Year()
	if d.Month() < birth.Month() || (d.Month() == birth.Month() && d.Day() < birth.Day()) {
		age--
	}
	return age
}

// addMonths adds n months, clamping to the last day of the target month.
func addMonths(d date.Date, n int) date.Date {
	first := date.Of(d.Year(), d.Month()+time.Month(n), 1)
	last := first.MonthOf().Last().Day()
	return date.Of(first.Year(), first.Month(), min(d.Day(), last))
}

// monthsBetween is how many whole months lie between from and to.
func monthsBetween(from, to date.Date) int {
	n := (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
	if n > 0 && to.Before(addMonths(from, n)) {
		n--
	}
	return max(n, 0)
}
