package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/core/withdrawal"
	"gjj/internal/platform/errs"
)

// registerWithdrawals mounts the 提取审核 queue: the list, one application
// with every rule result, its materials and history, and approve / return /
// reject. Without the withdrawal core the list is the placeholder page. The
// routes fall under the reviewer's /admin/reviews/* grant.
func (h *handler) registerWithdrawals(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/reviews/withdrawals", h.withdrawals)
	if h.d.Withdrawal == nil {
		return
	}
	page(http.MethodGet, "/admin/reviews/withdrawals/:id", h.withdrawal)
	page(http.MethodPost, "/admin/reviews/withdrawals/:id/approve", h.approveWithdrawal)
	page(http.MethodPost, "/admin/reviews/withdrawals/:id/return", h.returnWithdrawal)
	page(http.MethodPost, "/admin/reviews/withdrawals/:id/reject", h.rejectWithdrawal)
}

// wdPageSize is how many applications a page of the queue shows; wdScan is
// how many the core is asked for (its most) before the console filters them.
const (
	wdPageSize = 20
	wdScan     = 500
)

// wdStatuses are the statuses the queue's filter offers; "" is the
// applications awaiting a decision (待初审 and 待终审).
var wdStatuses = []string{withdrawal.StatusPendingReview, withdrawal.StatusPendingFinal, withdrawal.StatusReturned,
	withdrawal.StatusPaying, withdrawal.StatusPaid, withdrawal.StatusPayFailed, withdrawal.StatusRejected, withdrawal.StatusCancelled}

type wdOption struct{ Code, Name string }

type withdrawalsData struct {
	Status, Reason string
	Overdue        bool
	Statuses       []wdOption
	Reasons        []wdOption
	Rows           []withdrawal.Application
	Total          int // matching the filters (of the wdScan the core returned)
	Page, Pages    int
	PrevURL        string
	NextURL        string
}

// withdrawals is the queue of withdrawal applications, the earliest
// decision deadline first (withdrawal.Queue), filtered by status, reason and
// 超期 (past the decision deadline), wdPageSize a page.
func (h *handler) withdrawals(c echo.Context) error {
	if h.d.Withdrawal == nil {
		return h.render(c, http.StatusOK, "pending_core", view{Title: "提取审核", Menu: "/admin/reviews/withdrawals",
			Data: pendingCore{What: "提取", Items: "购房、租房、偿还贷款、离退休、离职等提取申请（TQ-01 至 TQ-12）中需要人工审核的业务"}})
	}
	ctx := c.Request().Context()
	d := &withdrawalsData{Status: c.QueryParam("status"), Reason: c.QueryParam("reason"), Overdue: c.QueryParam("overdue") == "1", Page: 1}
	for _, st := range wdStatuses {
		d.Statuses = append(d.Statuses, wdOption{st, withdrawal.StatusName(st)})
	}
	if doc, _, err := h.d.Withdrawal.Rules(ctx); err == nil {
		for _, k := range doc.Keys() {
			r, _ := doc.Reason(k)
			d.Reasons = append(d.Reasons, wdOption{k, r.Name})
		}
	}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		d.Page = n
	}
	v := view{Title: "提取审核", Menu: "/admin/reviews/withdrawals", Data: d}
	f := withdrawal.QueueFilter{Limit: wdScan}
	if d.Status != "" {
		f.Statuses = []string{d.Status}
	}
	rows, err := h.d.Withdrawal.Queue(ctx, f)
	if err == nil { // branch staff: their branches' accounts only (reviews_branch.go)
		rows, err = access.FilterByAccount(ctx, h.d.DB, h.scopeOf(c), rows, func(a *withdrawal.Application) string { return a.AccountNo })
	}
	if err != nil {
		return h.formError(c, err, "withdrawals", v)
	}
	var match []withdrawal.Application
	for _, r := range rows {
		if (d.Reason == "" || r.Reason == d.Reason) && (!d.Overdue || r.Overdue) {
			match = append(match, r)
		}
	}
	d.Total = len(match)
	d.Pages = max(1, (len(match)+wdPageSize-1)/wdPageSize)
	d.Page = min(d.Page, d.Pages)
	d.Rows = match[(d.Page-1)*wdPageSize : min(d.Page*wdPageSize, len(match))]
	link := func(p int) string {
		q := url.Values{}
		for k, val := range map[string]string{"status": d.Status, "reason": d.Reason} {
			if val != "" {
				q.Set(k, val)
			}
		}
		if d.Overdue {
			q.Set("overdue", "1")
		}
		q.Set("page", strconv.Itoa(p))
		return "/admin/reviews/withdrawals?" + q.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	return h.render(c, http.StatusOK, "withdrawals", v)
}

