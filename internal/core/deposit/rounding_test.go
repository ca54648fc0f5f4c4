package deposit_test

import (
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// TestContributionTable is the worked example of domain.md §1.5 (base 12,345.67).
func TestContributionTable(t *testing.T) {
	base := money.Fen(1234567)
	cases := []struct {
		bps  int64
		mode string
		want money.Fen
	}{
		{500, policy.HalfUpYuan, 61700}, {500, policy.HalfUpJiao, 61730}, {500, policy.HalfUpFen, 61728}, {500, policy.TruncYuan, 61700}, {500, policy.CeilYuan, 61800},
		{700, policy.HalfUpYuan, 86400}, {700, policy.HalfUpJiao, 86420}, {700, policy.HalfUpFen, 86420}, {700, policy.TruncYuan, 86400}, {700, policy.CeilYuan, 86500},
		{1200, policy.HalfUpYuan, 148100}, {1200, policy.HalfUpJiao, 148150}, {1200, policy.HalfUpFen, 148148}, {1200, policy.TruncYuan, 148100}, {1200, policy.CeilYuan, 148200},
		// The remaining modes: 舍入到分/角 and 见厘进分/见分进角.
		{500, policy.TruncFen, 61728}, {500, policy.TruncJiao, 61720}, {500, policy.CeilFen, 61729}, {500, policy.CeilJiao, 61730},
	}
	for _, c := range cases {
		got, err := deposit.Contribution(base, c.bps, c.mode)
		if err != nil || got != c.want {
			t.Errorf("Contribution(%s, %d bps, %s) = %s, %v; want %s", base, c.bps, c.mode, got, err, c.want)
		}
	}
	// Exact amounts never move, whatever the mode.
	for _, mode := range policy.RoundingModes {
		if got, _ := deposit.Contribution(1000000, 1200, mode); got != 120000 {
			t.Errorf("an exact amount changed under %s: %s", mode, got)
		}
	}
	if _, err := deposit.Contribution(base, 1200, "BANKERS"); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := deposit.Contribution(-1, 1200, policy.HalfUpYuan); err == nil {
		t.Error("negative base accepted")
	}
}
