package unitapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/db"
	"gjj/internal/policy"
)

// TestChannelGate: the unit API's routes pass the channel gate as their
// service items. Switching 职工开户 (DW-04) off closes POST /employees with
// 503 channel.closed naming the counter, and writes nothing; the unit's
// queries (DW-11) stay open.
func TestChannelGate(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := apitest.Server(t, a, apitest.SessionSchemes)
		agent := login(t, c, apitest.NewOTP(), "100000000001")

		var m map[string]any
		if err := json.Unmarshal([]byte(catalog.DefaultMatrixJSON()), &m); err != nil {
			t.Fatal(err)
		}
		row := m["items"].(map[string]any)["DW-04"].(map[string]any)["channels"].(map[string]any)
		row["unit"].(map[string]any)["enabled"] = false
		off, _ := json.Marshal(m)
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = a.DB.InTx(ctx, func(tx *db.Tx) error {
			return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.ChannelMatrix, Value: string(off), EffectiveFrom: today,
				CreatedBy: "maker", ApprovedBy: "checker"})
		})
		if err != nil {
			t.Fatal(err)
		}
		a.Gate.Invalidate()

		body := map[string]any{"id_number": apitest.ResidentID("11010119900307001"), "name": "赵六", "phone": "13900000011",
			"base_fen": 500_000, "bank_card": "6222020200001234567"}
		before := apitest.Snapshot(t, a)
		p := apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: body, Auth: agent}),
			http.StatusServiceUnavailable, "channel.closed")
		alts, _ := p["alternatives"].([]any)
		if p["item"] != "DW-04" || p["channel"] != "unit" || len(alts) != 1 || alts[0].(map[string]any)["channel"] != "counter" {
			t.Errorf("refusal %v; want DW-04 on unit with the counter as the alternative", p)
		}
		apitest.Unchanged(t, a, before)

		r := c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: agent})
		if r.Status != http.StatusOK {
			t.Errorf("account query while DW-04 is off: %s", r)
		}
	})
}
