package staffapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/core/loan"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
)

// LoanDeps are the services behind the staff loan routes.
type LoanDeps struct {
	Identity *identity.Service
	Access   *access.Enforcer
	Audit    *audit.Log
	Loan     *loan.Service
	// DB answers the branch of an application's borrower (branch.go); nil
	// keeps the routes center-only.
	DB *db.DB
}

// RegisterLoans mounts the staff loan routes under /api/admin/v1 (staff
// sessions on channel "counter", casbin-guarded; reads are audited):
//
//	GET  /loan-applications?status=reviewing   the review queue (newest first)
//	GET  /loan-applications/{id}               one application with every check, limit and review
//	POST /loan-applications/{id}/approve  {"comment"}       this level (初审, 终审 …), each by a different reviewer
//	POST /loan-applications/{id}/reject   {"comment"}       reason required
//	POST /loan-applications/{id}/contract {"mortgage_ref"}  contract signed, mortgage registered
//	POST /loan-applications/{id}/disbursement              money to the seller, loan account opened
//	GET  /loans/{loan_no}                      a loan with its plan
func RegisterLoans(e *echo.Echo, d LoanDeps) {
	h := &loanHandler{d: d}
	mw := []echo.MiddlewareFunc{guard.Middleware(guard.Config{Identity: d.Identity, Access: d.Access, Channel: "counter",
		Domain: scopeDomain(d.Access)}), branchScope(d.Access, d.DB, d.Audit), h.auditRead}
	const base = "/api/admin/v1"
	e.GET(base+"/loan-applications", h.list, mw...)
	e.GET(base+"/loan-applications/:id", h.get, mw...)
	e.POST(base+"/loan-applications/:id/approve", h.approve, mw...)
	e.POST(base+"/loan-applications/:id/reject", h.reject, mw...)
	e.POST(base+"/loan-applications/:id/contract", h.contract, mw...)
	e.POST(base+"/loan-applications/:id/disbursement", h.disburse, mw...)
	e.GET(base+"/loans/:loan_no", h.loan, mw...)
}

type loanHandler struct{ d LoanDeps }

// auditRead records successful staff reads of loan data.
func (h *loanHandler) auditRead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil || c.Request().Method != http.MethodGet {
			return err
		}
		object := c.Path()
		for _, name := range c.ParamNames() {
			object = strings.Replace(object, ":"+name, c.Param(name), 1)
		}
		if len(object) > audit.MaxObject {
			object = object[:audit.MaxObject]
		}
		_, aerr := h.d.Audit.Write(c.Request().Context(), audit.Record{Action: "staff.read", Object: object})
		return aerr
	}
}

var errLoanAppID = errs.New(errs.NotFound, "loan.application_not_found", "贷款申请不存在")

func loanAppID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errLoanAppID
	}
	return id, nil
}

type staffLoanReview struct {
	Level    int    `json:"level"`
	Decision string `json:"decision"`
	Reviewer string `json:"reviewer"`
	Comment  string `json:"comment"`
	At       string `json:"at"`
}

type staffLoanApplication struct {
	ID            int64             `json:"id"`
	Status        string            `json:"status"`
	StatusName    string            `json:"status_name"`
	ReviewLevel   int               `json:"review_level"`
	AccountNo     string            `json:"account_no"`
	CoAccountNo   string            `json:"co_account_no"`
	Home          string            `json:"home"`
	HousePriceFen int64             `json:"house_price_fen"`
	HouseAddress  string            `json:"house_address"`
	AmountFen     int64             `json:"amount_fen"`
	TermMonths    int               `json:"term_months"`
	Method        string            `json:"method"`
	Rate          string            `json:"rate"`
	LimitFen      int64             `json:"limit_fen"`
	SellerName    string            `json:"seller_name"`
	SellerAccount string            `json:"seller_account"`
	SellerBank    string            `json:"seller_bank"`
	RepayCard     string            `json:"repay_card"`
	ContractNo    string            `json:"contract_no"`
	MortgageRef   string            `json:"mortgage_ref"`
	LoanNo        string            `json:"loan_no"`
	Channel       string            `json:"channel"`
	AppliedOn     date.Date         `json:"applied_on"`
	Checks        []loan.Check      `json:"checks"`
	Limits        []loan.Limit      `json:"limits"`
	Reviews       []staffLoanReview `json:"reviews"`
}

