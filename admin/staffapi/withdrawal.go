package staffapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/core/withdrawal"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/web"
)

// WithdrawalDeps are the services behind the withdrawal review routes.
type WithdrawalDeps struct {
	Identity   *identity.Service
	Access     *access.Enforcer
	Audit      *audit.Log
	Withdrawal *withdrawal.Service
	// DB answers the branch of an application's account (branch.go); nil
	// keeps the routes center-only.
	DB *db.DB
}

// RegisterWithdrawals mounts the withdrawal review queue (提取审核) under
// /api/admin/v1 (staff sessions on channel "counter", casbin-guarded; reads
// are audited like the other staff reads):
//
//	GET  /withdrawals?status=&limit=        the queue (default 待初审 and 待终审), earliest deadline first
//	GET  /withdrawals/{id}                  every rule result, the materials, the progress
//	POST /withdrawals/{id}/approve {"comment"}   初审 or 终审 (four-eyes above the threshold)
//	POST /withdrawals/{id}/return  {"comment"}   back to the applicant for correction
//	POST /withdrawals/{id}/reject  {"comment"}   审核不通过
//	POST /withdrawals {"account_no","reason",…,"materials_checked":[…]}  柜面代办 (Idempotency-Key; withdrawal_counter.go)
//	POST /withdrawals/{id}/resubmit {"reason",…,"materials_checked":[…]}  柜面补正 of a returned counter filing (withdrawal_counter.go)
//
// The reviewer recorded is the session's subject, never a value of the request.
func RegisterWithdrawals(e *echo.Echo, d WithdrawalDeps) {
	h := &withdrawalReview{d: d}
	reads := &handler{d: Deps{Audit: d.Audit}}
	g := e.Group("/api/admin/v1/withdrawals", guard.Middleware(guard.Config{Identity: d.Identity, Access: d.Access, Channel: "counter",
		Domain: scopeDomain(d.Access)}), branchScope(d.Access, d.DB, d.Audit), reads.auditReads)
	g.GET("", h.queue)
	g.GET("/:id", h.get)
	g.POST("/:id/approve", h.approve)
	g.POST("/:id/return", h.giveBack)
	g.POST("/:id/reject", h.reject)
	g.POST("", h.fileAtCounter)
	g.POST("/:id/resubmit", h.resubmitAtCounter)
}

type withdrawalReview struct{ d WithdrawalDeps }

