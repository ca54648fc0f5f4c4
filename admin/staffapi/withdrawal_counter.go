package staffapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/withdrawal"
	"gjj/internal/guard"
	"gjj/internal/platform/money"
	"gjj/internal/platform/web"
)

// counterFilingBody is a withdrawal filed at the counter (柜面代办):
// the account, the application's fields as the person would give them (no
// SMS code) and the required materials checked (names as listed in
// withdraw.rules for the reason; GET /api/app/v1/withdrawal-reasons and the
// console form list them). For 死亡或宣告死亡 the heir's name and ID number,
// with bank_card the heir's card.
type counterFilingBody struct {
	AccountNo        string    `json:"account_no"`
	Reason           string    `json:"reason"`
	AmountFen        money.Fen `json:"amount_fen"`
	BankCard         string    `json:"bank_card"`
	ContractNo       string    `json:"contract_no"`
	LeaseNo          string    `json:"lease_no"`
	ProofNo          string    `json:"proof_no"`
	CostFen          money.Fen `json:"cost_fen"`
	RepaidFen        money.Fen `json:"repaid_fen"`
	MaterialsChecked []string  `json:"materials_checked"`
	HeirName         string    `json:"heir_name"`
	HeirIDNumber     string    `json:"heir_id_number"`
}

// CounterApplication converts the body for the core.
func (b counterFilingBody) CounterApplication() withdrawal.CounterApplication {
	return withdrawal.CounterApplication{AccountNo: b.AccountNo, Materials: b.MaterialsChecked, HeirName: b.HeirName,
		HeirIDNumber: b.HeirIDNumber, Input: withdrawal.Input{Reason: b.Reason, Amount: b.AmountFen, BankCard: b.BankCard,
			ContractNo: b.ContractNo, LeaseNo: b.LeaseNo, ProofNo: b.ProofNo, CostFen: b.CostFen, RepaidFen: b.RepaidFen}}
}

// fileAtCounter: POST /api/admin/v1/withdrawals with an Idempotency-Key →
// 201 with the application as reviewers see it (200 for a replayed key).
// Refusals: withdrawal.material_missing (details material, missing),
// withdrawal.material_unknown, withdrawal.heir_not_allowed, the rule codes
// of the core, withdrawal.idempotency_key / idempotency_conflict.
func (h *withdrawalReview) fileAtCounter(c echo.Context) error {
	var b counterFilingBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := guard.Principal(c)
	r, err := h.d.Withdrawal.FileAtCounter(ctx, p, strings.TrimSpace(c.Request().Header.Get("Idempotency-Key")), b.CounterApplication())
	if err != nil {
		return err
	}
	a, err := h.d.Withdrawal.Get(ctx, r.ID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if r.Replayed {
		status = http.StatusOK
	}
	return c.JSON(status, reviewViewOf(a))
}

// counterCorrectionBody is the counter's correction of a returned counter
// filing (柜面补正): the application's fields again (reason may be left out;
// another reason is refused) and every required material checked again.
type counterCorrectionBody struct {
	Reason           string    `json:"reason"`
	AmountFen        money.Fen `json:"amount_fen"`
	BankCard         string    `json:"bank_card"`
	ContractNo       string    `json:"contract_no"`
	LeaseNo          string    `json:"lease_no"`
	ProofNo          string    `json:"proof_no"`
	CostFen          money.Fen `json:"cost_fen"`
	RepaidFen        money.Fen `json:"repaid_fen"`
	MaterialsChecked []string  `json:"materials_checked"`
	HeirName         string    `json:"heir_name"`
	HeirIDNumber     string    `json:"heir_id_number"`
}

// resubmitAtCounter: POST /api/admin/v1/withdrawals/{id}/resubmit → 200
// with the application back in 待初审 (withdrawal.ResubmitAtCounter, the
// session's staff member recorded as the corrector). Refusals:
// withdrawal.status (not returned), withdrawal.not_counter_filed,
// withdrawal.material_missing / material_unknown / heir_not_allowed,
// withdrawal.unknown_reason, the rule codes of the core.
func (h *withdrawalReview) resubmitAtCounter(c echo.Context) error {
	id, err := withdrawalParam(c)
	if err != nil {
		return err
	}
	var b counterCorrectionBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	a, err := h.d.Withdrawal.ResubmitAtCounter(c.Request().Context(), guard.Principal(c), id, withdrawal.CounterCorrection{
		Materials: b.MaterialsChecked, HeirName: b.HeirName, HeirIDNumber: b.HeirIDNumber,
		Input: withdrawal.Input{Reason: b.Reason, Amount: b.AmountFen, BankCard: b.BankCard, ContractNo: b.ContractNo,
			LeaseNo: b.LeaseNo, ProofNo: b.ProofNo, CostFen: b.CostFen, RepaidFen: b.RepaidFen}})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reviewViewOf(a))
}
