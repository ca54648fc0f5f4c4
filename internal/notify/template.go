package notify

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gjj/internal/platform/errs"
)

// Mask replaces the value of a secret variable in the stored text of a
// message sent through any driver but the outbox.
const Mask = "******"

// MaxText is the longest message text, in characters, SendSMS accepts after
// rendering (without the signature); MaxVar the longest variable value.
const (
	MaxText = 300
	MaxVar  = 64
)

// Template is one SMS template: a stable id, Chinese text with {var}
// placeholders, and the variables whose values are secret (masked in the
// stored text unless the outbox driver delivers).
type Template struct {
	ID     string
	Text   string
	Secret []string
	// Long are variables that may hold up to MaxText characters instead of
	// MaxVar (the text of a batch SMS, Broadcast).
	Long []string
}

// Vars returns the template's variable names in order of first appearance.
func (t Template) Vars() []string {
	var out []string
	for _, p := range parse(t.Text) {
		if p.name != "" && !slices.Contains(out, p.name) {
			out = append(out, p.name)
		}
	}
	return out
}

// The template ids (DESIGN §5, domain.md §6). Variables:
//
//	otp.register, otp.login, otp.reset, otp.step_up, otp.change_mobile: code (secret)
//	identity.registered, identity.password_changed: name
//	identity.mobile_changed: name, mobile (the new number, masked: "139****0000")
//	deposit.credited: name, date (e.g. "07月15日"), account_tail (last 4
//	digits of the account), amount, balance (yuan strings such as "1,234.50")
const (
	OTPRegister             = "otp.register"
	OTPLogin                = "otp.login"
	OTPReset                = "otp.reset"
	OTPStepUp               = "otp.step_up"
	OTPChangeMobile         = "otp.change_mobile"
	IdentityRegistered      = "identity.registered"
	IdentityPasswordChanged = "identity.password_changed"
	IdentityMobileChanged   = "identity.mobile_changed"
	DepositCredited         = "deposit.credited"
	// withdrawal.paid: name, date, reason (e.g. 租房), amount, card_tail, balance;
	// withdrawal.pay_failed: name, reason, amount, why, balance;
	// withdrawal.decided: name, reason, result (e.g. 未通过审核).
	WithdrawalPaid      = "withdrawal.paid"
	WithdrawalPayFailed = "withdrawal.pay_failed"
	WithdrawalDecided   = "withdrawal.decided"
	// Loan notices (internal/core/loan), each with name and loan_tail (last 4
	// characters of the loan number): loan.disbursed: amount, day (due day of
	// the month), payment; loan.repaid: date, amount, balance; loan.overdue:
	// periods, amount; loan.prepaid: amount, balance; loan.settled: date;
	// loan.offset_signed, loan.offset_cancelled: date; loan.repriced: date,
	// rate (e.g. "2.6%"), payment. loan.approved: name, app_no;
	// loan.rejected: name, app_no, reason.
	LoanDisbursed       = "loan.disbursed"
	LoanRepaid          = "loan.repaid"
	LoanOverdue         = "loan.overdue"
	LoanPrepaid         = "loan.prepaid"
	LoanSettled         = "loan.settled"
	LoanOffsetSigned    = "loan.offset_signed"
	LoanOffsetCancelled = "loan.offset_cancelled"
	LoanRepriced        = "loan.repriced"
	LoanApproved        = "loan.approved"
	LoanRejected        = "loan.rejected"
	// Replies of the 12329 SMS channel (channels/sms12329), each but the
	// neutral one, help and subscription texts with name:
	// sms12329.balance: account_tail, balance, month (缴存至, e.g.
	// "2026-10"), status; sms12329.statement: account_tail, lines (the last
	// postings, e.g. "11-15汇缴+1,234.00；…"); sms12329.loan: loan_tail,
	// balance, date (next due date), payment; sms12329.no_loan.
	SMSBalance      = "sms12329.balance"
	SMSStatement    = "sms12329.statement"
	SMSLoan         = "sms12329.loan"
	SMSNoLoan       = "sms12329.no_loan"
	SMSNeutral      = "sms12329.neutral"
	SMSHelp         = "sms12329.help"
	SMSSubscribed   = "sms12329.subscribed"
	SMSUnsubscribed = "sms12329.unsubscribed"
)

