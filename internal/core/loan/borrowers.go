package loan

import (
	"context"
	"fmt"

	"gjj/internal/platform/db"
)

// OpenBorrowers returns the persons who are borrower or co-borrower of an
// open (not settled) loan, each once, for a batch SMS to borrowers
// (internal/access/change, kind sms_batch). q may be a transaction. Errors:
// store errors.
func OpenBorrowers(ctx context.Context, q db.Querier) ([]int64, error) {
	var ids []int64
	if err := q.SelectContext(ctx, &ids, `SELECT open_person_id FROM loan WHERE open_person_id IS NOT NULL
		UNION SELECT open_co_person_id FROM loan WHERE open_co_person_id IS NOT NULL`); err != nil {
		return nil, fmt.Errorf("loan: open borrowers: %w", err)
	}
	return ids, nil
}
