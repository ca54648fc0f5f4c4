package console

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/withdrawal"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// registerCounterWithdrawal mounts the counter filing form (柜面代办提取):
// pick the reason, then enter the account, the application and tick the
// required materials seen; the core files it for review. Under the
// reviewer's /admin/reviews/* grant.
func (h *handler) registerCounterWithdrawal(page func(method, path string, fn echo.HandlerFunc)) {
	if h.d.Withdrawal == nil {
		return
	}
	page(http.MethodGet, "/admin/reviews/withdrawals/new", h.counterWithdrawal)
	page(http.MethodPost, "/admin/reviews/withdrawals/new", h.fileCounterWithdrawal)
	page(http.MethodPost, "/admin/reviews/withdrawals/:id/resubmit", h.resubmitCounterWithdrawal)
}

type counterReason struct {
	Key, Name, Item, Type string
	CounterOnly           bool
}

type counterWithdrawalData struct {
	Reasons []counterReason
	Reason  *rules.Reason // the chosen reason (nil: choose one first)
	Key     string        // the form's idempotency key
	// The values entered (kept when the core refuses them).
	AccountNo, Amount, BankCard, ContractNo, LeaseNo, ProofNo, Cost, Repaid, HeirName, HeirID string
	Checked                                                                                   map[string]bool
	Need                                                                                      map[string]bool // fields the reason requires
}

