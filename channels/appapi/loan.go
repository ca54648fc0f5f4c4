package appapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel"
	"gjj/internal/core/loan"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
)

// Service items of the loan routes.
const (
	itemLoanApply   = "DK-01" // calculator, quote, application
	itemLoanQuery   = "DK-02" // progress, plan, detail
	itemLoanPrepay  = "DK-03" // prepayment, settlement
	itemLoanOffset  = "DK-04" // offset agreement
	itemLoanSettled = "DK-05" // settlement certificate
)

// LoanDeps are the services the loan routes call.
type LoanDeps struct {
	Identity *identity.Service
	Loan     *loan.Service
	Gate     *channel.Gate
}

// RegisterLoans mounts the loan routes of the app API: the public loan
// calculator (no login), quotes (L1), applications and their progress (L2 to
// apply), the person's loans with plan and repayment detail, prepayment (L2
// session plus a step-up SMS code, L3) and the offset agreement (L2), and the
// settlement certificate. Every route is behind the channel gate.
func RegisterLoans(e *echo.Echo, d LoanDeps) {
	h := &loanHandler{d: d}
	gate := func(item string) echo.MiddlewareFunc { return d.Gate.Middleware(Channel, item) }
	apply, query, prepay, offset, settled := gate(itemLoanApply), gate(itemLoanQuery), gate(itemLoanPrepay), gate(itemLoanOffset), gate(itemLoanSettled)
	l1, l2 := guard.Person(d.Identity, Channel, 1), guard.Person(d.Identity, Channel, 2)

	e.POST(Base+"/calculators/loan", h.calculate, apply, anonymous)
	e.POST(Base+"/loan-quotes", h.quote, apply, l1)
	e.POST(Base+"/loan-applications", h.apply, apply, l2)
	e.GET(Base+"/loan-applications", h.applications, query, l1)
	e.GET(Base+"/loan-applications/:id", h.application, query, l1)
	e.POST(Base+"/loan-applications/:id/withdrawal", h.withdraw, apply, l2)
	e.GET(Base+"/loans", h.loans, query, l1)
	e.GET(Base+"/loans/:loan_no", h.loan, query, l1)
	e.GET(Base+"/loans/:loan_no/transactions", h.txns, query, l1)
	e.POST(Base+"/loans/:loan_no/prepayments", h.prepay, prepay, l2)
	e.PUT(Base+"/loans/:loan_no/offset", h.signOffset, offset, l2)
	e.DELETE(Base+"/loans/:loan_no/offset", h.cancelOffset, offset, l2)
	e.GET(Base+"/loans/:loan_no/settlement-certificate", h.certificate, settled, l1)
}

type loanHandler struct{ d LoanDeps }

// ---------------------------------------------------------------------------
// Calculator and quote.

type calcBody struct {
	AmountFen  int64  `json:"amount_fen"`
	TermMonths int    `json:"term_months"`
	Rate       string `json:"rate"`
	Method     string `json:"method"`
}

type periodView struct {
	Period       int   `json:"period"`
	PaymentFen   int64 `json:"payment_fen"`
	PrincipalFen int64 `json:"principal_fen"`
	InterestFen  int64 `json:"interest_fen"`
	BalanceFen   int64 `json:"balance_fen"`
}

type calcView struct {
	Method            string       `json:"method"`
	Rate              string       `json:"rate"`
	MonthlyPaymentFen int64        `json:"monthly_payment_fen"`
	TotalInterestFen  int64        `json:"total_interest_fen"`
	TotalPaymentFen   int64        `json:"total_payment_fen"`
	Schedule          []periodView `json:"schedule"`
}

func planView(p *schedule.Plan) calcView {
	v := calcView{Schedule: []periodView{}}
	if p == nil {
		return v
	}
	v.Method, v.Rate = string(p.Method), policy.FormatPPM(p.Rate)
	v.MonthlyPaymentFen, v.TotalInterestFen, v.TotalPaymentFen = int64(p.First()), int64(p.TotalInterest), int64(p.TotalPayment)
	for _, per := range p.Periods {
		v.Schedule = append(v.Schedule, periodView{per.Period, int64(per.Payment), int64(per.Principal), int64(per.Interest), int64(per.Balance)})
	}
	return v
}