// templates is the registry, in the style of domain.md §6 (尊敬的{姓名}：…).
var templates = []Template{
	{ID: OTPRegister, Text: "您的验证码为{code}，5分钟内有效，用于注册住房公积金网上服务。请勿告诉他人。", Secret: []string{"code"}},
	{ID: OTPLogin, Text: "您的验证码为{code}，5分钟内有效，用于登录住房公积金网上服务。请勿告诉他人。", Secret: []string{"code"}},
	{ID: OTPReset, Text: "您的验证码为{code}，5分钟内有效，用于重置住房公积金网上服务登录密码。请勿告诉他人。", Secret: []string{"code"}},
	{ID: OTPStepUp, Text: "您的验证码为{code}，5分钟内有效，用于确认本次住房公积金业务办理。请勿告诉他人。", Secret: []string{"code"}},
	{ID: OTPChangeMobile, Text: "您的验证码为{code}，5分钟内有效，用于变更住房公积金预留手机号码。请勿告诉他人。", Secret: []string{"code"}},
	{ID: IdentityRegistered, Text: "尊敬的{name}：您已成功注册住房公积金网上服务，今后可在网上业务大厅、手机APP、微信公众号等渠道使用同一账号登录。如非本人操作，请致电12329。"},
	{ID: IdentityPasswordChanged, Text: "尊敬的{name}：您的住房公积金网上服务登录密码已修改。如非本人操作，请立即致电12329。"},
	{ID: IdentityMobileChanged, Text: "尊敬的{name}：您在住房公积金中心预留的手机号码已变更为{mobile}。如非本人操作，请立即致电12329。"},
	{ID: DepositCredited, Text: "尊敬的{name}：{date}您尾号{account_tail}的公积金账户汇缴到账{amount}元，当前余额{balance}元。"},
	{ID: WithdrawalPaid, Text: "尊敬的{name}：{date}您的住房公积金账户因{reason}提取{amount}元，已转入尾号{card_tail}的银行卡，账户余额{balance}元。"},
	{ID: WithdrawalPayFailed, Text: "尊敬的{name}：您因{reason}提取住房公积金{amount}元转账未成功（{why}），款项已退回公积金账户，账户余额{balance}元。请核对收款银行卡后重新申请。"},
	{ID: WithdrawalDecided, Text: "尊敬的{name}：您因{reason}提取住房公积金的申请{result}，详情请登录网上业务大厅或手机APP查看。"},
	{ID: LoanDisbursed, Text: "尊敬的{name}：您尾号{loan_tail}的住房公积金贷款已放款，放款金额{amount}元，还款日为每月{day}日，月还款额为{payment}元。"},
	{ID: LoanRepaid, Text: "尊敬的{name}：{date}您尾号{loan_tail}的公积金贷款已还款{amount}元，贷款余额{balance}元。"},
	{ID: LoanOverdue, Text: "尊敬的{name}：您尾号{loan_tail}的公积金贷款账户已发生逾期{periods}期，逾期额{amount}元，请及时还款。"},
	{ID: LoanPrepaid, Text: "尊敬的{name}：您尾号{loan_tail}的公积金贷款提前还款业务已办结，还款金额{amount}元，贷款余额{balance}元。"},
	{ID: LoanSettled, Text: "尊敬的{name}：您尾号{loan_tail}的公积金贷款账户已于{date}结清，可登录网上业务大厅或手机APP下载结清证明。"},
	{ID: LoanOffsetSigned, Text: "尊敬的{name}：您尾号{loan_tail}的公积金贷款已于{date}签订冲还贷协议，我中心将在每月还款日从公积金账户上扣划还款。"},
	{ID: LoanOffsetCancelled, Text: "尊敬的{name}：您尾号{loan_tail}的公积金贷款已于{date}解除冲还贷协议，此后将从银行还款账户扣款，请确保余额充足。"},
	{ID: LoanRepriced, Text: "尊敬的{name}：自{date}起您尾号{loan_tail}的公积金贷款年利率调整为{rate}，月还款额为{payment}元。"},
	{ID: LoanApproved, Text: "尊敬的{name}：您的住房公积金贷款申请（编号{app_no}）已审批通过，请按通知到中心签订借款合同。"},
	{ID: LoanRejected, Text: "尊敬的{name}：您的住房公积金贷款申请（编号{app_no}）未获批准，原因：{reason}。如有疑问请致电12329。"},
	{ID: SMSBalance, Text: "尊敬的{name}：您尾号{account_tail}的公积金账户余额{balance}元，缴存至{month}，账户状态{status}。"},
	{ID: SMSStatement, Text: "尊敬的{name}：您尾号{account_tail}的公积金账户最近明细：{lines}。"},
	{ID: SMSLoan, Text: "尊敬的{name}：您尾号{loan_tail}的公积金贷款余额{balance}元，下期还款日{date}，应还{payment}元。"},
	{ID: SMSNoLoan, Text: "尊敬的{name}：未查询到您名下未结清的住房公积金贷款。"},
	{ID: SMSNeutral, Text: "您好：暂时无法办理您的短信查询。请使用预留手机号发送正确的指令和查询密码，如有疑问请致电12329。"},
	{ID: SMSHelp, Text: "住房公积金12329短信指令：CX 查询密码（查余额）；MX 查询密码（最近3笔明细）；DK 查询密码（贷款）；KT 开通通知；TD 退订通知。"},
	{ID: SMSSubscribed, Text: "您已开通住房公积金12329短信通知，回复TD可退订。"},
	{ID: SMSUnsubscribed, Text: "您已退订住房公积金12329业务通知短信（验证码和查询回复不受影响），回复KT可重新开通。"},
	{ID: Broadcast, Text: "{text}", Long: []string{"text"}},
}