type withdrawalData struct {
	A *withdrawal.Application
	// Decidable: awaiting a decision (待初审 or 待终审).
	Decidable bool
	// SameReviewer: 待终审 and the signed-in reviewer made the 初审; the
	// core refuses their approval (four-eyes), so the page says so.
	SameReviewer bool
	Comment      string
	// Correct is the counter correction form (柜面补正) of a returned
	// counter filing (nil otherwise; reviews_withdrawals_counter.go).
	Correct *wdCorrection
}

func (h *handler) withdrawal(c echo.Context) error {
	if ok, err := h.checkWithdrawal(c); !ok || err != nil {
		return err
	}
	return h.renderWithdrawal(c, "", nil)
}

// renderWithdrawal shows one application; formErr is a refused decision,
// shown with the core's message next to the form.
func (h *handler) renderWithdrawal(c echo.Context, comment string, formErr error) error {
	return h.renderWithdrawalPage(c, comment, nil, formErr)
}

// renderWithdrawalPage is renderWithdrawal with the values of a refused
// counter correction (corr; nil shows the form filled from the application).
func (h *handler) renderWithdrawalPage(c echo.Context, comment string, corr *wdCorrection, formErr error) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	a, err := h.d.Withdrawal.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	d := withdrawalData{A: a, Comment: comment,
		Decidable: a.Status == withdrawal.StatusPendingReview || a.Status == withdrawal.StatusPendingFinal}
	d.SameReviewer = a.Status == withdrawal.StatusPendingFinal && strings.EqualFold(a.FirstReviewer, reviewer(c))
	if d.Correct = corr; corr == nil {
		if d.Correct, err = h.correctionForm(c, a); err != nil {
			return err
		}
	}
	v := view{Title: "提取申请 " + strconv.FormatInt(a.ID, 10), Menu: "/admin/reviews/withdrawals", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "withdrawal", v)
	}
	return h.render(c, http.StatusOK, "withdrawal", v)
}

func (h *handler) approveWithdrawal(c echo.Context) error { return h.decideWithdrawal(c, "approve") }
func (h *handler) returnWithdrawal(c echo.Context) error  { return h.decideWithdrawal(c, "return") }
func (h *handler) rejectWithdrawal(c echo.Context) error  { return h.decideWithdrawal(c, "reject") }

// decideWithdrawal calls the core's Approve, Return or Reject with the
// signed-in reviewer; a refusal (four-eyes, no reason, decided already)
// re-renders the application with the core's message.
func (h *handler) decideWithdrawal(c echo.Context, verb string) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if ok, err := h.checkWithdrawal(c); !ok || err != nil {
		return err
	}
	ctx := c.Request().Context()
	cm := comment(c)
	var a *withdrawal.Application
	switch verb {
	case "approve":
		a, err = h.d.Withdrawal.Approve(ctx, id, reviewer(c), cm)
	case "return":
		a, err = h.d.Withdrawal.Return(ctx, id, reviewer(c), cm)
	default:
		a, err = h.d.Withdrawal.Reject(ctx, id, reviewer(c), cm)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return h.renderWithdrawal(c, cm, err)
	}
	code := map[string]string{"return": "wd_returned", "reject": "wd_rejected"}[verb]
	if verb == "approve" {
		code = "wd_approved"
		if a.Status == withdrawal.StatusPendingFinal {
			code = "wd_first"
		}
	}
	ref := strconv.FormatInt(id, 10)
	return done(c, "/admin/reviews/withdrawals/"+ref, code, ref)
}

// wdOutcomeNames are the Chinese names of a rule check's outcome.
var wdOutcomeNames = map[string]string{withdrawal.Pass: "通过", withdrawal.Fail: "不通过", withdrawal.Review: "需人工核实"}

// wdOutcome names a rule check's outcome in Chinese.
func wdOutcome(o string) string { return label(wdOutcomeNames, o) }