// staffCheckView is one rule's result.
type staffCheckView struct {
	Rule    string `json:"rule"`
	Passed  bool   `json:"passed"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}

// staffEventView is one step of the progress, with who took it.
type staffEventView struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Channel string `json:"channel"`
	Action  string `json:"action"`
	Status  string `json:"status"`
	Comment string `json:"comment"`
}

// withdrawalReviewView is an application as a reviewer sees it (the card
// masked; the applicant's ID number is not shown).
type withdrawalReviewView struct {
	ID            int64            `json:"id"`
	AccountNo     string           `json:"account_no"`
	Name          string           `json:"name"`
	Reason        string           `json:"reason"`
	ReasonName    string           `json:"reason_name"`
	TQYY          string           `json:"tqyy"`
	Item          string           `json:"item"`
	Type          string           `json:"type"`
	Status        string           `json:"status"`
	StatusName    string           `json:"status_name"`
	AmountFen     int64            `json:"amount_fen"`
	InterestFen   int64            `json:"interest_fen"`
	BankCard      string           `json:"bank_card"`
	ContractNo    string           `json:"contract_no"`
	LeaseNo       string           `json:"lease_no"`
	ProofNo       string           `json:"proof_no"`
	CostFen       int64            `json:"cost_fen"`
	RepaidFen     int64            `json:"repaid_fen"`
	Materials     []string         `json:"materials"`
	Checks        []staffCheckView `json:"checks"`
	ReviewLevel   int              `json:"review_level"`
	Channel       string           `json:"channel"`
	RulesFrom     string           `json:"rules_from"`
	SubmittedAt   string           `json:"submitted_at"`
	DeadlineOn    string           `json:"deadline_on"`
	Overdue       bool             `json:"overdue"`
	FirstReviewer string           `json:"first_reviewer"`
	FinalReviewer string           `json:"final_reviewer"`
	Comment       string           `json:"comment"`
	EntrySerial   string           `json:"entry_serial"`
	PaySerial     string           `json:"pay_serial"`
	BankSerial    string           `json:"bank_serial"`
	PayError      string           `json:"pay_error"`
	Events        []staffEventView `json:"events,omitempty"`
	// Counter filing (柜面代办): who filed it, the materials checked, the heir paid.
	FiledBy          string   `json:"filed_by,omitempty"`
	MaterialsChecked []string `json:"materials_checked,omitempty"`
	HeirName         string   `json:"heir_name,omitempty"`
	CorrectedBy      []string `json:"corrected_by,omitempty"`
}

func reviewViewOf(a *withdrawal.Application) withdrawalReviewView {
	v := withdrawalReviewView{ID: a.ID, AccountNo: a.AccountNo, Name: a.PayeeName, Reason: a.Reason, ReasonName: a.ReasonName,
		TQYY: a.TQYY, Item: a.Item, Type: a.Type, Status: a.Status, StatusName: withdrawal.StatusName(a.Status),
		AmountFen: int64(a.Amount), InterestFen: int64(a.Interest), BankCard: ident.MaskCard(a.BankCard), ContractNo: a.Fields.ContractNo,
		LeaseNo: a.Fields.LeaseNo, ProofNo: a.Fields.ProofNo, CostFen: int64(a.Fields.CostFen), RepaidFen: int64(a.Fields.RepaidFen),
		Materials: a.Materials, Checks: make([]staffCheckView, len(a.Checks)), ReviewLevel: a.ReviewLevel, Channel: a.Channel,
		RulesFrom: a.RulesFrom.String(), SubmittedAt: a.SubmittedAt.Format(time.RFC3339), DeadlineOn: a.DeadlineOn.String(),
		Overdue: a.Overdue, FirstReviewer: a.FirstReviewer, FinalReviewer: a.FinalReviewer, Comment: a.Comment,
		EntrySerial: a.EntrySerial, PaySerial: a.PaySerial, BankSerial: a.BankSerial, PayError: a.PayError}
	if ctr := a.Fields.Counter; ctr != nil {
		v.FiledBy, v.MaterialsChecked, v.HeirName, v.CorrectedBy = ctr.FiledBy, ctr.Materials, ctr.HeirName, ctr.CorrectedBy
	}
	for i, c := range a.Checks {
		v.Checks[i] = staffCheckView{Rule: c.Rule, Passed: c.Passed, Outcome: c.Outcome, Detail: c.Detail}
	}
	for _, ev := range a.Events {
		v.Events = append(v.Events, staffEventView{At: ev.At.Format(time.RFC3339), Actor: ev.Actor, Channel: ev.Channel,
			Action: ev.Action, Status: ev.Status, Comment: ev.Comment})
	}
	return v
}

var errWithdrawalQuery = errs.New(errs.Invalid, "request.invalid_query", "查询参数不正确")

func (h *withdrawalReview) queue(c echo.Context) error {
	var f withdrawal.QueueFilter
	if s := strings.TrimSpace(c.QueryParam("status")); s != "" {
		f.Statuses = strings.Split(s, ",")
	}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return errWithdrawalQuery.With("field", "limit")
		}
		f.Limit = n
	}
	ctx := c.Request().Context()
	list, err := h.d.Withdrawal.Queue(ctx, f)
	if err != nil {
		return err
	}
	// Branch staff: their branches' accounts only (branch.go).
	if list, err = access.FilterByAccount(ctx, h.d.DB, scopeOf(c, h.d.Access), list,
		func(a *withdrawal.Application) string { return a.AccountNo }); err != nil {
		return err
	}
	out := struct {
		Items []withdrawalReviewView `json:"items"`
	}{Items: make([]withdrawalReviewView, 0, len(list))}
	for i := range list {
		out.Items = append(out.Items, reviewViewOf(&list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

func withdrawalParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, withdrawal.ErrNotFound
	}
	return id, nil
}

func (h *withdrawalReview) get(c echo.Context) error {
	id, err := withdrawalParam(c)
	if err != nil {
		return err
	}
	a, err := h.d.Withdrawal.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := checkAccount(c, h.d.Access, h.d.DB, h.d.Audit, a.AccountNo); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reviewViewOf(a))
}

// decision reads the id and the optional body {"comment"} of a decision.
func decision(c echo.Context) (int64, string, error) {
	id, err := withdrawalParam(c)
	if err != nil {
		return 0, "", err
	}
	var b reviewBody
	if c.Request().ContentLength != 0 {
		if err := web.BindJSON(c, &b); err != nil {
			return 0, "", err
		}
	}
	return id, b.Comment, nil
}

func (h *withdrawalReview) decide(c echo.Context, do func(id int64, reviewer, comment string) (*withdrawal.Application, error)) error {
	id, comment, err := decision(c)
	if err != nil {
		return err
	}
	if !scopeOf(c, h.d.Access).Center { // branch staff: their branches' applications only
		cur, err := h.d.Withdrawal.Get(c.Request().Context(), id)
		if err != nil {
			return err
		}
		if err := checkAccount(c, h.d.Access, h.d.DB, h.d.Audit, cur.AccountNo); err != nil {
			return err
		}
	}
	a, err := do(id, guard.Principal(c).Subject, comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reviewViewOf(a))
}

func (h *withdrawalReview) approve(c echo.Context) error {
	return h.decide(c, func(id int64, reviewer, comment string) (*withdrawal.Application, error) {
		return h.d.Withdrawal.Approve(c.Request().Context(), id, reviewer, comment)
	})
}

func (h *withdrawalReview) giveBack(c echo.Context) error {
	return h.decide(c, func(id int64, reviewer, comment string) (*withdrawal.Application, error) {
		return h.d.Withdrawal.Return(c.Request().Context(), id, reviewer, comment)
	})
}

func (h *withdrawalReview) reject(c echo.Context) error {
	return h.decide(c, func(id int64, reviewer, comment string) (*withdrawal.Application, error) {
		return h.d.Withdrawal.Reject(c.Request().Context(), id, reviewer, comment)
	})
}
