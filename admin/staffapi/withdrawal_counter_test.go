package staffapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
)

// TestWithdrawalCounterFiling: a reviewer files a 建造 withdrawal at the
// counter with the materials checked; a missing material, a missing key, an
// auditor and an online-only session are refused with nothing written; the
// filer cannot approve it, a second reviewer does and it is paid.
func TestWithdrawalCounterFiling(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, []string{"staffSession"})
		li := demo.Employees[1]
		filer := wdStaff(t, a, "counter1", access.RoleReviewer)
		second := wdStaff(t, a, "reviewer2", access.RoleReviewer)
		auditor := wdStaff(t, a, "auditor1", access.RoleAuditor)
		body := func(materials ...string) map[string]any {
			return map[string]any{"account_no": li.AccountNo, "reason": "build", "amount_fen": 2_000_000, "bank_card": demo.BankCard(li),
				"proof_no": "JS-9", "cost_fen": 3_000_000, "materials_checked": materials}
		}
		all := []string{"建设工程规划许可证", "用地证明", "工程预算"}
		post := func(auth, key string, b any) apitest.Call {
			h := map[string]string{}
			if key != "" {
				h["Idempotency-Key"] = key
			}
			return apitest.Call{Method: http.MethodPost, Path: staffBase + "/withdrawals", Auth: auth, Body: b, Header: h}
		}
		missing := post(filer, "k1", body("用地证明", "工程预算"))
		noKey := post(filer, "", body(all...))
		noKey.Spec = apitest.SpecInvalid
		runBad(t, a, c, []badCase{
			{"material missing", missing, 400, "withdrawal.material_missing"},
			{"no idempotency key", noKey, 400, "withdrawal.idempotency_key"},
			{"auditor files", post(auditor, "k2", body(all...)), 403, "access.forbidden"},
			{"counter-only reason, heir not allowed", post(filer, "k3", func() map[string]any {
				b := body(all...)
				b["heir_name"], b["heir_id_number"] = "李小明", demo.Employees[2].IDNumber
				return b
			}()), 400, "withdrawal.heir_not_allowed"},
		})
		p := apitest.CheckProblem(t, c.Do(t, missing), 400, "withdrawal.material_missing")
		if p["material"] != "建设工程规划许可证" {
			t.Errorf("problem names %v", p["material"])
		}
		got := apitest.Decode[wdReviewJSON](t, c.Do(t, post(filer, "k4", body(all...))), http.StatusCreated)
		if got.Status != "pending_review" || got.ReviewLevel != 1 {
			t.Fatalf("filed %+v", got)
		}
		again := apitest.Decode[wdReviewJSON](t, c.Do(t, post(filer, "k4", body(all...))), http.StatusOK)
		if again.ID != got.ID {
			t.Errorf("retry filed another application %d", again.ID)
		}
		if e := apitest.LastAudit(t, a); e.Action != "withdrawal.counter_submit" || e.Actor != "staff:counter1" {
			t.Errorf("audit %+v", e)
		}
		approve := apitest.Call{Method: http.MethodPost, Path: fmt.Sprintf("%s/withdrawals/%d/approve", staffBase, got.ID)}
		approve.Auth = filer
		runBad(t, a, c, []badCase{{"filer approves", approve, 403, "withdrawal.filer_reviews"}})
		approve.Auth = second
		paid := apitest.Decode[wdReviewJSON](t, c.Do(t, approve), http.StatusOK)
		if paid.Status != "paid" {
			t.Errorf("approved %+v", paid)
		}
		apitest.VerifyClean(t, a)
	})
}

