// Package withdrawal is the withdrawal core (提取, domain.md §2): reasons as
// data (the effective-dated parameter withdraw.rules, package rules), a rule
// engine that evaluates an application and explains every rule's result in
// Chinese, and the application lifecycle of §2.5 — submission by the account
// holder (L2 session + step-up SMS code, idempotency key), automatic approval
// or staff review (初审, and 终审 by a second reviewer above the four-eyes
// threshold), return for correction, rejection, cancellation, and payout
// through the settlement bank with its result callback.
//
// Money (DESIGN §4): approval posts the personal fund account to withdrawals
// payable / payment clearing (2301-CLEARING) in one ledger transaction, in the
// same database transaction as the state change, with the account rows locked
// (no overdraft under concurrency; the ledger refuses it in any case). The
// bank's confirmation posts clearing to the settlement bank's deposit account;
// a failed payment reverses the approval posting — exactly once, guarded by
// the application's status under a row lock and by the ledger's single
// reversal per entry — and the person is told by SMS. A 销户 withdrawal
// settles interest to the business date (deposit.SettleAccountTo), pays out
// the whole balance and closes the account (05 提取销户) at approval; a failed
// payout reopens it with the money back.
//
// Channels (app API, web hall, staff API) call the Service; they never touch
// the tables. The core records the caller's channel (reqctx) in the
// application and the audit trail and uses it for the gate's per-channel
// amount limits.
package withdrawal

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/workcal"
	"gjj/internal/policy"
)

// Application statuses. Open statuses hold the account's single open slot.
const (
	StatusPendingReview = "pending_review" // 待初审
	StatusPendingFinal  = "pending_final"  // 待终审 (four-eyes)
	StatusReturned      = "returned"       // 退回补正: the applicant corrects and resubmits, or cancels
	StatusPaying        = "paying"         // 已审批、支付中: posted to clearing, payment instruction out
	StatusPaid          = "paid"           // 已到账 (办结)
	StatusPayFailed     = "pay_failed"     // 支付失败, money back in the account
	StatusRejected      = "rejected"       // 审核不通过
	StatusCancelled     = "cancelled"      // 已撤销 by the applicant
)

// StatusName returns the Chinese name of a status.
func StatusName(status string) string {
	switch status {
	case StatusPendingReview:
		return "待初审"
	case StatusPendingFinal:
		return "待终审"
	case StatusReturned:
		return "已退回，待补正"
	case StatusPaying:
		return "已审批，支付中"
	case StatusPaid:
		return "已到账"
	case StatusPayFailed:
		return "支付失败，款项已退回账户"
	case StatusRejected:
		return "审核不通过"
	case StatusCancelled:
		return "已撤销"
	}
	return status
}

// Open reports whether the status holds the account's open slot.
func Open(status string) bool {
	switch status {
	case StatusPendingReview, StatusPendingFinal, StatusReturned, StatusPaying:
		return true
	}
	return false
}

// StepUpper checks a step-up code (L3) for one money-moving operation of a
// person's session; *identity.Service implements it.
type StepUpper interface {
	StepUp(ctx context.Context, p *identity.Principal, code string) error
}

// Limits is the channel gate's per-channel amount limits (*channel.Gate).
type Limits interface {
	CheckAmount(ctx context.Context, channel, item, subject string, amount money.Fen) error
	ReleaseAmount(ctx context.Context, channel, item, subject string, amount money.Fen) error
}

// LoanFacts is what the withdrawal rules need to know about a person's loans
// at this center. The loan core implements it; NoLoans is the default.
type LoanFacts interface {
	// OutstandingLoan reports whether the person has a loan at this center
	// that is not settled (as borrower or co-borrower).
	OutstandingLoan(ctx context.Context, personID int64) (bool, error)
	// Repayable is the most a repayment withdrawal (偿还本中心贷款) may pay
	// towards the person's loan on the date (0 when there is none).
	Repayable(ctx context.Context, personID int64, on date.Date) (money.Fen, error)
}

// NoLoans is LoanFacts for a center without loans (or before the loan core
// is wired): nobody has an outstanding loan.
type NoLoans struct{}

// OutstandingLoan implements LoanFacts.
func (NoLoans) OutstandingLoan(context.Context, int64) (bool, error) { return false, nil }

