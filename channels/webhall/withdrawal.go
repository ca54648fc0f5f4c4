package webhall

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/channel"
	"gjj/internal/core/withdrawal"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
)

// WithdrawalDeps are the services of the withdrawal pages.
type WithdrawalDeps struct {
	Withdrawal *withdrawal.Service
	// Gate admits an application as its reason's service item and tells
	// which reasons are offered on the hall (Menu); nil admits everything.
	Gate *channel.Gate
}

// RegisterWithdrawals mounts the withdrawal pages (提取) of the hall:
//
//	GET  /web/withdrawals               my applications and the reasons offered here
//	GET  /web/withdrawals/new?reason=   the form of one reason
//	POST /web/withdrawals/new           send the SMS code (action=send) or apply (action=submit)
//	GET  /web/withdrawals/{id}          progress: status, every rule result, the steps
//	POST /web/withdrawals/{id}/cancel   cancel before approval
//
// The payout card is the account's registered card (checked at real-name
// L2); applying needs an L2 session and the step-up SMS code. Register it
// next to Register, with the same Deps.
func RegisterWithdrawals(e *echo.Echo, d Deps, w WithdrawalDeps) {
	h := &withdrawalPages{hall: newHall(d), w: w}
	csrf := h.kit.CSRF()
	requirePerson := h.kit.Require(nil)
	reads := h.gate(itemAccount)
	e.GET("/web/withdrawals", h.inShell(h.list), csrf, requirePerson, reads)
	e.GET("/web/withdrawals/new", h.inShell(h.form), csrf, requirePerson)
	e.POST("/web/withdrawals/new", h.inShell(h.apply), csrf, requirePerson)
	e.GET("/web/withdrawals/:id", h.inShell(h.progress), csrf, requirePerson, reads)
	e.POST("/web/withdrawals/:id/cancel", h.inShell(h.cancel), csrf, requirePerson, reads)
}

type withdrawalPages struct {
	*hall
	w WithdrawalDeps
}

func init() {
	flashes["withdrawal_cancelled"] = "提取申请已撤销。"
	flashes["withdrawal_submitted"] = "提取申请已提交，办理进度见下方。"
}

// wdFuncs are the hall's template functions and the withdrawal pages' own.
var wdFuncs = func() template.FuncMap {
	m := template.FuncMap{}
	maps.Copy(m, funcs)
	m["wdStatus"] = withdrawal.StatusName
	m["wdAction"] = withdrawal.ActionName
	m["maskCard"] = ident.MaskCard
	m["fieldName"] = rules.FieldName
	return m
}()

// wdPages are the withdrawal templates, each with the layout.
var wdPages = hallkit.Parse(templateFS, wdFuncs, []string{"templates/layout.html"}, "withdrawals", "withdrawal_new", "withdrawal")

func (h *withdrawalPages) render(c echo.Context, status int, name string, v view) error {
	v.CSRF = hallkit.CSRFToken(c)
	v.Person = principal(c)
	if v.Flash == "" {
		v.Flash = h.kit.Flash(c)
	}
	if v.Menu == "" {
		v.Menu = "withdrawals"
	}
	return wdPages.Render(c, status, name, v)
}

// reasonOffer is a reason as the list page offers it.
type reasonOffer struct {
	Key, Name, TypeName string
	Materials           []string
	Auto, Open          bool
}

type withdrawalsData struct {
	Apps    []withdrawal.Application
	Reasons []reasonOffer
}

// list shows the person's applications and the reasons offered on the hall
// (those the switch matrix offers on the web channel; closed ones are shown
// without a link).
func (h *withdrawalPages) list(c echo.Context) error {
	ctx := c.Request().Context()
	apps, err := h.w.Withdrawal.PersonApplications(ctx, principal(c).PersonID())
	if err != nil {
		return err
	}
	doc, _, err := h.w.Withdrawal.Rules(ctx)
	if err != nil {
		return err
	}
	open := map[string]bool{}
	offered := map[string]bool{}
	if h.w.Gate != nil {
		menu, err := h.w.Gate.Menu(ctx, Channel)
		if err != nil {
			return err
		}
		for _, o := range menu {
			offered[o.Item.Code], open[o.Item.Code] = true, o.Open
		}
	}
	d := withdrawalsData{Apps: apps}
	for _, k := range doc.Keys() {
		r, _ := doc.Reason(k)
		if h.w.Gate != nil && !offered[r.Item] {
			continue // counter-only reasons are not offered here
		}
		d.Reasons = append(d.Reasons, reasonOffer{Key: k, Name: r.Name, TypeName: r.Type.Name(), Materials: r.Materials,
			Auto: r.AutoApprove && len(r.Materials) == 0, Open: h.w.Gate == nil || open[r.Item]})
	}
	return h.render(c, http.StatusOK, "withdrawals", view{Title: "提取业务", Data: d})
}

// formData is the application form of one reason.
type formData struct {
	Reason                                             *rules.Reason
	Key                                                string // the Idempotency-Key of this form
	CardMask                                           string
	Balance                                            money.Fen
	Sent                                               bool // the SMS code was sent: show its field
	Amount, ContractNo, LeaseNo, ProofNo, Cost, Repaid string
	Needs                                              map[string]bool
	// Checks are every rule's result of a refused application.
	Checks []withdrawal.Check
}

func (h *withdrawalPages) reason(c echo.Context, key string) (*rules.Reason, error) {
	doc, _, err := h.w.Withdrawal.Rules(c.Request().Context())
	if err != nil {
		return nil, err
	}
	r, ok := doc.Reason(key)
	if !ok {
		return nil, withdrawal.ErrUnknownReason
	}
	return r, nil
}

