package webhall

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/core/loan"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Service items of the loan pages.
const (
	itemLoanApply   = "DK-01" // quote and application
	itemLoanQuery   = "DK-02" // progress, plan, repayment detail
	itemLoanOffset  = "DK-04" // offset agreement
	itemLoanSettled = "DK-05" // settlement certificate
)

// LoanDeps are the services of the loan pages.
type LoanDeps struct {
	Loan *loan.Service
}

// RegisterLoans mounts the loan pages (贷款) of the hall:
//
//	GET  /web/loans                        my applications (progress) and my loans
//	GET  /web/loans/quote                  the quote form (额度试算)
//	POST /web/loans/quote                  show the quote (action=quote) or apply (action=apply, L2)
//	GET  /web/loans/applications/{id}      progress of one application: checks, limits, reviews
//	POST /web/loans/applications/{id}/withdraw
//	GET  /web/loans/{loan_no}              the loan, its plan and repayment detail
//	POST /web/loans/{loan_no}/offset       sign (action=sign) or cancel (action=cancel) the offset agreement (L2)
//	GET  /web/loans/{loan_no}/prepay       the prepayment form (提前还款 / 提前结清)
//	POST /web/loans/{loan_no}/prepay       send the step-up code (action=send) or repay (action=confirm, L2 + SMS code = L3)
//	GET  /web/loans/{loan_no}/certificate  the 结清证明 PDF of a settled loan
//
// Register it next to Register, with the same Deps.
func RegisterLoans(e *echo.Echo, d Deps, l LoanDeps) {
	h := &loanPages{hall: newHall(d), l: l}
	csrf := h.kit.CSRF()
	requirePerson := h.kit.Require(nil)
	page := func(method, path, item string, fn echo.HandlerFunc) {
		e.Add(method, path, h.inShell(fn), csrf, requirePerson, h.gate(item))
	}
	page(http.MethodGet, "/web/loans", itemLoanQuery, h.list)
	page(http.MethodGet, "/web/loans/quote", itemLoanApply, h.quoteForm)
	page(http.MethodPost, "/web/loans/quote", itemLoanApply, h.quote)
	page(http.MethodGet, "/web/loans/applications/:id", itemLoanQuery, h.application)
	page(http.MethodPost, "/web/loans/applications/:id/withdraw", itemLoanApply, h.withdraw)
	page(http.MethodGet, "/web/loans/:loan_no", itemLoanQuery, h.loan)
	page(http.MethodPost, "/web/loans/:loan_no/offset", itemLoanOffset, h.offset)
	page(http.MethodGet, "/web/loans/:loan_no/prepay", itemLoanPrepay, h.prepayForm)
	page(http.MethodPost, "/web/loans/:loan_no/prepay", itemLoanPrepay, h.prepay)
	page(http.MethodGet, "/web/loans/:loan_no/certificate", itemLoanSettled, h.certificate)
}

type loanPages struct {
	*hall
	l LoanDeps
}

func init() {
	flashes["loan_applied"] = "贷款申请已提交，请留意审批进度和短信通知。"
	flashes["loan_withdrawn"] = "贷款申请已撤回。"
	flashes["offset_signed"] = "冲还贷协议已签订，此后每月还款日将从公积金账户扣划还款。"
	flashes["offset_cancelled"] = "冲还贷协议已解除，此后将从银行还款账户扣款。"
}

var loanFuncs = func() template.FuncMap {
	m := template.FuncMap{}
	maps.Copy(m, funcs)
	m["rate"] = policy.FormatPPM
	m["maskCard"] = ident.MaskCard
	m["methodName"] = func(s string) string {
		if s == "equal_principal" {
			return "等额本金"
		}
		return "等额本息"
	}
	m["instStatus"] = func(s string) string {
		return map[string]string{loan.InstScheduled: "未到期", loan.InstOverdue: "逾期", loan.InstPaid: "已还"}[s]
	}
	m["fenPtr"] = func(f *money.Fen) money.Fen {
		if f == nil {
			return 0
		}
		return *f
	}
	return m
}()

