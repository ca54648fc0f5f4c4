package identity

import (
	"context"
	"fmt"

	"gjj/internal/platform/db"
)

// Person is a person the fund knows, as a lookup by ID number answers it.
type Person struct {
	ID     int64  `db:"id"`
	Name   string `db:"name"`
	IDType string `db:"id_type"`
}

// PersonByIDNumber finds the person with a resident ID number (证件类型 01,
// normalised, e.g. by ident.ParseResidentID) and answers nil, nil when the
// fund does not know them. Any trusted caller (e.g. the gov channel after
// checking an agency's authorization) may call it; it returns only store
// errors.
func (s *Service) PersonByIDNumber(ctx context.Context, idNumber string) (*Person, error) {
	var p Person
	err := s.db.GetContext(ctx, &p, `SELECT id, name, id_type FROM person WHERE id_type = '01' AND id_number = ?`, idNumber)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read person: %w", err)
	}
	return &p, nil
}

// PersonByReservedMobile returns the person whose open account has phone as
// its reserved mobile, and false when no person or more than one has it (a
// shared number identifies nobody). For channels that identify by the
// sending phone (12329 SMS).
func (s *Service) PersonByReservedMobile(ctx context.Context, phone string) (int64, bool, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT DISTINCT person_id FROM employee_account WHERE reserved_mobile = ?
		AND status NOT IN ('03', '04', '05')`, phone); err != nil {
		return 0, false, fmt.Errorf("identity: reserved mobile: %w", err)
	}
	if len(ids) != 1 {
		return 0, false, nil
	}
	return ids[0], true, nil
}
