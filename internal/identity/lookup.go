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