func staffAppView(a *loan.Application) staffLoanApplication {
	v := staffLoanApplication{ID: a.ID, Status: a.Status, StatusName: a.StatusName(), ReviewLevel: a.ReviewLevel, AccountNo: a.AccountNo,
		CoAccountNo: a.CoAccountNo, Home: string(a.Home), HousePriceFen: int64(a.HousePrice), HouseAddress: a.HouseAddress,
		AmountFen: int64(a.Amount), TermMonths: a.TermMonths, Method: a.Method, Rate: policy.FormatPPM(a.Rate), LimitFen: int64(a.Limit),
		SellerName: a.SellerName, SellerAccount: a.SellerAccount, SellerBank: a.SellerBank, RepayCard: ident.MaskCard(a.RepayCard),
		MortgageRef: a.MortgageRef, Channel: a.Channel, AppliedOn: a.AppliedOn, Checks: a.Checks, Limits: a.Limits,
		Reviews: []staffLoanReview{}}
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
		v.Reviews = append(v.Reviews, staffLoanReview{Level: r.Level, Decision: r.Decision, Reviewer: r.Reviewer, Comment: r.Comment,
			At: r.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")})
	}
	return v
}

var errLoanStatusQuery = errs.New(errs.Invalid, "request.invalid_query", "status 参数不正确").With("field", "status")

func (h *loanHandler) list(c echo.Context) error {
	st := c.QueryParam("status")
	switch st {
	case "", loan.AppReviewing, loan.AppApproved, loan.AppSigned, loan.AppDisbursed, loan.AppRejected, loan.AppWithdrawn:
	default:
		return errLoanStatusQuery
	}
	ctx := c.Request().Context()
	list, err := h.d.Loan.Applications(ctx, loan.ApplicationFilter{Status: st})
	if err != nil {
		return err
	}
	// Branch staff: their branches' borrowers only (branch.go).
	if list, err = access.FilterByAccount(ctx, h.d.DB, scopeOf(c, h.d.Access), list,
		func(a *loan.Application) string { return a.AccountNo }); err != nil {
		return err
	}
	out := make([]staffLoanApplication, 0, len(list))
	for i := range list {
		out = append(out, staffAppView(&list[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (h *loanHandler) get(c echo.Context) error {
	id, err := loanAppID(c)
	if err != nil {
		return err
	}
	a, err := h.d.Loan.Application(c.Request().Context(), 0, id)
	if err != nil {
		return err
	}
	if err := h.checkScope(c, a.AccountNo); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, staffAppView(a))
}

type loanDecisionBody struct {
	Comment string `json:"comment"`
}

func (h *loanHandler) decide(c echo.Context, decision string) error {
	id, err := loanAppID(c)
	if err != nil {
		return err
	}
	if err := h.checkApp(c, id); err != nil {
		return err
	}
	var b loanDecisionBody
	if c.Request().ContentLength != 0 {
		if err := web.BindJSON(c, &b); err != nil {
			return err
		}
	}
	a, err := h.d.Loan.Decide(c.Request().Context(), id, guard.Principal(c).Subject, decision, b.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, staffAppView(a))
}

func (h *loanHandler) approve(c echo.Context) error { return h.decide(c, loan.DecisionApprove) }
func (h *loanHandler) reject(c echo.Context) error  { return h.decide(c, loan.DecisionReject) }

type loanContractBody struct {
	MortgageRef string `json:"mortgage_ref"`
}

func (h *loanHandler) contract(c echo.Context) error {
	id, err := loanAppID(c)
	if err != nil {
		return err
	}
	if err := h.checkApp(c, id); err != nil {
		return err
	}
	var b loanContractBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	a, err := h.d.Loan.SignContract(c.Request().Context(), id, b.MortgageRef)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, staffAppView(a))
}

type staffInstalment struct {
	Period       int        `json:"period"`
	DueOn        date.Date  `json:"due_on"`
	PrincipalFen int64      `json:"principal_fen"`
	InterestFen  int64      `json:"interest_fen"`
	PenaltyFen   int64      `json:"penalty_fen"`
	PaidFen      int64      `json:"paid_fen"`
	Status       string     `json:"status"`
	PaidOn       *date.Date `json:"paid_on"`
}

type staffLoan struct {
	LoanNo        string            `json:"loan_no"`
	ApplicationID int64             `json:"application_id"`
	ContractNo    string            `json:"contract_no"`
	Status        string            `json:"status"`
	AccountNo     string            `json:"account_no"`
	CoAccountNo   string            `json:"co_account_no"`
	PrincipalFen  int64             `json:"principal_fen"`
	BalanceFen    int64             `json:"balance_fen"`
	Rate          string            `json:"rate"`
	TermMonths    int               `json:"term_months"`
	Method        string            `json:"method"`
	FixedFen      int64             `json:"fixed_fen"`
	DueDay        int               `json:"due_day"`
	DisbursedOn   date.Date         `json:"disbursed_on"`
	MaturityOn    date.Date         `json:"maturity_on"`
	OverdueCount  int               `json:"overdue_count"`
	Plan          []staffInstalment `json:"plan"`
}

func (h *loanHandler) loanView(c echo.Context, l *loan.Loan) (staffLoan, error) {
	v := staffLoan{LoanNo: l.LoanNo, ApplicationID: l.ApplicationID, ContractNo: l.ContractNo, Status: l.Status, AccountNo: l.AccountNo,
		CoAccountNo: l.CoAccountNo, PrincipalFen: int64(l.Principal), BalanceFen: int64(l.Balance), Rate: policy.FormatPPM(l.Rate),
		TermMonths: l.TermMonths, Method: l.Method, FixedFen: int64(l.Fixed), DueDay: l.DueDay, DisbursedOn: l.DisbursedOn,
		MaturityOn: l.MaturityOn, OverdueCount: l.OverdueCount, Plan: []staffInstalment{}}
	plan, err := h.d.Loan.Plan(c.Request().Context(), l)
	if err != nil {
		return v, err
	}
	for _, in := range plan {
		v.Plan = append(v.Plan, staffInstalment{Period: in.Period, DueOn: in.DueOn, PrincipalFen: int64(in.Principal),
			InterestFen: int64(in.Interest), PenaltyFen: int64(in.Penalty), PaidFen: int64(in.PaidPrincipal + in.PaidInterest + in.PaidPenalty),
			Status: in.Status, PaidOn: in.PaidOn})
	}
	return v, nil
}

func (h *loanHandler) disburse(c echo.Context) error {
	id, err := loanAppID(c)
	if err != nil {
		return err
	}
	if err := h.checkApp(c, id); err != nil {
		return err
	}
	l, err := h.d.Loan.Disburse(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v, err := h.loanView(c, l)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *loanHandler) loan(c echo.Context) error {
	l, err := h.d.Loan.Loan(c.Request().Context(), 0, c.Param("loan_no"))
	if err != nil {
		return err
	}
	if err := h.checkScope(c, l.AccountNo); err != nil {
		return err
	}
	v, err := h.loanView(c, l)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// checkScope refuses branch staff an application or loan whose borrower's
// account belongs to another branch (access.other_branch, audited).
func (h *loanHandler) checkScope(c echo.Context, accountNo string) error {
	return checkAccount(c, h.d.Access, h.d.DB, h.d.Audit, accountNo)
}

// checkApp is checkScope for application id, read first for branch staff
// only (an unknown id is the core's not-found error).
func (h *loanHandler) checkApp(c echo.Context, id int64) error {
	if scopeOf(c, h.d.Access).Center {
		return nil
	}
	a, err := h.d.Loan.Application(c.Request().Context(), 0, id)
	if err != nil {
		return err
	}
	return h.checkScope(c, a.AccountNo)
}