// counterWithdrawal shows the form: the reasons (counter-only ones marked),
// and for ?reason= that reason's fields and materials.
func (h *handler) counterWithdrawal(c echo.Context) error {
	d, err := h.counterForm(c, c.QueryParam("reason"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "withdrawal_counter", view{Title: "柜面代办提取", Menu: "/admin/reviews/withdrawals", Data: d})
}

func (h *handler) counterForm(c echo.Context, reason string) (*counterWithdrawalData, error) {
	ctx := c.Request().Context()
	doc, _, err := h.d.Withdrawal.Rules(ctx)
	if err != nil {
		return nil, err
	}
	d := &counterWithdrawalData{Checked: map[string]bool{}, Need: map[string]bool{}}
	online := map[string]bool{} // items some personal online channel offers
	if h.d.Gate != nil {
		for _, ch := range []string{"web", "app", "wechat"} {
			menu, err := h.d.Gate.Menu(ctx, ch)
			if err != nil {
				return nil, err
			}
			for _, o := range menu {
				online[o.Item.Code] = true
			}
		}
	}
	for _, k := range doc.Keys() {
		r, _ := doc.Reason(k)
		d.Reasons = append(d.Reasons, counterReason{Key: k, Name: r.Name, Item: r.Item, Type: r.Type.Name(),
			CounterOnly: h.d.Gate != nil && !online[r.Item]})
	}
	if r, ok := doc.Reason(reason); ok {
		d.Reason = r
		for _, f := range r.Fields {
			d.Need[f] = true
		}
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	d.Key = "console-" + hex.EncodeToString(b[:])
	return d, nil
}

// fileCounterWithdrawal files the application (withdrawal.FileAtCounter)
// with the signed-in staff member as the filer and redirects to it; a
// refusal re-renders the form with the core's message and the values.
func (h *handler) fileCounterWithdrawal(c echo.Context) error {
	d, err := h.counterForm(c, c.FormValue("reason"))
	if err != nil {
		return err
	}
	if d.Reason == nil {
		return h.formError(c, withdrawal.ErrUnknownReason, "withdrawal_counter",
			view{Title: "柜面代办提取", Menu: "/admin/reviews/withdrawals", Data: d})
	}
	form := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	if k := form("key"); k != "" {
		d.Key = k
	}
	d.AccountNo, d.Amount, d.BankCard, d.ContractNo, d.LeaseNo = form("account_no"), form("amount"), form("bank_card"), form("contract_no"), form("lease_no")
	d.ProofNo, d.Cost, d.Repaid, d.HeirName, d.HeirID = form("proof_no"), form("cost"), form("repaid"), form("heir_name"), form("heir_id_number")
	params, _ := c.FormParams()
	materials := params["material"]
	for _, m := range materials {
		d.Checked[m] = true
	}
	v := view{Title: "柜面代办提取", Menu: "/admin/reviews/withdrawals", Data: d}
	yuan := func(field, s string) (money.Fen, error) {
		if s == "" {
			return 0, nil
		}
		f, err := money.ParseYuan(s)
		if err != nil || f < 0 {
			return 0, errs.New(errs.Invalid, withdrawal.ErrBadInput.Code, "金额应为不小于零的元数，最多两位小数").With("field", field)
		}
		return f, nil
	}
	in := withdrawal.Input{Reason: d.Reason.Key, BankCard: d.BankCard, ContractNo: d.ContractNo, LeaseNo: d.LeaseNo, ProofNo: d.ProofNo}
	for _, x := range []struct {
		field, s string
		to       *money.Fen
	}{{"amount", d.Amount, &in.Amount}, {"cost", d.Cost, &in.CostFen}, {"repaid", d.Repaid, &in.RepaidFen}} {
		if *x.to, err = yuan(x.field, x.s); err != nil {
			return h.formError(c, err, "withdrawal_counter", v)
		}
	}
	r, err := h.d.Withdrawal.FileAtCounter(c.Request().Context(), principal(c), d.Key, withdrawal.CounterApplication{
		AccountNo: d.AccountNo, Input: in, Materials: materials, HeirName: d.HeirName, HeirIDNumber: d.HeirID})
	if err != nil {
		return h.formError(c, err, "withdrawal_counter", v)
	}
	ref := strconv.FormatInt(r.ID, 10)
	return done(c, "/admin/reviews/withdrawals/"+ref, "wd_filed", ref)
}

// wdCorrection is the counter correction form (柜面补正) on the page of a
// returned counter filing: the application's values to correct (the card
// and the heir's ID number are not shown; left empty they stay as filed)
// and the reason's materials, to be ticked again.
type wdCorrection struct {
	Reason                                                       *rules.Reason
	Amount, ContractNo, LeaseNo, ProofNo, Cost, Repaid, HeirName string
	CardTail                                                     string // last digits of the card on file
	Checked, Need                                                map[string]bool
}

// correctionForm is the correction form of a, filled from it, when a is a
// returned counter filing and its reason is still in the rules; nil
// otherwise.
func (h *handler) correctionForm(c echo.Context, a *withdrawal.Application) (*wdCorrection, error) {
	if a.Status != withdrawal.StatusReturned || a.Fields.Counter == nil {
		return nil, nil
	}
	doc, _, err := h.d.Withdrawal.Rules(c.Request().Context())
	if err != nil {
		return nil, err
	}
	r, ok := doc.Reason(a.Reason)
	if !ok {
		return nil, nil
	}
	f := &wdCorrection{Reason: r, ContractNo: a.Fields.ContractNo, LeaseNo: a.Fields.LeaseNo, ProofNo: a.Fields.ProofNo,
		HeirName: a.Fields.Counter.HeirName, Checked: map[string]bool{}, Need: map[string]bool{}}
	if r.Type == rules.Partial {
		f.Amount = a.Amount.Format()
	}
	if a.Fields.CostFen > 0 {
		f.Cost = a.Fields.CostFen.Format()
	}
	if a.Fields.RepaidFen > 0 {
		f.Repaid = a.Fields.RepaidFen.Format()
	}
	if n := len(a.BankCard); n >= 4 {
		f.CardTail = a.BankCard[n-4:]
	}
	for _, x := range r.Fields {
		f.Need[x] = true
	}
	return f, nil
}

// resubmitCounterWithdrawal corrects a returned counter filing
// (withdrawal.ResubmitAtCounter) with the signed-in staff member as the
// corrector and redirects to it; a refusal re-renders the page with the
// core's message and the values entered. Branch staff only for their
// branches' accounts (checkWithdrawal).
func (h *handler) resubmitCounterWithdrawal(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if ok, err := h.checkWithdrawal(c); !ok || err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := h.d.Withdrawal.Get(ctx, id)
	if err != nil {
		return err
	}
	f, err := h.correctionForm(c, a)
	if err != nil {
		return err
	}
	if f == nil { // not (or no longer) a returned counter filing: the core says why
		f = &wdCorrection{Checked: map[string]bool{}, Need: map[string]bool{}}
	}
	form := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	f.Amount, f.ContractNo, f.LeaseNo, f.ProofNo = form("amount"), form("contract_no"), form("lease_no"), form("proof_no")
	f.Cost, f.Repaid, f.HeirName = form("cost"), form("repaid"), form("heir_name")
	params, _ := c.FormParams()
	materials := params["material"]
	for _, m := range materials {
		f.Checked[m] = true
	}
	refused := func(err error) error {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		if f.Reason == nil { // no form to show again
			return h.renderWithdrawal(c, "", err)
		}
		return h.renderWithdrawalPage(c, "", f, err)
	}
	in := withdrawal.Input{Reason: a.Reason, BankCard: form("bank_card"), ContractNo: f.ContractNo, LeaseNo: f.LeaseNo, ProofNo: f.ProofNo}
	if in.BankCard == "" {
		in.BankCard = a.BankCard
	}
	for _, x := range []struct {
		field, s string
		to       *money.Fen
	}{{"amount", f.Amount, &in.Amount}, {"cost", f.Cost, &in.CostFen}, {"repaid", f.Repaid, &in.RepaidFen}} {
		if x.s == "" {
			continue
		}
		v, err := money.ParseYuan(x.s)
		if err != nil || v < 0 {
			return refused(errs.New(errs.Invalid, withdrawal.ErrBadInput.Code, "金额应为不小于零的元数，最多两位小数").With("field", x.field))
		}
		*x.to = v
	}
	heirID := form("heir_id_number")
	if prev := a.Fields.Counter; heirID == "" && prev != nil && f.HeirName != "" && f.HeirName == prev.HeirName {
		heirID = prev.HeirIDNumber // the same heir as filed
	}
	if _, err := h.d.Withdrawal.ResubmitAtCounter(ctx, principal(c), id, withdrawal.CounterCorrection{Input: in, Materials: materials,
		HeirName: f.HeirName, HeirIDNumber: heirID}); err != nil {
		return refused(err)
	}
	ref := strconv.FormatInt(id, 10)
	return done(c, "/admin/reviews/withdrawals/"+ref, "wd_resubmitted", ref)
}
