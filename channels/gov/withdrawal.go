package gov

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/withdrawal"
	"gjj/internal/govshare"
	"gjj/internal/platform/web"
	"gjj/internal/signing"
)

// Retirement withdrawal applications (离休、退休 销户提取) from the 政务服务
// platform on a retiree's behalf:
//
// POST /api/gov/v1/applications/retirement-withdrawal (Idempotency-Key)
//
//	{"authorization_ref", "applicant": {"name", "id_type": "01", "id_number"}, "bank_card"}
//	→ 201 {"id", "status", "status_name", "reason", "reason_name", "type", "amount_fen", "checks"}
//
// The agency must be allowed the kind retirement_withdrawal and the
// authorization must cover it and list the applicant. The application
// passes the gate as channel gov (item TQ-06) and enters the withdrawal
// core's submission (withdrawal.Service.FileForAgency: the same rules,
// auto-approval and payment as the app's Submit; the agency's signed
// authorization stands in for the app's SMS step-up and is recorded in the
// application's withdrawal.agency_submit event). Every application,
// accepted or refused, is audited as gov.application.

// RetirementReason is the withdraw.rules reason of the application.
const RetirementReason = "retire"

// ItemRetirement is the gate's service item of 离休、退休提取.
const ItemRetirement = "TQ-06"

// KeyHeader carries the client's idempotency key.
const KeyHeader = "Idempotency-Key"

type retirementBody struct {
	AuthorizationRef string `json:"authorization_ref"`
	Applicant        member `json:"applicant"`
	BankCard         string `json:"bank_card"`
}

type checkView struct {
	Rule    string `json:"rule"`
	Passed  bool   `json:"passed"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}

type receiptView struct {
	ID         int64       `json:"id"`
	Status     string      `json:"status"`
	StatusName string      `json:"status_name"`
	Reason     string      `json:"reason"`
	ReasonName string      `json:"reason_name"`
	Type       string      `json:"type"`
	AmountFen  int64       `json:"amount_fen"`
	Checks     []checkView `json:"checks"`
}

func (s *Service) retirementApplication(c echo.Context) error {
	var b retirementBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	accountNo, app, err := s.openApplication(c, b.AuthorizationRef, b.Applicant, govshare.KindRetirementWithdrawal, govshare.KindRetirementWithdrawal)
	var r *withdrawal.Receipt
	if err == nil {
		r, err = s.d.Withdrawal.FileForAgency(ctx, c.Request().Header.Get(KeyHeader), withdrawal.AgencyApplication{
			AccountNo: accountNo, AgencyID: signing.Client(c), AuthorizationRef: b.AuthorizationRef,
			Input: withdrawal.Input{Reason: RetirementReason, BankCard: b.BankCard}})
	}
	if err != nil {
		return s.refuseApplication(ctx, app, err)
	}
	app.summary["withdrawal_id"], app.summary["status"] = r.ID, r.Status
	if r.Replayed {
		app.summary["replayed"] = true
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	if err := s.acceptApplication(ctx, app); err != nil {
		return err
	}
	checks := make([]checkView, len(r.Checks))
	for i, ch := range r.Checks {
		checks[i] = checkView{Rule: ch.Rule, Passed: ch.Passed, Outcome: ch.Outcome, Detail: ch.Detail}
	}
	return c.JSON(http.StatusCreated, receiptView{ID: r.ID, Status: r.Status, StatusName: r.StatusName, Reason: r.Reason,
		ReasonName: r.ReasonName, Type: r.Type, AmountFen: int64(r.Amount), Checks: checks})
}
