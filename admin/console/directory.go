package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/db"
)

// directory holds the console's only queries of its own: read-only index
// lookups the core services do not offer yet — pending deferrals across
// every unit, accounts across every unit by account number, name or ID
// number, and the staff user list. They return keys only (ids, account
// numbers) and the pages then read each record through the deposit core, so
// no business rule and no masking lives here. They belong in the cores
// (deposit.PendingDeferrals, deposit.SearchEmployees, identity.StaffUsers)
// and should move there when those exist; nothing else should use them.
type directory struct{ db *db.DB }

// maxQueue bounds a review queue page.
const maxQueue = 200

// pendingDeferrals returns the ids of pending deferral applications, oldest
// first (at most maxQueue), and how many are pending in all.
func (d directory) pendingDeferrals(ctx context.Context) ([]int64, int, error) {
	var total int
	if err := d.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM deferral WHERE status = ?`, deposit.DeferralPending); err != nil {
		return nil, 0, fmt.Errorf("count pending deferrals: %w", err)
	}
	ids := []int64{}
	if err := d.db.SelectContext(ctx, &ids, fmt.Sprintf(`SELECT id FROM deferral WHERE status = ? ORDER BY id LIMIT %d`, maxQueue),
		deposit.DeferralPending); err != nil {
		return nil, 0, fmt.Errorf("list pending deferrals: %w", err)
	}
	return ids, total, nil
}

// accountQuery selects employee accounts: every non-empty field must match.
// AccountNo matches as a prefix, Name exactly, IDNumber either exactly (18
// characters) or, when IDPattern is set, as the first 6 and last 4
// characters of a masked number (110105********002X).
type accountQuery struct {
	AccountNo string
	Name      string
	IDNumber  string
	IDPattern bool
}

// searchAccounts returns one page of account numbers matching q, by account
// number, and the number of matches.
func (d directory) searchAccounts(ctx context.Context, q accountQuery, offset, limit int) ([]string, int, error) {
	var where []string
	var args []any
	if q.AccountNo != "" {
		where, args = append(where, "e.account_no LIKE ?"), append(args, q.AccountNo+"%")
	}
	if q.Name != "" {
		where, args = append(where, "p.name = ?"), append(args, q.Name)
	}
	if q.IDNumber != "" {
		if q.IDPattern {
			where, args = append(where, "p.id_number LIKE ?"), append(args, q.IDNumber[:6]+strings.Repeat("_", 8)+q.IDNumber[14:])
		} else {
			where, args = append(where, "p.id_number = ?"), append(args, q.IDNumber)
		}
	}
	if len(where) == 0 {
		return nil, 0, nil
	}
	from := ` FROM employee_account e JOIN person p ON p.id = e.person_id WHERE ` + strings.Join(where, " AND ")
	var total int
	if err := d.db.GetContext(ctx, &total, `SELECT COUNT(*)`+from, args...); err != nil {
		return nil, 0, fmt.Errorf("count accounts: %w", err)
	}
	nos := []string{}
	if err := d.db.SelectContext(ctx, &nos, fmt.Sprintf(`SELECT e.account_no`+from+` ORDER BY e.account_no LIMIT %d OFFSET %d`, limit, offset),
		args...); err != nil {
		return nil, 0, fmt.Errorf("search accounts: %w", err)
	}
	return nos, total, nil
}

// staffUser is one row of the staff list.
type staffUser struct {
	Username    string    `db:"username"`
	DisplayName string    `db:"display_name"`
	Branch      string    `db:"branch"`
	Status      string    `db:"status"`
	CreatedAt   time.Time `db:"created_at"`
}

// staffUsers lists the staff users by username.
func (d directory) staffUsers(ctx context.Context) ([]staffUser, error) {
	out := []staffUser{}
	if err := d.db.SelectContext(ctx, &out, `SELECT username, display_name, branch, status, created_at FROM staff_user
		ORDER BY username LIMIT 1000`); err != nil {
		return nil, fmt.Errorf("list staff users: %w", err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}
