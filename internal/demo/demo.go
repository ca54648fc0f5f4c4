// Package demo seeds the demonstration data that `gjj demo` and `gjj serve
// --demo` put into a database: staff users, one unit with its agent, a handful
// of employees with opening balances. Every demo login uses the same password
// and TOTP secret; they are for demonstrations only and README says so.
package demo

import (
	"context"
	"errors"
	"fmt"

	"gjj/internal/audit"
	"gjj/internal/identity"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// Demo credentials (demo only).
const (
	Password   = "Demo#2026"
	TOTPSecret = "JBSWY3DPEHPK3PXP"
	UnitUSCC   = "91350100M000100Y43"
	UnitName   = "示例科技有限公司"
	UnitNo     = "100000000001"
	AgentID    = "11010519491231002X"
)

// Staff are the demo staff users: username → display name. Their roles are
// granted by the access package when it lands (admin sysadmin; maker
// param_maker + channel_admin; checker param_checker; reviewer reviewer).
var Staff = []struct{ Username, Name string }{
	{"admin", "系统管理员"},
	{"maker", "参数经办"},
	{"checker", "参数复核"},
	{"reviewer", "业务审核"},
}

// Employee is a demo employee of the demo unit.
type Employee struct {
	IDNumber, Name, Mobile, AccountNo string
	Base, Opening                     money.Fen
}

// Employees are the demo unit's employees; the first is also its agent (经办人).
var Employees = []Employee{
	{AgentID, "王建国", "13800000001", "201000000001", 1_234_567, 8_642_100},
	{"350102198805123011", "李明", "13800000002", "201000000002", 980_000, 5_321_000},
	{"350102199208184021", "陈芳", "13800000003", "201000000003", 756_000, 1_288_888},
	{"35010319950203125X", "张伟", "13800000004", "201000000004", 650_000, 456_700},
	{"350102198709230060", "林静", "13800000005", "201000000005", 1_500_000, 12_000_000},
}

// Result says what Seed did.
type Result struct {
	Created bool // false when the demo data was already there
}

// Seed inserts the demo data in one transaction, or nothing when the demo unit
// already exists (idempotent). Opening balances are ledger postings from the
// bank deposit account (bank is the settlement bank code), so `gjj ledger
// verify` holds afterwards; accounts open on today (the business date). The
// whole seed is one audit record.
func Seed(ctx context.Context, d *db.DB, l *ledger.Ledger, a *audit.Log, bank string, today date.Date) (Result, error) {
	var exists int
	if err := d.GetContext(ctx, &exists, `SELECT COUNT(*) FROM unit WHERE uscc = ?`, UnitUSCC); err != nil {
		return Result{}, err
	}
	if exists > 0 {
		return Result{}, nil
	}
	hash, err := identity.HashPassword(Password) // one hash, shared by every demo login
	if err != nil {
		return Result{}, err
	}
	created := false
	err = d.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		created = false
		if err := tx.GetContext(ctx, &exists, `SELECT COUNT(*) FROM unit WHERE uscc = ?`, UnitUSCC); err != nil || exists > 0 {
			return err // exists: another instance seeded it (this may be a retry)
		}
		for _, s := range Staff {
			res, err := tx.ExecContext(ctx, `INSERT INTO staff_user (username, display_name, branch, status, created_at) VALUES (?, ?, 'center', 'active', ?)`,
				s.Username, s.Name, now)
			if err != nil {
				return fmt.Errorf("staff %s: %w", s.Username, err)
			}
			id, _ := res.LastInsertId()
			if err := credential(ctx, tx, "staff", id, hash, TOTPSecret); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO unit (unit_no, uscc, name, status, ratio_unit_bps, ratio_person_bps, paid_through, created_at)
			VALUES (?, ?, ?, '01', 1200, 1200, ?, ?)`, UnitNo, UnitUSCC, UnitName, "", now)
		if err != nil {
			return fmt.Errorf("unit: %w", err)
		}
		unitID, _ := res.LastInsertId()
		for i, emp := range Employees {
			res, err := tx.ExecContext(ctx, `INSERT INTO person (id_type, id_number, name, mobile, created_at) VALUES ('01', ?, ?, ?, ?)`,
				emp.IDNumber, emp.Name, emp.Mobile, now)
			if err != nil {
				return fmt.Errorf("person %d: %w", i+1, err)
			}
			personID, _ := res.LastInsertId()
			totp := "" // employees log in with a password; unit agents also need TOTP
			if emp.IDNumber == AgentID {
				totp = TOTPSecret
			}
			if err := credential(ctx, tx, "person", personID, hash, totp); err != nil {
				return err
			}
			if emp.IDNumber == AgentID {
				if _, err := tx.ExecContext(ctx, `INSERT INTO unit_agent (unit_id, person_id, created_at) VALUES (?, ?, ?)`, unitID, personID, now); err != nil {
					return fmt.Errorf("unit agent: %w", err)
				}
			}
			acct, err := l.OpenAccountTx(ctx, tx, ledger.AccountSpec{Code: ledger.PersonalCode(emp.AccountNo), Name: "个人住房公积金 " + emp.Name,
				Type: ledger.Liability, OwnerType: "person", OwnerID: emp.AccountNo})
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO employee_account (account_no, person_id, unit_id, status, base_fen, reserved_mobile, opened_on, ledger_account_id, created_at)
				VALUES (?, ?, ?, '01', ?, ?, ?, ?, ?)`, emp.AccountNo, personID, unitID, emp.Base, emp.Mobile, today, acct.ID, now); err != nil {
				return fmt.Errorf("employee account %s: %w", emp.AccountNo, err)
			}
			if _, err := l.PostTx(ctx, tx, ledger.Request{Serial: "DEMO-OPEN-" + emp.AccountNo, BizType: "99", Memo: "演示期初余额",
				Lines: []ledger.Line{
					{Account: ledger.BankCode(bank), Side: ledger.Debit, Amount: emp.Opening},
					{Account: ledger.PersonalCode(emp.AccountNo), Side: ledger.Credit, Amount: emp.Opening},
				}}); err != nil {
				return fmt.Errorf("opening balance %s: %w", emp.AccountNo, err)
			}
		}
		_, err = a.Append(ctx, tx, audit.Record{Action: "demo.seed", Object: "unit:" + UnitNo,
			After: audit.Summary(map[string]int{"staff": len(Staff), "employees": len(Employees)})})
		created = err == nil
		return err
	})
	if errors.Is(err, errs.Duplicate) {
		// Another instance seeded the demo at the same moment; its data stands.
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Created: created}, nil
}

func credential(ctx context.Context, tx *db.Tx, subjectType string, id int64, hash, totp string) error {
	now := db.Now()
	_, err := tx.ExecContext(ctx, `INSERT INTO credential (subject_type, subject_id, password_hash, totp_secret, failed_logins, created_at, updated_at)
		VALUES (?, ?, ?, ?, 0, ?, ?)`, subjectType, id, hash, totp, now, now)
	if err != nil {
		return fmt.Errorf("credential %s:%d: %w", subjectType, id, err)
	}
	return nil
}
