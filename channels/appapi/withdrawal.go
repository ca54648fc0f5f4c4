package appapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel"
	"gjj/internal/core/withdrawal"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/web"
)

// WithdrawalDeps are the services of the withdrawal routes.
type WithdrawalDeps struct {
	Identity   *identity.Service
	Withdrawal *withdrawal.Service
	// Gate admits each application as the service item of its reason
	// (TQ-01 … TQ-12) and the reads as GR-01; nil admits everything.
	Gate *channel.Gate
}

// WithdrawalKeyHeader names the header that makes a submission safe to retry.
const WithdrawalKeyHeader = "Idempotency-Key"

// RegisterWithdrawals mounts the withdrawal routes (提取) of the app:
//
//	GET  /withdrawal-reasons          the reasons in force, their information and materials
//	POST /withdrawals                 apply (L2 session + step-up SMS code; Idempotency-Key)
//	GET  /withdrawals                 the person's applications, newest first
//	GET  /withdrawals/{id}            one application with every rule result and its progress
//	POST /withdrawals/{id}/cancel     cancel before approval
//	POST /withdrawals/{id}/resubmit   resubmit a returned application (step-up SMS code)
//
// A person only ever sees their own applications; the account is the
// session's. Register it next to Register.
func RegisterWithdrawals(e *echo.Echo, d WithdrawalDeps) {
	h := &withdrawalHandler{d: d}
	person := guard.Person(d.Identity, Channel, 1)
	reads := d.Gate.Middleware(Channel, itemAccount)
	e.GET(Base+"/withdrawal-reasons", h.reasons, reads, person)
	e.POST(Base+"/withdrawals", h.submit, person)
	e.GET(Base+"/withdrawals", h.list, reads, person)
	e.GET(Base+"/withdrawals/:id", h.get, reads, person)
	e.POST(Base+"/withdrawals/:id/cancel", h.cancel, reads, person)
	e.POST(Base+"/withdrawals/:id/resubmit", h.resubmit, person)
}

type withdrawalHandler struct{ d WithdrawalDeps }

// withdrawalBody is an application as the app sends it.
type withdrawalBody struct {
	Reason     string `json:"reason"`
	AmountFen  int64  `json:"amount_fen"`
	BankCard   string `json:"bank_card"`
	SMSCode    string `json:"sms_code"`
	ContractNo string `json:"contract_no"`
	LeaseNo    string `json:"lease_no"`
	ProofNo    string `json:"proof_no"`
	CostFen    int64  `json:"cost_fen"`
	RepaidFen  int64  `json:"repaid_fen"`
}

func (b withdrawalBody) input() withdrawal.Input {
	return withdrawal.Input{Reason: b.Reason, Amount: money.Fen(b.AmountFen), BankCard: b.BankCard, SMSCode: b.SMSCode,
		ContractNo: b.ContractNo, LeaseNo: b.LeaseNo, ProofNo: b.ProofNo, CostFen: money.Fen(b.CostFen), RepaidFen: money.Fen(b.RepaidFen)}
}

