// Package rules is the withdrawal rule document (提取规则), the value of the
// effective-dated policy parameter withdraw.rules: per withdrawal reason
// (domain.md §2.2 codes, §2.3 matrix) the withdrawal type (部分 or 销户), the
// eligibility conditions, the amount cap formula, the frequency, the required
// information and materials and whether the application may be approved
// automatically; and the review settings (auto-approval ceiling, four-eyes
// threshold, decision deadline in working days).
//
// It parses and validates the document strictly, with Chinese messages naming
// the offending place, and builds the shipped default. It depends only on the
// standard library, money and the service-item catalog, so that
// internal/policy can validate the parameter and internal/core/withdrawal can
// read it. Everything here is data or pure functions.
package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/money"
)

// Type is the withdrawal type: 部分提取 keeps the account open (business type
// 11), 销户提取 pays out everything with interest to date and closes it (12).
type Type string

// The withdrawal types.
const (
	Partial Type = "partial" // 部分提取
	Close   Type = "close"   // 销户提取
)

// BizType is the GJHTQYWLX business type code of the type's postings.
func (t Type) BizType() string {
	if t == Close {
		return "12"
	}
	return "11"
}

// Name is the Chinese name of the type.
func (t Type) Name() string {
	if t == Close {
		return "销户提取"
	}
	return "部分提取"
}

// LoanRule says what an outstanding loan at this center means for a reason.
type LoanRule string

// The loan rules. domain.md §2.4: while a person has an outstanding loan at
// the center, the only allowed reason is 偿还贷款.
const (
	LoanForbidden LoanRule = "forbidden" // refused while a loan is outstanding (default)
	LoanRequired  LoanRule = "required"  // only with an outstanding loan (偿还本中心贷款)
	LoanAny       LoanRule = "any"       // the loan does not matter
)

// CapKind names an amount cap formula.
type CapKind string

// The cap formulas. Every partial withdrawal is also bounded by the balance
// less withdraw.min_retained_balance and may not empty the account.
const (
	CapBalance  CapKind = "balance"   // the available balance only
	CapFixed    CapKind = "fixed"     // Fen per application
	CapPerMonth CapKind = "per_month" // Fen × Months per application (rent quota)
	CapContract CapKind = "contract"  // contract price − loan − already withdrawn for the contract (网签备案)
	CapDeclared CapKind = "declared"  // the amount declared in Field (cost_fen, repaid_fen), checked by staff
	CapLoan     CapKind = "loan"      // what the person's loan at this center lets them repay
	CapFull     CapKind = "full"      // 销户: the whole balance with interest to date
)

// Cap is a reason's amount cap.
type Cap struct {
	Kind   CapKind   `json:"kind"`
	Fen    money.Fen `json:"fen,omitempty"`    // fixed, per_month
	Months int       `json:"months,omitempty"` // per_month
	Field  string    `json:"field,omitempty"`  // declared: the input field holding the amount
}

// Input fields a reason may require (besides reason, amount, bank card and
// the SMS code). Text fields are 1–64 letters, digits or '-'; amounts are fen.
const (
	FieldContractNo = "contract_no" // 购房合同网签备案号 / 不动产权证号
	FieldLeaseNo    = "lease_no"    // 租赁合同备案号
	FieldProofNo    = "proof_no"    // 证明文件编号（退休证、劳动能力鉴定、户口注销、失业登记、诊断证明…）
	FieldCostFen    = "cost_fen"    // 申报费用（建造、大修、医疗），分
	FieldRepaidFen  = "repaid_fen"  // 近 12 个月已还贷款本息，分
)

// fieldNames are the known input fields with their Chinese names.
var fieldNames = map[string]string{
	FieldContractNo: "购房合同备案号",
	FieldLeaseNo:    "租赁合同备案号",
	FieldProofNo:    "证明文件编号",
	FieldCostFen:    "申报费用",
	FieldRepaidFen:  "近12个月已还本息",
}

