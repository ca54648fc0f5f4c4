package webhall

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/core/loan"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// itemLoanPrepay is the service item of prepayment and settlement.
const itemLoanPrepay = "DK-03"

func init() {
	flashes["loan_prepaid"] = "提前还款已办理，贷款余额和还款计划已更新，结果将以短信通知。"
	flashes["loan_settled"] = "贷款已提前结清，可下载结清证明。"
}

// prepayData is the prepayment form (提前还款): partial (shorten the term or
// reduce the instalment) or full settlement, paid from the bank repayment
// account or the fund account, confirmed with a step-up SMS code (L3).
type prepayData struct {
	Loan   *loan.Loan
	Key    string // idempotency key of this form (a double submit repays once)
	Kind   string // shorten | reduce | full
	Source string // bank | fund
	Amount string
	Sent   bool // a step-up code was sent
}

func newPrepayKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "web-" + hex.EncodeToString(b[:])
}

// prepayForm: GET /web/loans/{loan_no}/prepay.
func (h *loanPages) prepayForm(c echo.Context) error {
	l, err := h.own(c)
	if err != nil {
		return err
	}
	if l.PersonID != principal(c).PersonID() {
		return loan.ErrLoanNotFound // only the borrower prepays
	}
	return h.render(c, http.StatusOK, "loan_prepay", view{Title: "提前还款", Form: "prepay",
		Data: &prepayData{Loan: l, Key: newPrepayKey(), Kind: loan.ModeShorten, Source: loan.SourceBank}})
}

// prepay: POST /web/loans/{loan_no}/prepay with action=send (send the
// step-up code) or action=confirm (the code; repay through the loan core,
// as the app API does) → the loan page with a flash.
func (h *loanPages) prepay(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	l, err := h.own(c)
	if err != nil {
		return err
	}
	if l.PersonID != p.PersonID() {
		return loan.ErrLoanNotFound
	}
	d := &prepayData{Loan: l, Key: strings.TrimSpace(c.FormValue("key")), Kind: c.FormValue("kind"), Source: c.FormValue("source"),
		Amount: strings.TrimSpace(c.FormValue("amount"))}
	if d.Key == "" {
		d.Key = newPrepayKey()
	}
	v := view{Title: "提前还款", Form: "prepay", Data: d}
	if p.Level < 2 {
		return h.prepayError(c, identity.ErrLevelRequired, v)
	}
	if c.FormValue("action") == "send" {
		if err := h.d.Identity.SendStepUp(ctx, p.PersonID(), c.RealIP()); err != nil {
			return h.prepayError(c, err, v)
		}
		d.Sent = true
		v.Flash = "验证码已发送至您的预留手机号，5 分钟内有效。"
		return h.render(c, http.StatusOK, "loan_prepay", v)
	}
	d.Sent = true
	in := loan.PrepayInput{Full: d.Kind == "full", Mode: d.Kind, Source: d.Source, Key: d.Key}
	if in.Full {
		in.Mode = ""
	} else {
		amt, perr := money.ParseYuan(d.Amount)
		if perr != nil || amt <= 0 {
			return h.prepayError(c, errs.New(errs.Invalid, money.ErrSyntax.Code, "请填写提前还款金额（元，最多两位小数）").With("field", "amount"), v)
		}
		in.Amount = amt
	}
	if err := h.d.Identity.StepUp(ctx, p, c.FormValue("sms_code")); err != nil {
		return h.prepayError(c, err, v)
	}
	r, err := h.l.Loan.Prepay(ctx, p.PersonID(), l.LoanNo, in)
	if err != nil {
		return h.prepayError(c, err, v)
	}
	if r.Settled {
		return done(c, "/web/loans/"+l.LoanNo, "loan_settled")
	}
	return done(c, "/web/loans/"+l.LoanNo, "loan_prepaid")
}

// prepayError re-renders the form with a refusal; other errors go to the
// hall's error page.
func (h *loanPages) prepayError(c echo.Context, err error, v view) error {
	e := hallkit.Refusal(err)
	if e == nil {
		return err
	}
	v.Error, v.Code = e.Message, e.Code
	v.Field, _ = e.Details["field"].(string)
	return h.render(c, e.Kind.Status(), "loan_prepay", v)
}
