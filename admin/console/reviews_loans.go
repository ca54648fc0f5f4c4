package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/platform/errs"
)

// registerLoans mounts the 贷款审批 queue: the list, one application with
// the applicant, the co-borrower, the quote's limits and checks and the
// reviews so far, the decision of each review level, the contract and the
// disbursement. Without the loan core the list is the placeholder page. The
// routes fall under the reviewer's /admin/reviews/* grant.
func (h *handler) registerLoans(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/reviews/loans", h.loans)
	if h.d.Loan == nil {
		return
	}
	page(http.MethodGet, "/admin/reviews/loans/:id", h.loanApplication)
	page(http.MethodPost, "/admin/reviews/loans/:id/approve", h.approveLoan)
	page(http.MethodPost, "/admin/reviews/loans/:id/reject", h.rejectLoan)
	page(http.MethodPost, "/admin/reviews/loans/:id/contract", h.signLoan)
	page(http.MethodPost, "/admin/reviews/loans/:id/disburse", h.disburseLoan)
}

// loanStatuses are the statuses the queue's filter offers (the first is
// the default).
var loanStatuses = []string{loan.AppReviewing, loan.AppApproved, loan.AppSigned, loan.AppDisbursed, loan.AppRejected, loan.AppWithdrawn}

var loanStatusNames = map[string]string{
	loan.AppReviewing: "审批中", loan.AppApproved: "审批通过，待签合同", loan.AppSigned: "合同已签订，待放款",
	loan.AppDisbursed: "已放款", loan.AppRejected: "审核不通过", loan.AppWithdrawn: "已撤回",
}

func loanStatusName(s string) string { return label(loanStatusNames, s) }

// loanReviewName names a review decision in Chinese.
func loanReviewName(decision string) string {
	return label(map[string]string{loan.DecisionApprove: "同意", loan.DecisionReject: "不同意"}, decision)
}

func loanHomeName(h loan.Home) string {
	return label(map[string]string{string(loan.HomeFirst): "首套住房", string(loan.HomeSecond): "第二套住房"}, string(h))
}

func loanMethodName(m string) string {
	return label(map[string]string{"equal_installment": "等额本息", "equal_principal": "等额本金"}, m)
}

type loansData struct {
	Status      string
	Statuses    []wdOption
	Rows        []loan.Application
	Total       int
	Page, Pages int
	PrevURL     string
	NextURL     string
}

// loans lists loan applications of a status (审批中 by default), newest
// first (loan.Applications), wdPageSize a page.
func (h *handler) loans(c echo.Context) error {
	if h.d.Loan == nil {
		return h.render(c, http.StatusOK, "pending_core", view{Title: "贷款审批", Menu: "/admin/reviews/loans",
			Data: pendingCore{What: "贷款", Items: "个人住房公积金贷款申请（DK-01）的审批、合同签订与放款"}})
	}
	d := &loansData{Status: c.QueryParam("status"), Page: 1}
	if d.Status == "" {
		d.Status = loan.AppReviewing
	}
	for _, st := range loanStatuses {
		d.Statuses = append(d.Statuses, wdOption{st, loanStatusName(st)})
	}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		d.Page = n
	}
	ctx := c.Request().Context()
	rows, err := h.d.Loan.Applications(ctx, loan.ApplicationFilter{Status: d.Status, Limit: wdScan})
	if err != nil {
		return err
	}
	// Branch staff: applications of their branches' borrowers only (reviews_branch.go).
	if rows, err = access.FilterByAccount(ctx, h.d.DB, h.scopeOf(c), rows, func(a *loan.Application) string { return a.AccountNo }); err != nil {
		return err
	}
	d.Total = len(rows)
	d.Pages = max(1, (len(rows)+wdPageSize-1)/wdPageSize)
	d.Page = min(d.Page, d.Pages)
	d.Rows = rows[(d.Page-1)*wdPageSize : min(d.Page*wdPageSize, len(rows))]
	link := func(p int) string {
		return "/admin/reviews/loans?" + url.Values{"status": {d.Status}, "page": {strconv.Itoa(p)}}.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	return h.render(c, http.StatusOK, "loans", view{Title: "贷款审批", Menu: "/admin/reviews/loans", Data: d})
}

