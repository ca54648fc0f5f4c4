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