func (h *loanHandler) calculate(c echo.Context) error {
	var b calcBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	p, err := loan.Calculate(money.Fen(b.AmountFen), b.TermMonths, b.Rate, b.Method)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, planView(p))
}

type coBorrowerBody struct {
	AccountNo string `json:"account_no"`
	IDNumber  string `json:"id_number"`
}

type quoteBody struct {
	HousePriceFen  int64           `json:"house_price_fen"`
	TermMonths     int             `json:"term_months"`
	Method         string          `json:"method"`
	Home           string          `json:"home"`
	AmountFen      int64           `json:"amount_fen"`
	MonthlyDebtFen int64           `json:"monthly_debt_fen"`
	CoBorrower     *coBorrowerBody `json:"co_borrower"`
}

func (b quoteBody) input() loan.QuoteInput {
	in := loan.QuoteInput{HousePrice: money.Fen(b.HousePriceFen), TermMonths: b.TermMonths, Method: b.Method, Home: loan.Home(b.Home),
		Amount: money.Fen(b.AmountFen), MonthlyDebt: money.Fen(b.MonthlyDebtFen)}
	if b.CoBorrower != nil {
		in.CoBorrower = &loan.CoBorrower{AccountNo: b.CoBorrower.AccountNo, IDNumber: b.CoBorrower.IDNumber}
	}
	return in
}

type quoteView struct {
	Home          string       `json:"home"`
	TermMonths    int          `json:"term_months"`
	Limits        []loan.Limit `json:"limits"`
	LimitFen      int64        `json:"limit_fen"`
	MaxTermMonths int          `json:"max_term_months"`
	AmountFen     int64        `json:"amount_fen"`
	Checks        []loan.Check `json:"checks"`
	Eligible      bool         `json:"eligible"`
	calcView
}

func (h *loanHandler) quote(c echo.Context) error {
	var b quoteBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	q, err := h.d.Loan.Quote(c.Request().Context(), me(c).PersonID(), b.input())
	if err != nil {
		return err
	}
	v := quoteView{Home: string(q.Home), TermMonths: q.TermMonths, Limits: q.Limits, LimitFen: int64(q.Limit),
		MaxTermMonths: q.MaxTermMonths, AmountFen: int64(q.Amount), Checks: q.Checks, Eligible: q.Eligible, calcView: planView(q.Plan)}
	v.Method, v.Rate = string(q.Method), policy.FormatPPM(q.Rate)
	return c.JSON(http.StatusOK, v)
}

// ---------------------------------------------------------------------------
// Applications.

type applyBody struct {
	quoteBody
	HouseAddress  string `json:"house_address"`
	SellerName    string `json:"seller_name"`
	SellerAccount string `json:"seller_account"`
	SellerBank    string `json:"seller_bank"`
	RepayCard     string `json:"repay_card"`
}

type reviewView struct {
	Level    int    `json:"level"`
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
	At       string `json:"at"`
}

type applicationView struct {
	ID            int64        `json:"id"`
	Status        string       `json:"status"`
	StatusName    string       `json:"status_name"`
	ReviewLevel   int          `json:"review_level"`
	AccountNo     string       `json:"account_no"`
	CoAccountNo   string       `json:"co_account_no"`
	Home          string       `json:"home"`
	HousePriceFen int64        `json:"house_price_fen"`
	HouseAddress  string       `json:"house_address"`
	AmountFen     int64        `json:"amount_fen"`
	TermMonths    int          `json:"term_months"`
	Method        string       `json:"method"`
	Rate          string       `json:"rate"`
	LimitFen      int64        `json:"limit_fen"`
	SellerName    string       `json:"seller_name"`
	SellerAccount string       `json:"seller_account"` // masked
	RepayCard     string       `json:"repay_card"`     // masked
	ContractNo    string       `json:"contract_no"`
	LoanNo        string       `json:"loan_no"`
	AppliedOn     date.Date    `json:"applied_on"`
	Checks        []loan.Check `json:"checks"`
	Limits        []loan.Limit `json:"limits"`
	Reviews       []reviewView `json:"reviews"`
}

