package deposit

import (
	"context"
	"fmt"

	"gjj/internal/platform/db"
)

// Recipient is a person with an open employee account (not 03/04/05 销户)
// and the account's reserved mobile (预留手机号).
type Recipient struct {
	PersonID int64  `db:"person_id"`
	Phone    string `db:"reserved_mobile"`
}

// NoticeRecipients lists the persons with an open account and their reserved
// mobiles, ordered by person, for a batch SMS (internal/access/change, kind
// sms_batch): every open account when unitNo is "", else the open accounts of
// that unit. q may be a transaction. Errors: ErrUnitNotFound; store errors.
func NoticeRecipients(ctx context.Context, q db.Querier, unitNo string) ([]Recipient, error) {
	query := `SELECT e.person_id, e.reserved_mobile FROM employee_account e WHERE e.status NOT IN (?, ?, ?)`
	args := []any{EmpMerged, EmpTransferred, EmpWithdrawn}
	if unitNo != "" {
		var ids []int64
		if err := q.SelectContext(ctx, &ids, `SELECT id FROM unit WHERE unit_no = ?`, unitNo); err != nil {
			return nil, fmt.Errorf("deposit: recipients: %w", err)
		}
		if len(ids) != 1 {
			return nil, ErrUnitNotFound.With("unit_no", unitNo)
		}
		query, args = query+` AND e.unit_id = ?`, append(args, ids[0])
	}
	var out []Recipient
	if err := q.SelectContext(ctx, &out, query+` ORDER BY e.person_id`, args...); err != nil {
		return nil, fmt.Errorf("deposit: recipients: %w", err)
	}
	return out, nil
}