// admit gates the form of a reason as its service item on the hall.
func (h *withdrawalPages) admit(c echo.Context, r *rules.Reason) (*channel.Ticket, error) {
	if h.w.Gate == nil {
		return &channel.Ticket{}, nil
	}
	t, err := h.w.Gate.Admit(c.Request().Context(), Channel, r.Item)
	if err != nil {
		if secs, _ := errs.E(err).Details["retry_after_s"].(int64); secs > 0 {
			c.Response().Header().Set(echo.HeaderRetryAfter, strconv.FormatInt(secs, 10))
		}
		return nil, err
	}
	return t, nil
}

func (h *withdrawalPages) newForm(c echo.Context, r *rules.Reason) (*formData, error) {
	emp, err := h.d.Deposit.PersonAccount(c.Request().Context(), principal(c).PersonID())
	if err != nil {
		return nil, err
	}
	d := &formData{Reason: r, CardMask: ident.MaskCard(emp.BankCard), Balance: emp.Balance, Needs: map[string]bool{}}
	for _, f := range r.Fields {
		d.Needs[f] = true
	}
	return d, nil
}

func (h *withdrawalPages) form(c echo.Context) (err error) {
	r, err := h.reason(c, c.QueryParam("reason"))
	if err != nil {
		return err
	}
	t, err := h.admit(c, r)
	if err != nil {
		return err
	}
	defer func() { t.Done(err) }()
	d, err := h.newForm(c, r)
	if err != nil {
		return err
	}
	if d.Key, err = newFormKey(); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "withdrawal_new", view{Title: r.Name, Data: d})
}

// apply sends the step-up code (action=send) or submits the application.
func (h *withdrawalPages) apply(c echo.Context) (err error) {
	ctx := c.Request().Context()
	p := principal(c)
	r, err := h.reason(c, c.FormValue("reason"))
	if err != nil {
		return err
	}
	t, err := h.admit(c, r)
	if err != nil {
		return err
	}
	defer func() { t.Done(err) }()
	d, err := h.newForm(c, r)
	if err != nil {
		return err
	}
	d.Key = c.FormValue("key")
	d.Amount, d.ContractNo, d.LeaseNo = strings.TrimSpace(c.FormValue("amount")), c.FormValue("contract_no"), c.FormValue("lease_no")
	d.ProofNo, d.Cost, d.Repaid = c.FormValue("proof_no"), c.FormValue("cost"), c.FormValue("repaid")
	v := view{Title: r.Name, Form: "apply", Data: d}
	if c.FormValue("action") == "send" {
		if p.Level < 2 {
			return h.formError(c, identity.ErrLevelRequired, v)
		}
		if err := h.d.Identity.SendStepUp(ctx, p.PersonID(), c.RealIP()); err != nil {
			return h.formError(c, err, v)
		}
		d.Sent = true
		v.Flash = "验证码已发送至您的预留手机号，5 分钟内有效。"
		return h.render(c, http.StatusOK, "withdrawal_new", v)
	}
	d.Sent = true
	in := withdrawal.Input{Reason: r.Key, SMSCode: c.FormValue("sms_code"), ContractNo: d.ContractNo, LeaseNo: d.LeaseNo, ProofNo: d.ProofNo}
	emp, err := h.d.Deposit.PersonAccount(ctx, p.PersonID())
	if err != nil {
		return err
	}
	in.BankCard = emp.BankCard
	for _, f := range []struct {
		name, text string
		to         *money.Fen
	}{{"amount", d.Amount, &in.Amount}, {"cost", d.Cost, &in.CostFen}, {"repaid", d.Repaid, &in.RepaidFen}} {
		if f.text == "" {
			continue
		}
		v, perr := money.ParseYuan(f.text)
		if perr != nil || v < 0 {
			return h.formError(c, errs.New(errs.Invalid, money.ErrSyntax.Code, money.ErrSyntax.Message).With("field", f.name), view{Title: r.Name, Form: "apply", Data: d})
		}
		*f.to = v
	}
	rc, err := h.w.Withdrawal.Submit(ctx, p, d.Key, in)
	if err != nil {
		return h.formError(c, err, v)
	}
	return done(c, fmt.Sprintf("/web/withdrawals/%d", rc.ID), "withdrawal_submitted")
}

// formError re-renders the form with the refusal (and, for a rule refusal,
// every rule's result).
func (h *withdrawalPages) formError(c echo.Context, err error, v view) error {
	e := hallkit.Refusal(err)
	if e == nil {
		return err
	}
	v.Error, v.Code = e.Message, e.Code
	v.Field, _ = e.Details["field"].(string)
	if d, ok := v.Data.(*formData); ok {
		d.Checks, _ = e.Details["checks"].([]withdrawal.Check)
	}
	return h.render(c, e.Kind.Status(), "withdrawal_new", v)
}

func (h *withdrawalPages) application(c echo.Context) (*withdrawal.Application, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, withdrawal.ErrNotFound
	}
	return h.w.Withdrawal.PersonApplication(c.Request().Context(), principal(c).PersonID(), id)
}

func (h *withdrawalPages) progress(c echo.Context) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "withdrawal", view{Title: "提取进度", Data: a})
}

func (h *withdrawalPages) cancel(c echo.Context) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	if _, err := h.w.Withdrawal.Cancel(c.Request().Context(), principal(c).PersonID(), a.ID); err != nil {
		return err
	}
	return done(c, fmt.Sprintf("/web/withdrawals/%d", a.ID), "withdrawal_cancelled")
}

// newFormKey is a fresh Idempotency-Key for one application form: a form
// submitted twice (double click, reload) files one application.
func newFormKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "web-" + hex.EncodeToString(b), nil
}