var loanPagesT = hallkit.Parse(templateFS, loanFuncs, []string{"templates/layout.html"}, "loans", "loan_quote", "loan_application", "loan", "loan_prepay")

func (h *loanPages) render(c echo.Context, status int, name string, v view) error {
	v.CSRF = hallkit.CSRFToken(c)
	v.Person = principal(c)
	if v.Flash == "" {
		v.Flash = h.kit.Flash(c)
	}
	v.Menu = "loans"
	return loanPagesT.Render(c, status, name, v)
}

type loansData struct {
	Apps  []loan.Application
	Loans []loan.Loan
}

func (h *loanPages) list(c echo.Context) error {
	ctx := c.Request().Context()
	pid := principal(c).PersonID()
	apps, err := h.l.Loan.Applications(ctx, loan.ApplicationFilter{PersonID: pid})
	if err != nil {
		return err
	}
	loans, err := h.l.Loan.Loans(ctx, pid)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "loans", view{Title: "贷款业务", Data: loansData{Apps: apps, Loans: loans}})
}

// quoteData is the quote form with what was typed and, after a quote, the
// result.
type quoteData struct {
	HousePrice, Amount, MonthlyDebt, Term, Method, Home string
	CoAccount, CoID                                     string
	Address, SellerName, SellerAccount, SellerBank      string
	Key                                                 string
	Quote                                               *loan.Quote
	Checks                                              []loan.Check // of a refused application
}

func (h *loanPages) quoteForm(c echo.Context) error {
	key, err := newFormKey()
	if err != nil {
		return err
	}
	d := &quoteData{Term: "360", Method: "equal_installment", Home: "first", Key: key}
	return h.render(c, http.StatusOK, "loan_quote", view{Title: "贷款额度试算与申请", Data: d})
}

var errYuan = errs.New(errs.Invalid, money.ErrSyntax.Code, money.ErrSyntax.Message)

func (h *loanPages) quote(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	d := &quoteData{HousePrice: c.FormValue("house_price"), Amount: c.FormValue("amount"), MonthlyDebt: c.FormValue("monthly_debt"),
		Term: c.FormValue("term_months"), Method: c.FormValue("method"), Home: c.FormValue("home"), CoAccount: c.FormValue("co_account_no"),
		CoID: c.FormValue("co_id_number"), Address: c.FormValue("house_address"), SellerName: c.FormValue("seller_name"),
		SellerAccount: c.FormValue("seller_account"), SellerBank: c.FormValue("seller_bank"), Key: c.FormValue("key")}
	v := view{Title: "贷款额度试算与申请", Form: "quote", Data: d}
	in := loan.QuoteInput{Method: d.Method, Home: loan.Home(d.Home)}
	term, err := strconv.Atoi(strings.TrimSpace(d.Term))
	if err != nil {
		return h.formError(c, errs.New(errs.Invalid, "loan.bad_term", "贷款期限应为 1 至 360 个月").With("field", "term_months"), v)
	}
	in.TermMonths = term
	for _, f := range []struct {
		name, text string
		to         *money.Fen
	}{{"house_price", d.HousePrice, &in.HousePrice}, {"amount", d.Amount, &in.Amount}, {"monthly_debt", d.MonthlyDebt, &in.MonthlyDebt}} {
		if strings.TrimSpace(f.text) == "" {
			continue
		}
		v2, perr := money.ParseYuan(f.text)
		if perr != nil || v2 < 0 {
			return h.formError(c, errYuan.With("field", f.name), v)
		}
		*f.to = v2
	}
	if strings.TrimSpace(d.CoAccount) != "" || strings.TrimSpace(d.CoID) != "" {
		in.CoBorrower = &loan.CoBorrower{AccountNo: d.CoAccount, IDNumber: d.CoID}
	}
	if c.FormValue("action") != "apply" {
		q, err := h.l.Loan.Quote(ctx, p.PersonID(), in)
		if err != nil {
			return h.formError(c, err, v)
		}
		d.Quote = q
		return h.render(c, http.StatusOK, "loan_quote", v)
	}
	v.Form = "apply"
	if p.Level < 2 {
		return h.formError(c, identity.ErrLevelRequired, v)
	}
	a, err := h.l.Loan.Apply(ctx, p.PersonID(), loan.ApplicationInput{QuoteInput: in, HouseAddress: d.Address, SellerName: d.SellerName,
		SellerAccount: d.SellerAccount, SellerBank: d.SellerBank, IdempotencyKey: d.Key})
	if err != nil {
		if e := hallkit.Refusal(err); e != nil {
			d.Checks, _ = e.Details["checks"].([]loan.Check)
		}
		return h.formError(c, err, v)
	}
	return done(c, fmt.Sprintf("/web/loans/applications/%d", a.ID), "loan_applied")
}

