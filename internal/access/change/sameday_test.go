package change_test

import (
	"context"
	"strconv"
	"testing"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/policy"
)

// TestSameDayChannelChanges: the app channel is switched off and on again
// on one business day through two approved change requests; both become
// versions of channel.matrix on that date and the second is in force.
func TestSameDayChannelChanges(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		tt := today(t, a)
		matrix := func() *catalog.Matrix {
			t.Helper()
			v, err := a.Policy.String(ctx, policy.ChannelMatrix, tt)
			if err != nil {
				t.Fatal(err)
			}
			m, err := catalog.ParseMatrix(v)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		before, err := a.Policy.Versions(ctx, policy.ChannelMatrix)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i, on := range []bool{false, true} {
			r, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindChannelState, Channel: "app", Enabled: &on, Reason: "临时停开"})
			if err != nil {
				t.Fatalf("submit %d: %v", i, err)
			}
			if _, err := a.Changes.Approve(ctx, "staff:checker", r.ID, ""); err != nil {
				t.Fatalf("approve %d: %v", i, err)
			}
			if got := matrix().Channels["app"]; got != on {
				t.Fatalf("after change %d the app channel is %v, want %v", i, got, on)
			}
			ids = append(ids, r.ID)
		}
		vs, err := a.Policy.Versions(ctx, policy.ChannelMatrix)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != len(before)+2 {
			t.Fatalf("%d versions, had %d", len(vs), len(before))
		}
		first, second := vs[len(vs)-2], vs[len(vs)-1]
		if first.EffectiveFrom != tt || second.EffectiveFrom != tt || second.Seq != first.Seq+1 ||
			first.ChangeRef != "change:"+strconv.FormatInt(ids[0], 10) || second.ChangeRef != "change:"+strconv.FormatInt(ids[1], 10) {
			t.Fatalf("versions %+v, %+v", first, second)
		}
		v, err := a.Policy.Value(ctx, policy.ChannelMatrix, tt)
		if err != nil || v.ChangeRef != second.ChangeRef {
			t.Fatalf("in force %+v, %v", v, err)
		}
		apitest.VerifyClean(t, a)
	})
}