// TestWithdrawalCounterResubmit: a counter filing returned by a reviewer is
// corrected at the counter through POST /withdrawals/{id}/resubmit: an
// auditor, a missing material, another reason and a rule failure are refused
// with nothing written; the correction goes back to 待初审 naming the
// corrector, is audited, and a repeat is withdrawal.status; neither the
// filer nor the corrector may approve it, a third reviewer does. An online
// application is not corrected at the counter.
func TestWithdrawalCounterResubmit(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, []string{"staffSession"})
		li := demo.Employees[1]
		filer := wdStaff(t, a, "counter1", access.RoleReviewer)
		corrector := wdStaff(t, a, "counter2", access.RoleReviewer)
		third := wdStaff(t, a, "reviewer3", access.RoleReviewer)
		auditor := wdStaff(t, a, "auditor1", access.RoleAuditor)
		all := []string{"建设工程规划许可证", "用地证明", "工程预算"}
		body := func(amount int64, materials ...string) map[string]any {
			return map[string]any{"account_no": li.AccountNo, "reason": "build", "amount_fen": amount, "bank_card": demo.BankCard(li),
				"proof_no": "JS-9", "cost_fen": 3_000_000, "materials_checked": materials}
		}
		filed := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: staffBase + "/withdrawals", Auth: filer,
			Body: body(2_000_000, all...), Header: map[string]string{"Idempotency-Key": "rs-1"}}), http.StatusCreated)
		path := func(id int64, verb string) string { return fmt.Sprintf("%s/withdrawals/%d/%s", staffBase, id, verb) }
		resubmit := func(auth string, id int64, b map[string]any) apitest.Call {
			delete(b, "account_no")
			return apitest.Call{Method: http.MethodPost, Path: path(id, "resubmit"), Auth: auth, Body: b}
		}
		runBad(t, a, c, []badCase{{"not returned yet", resubmit(corrector, filed.ID, body(1_500_000, all...)), 409, "withdrawal.status"}})
		apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path(filed.ID, "return"), Auth: third,
			Body: map[string]any{"comment": "工程预算与申报费用不符"}}), http.StatusOK)

		other := body(1_500_000, "诊断证明", "医疗费用票据", "医保结算单")
		other["reason"] = "medical"
		runBad(t, a, c, []badCase{
			{"auditor corrects", resubmit(auditor, filed.ID, body(1_500_000, all...)), 403, "access.forbidden"},
			{"material missing", resubmit(corrector, filed.ID, body(1_500_000, all[1:]...)), 400, "withdrawal.material_missing"},
			{"another reason", resubmit(corrector, filed.ID, other), 400, "withdrawal.unknown_reason"},
			{"above the declared cost", resubmit(corrector, filed.ID, body(3_000_001, all...)), 400, "withdrawal.amount_cap"},
			{"unknown application", resubmit(corrector, filed.ID+999, body(1_500_000, all...)), 404, "withdrawal.not_found"},
		})
		got := apitest.Decode[struct {
			wdReviewJSON
			AmountFen   int64    `json:"amount_fen"`
			FiledBy     string   `json:"filed_by"`
			CorrectedBy []string `json:"corrected_by"`
		}](t, c.Do(t, resubmit(corrector, filed.ID, body(1_500_000, all...))), http.StatusOK)
		if got.Status != "pending_review" || got.AmountFen != 1_500_000 || got.FiledBy != "staff:counter1" ||
			len(got.CorrectedBy) != 1 || got.CorrectedBy[0] != "staff:counter2" || got.Comment != "" {
			t.Fatalf("corrected %+v", got)
		}
		if e := apitest.LastAudit(t, a); e.Action != "withdrawal.counter_resubmit" || e.Actor != "staff:counter2" {
			t.Errorf("audit %+v", e)
		}
		runBad(t, a, c, []badCase{
			{"corrected twice", resubmit(corrector, filed.ID, body(1_500_000, all...)), 409, "withdrawal.status"},
			{"filer approves", apitest.Call{Method: http.MethodPost, Path: path(filed.ID, "approve"), Auth: filer}, 403, "withdrawal.filer_reviews"},
			{"corrector approves", apitest.Call{Method: http.MethodPost, Path: path(filed.ID, "approve"), Auth: corrector}, 403,
				"withdrawal.filer_reviews"},
		})
		paid := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path(filed.ID, "approve"), Auth: third}),
			http.StatusOK)
		if paid.Status != "paid" {
			t.Errorf("approved %+v", paid)
		}

		zhang := demo.Employees[3]
		own := wdSubmit(t, a, zhang, withdrawal.Input{Reason: "medical", Amount: 100_000, ProofNo: "ZD-2", CostFen: 200_000})
		apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path(own.ID, "return"), Auth: third,
			Body: map[string]any{"comment": "请补充票据"}}), http.StatusOK)
		ob := map[string]any{"amount_fen": 100_000, "bank_card": demo.BankCard(zhang), "proof_no": "ZD-2", "cost_fen": 200_000,
			"materials_checked": []string{"诊断证明", "医疗费用票据", "医保结算单"}}
		runBad(t, a, c, []badCase{{"online application", resubmit(corrector, own.ID, ob), 409, "withdrawal.not_counter_filed"}})
		apitest.VerifyClean(t, a)
	})
}