func appView(a *loan.Application) applicationView {
	v := applicationView{ID: a.ID, Status: a.Status, StatusName: a.StatusName(), ReviewLevel: a.ReviewLevel, AccountNo: a.AccountNo,
		CoAccountNo: a.CoAccountNo, Home: string(a.Home), HousePriceFen: int64(a.HousePrice), HouseAddress: a.HouseAddress,
		AmountFen: int64(a.Amount), TermMonths: a.TermMonths, Method: a.Method, Rate: policy.FormatPPM(a.Rate), LimitFen: int64(a.Limit),
		SellerName: a.SellerName, SellerAccount: ident.MaskCard(a.SellerAccount), RepayCard: ident.MaskCard(a.RepayCard),
		AppliedOn: a.AppliedOn, Checks: a.Checks, Limits: a.Limits, Reviews: []reviewView{}}
	if v.Checks == nil {
		v.Checks = []loan.Check{}
	}
	if v.Limits == nil {
		v.Limits = []loan.Limit{}
	}
	if a.ContractNo != nil {
		v.ContractNo = *a.ContractNo
	}
	if a.LoanNo != nil {
		v.LoanNo = *a.LoanNo
	}
	for _, r := range a.Reviews {
		v.Reviews = append(v.Reviews, reviewView{Level: r.Level, Decision: r.Decision, Comment: r.Comment, At: r.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")})
	}
	return v
}

func (h *loanHandler) apply(c echo.Context) error {
	var b applyBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	in := loan.ApplicationInput{QuoteInput: b.input(), HouseAddress: b.HouseAddress, SellerName: b.SellerName,
		SellerAccount: b.SellerAccount, SellerBank: b.SellerBank, RepayCard: b.RepayCard,
		IdempotencyKey: strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))}
	a, err := h.d.Loan.Apply(c.Request().Context(), me(c).PersonID(), in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if a.Replayed {
		status = http.StatusOK
	}
	return c.JSON(status, appView(a))
}

var errAppID = errs.New(errs.NotFound, "loan.application_not_found", "贷款申请不存在")

func appID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errAppID
	}
	return id, nil
}

