package deposit

import (
	"context"
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

// Monthly is an account's monthly contribution (月缴存额): the unit part and
// the personal part, each rounded on its own, and their sum.
type Monthly struct {
	Unit, Personal, Total money.Fen
}

// MonthlyAmount is what the account's unit and person pay a month as remittance
// bills and certificates compute it: Contribution of the base at the unit's
// ratios in the deposit.rounding mode in force on the first day of the
// business month. It is zero unless the account is 01 正常 (only those are
// billed). Every channel shows this figure; none computes its own.
func (s *Service) MonthlyAmount(ctx context.Context, e *Employee) (Monthly, error) {
	var m Monthly
	if e.Status != EmpNormal {
		return m, nil
	}
	u, err := s.Unit(ctx, e.UnitNo)
	if err != nil {
		return m, err
	}
	today, err := s.dates.Today(ctx)
	if err != nil {
		return m, err
	}
	mode, err := s.policy.String(ctx, policy.DepositRounding, today.MonthOf().First())
	if err != nil {
		return m, err
	}
	if m.Unit, err = Contribution(e.Base, u.UnitBps, mode); err != nil {
		return m, err
	}
	if m.Personal, err = Contribution(e.Base, u.PersonBps, mode); err != nil {
		return m, err
	}
	m.Total, err = money.Add(m.Unit, m.Personal)
	return m, err
}