// FieldName returns the Chinese name of an input field (the field itself when unknown).
func FieldName(f string) string {
	if n, ok := fieldNames[f]; ok {
		return n
	}
	return f
}

// AmountField reports whether the input field holds an amount in fen.
func AmountField(f string) bool { return f == FieldCostFen || f == FieldRepaidFen }

// Reason is one withdrawal reason's rules.
type Reason struct {
	Key  string `json:"-"`    // the document key, e.g. "rent" (what channels send)
	Name string `json:"name"` // Chinese name shown to people, e.g. 租房提取
	// TQYY is the 提取原因 code of JGJ/T 320 A.7 recorded on the application
	// and its postings (the 06/08 order differs between centers, so it is data).
	TQYY string `json:"tqyy"`
	// Item is the service item of the channel catalog (TQ-01 … TQ-12) the
	// gate admits and limits the application as.
	Item string `json:"item"`
	Type Type   `json:"type"`
	// Statuses are the personal account statuses (GRZHZT) that may apply:
	// 01 正常 and/or 02 封存.
	Statuses []string `json:"statuses"`
	// MinContinuousMonths is the least number of consecutive months
	// contributed (连续缴存月数, as on the deposit certificate); 0 = none.
	MinContinuousMonths int `json:"min_continuous_months,omitempty"`
	// RequireSealed: the account must be sealed (02) for at least
	// withdraw.seal_months_before_leave_withdrawal months (离职提取).
	RequireSealed bool `json:"require_sealed,omitempty"`
	// MinAgeMale and MinAgeFemale: the applicant's age on the business date,
	// from the resident ID number (离休、退休); 0 = none.
	MinAgeMale   int `json:"min_age_male,omitempty"`
	MinAgeFemale int `json:"min_age_female,omitempty"`
	// NoHome: the applicant may own no home in the city (不动产登记 check).
	NoHome bool `json:"no_home,omitempty"`
	// PurchaseContract: the contract_no must be a 网签备案 purchase contract
	// with the applicant among the buyers, signed within ContractYears years.
	PurchaseContract bool `json:"purchase_contract,omitempty"`
	ContractYears    int  `json:"contract_years,omitempty"`
	// Loan is what an outstanding loan at this center means (default forbidden).
	Loan LoanRule `json:"loan,omitempty"`
	// IntervalMonths is the least number of months between two paid
	// withdrawals of this reason; 0 = none.
	IntervalMonths int `json:"interval_months,omitempty"`
	// OncePerContract: at most one paid withdrawal of this reason per contract_no.
	OncePerContract bool `json:"once_per_contract,omitempty"`
	Cap             Cap  `json:"cap"`
	// Fields are the input fields the application must carry.
	Fields []string `json:"fields,omitempty"`
	// Materials are the documents staff check at review (names shown to
	// people); a reason with materials is never approved automatically.
	Materials []string `json:"materials,omitempty"`
	// AutoApprove: an application that passes every rule, needs no materials
	// and is at most Review.AutoApproveMaxFen is approved and paid at once
	// (实时办理); otherwise it goes to staff review.
	AutoApprove bool `json:"auto_approve"`
	// HeirPayee: at the counter the payee may be the account holder's heir
	// or legatee (继承人、受遗赠人, 死亡或宣告死亡) instead of the holder's
	// own card; staff check the inheritance proof at review.
	HeirPayee bool `json:"heir_payee,omitempty"`
}

