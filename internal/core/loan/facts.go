package loan

import (
	"context"
	"fmt"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
)

// consecutiveMonths counts the months the account contributed without a gap
// up to its paid-through month, by the rule of the deposit certificate
// (deposit.IssueCertificate): months before the platform's first 汇缴 bill
// of the account (migrated history) count from the account's start month;
// from then on a month counts when a posted 汇缴 or 补缴 bill covers it.
//
// It reads the deposit tables (remittance, remittance_line) because the
// deposit core does not export this count; it must follow
// deposit.consecutiveMonthsTx if that rule changes.
func consecutiveMonths(ctx context.Context, q db.Querier, e *deposit.Employee) (int, error) {
	if e.PaidThrough.IsZero() {
		return 0, nil
	}
	var posted []struct {
		Month date.Month `db:"month"`
		Kind  string     `db:"kind"`
	}
	if err := q.SelectContext(ctx, &posted, `SELECT DISTINCT l.month, r.kind FROM remittance_line l JOIN remittance r ON r.id = l.remittance_id
		WHERE l.employee_account_id = ? AND r.status = ? AND l.month <= ?`, e.ID, deposit.BillPosted, e.PaidThrough); err != nil {
		return 0, fmt.Errorf("loan: posted months of %s: %w", e.AccountNo, err)
	}
	var unitFirst []date.Month
	if err := q.SelectContext(ctx, &unitFirst, `SELECT month FROM remittance WHERE unit_id = ? AND kind = ? AND status = ? ORDER BY month LIMIT 1`,
		e.UnitID, deposit.BillRemit, deposit.BillPosted); err != nil {
		return 0, fmt.Errorf("loan: first bill of unit: %w", err)
	}
	var cutover date.Month
	if len(unitFirst) > 0 {
		cutover = unitFirst[0]
	}
	has := make(map[date.Month]bool, len(posted))
	for _, p := range posted {
		has[p.Month] = true
		if p.Kind == deposit.BillRemit && (cutover.IsZero() || p.Month.Before(cutover)) {
			cutover = p.Month
		}
	}
	n := 0
	for m := e.PaidThrough; ; m = m.Add(-1) {
		if !e.StartMonth.IsZero() && m.Before(e.StartMonth) {
			return n, nil
		}
		migrated := !e.StartMonth.IsZero() && (cutover.IsZero() || m.Before(cutover))
		if !migrated && !has[m] {
			return n, nil
		}
		n++
	}
}

// openLoanOf reports the loan number of an open (not settled) loan in which
// the person is borrower or co-borrower, "" when none.
func openLoanOf(ctx context.Context, q db.Querier, personID int64) (string, error) {
	var nos []string
	if err := q.SelectContext(ctx, &nos, `SELECT loan_no FROM loan WHERE (open_person_id = ? OR open_co_person_id = ?) LIMIT 1`,
		personID, personID); err != nil {
		return "", fmt.Errorf("loan: open loans of person %d: %w", personID, err)
	}
	if len(nos) == 0 {
		return "", nil
	}
	return nos[0], nil
}

// openApplicationOf returns the id of the person's open application (as
// borrower or co-borrower), 0 when none.
func openApplicationOf(ctx context.Context, q db.Querier, personID int64) (int64, error) {
	var ids []int64
	if err := q.SelectContext(ctx, &ids, `SELECT id FROM loan_application WHERE status IN (?, ?, ?) AND (person_id = ? OR co_person_id = ?) LIMIT 1`,
		AppReviewing, AppApproved, AppSigned, personID, personID); err != nil {
		return 0, fmt.Errorf("loan: open applications of person %d: %w", personID, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// settledLoans counts the person's settled fund loans (as borrower or
// co-borrower) on this platform.
func settledLoans(ctx context.Context, q db.Querier, personID int64) (int, error) {
	var n int
	if err := q.GetContext(ctx, &n, `SELECT COUNT(*) FROM loan WHERE status = ? AND (person_id = ? OR co_person_id = ?)`,
		LoanSettled, personID, personID); err != nil {
		return 0, fmt.Errorf("loan: settled loans of person %d: %w", personID, err)
	}
	return n, nil
}
