// Package loan is the loan core (贷款, domain.md §3): the public loan
// calculator, quotes (the limit as the minimum of the policy limits, each
// shown; the rate from the rate table; the plan), applications with a
// co-borrower, eligibility checks and multi-level staff review, contract and
// disbursement (a receivable account per loan in the ledger, the money to the
// seller through exchange), and servicing by the day-end job: instalments
// collected from the fund account under an offset agreement (冲还贷) or from
// the bank account, overdue instalments with penalty interest, partial
// prepayment and full settlement with a 结清证明, repricing on 1 January.
//
// The arithmetic lives in package schedule (pure functions). Every money
// movement is one ledger entry in the same transaction as the loan's state
// change and its audit record. Policy values are read for the business date
// they apply to. Channels (app API, web hall, staff API) call the Service and
// never touch the tables; a person only ever reaches their own applications
// and loans (the Service checks the person on every personal call).
package loan

import (
	"context"
	"fmt"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// Home says whether the house is the household's first or second home
// (首套 / 二套); it selects the down-payment floor and the rate.
type Home string

// The home kinds.
const (
	HomeFirst  Home = "first"
	HomeSecond Home = "second"
)

// Valid reports whether h is a home kind.
func (h Home) Valid() bool { return h == HomeFirst || h == HomeSecond }

// Name is the Chinese name (首套住房, 二套住房).
func (h Home) Name() string {
	if h == HomeSecond {
		return "二套住房"
	}
	return "首套住房"
}

// SMSSender sends a business notice by SMS (the wiring passes notify's
// SendSMS); nil sends nothing. A failed notice never undoes the business.
type SMSSender func(ctx context.Context, phone, template string, vars map[string]string) error

// Service runs the loan business. It is safe for concurrent use.
type Service struct {
	db       *db.DB
	ledger   *ledger.Ledger
	audit    *audit.Log
	policy   *policy.Store
	dates    *bizdate.Service
	deposit  *deposit.Service
	bank     exchange.LoanBank
	bankCode string
	// SMS sends the loan notices; set by the wiring (nil: none).
	SMS SMSSender
}

// Deps are the services the loan core uses.
type Deps struct {
	DB      *db.DB
	Ledger  *ledger.Ledger
	Audit   *audit.Log
	Policy  *policy.Store
	Dates   *bizdate.Service
	Deposit *deposit.Service
	// Bank pays sellers and debits borrowers' repayment accounts.
	Bank exchange.LoanBank
	// BankCode is the settlement bank whose deposit account pays and
	// receives loan money (ledger.BankCode(BankCode)).
	BankCode string
	SMS      SMSSender
}

// New returns the loan service.
func New(d Deps) *Service {
	return &Service{db: d.DB, ledger: d.Ledger, audit: d.Audit, policy: d.Policy, dates: d.Dates, deposit: d.Deposit,
		bank: d.Bank, bankCode: d.BankCode, SMS: d.SMS}
}

// Errors of the loan core. Messages are shown to people; refusals by a rule
// carry the rule in Details["rule"] and the check results in Details["checks"].
var (
	ErrInvalidInput     = errs.New(errs.Invalid, "loan.invalid_input", "提交的贷款信息不完整或格式不正确")
	ErrRateSyntax       = errs.New(errs.Invalid, "loan.bad_rate", "年利率格式不正确，应为百分数，例如 2.6 或 2.6%")
	ErrHome             = errs.New(errs.Invalid, "loan.bad_home", "住房套数应为 first（首套）或 second（二套）")
	ErrNotEligible      = errs.New(errs.Conflict, "loan.not_eligible", "不符合贷款条件")
	ErrApplicationOpen  = errs.New(errs.Conflict, "loan.application_open", "您已有一笔正在办理的贷款申请，请等待办结或撤回后再申请")
	ErrLoanOpen         = errs.New(errs.Conflict, "loan.loan_open", "借款人或共同借款人尚有未结清的住房公积金贷款")
	ErrApplicationNF    = errs.New(errs.NotFound, "loan.application_not_found", "贷款申请不存在")
	ErrLoanNotFound     = errs.New(errs.NotFound, "loan.not_found", "贷款不存在")
	ErrStatus           = errs.New(errs.Conflict, "loan.status", "贷款申请或贷款当前状态不能办理此业务")
	ErrSameReviewer     = errs.New(errs.Forbidden, "loan.same_reviewer", "同一笔贷款的各级审批须由不同人员办理")
	ErrCommentRequired  = errs.New(errs.Invalid, "loan.comment_required", "请填写审批意见或原因")
	ErrIdempotencyReuse = errs.New(errs.Conflict, "loan.idempotency_key_reused", "该幂等键已用于另一笔内容不同的申请")
	ErrCoBorrower       = errs.New(errs.Invalid, "loan.co_borrower", "共同借款人的个人账号与证件号码不符，或不能与借款人相同")
	ErrSellerPayment    = errs.New(errs.Unavailable, "loan.seller_payment_failed", "向售房人划付贷款资金失败，请稍后重试")
	ErrPrepayAmount     = errs.New(errs.Invalid, "loan.prepay_amount", "提前还款金额不符合要求")
	ErrPrepayCount      = errs.New(errs.Conflict, "loan.prepay_count", "本年度提前还款次数已达上限")
	ErrLoanOverdue      = errs.New(errs.Conflict, "loan.overdue", "贷款有逾期未还款项，请先归还逾期款项")
	ErrOffsetExists     = errs.New(errs.Conflict, "loan.offset_exists", "该贷款已签订冲还贷协议")
	ErrNoOffset         = errs.New(errs.Conflict, "loan.no_offset", "该贷款没有生效的冲还贷协议")
	ErrNotSettled       = errs.New(errs.Conflict, "loan.not_settled", "贷款尚未结清，不能出具结清证明")
	ErrPaymentFailed    = errs.New(errs.Conflict, "loan.payment_failed", "扣款未成功：公积金账户与银行还款账户余额不足")
	ErrEODBusy          = errs.New(errs.Busy, "eod.running", "日终处理正在由另一实例执行")
	ErrEODMoved         = errs.New(errs.Conflict, "eod.date_moved", "日终处理期间营业日期已被改变")
)

func channelOf(ctx context.Context) string {
	c := reqctx.ActorOf(ctx).Channel
	if c == "" {
		return "system"
	}
	if len(c) > 16 {
		c = c[:16]
	}
	return c
}

// loanNo is the loan account number (贷款账号) of an application: DK + the
// application id in 10 digits; one loan per application.
func loanNo(applicationID int64) string { return fmt.Sprintf("DK%010d", applicationID) }

// contractNo is the loan contract number (借款合同编号) of an application.
func contractNo(applicationID int64) string { return fmt.Sprintf("HT%010d", applicationID) }

// receivableCode is the ledger code of the loan's principal receivable.
func receivableCode(loanNo string) string { return ledger.LoanCode(loanNo) }

// send delivers a notice and ignores failures (the business stands; the SMS
// service records failed messages).
func (s *Service) send(ctx context.Context, phone, template string, vars map[string]string) {
	if s.SMS == nil || phone == "" {
		return
	}
	_ = s.SMS(context.WithoutCancel(ctx), phone, template, vars)
}