// Repayable implements LoanFacts.
func (NoLoans) Repayable(context.Context, int64, date.Date) (money.Fen, error) { return 0, nil }

// SMSFunc sends a templated SMS (internal/notify): templates
// withdrawal.paid, withdrawal.pay_failed and withdrawal.decided.
type SMSFunc func(ctx context.Context, phone, template string, vars map[string]string) error

// Deps are the services the withdrawal core uses.
type Deps struct {
	DB      *db.DB
	Ledger  *ledger.Ledger
	Audit   *audit.Log
	Policy  *policy.Store
	Dates   *bizdate.Service
	Deposit *deposit.Service
	// StepUp checks the submission's SMS code (required).
	StepUp StepUpper
	// Limits applies the gate's amount limits; nil applies none.
	Limits Limits
	// Loans answers the loan rules; nil is NoLoans.
	Loans LoanFacts
	// Contracts (网签备案) and Property (不动产登记) answer the purchase,
	// lease and home-ownership rules; required when a reason uses them.
	Contracts exchange.Contracts
	Property  exchange.Property
	// Payments is the settlement bank's payment service (required).
	Payments exchange.Payments
	// BankCode is the paying settlement bank (ledger.BankCode(BankCode)).
	BankCode string
	// SMS tells the applicant about payment and decisions; nil sends none.
	SMS SMSFunc
	// Log receives warnings (a payment instruction not accepted, an SMS not
	// sent); nil discards them.
	Log *slog.Logger
	// Now is the wall clock; nil is time.Now.
	Now func() time.Time
}

// Service runs withdrawals. It is safe for concurrent use.
type Service struct {
	d     Deps
	turns [64]sync.Mutex // per-account turns of Submit, striped by account id
}

// lockAccountTurn takes the account's turn and returns its release, which
// may be called more than once.
func (s *Service) lockAccountTurn(accountID int64) func() {
	mu := &s.turns[uint64(accountID)%uint64(len(s.turns))]
	mu.Lock()
	var once sync.Once
	return func() { once.Do(mu.Unlock) }
}