// Review holds the review settings.
type Review struct {
	// AutoApproveMaxFen is the largest amount approved automatically.
	AutoApproveMaxFen money.Fen `json:"auto_approve_max_fen"`
	// FourEyesAboveFen: an application above it needs 初审 and 终审 by two
	// different reviewers; at or below it one review (初审) decides.
	FourEyesAboveFen money.Fen `json:"four_eyes_above_fen"`
	// DecisionWorkingDays is the decision deadline after acceptance (条例
	// art. 25: 3 days), counted in working days (Monday to Friday).
	DecisionWorkingDays int `json:"decision_working_days"`
	// PaymentQueryMinutes: a payout whose bank result has not arrived this
	// many minutes after its instruction was sent is asked for (付款结果查询)
	// by the reconciliation (gjj eod, gjj withdrawals reconcile); 0 means
	// DefaultPaymentQueryMinutes.
	PaymentQueryMinutes int `json:"payment_query_minutes,omitempty"`
}

// DefaultPaymentQueryMinutes is the payment query timeout of a document
// without one.
const DefaultPaymentQueryMinutes = 30

// PaymentQueryAfter is the payment query timeout in minutes.
func (r Review) PaymentQueryAfter() int {
	if r.PaymentQueryMinutes == 0 {
		return DefaultPaymentQueryMinutes
	}
	return r.PaymentQueryMinutes
}

// Doc is the whole rule document.
type Doc struct {
	Review  Review             `json:"review"`
	Reasons map[string]*Reason `json:"reasons"`
}

// Reason returns the rules of the reason key.
func (d *Doc) Reason(key string) (*Reason, bool) {
	r, ok := d.Reasons[key]
	return r, ok
}

// Keys returns the reason keys in catalog item order (then by key).
func (d *Doc) Keys() []string {
	keys := make([]string, 0, len(d.Reasons))
	for k := range d.Reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := d.Reasons[keys[i]], d.Reasons[keys[j]]
		if a.Item != b.Item {
			return a.Item < b.Item
		}
		return keys[i] < keys[j]
	})
	return keys
}

