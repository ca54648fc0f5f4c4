package identity

import (
	"context"
	"fmt"
	"time"
)

// StaffUser is one center staff account (no credential data).
type StaffUser struct {
	Username    string    `db:"username" json:"username"`
	DisplayName string    `db:"display_name" json:"display_name"`
	Branch      string    `db:"branch" json:"branch"`
	Status      string    `db:"status" json:"status"` // "active" may sign in
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// MaxStaffUsers is the most staff users StaffUsers lists.
const MaxStaffUsers = 1000

// StaffUsers lists the staff users by username (at most MaxStaffUsers), for
// the admin console's users-and-roles page; roles come from access control.
// It only reads. Errors: store errors only.
func (s *Service) StaffUsers(ctx context.Context) ([]StaffUser, error) {
	out := []StaffUser{}
	if err := s.db.SelectContext(ctx, &out, fmt.Sprintf(`SELECT username, display_name, branch, status, created_at FROM staff_user
		ORDER BY username LIMIT %d`, MaxStaffUsers)); err != nil {
		return nil, fmt.Errorf("list staff users: %w", err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}
