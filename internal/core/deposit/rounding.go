package deposit

import (
	"fmt"

	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Contribution returns base × bps / 10000 rounded to the policy's unit with its
// mode (domain.md §1.5: nine modes, default 四舍五入到元). The unit part and the
// personal part are each rounded on their own. Integer arithmetic only: the
// exact product is base×bps in 1/10000 fen, then rounded once.
func Contribution(base money.Fen, bps int64, mode string) (money.Fen, error) {
	if base < 0 || bps < 0 || bps > 10000 || base > money.Max/10000 {
		return 0, fmt.Errorf("deposit: contribution of %d fen at %d bps out of range", base, bps)
	}
	exact := int64(base) * bps // in 1/10000 fen
	var unit int64             // rounding unit in fen
	switch mode {
	case policy.TruncFen, policy.HalfUpFen, policy.CeilFen:
		unit = 1
	case policy.TruncJiao, policy.HalfUpJiao, policy.CeilJiao:
		unit = 10
	case policy.TruncYuan, policy.HalfUpYuan, policy.CeilYuan:
		unit = 100
	default:
		return 0, fmt.Errorf("deposit: unknown rounding mode %q", mode)
	}
	div := 10000 * unit
	var q int64
	switch mode {
	case policy.TruncFen, policy.TruncJiao, policy.TruncYuan:
		q = exact / div
	case policy.HalfUpFen, policy.HalfUpJiao, policy.HalfUpYuan:
		q = (exact + div/2) / div
	default: // 见厘进分 / 见分进角 / 见角进元: any remainder rounds up
		q = (exact + div - 1) / div
	}
	return money.Fen(q * unit), nil
}
