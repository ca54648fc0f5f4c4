package change_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/policy"
)

// TestPeakWindowsAsParam: channel.peak_windows goes through the param kind
// (maker submits, a checker approves), is validated strictly, and the gate
// applies it as soon as it is approved.
func TestPeakWindowsAsParam(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		doc := `{"windows":[{"name":"月初汇缴高峰","items":["DW-07"],"day_from":1,"day_to":5,
			"capacity":{"unit":{"fund":{"rate_per_s":7,"burst":77}}}}]}`
		bad := strings.Replace(doc, `"day_from":1`, `"day_from":9`, 1)
		_, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.ChannelPeakWindows, Value: bad,
			EffectiveFrom: today(t, a).String(), Reason: "月初汇缴扩容"})
		wantCode(t, err, "policy.invalid_value")

		r, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.ChannelPeakWindows, Value: doc,
			EffectiveFrom: today(t, a).String(), Reason: "月初汇缴扩容"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Impact.Summary, "月初汇缴高峰") || r.Impact.Count == nil || *r.Impact.Count != 1 {
			t.Errorf("impact %+v", r.Impact)
		}
		inWindow := time.Date(2026, 5, 2, 10, 0, 0, 0, date.Shanghai)
		if rate, w := a.Gate.Capacity(ctx, "unit", catalog.ClassFund, inWindow); w != "" || rate.Burst == 77 {
			t.Fatalf("before approval: %+v from %q", rate, w)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", r.ID, "同意"); err != nil {
			t.Fatal(err)
		}
		if rate, w := a.Gate.Capacity(ctx, "unit", catalog.ClassFund, inWindow); w != "月初汇缴高峰" || rate.Burst != 77 {
			t.Errorf("after approval: %+v from %q", rate, w)
		}
		outside := time.Date(2026, 5, 6, 10, 0, 0, 0, date.Shanghai)
		if rate, w := a.Gate.Capacity(ctx, "unit", catalog.ClassFund, outside); w != "" || rate.Burst == 77 {
			t.Errorf("outside the window: %+v from %q", rate, w)
		}
		// The other JSON documents still go through their own kinds.
		_, err = a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.ChannelCapacity, Value: "{}", Reason: "x"})
		wantCode(t, err, "change.use_channel_kinds")
	})
}
