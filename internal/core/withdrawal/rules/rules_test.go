package rules_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/policy"
)

func TestDefault(t *testing.T) {
	d := rules.Default()
	if len(d.Reasons) != 12 {
		t.Fatalf("%d reasons, want one per catalog item TQ-01…TQ-12", len(d.Reasons))
	}
	keys := d.Keys()
	if keys[0] != "purchase" || keys[len(keys)-1] != "medical" {
		t.Errorf("keys in item order: %v", keys)
	}
	for _, k := range keys {
		r, _ := d.Reason(k)
		if r.Key != k || r.Loan == "" {
			t.Errorf("reason %s: key %q loan %q", k, r.Key, r.Loan)
		}
		if (r.Type == rules.Close) != (r.Type.BizType() == "12") {
			t.Errorf("reason %s: biz type %s", k, r.Type.BizType())
		}
	}
	// The shipped document is the seeded parameter value and validates as such.
	sp, ok := policy.Lookup(policy.WithdrawRules)
	if !ok || sp.Kind != policy.KindJSON {
		t.Fatalf("withdraw.rules not registered as JSON: %+v", sp)
	}
	if err := sp.Validate(rules.DefaultJSON()); err != nil {
		t.Fatal(err)
	}
}

// TestParseRefuses changes one thing in the default document at a time.
func TestParseRefuses(t *testing.T) {
	cases := []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"unknown top field", func(m map[string]any) { m["extra"] = 1 }, "未知的字段"},
		{"no reasons", func(m map[string]any) { m["reasons"] = map[string]any{} }, "缺少 reasons"},
		{"auto above four eyes", func(m map[string]any) { review(m)["auto_approve_max_fen"] = 20_000_000 }, "不能高于"},
		{"deadline zero", func(m map[string]any) { review(m)["decision_working_days"] = 0 }, "decision_working_days"},
		{"bad key", func(m map[string]any) { reasons(m)["Rent"] = reasons(m)["rent"]; delete(reasons(m), "rent") }, "提取原因代码 \"Rent\""},
		{"unknown reason field", func(m map[string]any) { reason(m, "rent")["colour"] = "red" }, "未知的字段"},
		{"item not a withdrawal", func(m map[string]any) { reason(m, "rent")["item"] = "GR-01" }, "不是事项目录中的提取事项"},
		{"item twice", func(m map[string]any) { reason(m, "rent")["item"] = "TQ-01" }, "使用了同一服务事项 TQ-01"},
		{"bad type", func(m map[string]any) { reason(m, "rent")["type"] = "some" }, "type 须为 partial"},
		{"frozen status", func(m map[string]any) { reason(m, "rent")["statuses"] = []string{"01", "06"} }, "只能包含 01"},
		{"no status", func(m map[string]any) { reason(m, "rent")["statuses"] = []string{} }, "不能为空"},
		{"bad tqyy", func(m map[string]any) { reason(m, "rent")["tqyy"] = "7" }, "tqyy"},
		{"close with a partial cap", func(m map[string]any) { reason(m, "retire")["cap"] = map[string]any{"kind": "balance"} }, "销户提取（type close）的额度须为 full"},
		{"partial with full", func(m map[string]any) { reason(m, "rent")["cap"] = map[string]any{"kind": "full"} }, "须为 full"},
		{"per month without months", func(m map[string]any) { reason(m, "rent")["cap"] = map[string]any{"kind": "per_month", "fen": 100} }, "1 至 120 的 months"},
		{"declared field not required", func(m map[string]any) { reason(m, "medical")["fields"] = []string{"proof_no"} }, "declared"},
		{"unknown field", func(m map[string]any) { reason(m, "rent")["fields"] = []string{"salary"} }, "不是已知的申请信息"},
		{"contract without years", func(m map[string]any) { reason(m, "purchase")["contract_years"] = 0 }, "contract_years"},
		{"sealed without 02", func(m map[string]any) { reason(m, "rent")["require_sealed"] = true }, "须包含 02"},
		{"loan cap without loan rule", func(m map[string]any) { reason(m, "repay_loan")["loan"] = "any" }, "loan 为 required"},
		{"bad loan rule", func(m map[string]any) { reason(m, "rent")["loan"] = "maybe" }, "须为 forbidden"},
		{"not JSON", nil, "JSON 不完整"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := "{"
			if c.change != nil {
				var m map[string]any
				if err := json.Unmarshal([]byte(rules.DefaultJSON()), &m); err != nil {
					t.Fatal(err)
				}
				c.change(m)
				b, _ := json.Marshal(m)
				doc = string(b)
			}
			_, err := rules.Parse(doc)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			sp, _ := policy.Lookup(policy.WithdrawRules)
			if verr := sp.Validate(doc); verr == nil || !strings.Contains(verr.Error(), "policy.invalid_value") {
				t.Errorf("policy validation: %v", verr)
			}
		})
	}
}

func review(m map[string]any) map[string]any  { return m["review"].(map[string]any) }
func reasons(m map[string]any) map[string]any { return m["reasons"].(map[string]any) }
func reason(m map[string]any, k string) map[string]any {
	return reasons(m)[k].(map[string]any)
}