// New returns the withdrawal service.
func New(d Deps) *Service {
	if d.Loans == nil {
		d.Loans = NoLoans{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

// Errors of the withdrawal core besides the rule refusals (RuleError).
var (
	ErrNotFound        = errs.New(errs.NotFound, "withdrawal.not_found", "提取申请不存在")
	ErrUnknownReason   = errs.New(errs.Invalid, "withdrawal.unknown_reason", "提取原因不正确")
	ErrBadInput        = errs.New(errs.Invalid, "withdrawal.invalid_input", "提交的提取申请信息不完整或格式不正确")
	ErrIdempotencyKey  = errs.New(errs.Invalid, "withdrawal.idempotency_key", "请求须带 Idempotency-Key（1 至 64 位字母、数字、- 或 _），重试时使用同一个值")
	ErrKeyReused       = errs.New(errs.Conflict, "withdrawal.idempotency_conflict", "该 Idempotency-Key 已用于内容不同的另一笔提取申请，请为新申请使用新的 Idempotency-Key")
	ErrStatus          = errs.New(errs.Conflict, "withdrawal.status", "提取申请当前状态不能办理此操作")
	ErrFourEyes        = errs.New(errs.Forbidden, "withdrawal.four_eyes", "该笔提取须由初审以外的另一名审核人员终审")
	ErrCommentRequired = errs.New(errs.Invalid, "withdrawal.comment_required", "退回或不予通过须填写原因（1 至 200 个字）")
	ErrNotPerson       = errs.New(errs.Forbidden, "withdrawal.not_person", "只有缴存职工本人可以申请提取")
	ErrPaymentConflict = errs.New(errs.Conflict, "withdrawal.payment_result_conflict", "银行付款结果与已记录的结果不一致，请人工核对")
	ErrNoRules         = errs.New(errs.Unavailable, "withdrawal.no_rules", "提取规则参数不可用，请稍后再试")
)

// Check is one rule's result for an application.
type Check struct {
	Rule string `json:"rule"` // stable id, e.g. continuous_months
	// Outcome is pass, fail, or review (cannot be decided automatically:
	// staff check it).
	Outcome string `json:"outcome"`
	Passed  bool   `json:"passed"` // Outcome == pass
	Detail  string `json:"detail"` // Chinese, e.g. 连续缴存 5 个月，少于 3 个月的要求
}

// The outcomes of a check.
const (
	Pass   = "pass"
	Fail   = "fail"
	Review = "review"
)

// Input is what the applicant submits (reason-specific fields as the reason's
// rules require; rules.Field*).
type Input struct {
	Reason   string    `json:"reason"`
	Amount   money.Fen `json:"amount_fen"` // 0 for 销户 (the whole balance)
	BankCard string    `json:"bank_card"`
	// SMSCode is the step-up code; it is not part of the idempotency
	// fingerprint (a retry with a new code is the same application).
	SMSCode    string    `json:"-"`
	ContractNo string    `json:"contract_no,omitempty"`
	LeaseNo    string    `json:"lease_no,omitempty"`
	ProofNo    string    `json:"proof_no,omitempty"`
	CostFen    money.Fen `json:"cost_fen,omitempty"`
	RepaidFen  money.Fen `json:"repaid_fen,omitempty"`
	// Counter is what staff record when they file the application at the
	// counter on the person's behalf (柜面代办, FileAtCounter); nil for an
	// application the person submits (Submit ignores it).
	Counter *CounterFiling `json:"counter,omitempty"`
}

// CounterFiling is the counter's part of an application filed by staff.
type CounterFiling struct {
	// FiledBy is the staff member who filed it (the session's subject); the
	// same person may not review it.
	FiledBy string `json:"filed_by"`
	// Materials are the reason's required materials (their names as listed
	// in withdraw.rules) that staff have seen and checked.
	Materials []string `json:"materials_checked"`
	// HeirName and HeirIDNumber: for a reason whose rules allow it
	// (heir_payee, 死亡或宣告死亡) the payee is the heir or legatee
	// (继承人、受遗赠人), paid to BankCard, which is then the heir's card.
	HeirName     string `json:"heir_name,omitempty"`
	HeirIDNumber string `json:"heir_id_number,omitempty"`
	// CorrectedBy are the staff members who corrected the application at
	// the counter after a return (ResubmitAtCounter); like the filer, none
	// of them may review it.
	CorrectedBy []string `json:"corrected_by,omitempty"`
}

// Receipt is the answer to a submission (and, for a replayed
// Idempotency-Key, the first answer again).
type Receipt struct {
	ID         int64     `json:"id"`
	Status     string    `json:"status"`
	StatusName string    `json:"status_name"`
	Reason     string    `json:"reason"`
	ReasonName string    `json:"reason_name"`
	Type       string    `json:"type"`
	Amount     money.Fen `json:"amount_fen"`
	Checks     []Check   `json:"checks"`
	// Replayed is true when this answers a replayed Idempotency-Key.
	Replayed bool `json:"-"`
}

// Application is a withdrawal application as the core holds it. BankCard is
// the full card number: channels show it masked (ident.MaskCard).
type Application struct {
	ID            int64      `db:"id"`
	PersonID      int64      `db:"person_id"`
	AccountID     int64      `db:"employee_account_id"`
	AccountNo     string     `db:"account_no"`
	Reason        string     `db:"reason"`
	ReasonName    string     `db:"reason_name"`
	TQYY          string     `db:"tqyy"`
	Item          string     `db:"item"`
	Type          string     `db:"wtype"`
	Amount        money.Fen  `db:"amount_fen"`
	Interest      money.Fen  `db:"interest_fen"` // 销户: interest to date included in Amount
	BankCard      string     `db:"bank_card"`
	PayeeName     string     `db:"payee_name"`
	ContractNo    string     `db:"contract_no"`
	FieldsJSON    string     `db:"fields"`
	ChecksJSON    string     `db:"checks"`
	MatJSON       string     `db:"materials"`
	Status        string     `db:"status"`
	ReviewLevel   int        `db:"review_level"` // 0 automatic, 1 初审, 2 初审 + 终审
	Channel       string     `db:"channel"`
	RulesFrom     date.Date  `db:"rules_from"` // effective date of the withdraw.rules version applied
	SubmittedOn   date.Date  `db:"submitted_on"`
	DeadlineOn    date.Date  `db:"deadline_on"`
	SubmittedAt   time.Time  `db:"submitted_at"`
	DecidedAt     *time.Time `db:"decided_at"`
	FirstReviewer string     `db:"first_reviewer"`
	FirstComment  string     `db:"first_comment"`
	FirstAt       *time.Time `db:"first_at"`
	FinalReviewer string     `db:"final_reviewer"`
	FinalComment  string     `db:"final_comment"`
	FinalAt       *time.Time `db:"final_at"`
	// Comment is the reason of a return or rejection.
	Comment     string     `db:"decision_comment"`
	EntrySerial string     `db:"entry_serial"`
	PaySerial   string     `db:"pay_serial"`
	BankSerial  string     `db:"bank_serial"`
	PayError    string     `db:"pay_error"`
	PaidOn      *date.Date `db:"paid_on"`
	PaidAt      *time.Time `db:"paid_at"`
	UpdatedAt   time.Time  `db:"updated_at"`

	// Decoded from the JSON columns.
	Fields    Input    `db:"-"`
	Checks    []Check  `db:"-"`
	Materials []string `db:"-"`
	// Events is the application's progress, oldest first (Get fills it).
	Events []Event `db:"-"`
	// Overdue: still awaiting a decision after its deadline (business date).
	Overdue bool `db:"-"`
}

// Event is one step of an application's progress.
type Event struct {
	At      time.Time `db:"at" json:"at"`
	Actor   string    `db:"actor" json:"actor"`
	Channel string    `db:"channel" json:"channel"`
	Action  string    `db:"action" json:"action"`
	Status  string    `db:"status" json:"status"`
	Comment string    `db:"comment" json:"comment"`
}

// ActionName returns the Chinese name of an event action.
func ActionName(action string) string {
	switch action {
	case "submit":
		return "提交申请"
	case "counter_submit":
		return "柜面代办受理"
	case "agency_submit":
		return "政务服务平台代办提交（机构授权）"
	case "resubmit":
		return "补正后重新提交"
	case "counter_resubmit":
		return "柜面补正后重新提交"
	case "auto_approve":
		return "系统自动审批通过"
	case "first_approve":
		return "初审通过"
	case "final_approve":
		return "终审通过"
	case "approve":
		return "审核通过"
	case "return":
		return "退回补正"
	case "reject":
		return "审核不通过"
	case "cancel":
		return "申请人撤销"
	case "pay":
		return "发送付款指令"
	case "paid":
		return "银行付款成功"
	case "pay_failed":
		return "银行付款失败，款项退回账户"
	}
	return action
}

// Rules returns the withdrawal rules in force on the business date, with the
// effective date of their version. Channels call it to list the reasons a
// person may apply for and their required fields.
//
// Errors: ErrNoRules (errs.Unavailable) when the parameter cannot be read or
// parsed; store errors.
func (s *Service) Rules(ctx context.Context) (*rules.Doc, date.Date, error) {
	today, err := s.d.Dates.Today(ctx)
	if err != nil {
		return nil, date.Date{}, err
	}
	return s.rulesOn(ctx, today)
}

func (s *Service) rulesOn(ctx context.Context, on date.Date) (*rules.Doc, date.Date, error) {
	v, err := s.d.Policy.Value(ctx, policy.WithdrawRules, on)
	if err != nil {
		return nil, date.Date{}, ErrNoRules.Wrap(err)
	}
	doc, err := rules.Parse(v.Value)
	if err != nil {
		return nil, date.Date{}, ErrNoRules.Wrap(err)
	}
	return doc, v.EffectiveFrom, nil
}

// addWorkingDays is the date n working days after d by the working-day
// calendar in force on d (policy calendar.working_days: holidays and 调休
// workdays). Without a readable calendar it counts Monday to Friday and
// logs a warning: the deadline is for tracking, never a reason to refuse.
func (s *Service) addWorkingDays(ctx context.Context, d date.Date, n int) date.Date {
	var cal *workcal.Calendar
	v, err := s.d.Policy.Value(ctx, policy.CalendarWorkingDays, d)
	if err == nil {
		cal, err = workcal.Parse(v.Value)
	}
	if err != nil {
		s.d.Log.Warn("withdrawal: working-day calendar not available; counting Monday to Friday", "err", err)
	}
	return cal.AddWorkingDays(d, n)
}
