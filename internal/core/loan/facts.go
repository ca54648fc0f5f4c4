package loan

import (
	"context"
	"fmt"

	"gjj/internal/platform/db"
)

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