type loanData struct {
	A *loan.Application
	// Borrower and Co are the fund accounts of the applicant and the
	// co-borrower (nil when none); pages show their ID numbers masked.
	Borrower, Co *deposit.Employee
	// Reviewed: the signed-in reviewer decided a level already (the core
	// refuses a second decision by the same person).
	Reviewed bool
	Comment  string
	Mortgage string
}

func (h *handler) loanApplication(c echo.Context) error {
	if ok, err := h.checkLoan(c); !ok || err != nil {
		return err
	}
	return h.renderLoan(c, "", "", nil)
}

func (h *handler) renderLoan(c echo.Context, comment, mortgage string, formErr error) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := h.d.Loan.Application(ctx, 0, id)
	if err != nil {
		return err
	}
	d := loanData{A: a, Comment: comment, Mortgage: mortgage}
	if d.Borrower, err = h.d.Deposit.Employee(ctx, a.AccountNo); err != nil {
		return err
	}
	if a.CoAccountNo != "" {
		if d.Co, err = h.d.Deposit.Employee(ctx, a.CoAccountNo); err != nil {
			return err
		}
	}
	for _, r := range a.Reviews {
		d.Reviewed = d.Reviewed || strings.EqualFold(r.Reviewer, reviewer(c))
	}
	v := view{Title: "贷款申请 " + strconv.FormatInt(a.ID, 10), Menu: "/admin/reviews/loans", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "loan", v)
	}
	return h.render(c, http.StatusOK, "loan", v)
}

func (h *handler) approveLoan(c echo.Context) error { return h.decideLoan(c, loan.DecisionApprove) }
func (h *handler) rejectLoan(c echo.Context) error  { return h.decideLoan(c, loan.DecisionReject) }

// decideLoan records the signed-in reviewer's decision on the current
// review level (loan.Decide); the core refuses the same reviewer twice, a
// rejection without a reason and a final approval that no longer passes.
func (h *handler) decideLoan(c echo.Context, decision string) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if ok, err := h.checkLoan(c); !ok || err != nil {
		return err
	}
	cm := comment(c)
	a, err := h.d.Loan.Decide(c.Request().Context(), id, reviewer(c), decision, cm)
	if err != nil {
		return h.loanRefused(c, cm, "", err)
	}
	code := "loan_level"
	switch a.Status {
	case loan.AppApproved:
		code = "loan_approved"
	case loan.AppRejected:
		code = "loan_rejected"
	}
	ref := strconv.FormatInt(id, 10)
	return done(c, "/admin/reviews/loans/"+ref, code, ref)
}

// signLoan records the signed contract and the mortgage registration
// (loan.SignContract, 他项权证号 in mortgage_ref).
func (h *handler) signLoan(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if ok, err := h.checkLoan(c); !ok || err != nil {
		return err
	}
	ref := strings.TrimSpace(c.FormValue("mortgage_ref"))
	if _, err := h.d.Loan.SignContract(c.Request().Context(), id, ref); err != nil {
		return h.loanRefused(c, "", ref, err)
	}
	s := strconv.FormatInt(id, 10)
	return done(c, "/admin/reviews/loans/"+s, "loan_signed", s)
}

// disburseLoan pays the seller and opens the loan (loan.Disburse).
func (h *handler) disburseLoan(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if ok, err := h.checkLoan(c); !ok || err != nil {
		return err
	}
	l, err := h.d.Loan.Disburse(c.Request().Context(), id)
	if err != nil {
		return h.loanRefused(c, "", "", err)
	}
	return done(c, "/admin/reviews/loans/"+strconv.FormatInt(id, 10), "loan_disbursed", l.LoanNo)
}

// loanRefused shows a refused action on the application's page with the
// core's message (an unknown application is the shell's 404).
func (h *handler) loanRefused(c echo.Context, comment, mortgage string, err error) error {
	if errs.KindOf(err) == errs.NotFound {
		return err
	}
	return h.renderLoan(c, comment, mortgage, err)
}