func (h *loanHandler) applications(c echo.Context) error {
	list, err := h.d.Loan.Applications(c.Request().Context(), loan.ApplicationFilter{PersonID: me(c).PersonID()})
	if err != nil {
		return err
	}
	out := make([]applicationView, 0, len(list))
	for i := range list {
		out = append(out, appView(&list[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (h *loanHandler) application(c echo.Context) error {
	id, err := appID(c)
	if err != nil {
		return err
	}
	a, err := h.d.Loan.Application(c.Request().Context(), me(c).PersonID(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, appView(a))
}

func (h *loanHandler) withdraw(c echo.Context) error {
	id, err := appID(c)
	if err != nil {
		return err
	}
	a, err := h.d.Loan.Withdraw(c.Request().Context(), me(c).PersonID(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, appView(a))
}

// ---------------------------------------------------------------------------
// Loans.

type instalmentView struct {
	Period       int        `json:"period"`
	DueOn        date.Date  `json:"due_on"`
	PaymentFen   int64      `json:"payment_fen"`
	PrincipalFen int64      `json:"principal_fen"`
	InterestFen  int64      `json:"interest_fen"`
	PenaltyFen   int64      `json:"penalty_fen"`
	PaidFen      int64      `json:"paid_fen"`
	Status       string     `json:"status"`
	PaidOn       *date.Date `json:"paid_on"`
}

type offsetView struct {
	IncludeCo bool       `json:"include_co"`
	Status    string     `json:"status"`
	SignedOn  date.Date  `json:"signed_on"`
	Cancelled *date.Date `json:"cancelled_on"`
}

type loanView struct {
	LoanNo       string           `json:"loan_no"`
	ContractNo   string           `json:"contract_no"`
	Status       string           `json:"status"`
	StatusName   string           `json:"status_name"`
	AccountNo    string           `json:"account_no"`
	CoAccountNo  string           `json:"co_account_no"`
	PrincipalFen int64            `json:"principal_fen"`
	BalanceFen   int64            `json:"balance_fen"`
	Rate         string           `json:"rate"`
	ContractRate string           `json:"contract_rate"`
	TermMonths   int              `json:"term_months"`
	Method       string           `json:"method"`
	FixedFen     int64            `json:"fixed_fen"`
	DueDay       int              `json:"due_day"`
	DisbursedOn  date.Date        `json:"disbursed_on"`
	MaturityOn   date.Date        `json:"maturity_on"`
	SettledOn    *date.Date       `json:"settled_on"`
	OverdueCount int              `json:"overdue_count"`
	RepayCard    string           `json:"repay_card"`
	Offset       *offsetView      `json:"offset"`
	Plan         []instalmentView `json:"plan,omitempty"`
}

func (h *loanHandler) view(c echo.Context, l *loan.Loan, withPlan bool) (loanView, error) {
	v := loanView{LoanNo: l.LoanNo, ContractNo: l.ContractNo, Status: l.Status, StatusName: l.StatusName(), AccountNo: l.AccountNo,
		CoAccountNo: l.CoAccountNo, PrincipalFen: int64(l.Principal), BalanceFen: int64(l.Balance), Rate: policy.FormatPPM(l.Rate),
		ContractRate: policy.FormatPPM(l.ContractRate), TermMonths: l.TermMonths, Method: l.Method, FixedFen: int64(l.Fixed),
		DueDay: l.DueDay, DisbursedOn: l.DisbursedOn, MaturityOn: l.MaturityOn, SettledOn: l.SettledOn, OverdueCount: l.OverdueCount,
		RepayCard: ident.MaskCard(l.RepayCard)}
	ctx := c.Request().Context()
	o, err := h.d.Loan.ActiveOffset(ctx, l)
	if err != nil {
		return v, err
	}
	if o != nil {
		v.Offset = &offsetView{IncludeCo: o.IncludeCo, Status: o.Status, SignedOn: o.SignedOn, Cancelled: o.CancelledOn}
	}
	if withPlan {
		plan, err := h.d.Loan.Plan(ctx, l)
		if err != nil {
			return v, err
		}
		v.Plan = make([]instalmentView, 0, len(plan))
		for _, in := range plan {
			v.Plan = append(v.Plan, instalmentView{Period: in.Period, DueOn: in.DueOn, PaymentFen: int64(in.Payment()),
				PrincipalFen: int64(in.Principal), InterestFen: int64(in.Interest), PenaltyFen: int64(in.Penalty),
				PaidFen: int64(in.PaidPrincipal + in.PaidInterest + in.PaidPenalty), Status: in.Status, PaidOn: in.PaidOn})
		}
	}
	return v, nil
}

func (h *loanHandler) loans(c echo.Context) error {
	list, err := h.d.Loan.Loans(c.Request().Context(), me(c).PersonID())
	if err != nil {
		return err
	}
	out := make([]loanView, 0, len(list))
	for i := range list {
		v, err := h.view(c, &list[i], false)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (h *loanHandler) own(c echo.Context) (*loan.Loan, error) {
	return h.d.Loan.Loan(c.Request().Context(), me(c).PersonID(), c.Param("loan_no"))
}

func (h *loanHandler) loan(c echo.Context) error {
	l, err := h.own(c)
	if err != nil {
		return err
	}
	v, err := h.view(c, l, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

type txnView struct {
	Date            date.Date `json:"date"`
	Kind            string    `json:"kind"`
	KindName        string    `json:"kind_name"`
	Period          int       `json:"period"`
	AmountFen       int64     `json:"amount_fen"`
	PrincipalFen    int64     `json:"principal_fen"`
	InterestFen     int64     `json:"interest_fen"`
	PenaltyFen      int64     `json:"penalty_fen"`
	BalanceAfterFen int64     `json:"balance_after_fen"`
	Source          string    `json:"source"`
	Summary         string    `json:"summary"`
}

func (h *loanHandler) txns(c echo.Context) error {
	l, err := h.own(c)
	if err != nil {
		return err
	}
	list, err := h.d.Loan.Txns(c.Request().Context(), l)
	if err != nil {
		return err
	}
	out := make([]txnView, 0, len(list))
	for _, t := range list {
		out = append(out, txnView{Date: t.BizDate, Kind: t.Kind, KindName: t.KindName(), Period: t.Period, AmountFen: int64(t.Amount),
			PrincipalFen: int64(t.Principal), InterestFen: int64(t.Interest), PenaltyFen: int64(t.Penalty),
			BalanceAfterFen: int64(t.BalanceAfter), Source: t.Source, Summary: t.Memo})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

type prepayBody struct {
	AmountFen int64  `json:"amount_fen"`
	Full      bool   `json:"full"`
	Mode      string `json:"mode"`
	Source    string `json:"source"`
	SMSCode   string `json:"sms_code"`
}

type prepayView struct {
	PrincipalFen int64    `json:"principal_fen"`
	InterestFen  int64    `json:"interest_fen"`
	TotalFen     int64    `json:"total_fen"`
	Settled      bool     `json:"settled"`
	PeriodsLeft  int      `json:"periods_left"`
	FixedFen     int64    `json:"fixed_fen"`
	Loan         loanView `json:"loan"`
}

var errKeyRequired = errs.New(errs.Invalid, "loan.idempotency_key_required", "请在 Idempotency-Key 头中给出本次提前还款的幂等键（1–40 位字母、数字或 _ . : -）")

func (h *loanHandler) prepay(c echo.Context) error {
	var b prepayBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	if key == "" {
		return errKeyRequired
	}
	if b.Source == "" {
		b.Source = loan.SourceBank
	}
	ctx := c.Request().Context()
	l, err := h.own(c)
	if err != nil {
		return err
	}
	if err := h.d.Identity.StepUp(ctx, me(c), b.SMSCode); err != nil {
		return err
	}
	r, err := h.d.Loan.Prepay(ctx, me(c).PersonID(), l.LoanNo, loan.PrepayInput{Amount: money.Fen(b.AmountFen), Full: b.Full,
		Mode: b.Mode, Source: b.Source, Key: key})
	if err != nil {
		return err
	}
	v, err := h.view(c, r.Loan, false)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if r.Replayed {
		status = http.StatusOK
	}
	return c.JSON(status, prepayView{PrincipalFen: int64(r.Principal), InterestFen: int64(r.Interest), TotalFen: int64(r.Total),
		Settled: r.Settled, PeriodsLeft: r.PeriodsLeft, FixedFen: int64(r.Fixed), Loan: v})
}

type offsetBody struct {
	IncludeCo bool `json:"include_co"`
}

func (h *loanHandler) signOffset(c echo.Context) error {
	var b offsetBody
	if c.Request().ContentLength != 0 {
		if err := web.BindJSON(c, &b); err != nil {
			return err
		}
	}
	o, err := h.d.Loan.SignOffset(c.Request().Context(), me(c).PersonID(), c.Param("loan_no"), b.IncludeCo)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, offsetView{IncludeCo: o.IncludeCo, Status: o.Status, SignedOn: o.SignedOn, Cancelled: o.CancelledOn})
}

func (h *loanHandler) cancelOffset(c echo.Context) error {
	o, err := h.d.Loan.CancelOffset(c.Request().Context(), me(c).PersonID(), c.Param("loan_no"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, offsetView{IncludeCo: o.IncludeCo, Status: o.Status, SignedOn: o.SignedOn, Cancelled: o.CancelledOn})
}

func (h *loanHandler) certificate(c echo.Context) error {
	l, err := h.own(c)
	if err != nil {
		return err
	}
	var buf strings.Builder
	if err := h.d.Loan.SettlementPDF(c.Request().Context(), l, &buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="settlement-`+l.LoanNo+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", []byte(buf.String()))
}