// Templates returns a copy of the template registry. Any package may call it.
func Templates() []Template {
	out := make([]Template, len(templates))
	for i, t := range templates {
		t.Secret, t.Long = slices.Clone(t.Secret), slices.Clone(t.Long)
		out[i] = t
	}
	return out
}

// ErrBadTemplate is returned for an unknown template id, a missing or empty
// variable, or a variable value that is too long or holds control characters:
// a bug in the caller (details name the template and the variable).
var ErrBadTemplate = errs.New(errs.Invalid, "notify.bad_template", "短信模板或模板变量不正确")

// ErrTooLong is returned when the rendered text exceeds MaxText characters.
var ErrTooLong = errs.Newf(errs.Invalid, "notify.text_too_long", "短信内容过长（最多 %d 个字）", MaxText)

func lookup(id string) (Template, bool) {
	for _, t := range templates {
		if t.ID == id {
			return t, true
		}
	}
	return Template{}, false
}

// part is a piece of template text: literal text, or a variable name.
type part struct{ text, name string }

// parse splits template text at {name} placeholders; a '{' without a
// closing '}' is literal text.
func parse(s string) []part {
	var out []part
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			out = append(out, part{text: s})
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			out = append(out, part{text: s})
			break
		}
		if i > 0 {
			out = append(out, part{text: s[:i]})
		}
		out = append(out, part{name: s[i+1 : i+j]})
		s = s[i+j+1:]
	}
	return out
}

// render fills the template id with vars and returns the full text, the
// text with secret variables masked, and the secret values used. text is the
// approved replacement of the built-in text ("" = the built-in one).
func render(id, text string, vars map[string]string) (full, masked string, secrets []string, err error) {
	t, ok := lookup(id)
	if !ok {
		return "", "", nil, ErrBadTemplate.With("template", id)
	}
	if text == "" {
		text = t.Text
	}
	var f, m strings.Builder
	for _, p := range parse(text) {
		if p.name == "" {
			f.WriteString(p.text)
			m.WriteString(p.text)
			continue
		}
		v, limit := vars[p.name], MaxVar
		if slices.Contains(t.Long, p.name) {
			limit = MaxText
		}
		if v == "" || utf8.RuneCountInString(v) > limit || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return "", "", nil, ErrBadTemplate.With("template", id).With("var", p.name)
		}
		f.WriteString(v)
		if slices.Contains(t.Secret, p.name) {
			m.WriteString(Mask)
			secrets = append(secrets, v)
		} else {
			m.WriteString(v)
		}
	}
	if utf8.RuneCountInString(f.String()) > MaxText {
		return "", "", nil, ErrTooLong.With("template", id)
	}
	return f.String(), m.String(), secrets, nil
}
