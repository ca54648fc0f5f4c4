package unitapi_test

import (
	"net/http"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
)

func TestPreregistration(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, apitest.SessionSchemes)
		body := map[string]any{"uscc": "91440300708461136T", "name": "深圳测试有限公司", "address": "深圳市南山区测试路 8 号", "legal_rep": "赵六",
			"payday": 15, "unit_ratio_bps": 1000, "personal_ratio_bps": 1000, "agent_id_number": "440308199001011239", "agent_name": "赵六",
			"agent_mobile": "13900000009"}
		before := apitest.Snapshot(t, a)
		r := c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/preregistrations", Body: body})
		got := apitest.Decode[struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}](t, r, http.StatusCreated)
		if got.ID == 0 || got.Status != "pending" {
			t.Fatalf("pre-registration = %+v", got)
		}
		apitest.Wrote(t, a, before, map[string]int64{"unit_prereg": 1, "audit_log": 1})
		// The same credit code again, a bad credit code, a ratio out of bounds: refused, nothing written.
		before = apitest.Snapshot(t, a)
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/preregistrations", Body: body}), http.StatusConflict, "deposit.duplicate_unit")
		bad := map[string]any{}
		for k, v := range body {
			bad[k] = v
		}
		bad["uscc"] = "91440300708461136X"
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/preregistrations", Body: bad}), http.StatusBadRequest, "ident.uscc_checksum")
		bad["uscc"], bad["unit_ratio_bps"] = "91110000802100433B", 1300
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/preregistrations", Body: bad}), http.StatusBadRequest, "deposit.ratio_out_of_range")
		apitest.Unchanged(t, a, before)
		apitest.VerifyClean(t, a)
	})
}