// keyPattern is the shape of a reason key.
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// Parse reads and validates a rule document. Unknown fields, missing values
// and inconsistent settings are refused with a Chinese message naming the
// reason and the field.
func Parse(s string) (*Doc, error) {
	var d Doc
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("JSON 之后还有多余的内容")
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

func (d *Doc) validate() error {
	r := d.Review
	if r.AutoApproveMaxFen < 0 || r.AutoApproveMaxFen > money.Max {
		return errors.New("review.auto_approve_max_fen（自动审批最高金额）须为 0 至上限之间的分")
	}
	if r.FourEyesAboveFen < 0 || r.FourEyesAboveFen > money.Max {
		return errors.New("review.four_eyes_above_fen（双人审核起点金额）须为 0 至上限之间的分")
	}
	if r.AutoApproveMaxFen > r.FourEyesAboveFen {
		return errors.New("review.auto_approve_max_fen（自动审批最高金额）不能高于 review.four_eyes_above_fen（双人审核起点金额）：须双人审核的金额不能自动审批")
	}
	if r.DecisionWorkingDays < 1 || r.DecisionWorkingDays > 30 {
		return errors.New("review.decision_working_days（审批时限，工作日）须为 1 至 30")
	}
	if r.PaymentQueryMinutes < 0 || r.PaymentQueryMinutes > 7*24*60 {
		return errors.New("review.payment_query_minutes（付款结果查询等待分钟数）须为 0 至 10080，0 为默认 30 分钟")
	}
	if len(d.Reasons) == 0 {
		return errors.New("缺少 reasons（各提取原因的规则）")
	}
	items := map[string]string{}
	for _, key := range sortedKeys(d.Reasons) {
		if !keyPattern.MatchString(key) {
			return fmt.Errorf("提取原因代码 %q 不正确：须为 2 至 32 位小写字母、数字或下划线，以字母开头", key)
		}
		rs := d.Reasons[key]
		if rs == nil {
			return fmt.Errorf("reasons.%s 须为对象", key)
		}
		rs.Key = key
		if err := rs.validate(); err != nil {
			return err
		}
		if other, dup := items[rs.Item]; dup {
			return fmt.Errorf("reasons.%s 与 reasons.%s 使用了同一服务事项 %s，每个事项只能对应一个提取原因", key, other, rs.Item)
		}
		items[rs.Item] = key
	}
	return nil
}

func (rs *Reason) validate() error {
	where := "reasons." + rs.Key
	if n := len([]rune(strings.TrimSpace(rs.Name))); n == 0 || n > 32 {
		return fmt.Errorf("%s.name（提取原因名称）须为 1 至 32 个字", where)
	}
	if len(rs.TQYY) != 2 || rs.TQYY[0] < '0' || rs.TQYY[0] > '9' || rs.TQYY[1] < '0' || rs.TQYY[1] > '9' {
		return fmt.Errorf("%s.tqyy（提取原因代码，代码表 A.7）须为 2 位数字", where)
	}
	it, ok := catalog.ItemByCode(rs.Item)
	if !ok || it.Category != catalog.CatWithdraw {
		return fmt.Errorf("%s.item（服务事项）%q 不是事项目录中的提取事项（TQ-01 至 TQ-12）", where, rs.Item)
	}
	switch rs.Type {
	case Partial, Close:
	default:
		return fmt.Errorf("%s.type 须为 partial（部分提取）或 close（销户提取）", where)
	}
	if len(rs.Statuses) == 0 {
		return fmt.Errorf("%s.statuses（可申请的账户状态）不能为空", where)
	}
	for _, st := range rs.Statuses {
		if st != "01" && st != "02" {
			return fmt.Errorf("%s.statuses 只能包含 01（正常）和 02（封存）：冻结、已销户的账户不能提取", where)
		}
	}
	if len(rs.Statuses) > 2 || (len(rs.Statuses) == 2 && rs.Statuses[0] == rs.Statuses[1]) {
		return fmt.Errorf("%s.statuses 有重复的状态", where)
	}
	if rs.MinContinuousMonths < 0 || rs.MinContinuousMonths > 600 {
		return fmt.Errorf("%s.min_continuous_months（连续缴存月数）须为 0 至 600", where)
	}
	if rs.RequireSealed && !slices.Contains(rs.Statuses, "02") {
		return fmt.Errorf("%s.require_sealed 要求账户封存，statuses 须包含 02", where)
	}
	if rs.MinAgeMale < 0 || rs.MinAgeMale > 100 || rs.MinAgeFemale < 0 || rs.MinAgeFemale > 100 {
		return fmt.Errorf("%s.min_age_male / min_age_female（年龄条件）须为 0 至 100", where)
	}
	if rs.PurchaseContract != (rs.ContractYears > 0) {
		return fmt.Errorf("%s.purchase_contract 与 contract_years（合同签订后可提取的年数，1 至 10）须同时设置", where)
	}
	if rs.ContractYears < 0 || rs.ContractYears > 10 {
		return fmt.Errorf("%s.contract_years 须为 1 至 10", where)
	}
	switch rs.Loan {
	case "":
		rs.Loan = LoanForbidden
	case LoanForbidden, LoanRequired, LoanAny:
	default:
		return fmt.Errorf("%s.loan 须为 forbidden（有未结清贷款时不能办理）、required（须有本中心未结清贷款）或 any", where)
	}
	if rs.IntervalMonths < 0 || rs.IntervalMonths > 120 {
		return fmt.Errorf("%s.interval_months（两次提取的间隔月数）须为 0 至 120", where)
	}
	seen := map[string]bool{}
	for _, f := range rs.Fields {
		if _, ok := fieldNames[f]; !ok {
			return fmt.Errorf("%s.fields 中的 %q 不是已知的申请信息，可用：contract_no、lease_no、proof_no、cost_fen、repaid_fen", where, f)
		}
		if seen[f] {
			return fmt.Errorf("%s.fields 中的 %s 重复", where, f)
		}
		seen[f] = true
	}
	if (rs.PurchaseContract || rs.OncePerContract) && !seen[FieldContractNo] {
		return fmt.Errorf("%s 按购房合同核验或限次，fields 须包含 contract_no", where)
	}
	for _, m := range rs.Materials {
		if n := len([]rune(strings.TrimSpace(m))); n == 0 || n > 40 {
			return fmt.Errorf("%s.materials 中的材料名称须为 1 至 40 个字", where)
		}
	}
	if len(rs.Materials) > 10 {
		return fmt.Errorf("%s.materials 最多 10 项", where)
	}
	return rs.Cap.validate(where, rs, seen)
}

func (c Cap) validate(where string, rs *Reason, fields map[string]bool) error {
	where += ".cap"
	if (c.Kind == CapFull) != (rs.Type == Close) {
		return fmt.Errorf("%s：销户提取（type close）的额度须为 full（全部余额及利息），部分提取不能使用 full", where)
	}
	noFen := c.Fen == 0 && c.Months == 0
	switch c.Kind {
	case CapBalance, CapContract, CapLoan, CapFull:
		if !noFen || c.Field != "" {
			return fmt.Errorf("%s：额度方式 %s 不带 fen、months 或 field", where, c.Kind)
		}
	case CapFixed:
		if c.Fen <= 0 || c.Fen > money.Max || c.Months != 0 || c.Field != "" {
			return fmt.Errorf("%s：固定额度（fixed）须给出大于零的 fen，且不带 months、field", where)
		}
	case CapPerMonth:
		if c.Fen <= 0 || c.Fen > money.Max || c.Months < 1 || c.Months > 120 || c.Field != "" {
			return fmt.Errorf("%s：按月额度（per_month）须给出大于零的 fen（每月额度）和 1 至 120 的 months（每次可提取的月数）", where)
		}
	case CapDeclared:
		if !noFen || !AmountField(c.Field) || !fields[c.Field] {
			return fmt.Errorf("%s：按申报金额（declared）须给出 field（cost_fen 或 repaid_fen），且该字段列在 fields 中", where)
		}
	default:
		return fmt.Errorf("%s.kind 须为 balance、fixed、per_month、contract、declared、loan 或 full", where)
	}
	if c.Kind == CapContract && !rs.PurchaseContract {
		return fmt.Errorf("%s：按合同额度（contract）须同时设置 purchase_contract", where)
	}
	if c.Kind == CapLoan && rs.Loan != LoanRequired {
		return fmt.Errorf("%s：按贷款额度（loan）须设置 loan 为 required", where)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("不是合法的 JSON（第 %d 个字节附近有语法错误）", se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "（顶层）"
		}
		return fmt.Errorf("%s 的类型不正确", field)
	case errors.Is(err, io.EOF):
		return errors.New("内容为空，应为 JSON 对象")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("JSON 不完整")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("未知的字段 %s", f)
	}
	return fmt.Errorf("JSON 无法解析：%v", err)
}

// Default is the shipped rule document (example values of domain.md §2.3; a
// center sets its own through a parameter change request).
func Default() *Doc {
	d, err := Parse(DefaultJSON())
	if err != nil {
		panic("rules: default document: " + err.Error())
	}
	return d
}

// DefaultJSON is the shipped rule document as stored in withdraw.rules.
func DefaultJSON() string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(defaultDoc()); err != nil {
		panic(err)
	}
	return strings.TrimSpace(b.String())
}

