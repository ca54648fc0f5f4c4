package deposit

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
)

// ConsecutiveMonths returns the employee account's 连续缴存月数: the months
// contributed without a gap up to its paid-through month, by the one rule the
// deposit certificate states (see IssueCertificate): counting back from
// paid_through, a month counts while it is not before start_month and either
// a posted 汇缴/补缴 bill has a line for it, or it lies before the platform's
// first 汇缴 for the account (migrated history, where paid_through is the
// only record); an account never paid has 0 months.
//
// The withdrawal and loan cores call it for their eligibility rules; q is the
// caller's transaction (with the account locked) or the pool. It only reads.
//
// Errors: ErrInvalidInput (empty account number), ErrEmployeeNotFound, store
// errors.
func ConsecutiveMonths(ctx context.Context, q db.Querier, accountNo string) (int, error) {
	accountNo = strings.TrimSpace(accountNo)
	if accountNo == "" {
		return 0, remitErr(ErrInvalidInput, "请填写个人账号").With("field", "account_no")
	}
	var e Employee
	err := q.GetContext(ctx, &e, `SELECT id, account_no, unit_id, start_month, paid_through FROM employee_account WHERE account_no = ?`, accountNo)
	if db.NoRows(err) {
		return 0, ErrEmployeeNotFound.With("account_no", accountNo)
	}
	if err != nil {
		return 0, fmt.Errorf("read employee account %s: %w", accountNo, err)
	}
	return consecutiveMonths(ctx, q, &e)
}

// consecutiveMonths counts the months contributed without a gap up to e's
// paid-through month (ConsecutiveMonths); it reads e's ID, AccountNo, UnitID,
// StartMonth and PaidThrough.
func consecutiveMonths(ctx context.Context, q db.Querier, e *Employee) (int, error) {
	if e.PaidThrough.IsZero() {
		return 0, nil
	}
	var posted []struct {
		Month date.Month `db:"month"`
		Kind  string     `db:"kind"`
	}
	if err := q.SelectContext(ctx, &posted, `SELECT DISTINCT l.month, r.kind FROM remittance_line l JOIN remittance r ON r.id = l.remittance_id
		WHERE l.employee_account_id = ? AND r.status = ? AND l.month <= ?`, e.ID, BillPosted, e.PaidThrough); err != nil {
		return 0, fmt.Errorf("posted months of %s: %w", e.AccountNo, err)
	}
	var unitFirst []date.Month
	if err := q.SelectContext(ctx, &unitFirst, `SELECT month FROM remittance WHERE unit_id = ? AND kind = ? AND status = ? ORDER BY month LIMIT 1`,
		e.UnitID, BillRemit, BillPosted); err != nil {
		return 0, fmt.Errorf("first bill of unit: %w", err)
	}
	// The cutover is the platform's first 汇缴 month for the account: 汇缴
	// bills run month by month from go-live, while a 补缴 may reach back into
	// migrated years and must not move the cutover there.
	var cutover date.Month // zero = no 汇缴 on the platform yet
	if len(unitFirst) > 0 {
		cutover = unitFirst[0]
	}
	has := make(map[date.Month]bool, len(posted))
	for _, p := range posted {
		has[p.Month] = true
		if p.Kind == BillRemit && (cutover.IsZero() || p.Month.Before(cutover)) {
			cutover = p.Month
		}
	}
	return countConsecutive(e.StartMonth, e.PaidThrough, cutover, has), nil
}

// countConsecutive counts back from paid while each month is not before start
// (a zero start only bounds by the posted lines) and is either before cutover
// (migrated history; a zero cutover means no platform bill yet) or posted.
func countConsecutive(start, paid, cutover date.Month, posted map[date.Month]bool) int {
	n := 0
	for m := paid; ; m = m.Add(-1) {
		if !start.IsZero() && m.Before(start) {
			return n
		}
		migrated := !start.IsZero() && (cutover.IsZero() || m.Before(cutover))
		if !migrated && !posted[m] {
			return n
		}
		n++
	}
}
