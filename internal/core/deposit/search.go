package deposit

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// MaxPendingDeferrals is the most pending deferrals one PendingDeferrals call
// returns.
const MaxPendingDeferrals = 500

// PendingDeferrals returns the pending deferral applications (缓缴, status
// DeferralPending) of every unit, oldest first, at most limit of them (1 to
// MaxPendingDeferrals; other values mean 200), and how many are pending in
// all. For staff review queues (the admin console); it only reads.
//
// Errors: store errors only.
func (s *Service) PendingDeferrals(ctx context.Context, limit int) ([]Deferral, int, error) {
	if limit <= 0 || limit > MaxPendingDeferrals {
		limit = 200
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM deferral WHERE status = ?`, DeferralPending); err != nil {
		return nil, 0, fmt.Errorf("count pending deferrals: %w", err)
	}
	out := []Deferral{}
	if err := s.db.SelectContext(ctx, &out, deferralSelect+fmt.Sprintf(` WHERE d.status = ? ORDER BY d.id LIMIT %d`, limit),
		DeferralPending); err != nil {
		return nil, 0, fmt.Errorf("list pending deferrals: %w", err)
	}
	for i := range out {
		out[i].AppliedAt = out[i].AppliedAt.UTC()
	}
	return out, total, nil
}

// EmployeeSearch selects employee accounts across every unit for
// SearchEmployees: every non-empty criterion must match.
type EmployeeSearch struct {
	AccountNo string // digits: a prefix of the account number
	Name      string // the holder's name, exactly
	// IDNumber is either a full 18-character ID number (matched exactly) or
	// a masked one, the first 6 and last 4 characters around 8 '*'
	// (110105********002X), matching every number with those ends.
	IDNumber string
	Offset   int
	Limit    int // 1..500, default 50
}

var (
	searchAccountNo = regexp.MustCompile(`^[0-9]{1,20}$`)
	searchMaskedID  = regexp.MustCompile(`^[0-9]{6}\*{8}[0-9]{3}[0-9X]$`)
	searchFullID    = regexp.MustCompile(`^[0-9]{17}[0-9X]$`)
)

// SearchEmployees finds employee accounts of any unit by account number
// (prefix), name or ID number (full or masked) and returns one page of them
// ordered by account number, with the number of matches. Staff only (the
// admin console's account lookup); the records are unmasked, so callers mask
// what they show. It only reads.
//
// Errors: ErrInvalidInput (no criterion, an account number that is not
// digits, an ID number that is neither full nor masked); store errors.
func (s *Service) SearchEmployees(ctx context.Context, q EmployeeSearch) ([]Employee, int, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	q.Offset = max(q.Offset, 0)
	var where []string
	var args []any
	if q.AccountNo != "" {
		if !searchAccountNo.MatchString(q.AccountNo) {
			return nil, 0, remitErr(ErrInvalidInput, "个人账号应为数字").With("field", "account_no")
		}
		where, args = append(where, "e.account_no LIKE ?"), append(args, q.AccountNo+"%")
	}
	if q.Name != "" {
		where, args = append(where, "p.name = ?"), append(args, q.Name)
	}
	if id := strings.ToUpper(q.IDNumber); id != "" {
		switch {
		case searchMaskedID.MatchString(id):
			where, args = append(where, "p.id_number LIKE ?"), append(args, id[:6]+strings.Repeat("_", 8)+id[14:])
		case searchFullID.MatchString(id):
			where, args = append(where, "p.id_number = ?"), append(args, id)
		default:
			return nil, 0, remitErr(ErrInvalidInput, "证件号码应为 18 位，或前 6 位加 8 个 * 加后 4 位").With("field", "id_number")
		}
	}
	if len(where) == 0 {
		return nil, 0, remitErr(ErrInvalidInput, "请至少输入个人账号、姓名或证件号码中的一项")
	}
	cond := ` WHERE ` + strings.Join(where, " AND ")
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM employee_account e JOIN person p ON p.id = e.person_id`+cond,
		args...); err != nil {
		return nil, 0, fmt.Errorf("count accounts: %w", err)
	}
	out := []Employee{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+employeeCols+employeeFrom+cond+
		fmt.Sprintf(` ORDER BY e.account_no LIMIT %d OFFSET %d`, q.Limit, q.Offset), args...); err != nil {
		return nil, 0, fmt.Errorf("search accounts: %w", err)
	}
	return out, total, nil
}