// withdrawalCheckView is one rule's result.
type withdrawalCheckView struct {
	Rule    string `json:"rule"`
	Passed  bool   `json:"passed"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}

func withdrawalChecks(cs []withdrawal.Check) []withdrawalCheckView {
	out := make([]withdrawalCheckView, len(cs))
	for i, c := range cs {
		out[i] = withdrawalCheckView{Rule: c.Rule, Passed: c.Passed, Outcome: c.Outcome, Detail: c.Detail}
	}
	return out
}

// withdrawalReceiptView answers a submission.
type withdrawalReceiptView struct {
	ID         int64                 `json:"id"`
	Status     string                `json:"status"`
	StatusName string                `json:"status_name"`
	Reason     string                `json:"reason"`
	ReasonName string                `json:"reason_name"`
	Type       string                `json:"type"`
	AmountFen  int64                 `json:"amount_fen"`
	Checks     []withdrawalCheckView `json:"checks"`
}

// admit gates an application as its reason's service item; an unknown reason
// is left to the core to refuse.
func (h *withdrawalHandler) admit(c echo.Context, reason string) (*channel.Ticket, error) {
	ctx := c.Request().Context()
	doc, _, err := h.d.Withdrawal.Rules(ctx)
	if err != nil {
		return nil, err
	}
	r, ok := doc.Reason(reason)
	if !ok {
		return &channel.Ticket{}, nil
	}
	t, err := h.d.Gate.Admit(ctx, Channel, r.Item)
	if err != nil {
		if secs, _ := errs.E(err).Details["retry_after_s"].(int64); secs > 0 {
			c.Response().Header().Set(echo.HeaderRetryAfter, strconv.FormatInt(secs, 10))
		}
		return nil, err
	}
	return t, nil
}

func (h *withdrawalHandler) submit(c echo.Context) (err error) {
	var b withdrawalBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ticket, err := h.admit(c, b.Reason)
	if err != nil {
		return err
	}
	defer func() { ticket.Done(err) }()
	r, err := h.d.Withdrawal.Submit(c.Request().Context(), me(c), c.Request().Header.Get(WithdrawalKeyHeader), b.input())
	if err != nil {
		return err
	}
	if r.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusCreated, withdrawalReceiptView{ID: r.ID, Status: r.Status, StatusName: r.StatusName, Reason: r.Reason,
		ReasonName: r.ReasonName, Type: r.Type, AmountFen: int64(r.Amount), Checks: withdrawalChecks(r.Checks)})
}

// withdrawalReasonView is a withdrawal reason as the app offers it.
type withdrawalReasonView struct {
	Reason      string   `json:"reason"`
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	TypeName    string   `json:"type_name"`
	Item        string   `json:"item"`
	Fields      []string `json:"fields"`
	Materials   []string `json:"materials"`
	AutoApprove bool     `json:"auto_approve"`
}

func (h *withdrawalHandler) reasons(c echo.Context) error {
	doc, from, err := h.d.Withdrawal.Rules(c.Request().Context())
	if err != nil {
		return err
	}
	out := struct {
		EffectiveFrom string                 `json:"effective_from"`
		Items         []withdrawalReasonView `json:"items"`
	}{EffectiveFrom: from.String(), Items: []withdrawalReasonView{}}
	for _, k := range doc.Keys() {
		r, _ := doc.Reason(k)
		v := withdrawalReasonView{Reason: k, Name: r.Name, Type: string(r.Type), TypeName: r.Type.Name(), Item: r.Item,
			Fields: append([]string{}, r.Fields...), Materials: append([]string{}, r.Materials...),
			AutoApprove: r.AutoApprove && len(r.Materials) == 0}
		out.Items = append(out.Items, v)
	}
	return c.JSON(http.StatusOK, out)
}

// withdrawalEventView is one step of an application's progress (staff names are not shown).
type withdrawalEventView struct {
	At         string `json:"at"`
	Action     string `json:"action"`
	ActionName string `json:"action_name"`
	Status     string `json:"status"`
	Comment    string `json:"comment,omitempty"`
}

// withdrawalView is the person's own application.
type withdrawalView struct {
	ID          int64                 `json:"id"`
	Reason      string                `json:"reason"`
	ReasonName  string                `json:"reason_name"`
	Type        string                `json:"type"`
	Status      string                `json:"status"`
	StatusName  string                `json:"status_name"`
	AmountFen   int64                 `json:"amount_fen"`
	InterestFen int64                 `json:"interest_fen"`
	BankCard    string                `json:"bank_card"` // masked
	ContractNo  string                `json:"contract_no,omitempty"`
	LeaseNo     string                `json:"lease_no,omitempty"`
	ProofNo     string                `json:"proof_no,omitempty"`
	CostFen     int64                 `json:"cost_fen,omitempty"`
	RepaidFen   int64                 `json:"repaid_fen,omitempty"`
	Materials   []string              `json:"materials"`
	Checks      []withdrawalCheckView `json:"checks"`
	Channel     string                `json:"channel"`
	SubmittedAt string                `json:"submitted_at"`
	DeadlineOn  string                `json:"deadline_on"`
	PaidOn      string                `json:"paid_on,omitempty"`
	// Comment is the reviewer's reason of a return or rejection; PayError
	// the bank's reason of a failed payment.
	Comment  string                `json:"comment,omitempty"`
	PayError string                `json:"pay_error,omitempty"`
	Events   []withdrawalEventView `json:"events,omitempty"`
}

func withdrawalViewOf(a *withdrawal.Application) withdrawalView {
	v := withdrawalView{ID: a.ID, Reason: a.Reason, ReasonName: a.ReasonName, Type: a.Type, Status: a.Status,
		StatusName: withdrawal.StatusName(a.Status), AmountFen: int64(a.Amount), InterestFen: int64(a.Interest),
		BankCard: ident.MaskCard(a.BankCard), ContractNo: a.Fields.ContractNo, LeaseNo: a.Fields.LeaseNo, ProofNo: a.Fields.ProofNo,
		CostFen: int64(a.Fields.CostFen), RepaidFen: int64(a.Fields.RepaidFen), Materials: a.Materials, Checks: withdrawalChecks(a.Checks),
		Channel: a.Channel, SubmittedAt: a.SubmittedAt.Format(time.RFC3339), DeadlineOn: a.DeadlineOn.String(),
		Comment: a.Comment, PayError: a.PayError}
	if a.PaidOn != nil {
		v.PaidOn = a.PaidOn.String()
	}
	for _, ev := range a.Events {
		v.Events = append(v.Events, withdrawalEventView{At: ev.At.Format(time.RFC3339), Action: ev.Action, ActionName: withdrawal.ActionName(ev.Action),
			Status: ev.Status, Comment: ev.Comment})
	}
	return v
}

func (h *withdrawalHandler) list(c echo.Context) error {
	list, err := h.d.Withdrawal.PersonApplications(c.Request().Context(), me(c).PersonID())
	if err != nil {
		return err
	}
	out := struct {
		Items []withdrawalView `json:"items"`
	}{Items: make([]withdrawalView, 0, len(list))}
	for i := range list {
		out.Items = append(out.Items, withdrawalViewOf(&list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// withdrawalID is the {id} of a withdrawal route; a malformed one is not found.
func withdrawalID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, withdrawal.ErrNotFound
	}
	return id, nil
}

func (h *withdrawalHandler) get(c echo.Context) error {
	id, err := withdrawalID(c)
	if err != nil {
		return err
	}
	a, err := h.d.Withdrawal.PersonApplication(c.Request().Context(), me(c).PersonID(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withdrawalViewOf(a))
}

func (h *withdrawalHandler) cancel(c echo.Context) error {
	id, err := withdrawalID(c)
	if err != nil {
		return err
	}
	a, err := h.d.Withdrawal.Cancel(c.Request().Context(), me(c).PersonID(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withdrawalViewOf(a))
}

func (h *withdrawalHandler) resubmit(c echo.Context) (err error) {
	id, err := withdrawalID(c)
	if err != nil {
		return err
	}
	var b withdrawalBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := h.d.Withdrawal.PersonApplication(ctx, me(c).PersonID(), id)
	if err != nil {
		return err
	}
	if b.Reason == "" {
		b.Reason = cur.Reason
	}
	ticket, err := h.admit(c, cur.Reason)
	if err != nil {
		return err
	}
	defer func() { ticket.Done(err) }()
	a, err := h.d.Withdrawal.Resubmit(ctx, me(c), id, b.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withdrawalViewOf(a))
}
