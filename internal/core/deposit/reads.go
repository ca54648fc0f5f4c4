package deposit

import (
	"context"
	"fmt"

	"gjj/internal/platform/db"
)

const unitCols = `id, unit_no, uscc, name, address, legal_rep, payday, bank_code, status, ratio_unit_bps, ratio_person_bps,
	first_month, paid_through, suspense_ledger_id, opened_on, closed_on, close_reason, created_at, updated_at`

const employeeCols = `e.id, e.account_no, e.person_id, e.unit_id, e.status, e.prev_status, e.base_fen, e.reserved_mobile, e.bank_card,
	e.start_month, e.paid_through, e.carry_fen, e.status_reason, e.status_on, e.opened_on, e.closed_on, e.ledger_account_id,
	e.created_at, e.updated_at, p.id_type, p.id_number, p.name, l.balance_fen, u.unit_no, u.name AS unit_name`

const employeeFrom = ` FROM employee_account e JOIN person p ON p.id = e.person_id JOIN ledger_account l ON l.id = e.ledger_account_id
	JOIN unit u ON u.id = e.unit_id`

// Unit returns the unit with the unit number (ErrUnitNotFound).
func (s *Service) Unit(ctx context.Context, unitNo string) (*Unit, error) {
	return unitByNo(ctx, s.db, unitNo)
}

func unitByNo(ctx context.Context, q db.Querier, unitNo string) (*Unit, error) {
	var u Unit
	err := q.GetContext(ctx, &u, `SELECT `+unitCols+` FROM unit WHERE unit_no = ?`, unitNo)
	if db.NoRows(err) {
		return nil, ErrUnitNotFound.With("unit_no", unitNo)
	}
	if err != nil {
		return nil, fmt.Errorf("read unit %s: %w", unitNo, err)
	}
	return &u, nil
}

// lockUnit row-locks the unit (MySQL; SQLite transactions hold the write lock)
// and returns it as it is now.
func lockUnit(ctx context.Context, tx *db.Tx, unitNo string) (*Unit, error) {
	var u Unit
	err := tx.GetContext(ctx, &u, `SELECT `+unitCols+` FROM unit WHERE unit_no = ?`+tx.Dialect.ForUpdate(), unitNo)
	if db.NoRows(err) {
		return nil, ErrUnitNotFound.With("unit_no", unitNo)
	}
	if err != nil {
		return nil, fmt.Errorf("lock unit %s: %w", unitNo, err)
	}
	return &u, nil
}

// PersonAccount returns the person's employee account: the open one, or when
// every account of the person is closed the most recent (ErrEmployeeNotFound
// when the person never had one). Personal channels call it with the person
// of the session, so a person only ever reads their own account.
func (s *Service) PersonAccount(ctx context.Context, personID int64) (*Employee, error) {
	var e Employee
	err := s.db.GetContext(ctx, &e, `SELECT `+employeeCols+employeeFrom+` WHERE e.person_id = ?
		ORDER BY CASE WHEN e.status IN ('03', '04', '05') THEN 1 ELSE 0 END, e.id DESC LIMIT 1`, personID)
	if db.NoRows(err) {
		return nil, ErrEmployeeNotFound.With("person", personID)
	}
	if err != nil {
		return nil, fmt.Errorf("read account of person %d: %w", personID, err)
	}
	return &e, nil
}

// Employee returns the employee account with the account number (ErrEmployeeNotFound).
func (s *Service) Employee(ctx context.Context, accountNo string) (*Employee, error) {
	return employeeByNo(ctx, s.db, accountNo)
}

func employeeByNo(ctx context.Context, q db.Querier, accountNo string) (*Employee, error) {
	var e Employee
	err := q.GetContext(ctx, &e, `SELECT `+employeeCols+employeeFrom+` WHERE e.account_no = ?`, accountNo)
	if db.NoRows(err) {
		return nil, ErrEmployeeNotFound.With("account_no", accountNo)
	}
	if err != nil {
		return nil, fmt.Errorf("read employee account %s: %w", accountNo, err)
	}
	return &e, nil
}

// lockEmployee row-locks the employee account (only that row: the ledger
// locks its own rows when it posts) and returns it as it is now.
func lockEmployee(ctx context.Context, tx *db.Tx, accountNo string) (*Employee, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM employee_account WHERE account_no = ?`+tx.Dialect.ForUpdate(), accountNo)
	if db.NoRows(err) {
		return nil, ErrEmployeeNotFound.With("account_no", accountNo)
	}
	if err != nil {
		return nil, fmt.Errorf("lock employee account %s: %w", accountNo, err)
	}
	return employeeByNo(ctx, tx, accountNo)
}

// EmployeeFilter selects a unit's employees for Employees.
type EmployeeFilter struct {
	Status string // "" = all
	Query  string // matches name or account number (prefix); "" = all
	Offset int
	Limit  int // 1..500, default 50
}

// Employees lists a unit's employees by account number with the total count.
func (s *Service) Employees(ctx context.Context, unitNo string, f EmployeeFilter) ([]Employee, int, error) {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	where := ` WHERE e.unit_id = ?`
	args := []any{u.ID}
	if f.Status != "" {
		where += ` AND e.status = ?`
		args = append(args, f.Status)
	}
	if f.Query != "" {
		where += ` AND (p.name = ? OR e.account_no LIKE ?)`
		args = append(args, f.Query, f.Query+"%")
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*)`+employeeFrom+where, args...); err != nil {
		return nil, 0, fmt.Errorf("count employees: %w", err)
	}
	var out []Employee
	q := `SELECT ` + employeeCols + employeeFrom + where + fmt.Sprintf(` ORDER BY e.account_no LIMIT %d OFFSET %d`, f.Limit, f.Offset)
	if err := s.db.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, 0, fmt.Errorf("list employees: %w", err)
	}
	return out, total, nil
}