// formError re-renders the quote form with the refusal.
func (h *loanPages) formError(c echo.Context, err error, v view) error {
	e := hallkit.Refusal(err)
	if e == nil {
		return err
	}
	v.Error, v.Code = e.Message, e.Code
	v.Field, _ = e.Details["field"].(string)
	return h.render(c, e.Kind.Status(), "loan_quote", v)
}

func (h *loanPages) app(c echo.Context) (*loan.Application, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, loan.ErrApplicationNF
	}
	return h.l.Loan.Application(c.Request().Context(), principal(c).PersonID(), id)
}

func (h *loanPages) application(c echo.Context) error {
	a, err := h.app(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "loan_application", view{Title: "贷款申请进度", Data: a})
}

func (h *loanPages) withdraw(c echo.Context) error {
	a, err := h.app(c)
	if err != nil {
		return err
	}
	if _, err := h.l.Loan.Withdraw(c.Request().Context(), principal(c).PersonID(), a.ID); err != nil {
		return err
	}
	return done(c, fmt.Sprintf("/web/loans/applications/%d", a.ID), "loan_withdrawn")
}

type loanData struct {
	Loan   *loan.Loan
	Plan   []loan.Instalment
	Txns   []loan.Txn
	Offset *loan.Offset
	Owner  bool // the person is the borrower (may sign the offset agreement)
}

func (h *loanPages) own(c echo.Context) (*loan.Loan, error) {
	return h.l.Loan.Loan(c.Request().Context(), principal(c).PersonID(), c.Param("loan_no"))
}

func (h *loanPages) loan(c echo.Context) error {
	ctx := c.Request().Context()
	l, err := h.own(c)
	if err != nil {
		return err
	}
	d := loanData{Loan: l, Owner: l.PersonID == principal(c).PersonID()}
	if d.Plan, err = h.l.Loan.Plan(ctx, l); err != nil {
		return err
	}
	if d.Txns, err = h.l.Loan.Txns(ctx, l); err != nil {
		return err
	}
	if d.Offset, err = h.l.Loan.ActiveOffset(ctx, l); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "loan", view{Title: "贷款 " + l.LoanNo, Data: d})
}

func (h *loanPages) offset(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	l, err := h.own(c)
	if err != nil {
		return err
	}
	if p.Level < 2 {
		return identity.ErrLevelRequired
	}
	if c.FormValue("action") == "cancel" {
		if _, err := h.l.Loan.CancelOffset(ctx, p.PersonID(), l.LoanNo); err != nil {
			return err
		}
		return done(c, "/web/loans/"+l.LoanNo, "offset_cancelled")
	}
	if _, err := h.l.Loan.SignOffset(ctx, p.PersonID(), l.LoanNo, c.FormValue("include_co") == "1"); err != nil {
		return err
	}
	return done(c, "/web/loans/"+l.LoanNo, "offset_signed")
}

func (h *loanPages) certificate(c echo.Context) error {
	l, err := h.own(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.l.Loan.SettlementPDF(c.Request().Context(), l, &buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="settlement-`+l.LoanNo+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}