func defaultDoc() Doc {
	yuan := money.Yuan
	open := []string{"01", "02"}
	return Doc{
		// Example: up to 50,000 yuan approved at once, above 100,000 yuan 初审 + 终审.
		Review: Review{AutoApproveMaxFen: yuan(50_000), FourEyesAboveFen: yuan(100_000), DecisionWorkingDays: 3,
			PaymentQueryMinutes: DefaultPaymentQueryMinutes},
		Reasons: map[string]*Reason{
			"purchase": {Name: "购买住房", TQYY: "01", Item: "TQ-01", Type: Partial, Statuses: open,
				PurchaseContract: true, ContractYears: 2, OncePerContract: true, Cap: Cap{Kind: CapContract},
				Fields: []string{FieldContractNo}, AutoApprove: true},
			"build": {Name: "建造、翻建、大修住房", TQYY: "02", Item: "TQ-02", Type: Partial, Statuses: open,
				Cap: Cap{Kind: CapDeclared, Field: FieldCostFen}, Fields: []string{FieldProofNo, FieldCostFen},
				Materials: []string{"建设工程规划许可证", "用地证明", "工程预算"}},
			"repay_loan": {Name: "偿还本中心住房公积金贷款", TQYY: "08", Item: "TQ-03", Type: Partial, Statuses: open,
				Loan: LoanRequired, IntervalMonths: 12, Cap: Cap{Kind: CapLoan}, AutoApprove: true},
			"repay_commercial": {Name: "偿还商业贷款或异地公积金贷款", TQYY: "08", Item: "TQ-04", Type: Partial, Statuses: open,
				IntervalMonths: 12, Cap: Cap{Kind: CapDeclared, Field: FieldRepaidFen},
				Fields: []string{FieldContractNo, FieldRepaidFen}, Materials: []string{"借款合同", "近12个月银行还款明细"}},
			// Guangzhou/Shenzhen-style quota: 1,500 yuan a month, 3 months per application.
			"rent": {Name: "租房提取", TQYY: "07", Item: "TQ-05", Type: Partial, Statuses: []string{"01"},
				MinContinuousMonths: 3, NoHome: true, IntervalMonths: 3,
				Cap: Cap{Kind: CapPerMonth, Fen: yuan(1_500), Months: 3}, AutoApprove: true},
			"retire": {Name: "离休、退休", TQYY: "03", Item: "TQ-06", Type: Close, Statuses: open,
				MinAgeMale: 60, MinAgeFemale: 55, Cap: Cap{Kind: CapFull}, AutoApprove: true},
			"disability": {Name: "完全丧失劳动能力并终止劳动关系", TQYY: "04", Item: "TQ-07", Type: Close, Statuses: open,
				Cap: Cap{Kind: CapFull}, Fields: []string{FieldProofNo}, Materials: []string{"劳动能力鉴定结论", "终止劳动关系证明"}},
			"emigrate": {Name: "出境定居、户口迁出", TQYY: "05", Item: "TQ-08", Type: Close, Statuses: open,
				Cap: Cap{Kind: CapFull}, Fields: []string{FieldProofNo}, Materials: []string{"户口注销证明或出境定居证明"}},
			"death": {Name: "死亡或宣告死亡", TQYY: "06", Item: "TQ-09", Type: Close, Statuses: open,
				Cap: Cap{Kind: CapFull}, Fields: []string{FieldProofNo}, Materials: []string{"死亡证明", "继承权公证书或法院判决书"}, HeirPayee: true},
			"leave": {Name: "离职提取", TQYY: "99", Item: "TQ-10", Type: Close, Statuses: []string{"02"},
				RequireSealed: true, Cap: Cap{Kind: CapFull}, AutoApprove: true},
			"unemployment": {Name: "失业、低保、特困", TQYY: "99", Item: "TQ-11", Type: Partial, Statuses: open,
				IntervalMonths: 12, Cap: Cap{Kind: CapBalance}, Fields: []string{FieldProofNo},
				Materials: []string{"失业登记证明或低保、特困证明"}},
			"medical": {Name: "大病医疗", TQYY: "09", Item: "TQ-12", Type: Partial, Statuses: open,
				IntervalMonths: 12, Cap: Cap{Kind: CapDeclared, Field: FieldCostFen},
				Fields: []string{FieldProofNo, FieldCostFen}, Materials: []string{"诊断证明", "医疗费用票据", "医保结算单"}},
		},
	}
}
