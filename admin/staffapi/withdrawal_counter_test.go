package staffapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
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
