// Package demo seeds the demonstration data that `gjj demo` and `gjj serve
// --demo` put into a database: staff users, one unit with its agent, a handful
// of employees with opening balances. Every demo login uses the same password
// and TOTP secret; they are for demonstrations only and README says so.
package demo

import (
	"context"
	"errors"
	"fmt"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/identity"
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
// granted by access.DemoGrants (admin sysadmin; maker param_maker +
// channel_admin; checker param_checker; reviewer and approver reviewer — two
// people, for the reviews that need four eyes; auditor auditor; branch
// reviewer of branch GL01 only, which serves the demo unit).
var Staff = []struct{ Username, Name string }{
	{"admin", "系统管理员"},
	{"maker", "参数经办"},
	{"checker", "参数复核"},
	{"reviewer", "业务审核"},
	{"approver", "业务复审"},
	{"auditor", "审计专员"},
	{"branch", "网点审核（鼓楼网点）"}, // reviewer in domain branch:GL01 only (access.DemoGrants)
}

// Employee is a demo employee of the demo unit.
type Employee struct {
	IDNumber, Name, Mobile, AccountNo string
	Base, Opening                     money.Fen
}

// Employees are the demo unit's employees; the first is also its agent (经办人).
// All but the last are registered for the personal channels with Password;
// the last (Unregistered) is left for trying the registration.
var Employees = []Employee{
	{AgentID, "王建国", "13800000001", "201000000001", 1_234_567, 8_642_100},
	{"350102198805123011", "李明", "13800000002", "201000000002", 980_000, 5_321_000},
	{"350102199208184021", "陈芳", "13800000003", "201000000003", 756_000, 1_288_888},
	{"35010319950203125X", "张伟", "13800000004", "201000000004", 650_000, 456_700},
	{"350102198709230060", "林静", "13800000005", "201000000005", 1_500_000, 12_000_000},
}

// Unregistered is the demo employee without a credential: register with her
// name, ID number and reserved mobile.
var Unregistered = Employees[len(Employees)-1]

// BankCard is the demo bank card of an employee (known to the real-name
// simulator with the employee's reserved mobile as the bank mobile).
func BankCard(e Employee) string { return "62220202000012" + e.AccountNo[len(e.AccountNo)-2:] }

// RegisterCards tells the real-name simulator the demo employees' cards, so
// the bank-card check (L2) passes with BankCard(e) and e.Mobile.
func RegisterCards(sim *exchange.RealNameSimulator) {
	for _, e := range Employees {
		sim.AddCard(exchange.BankCard4{Name: e.Name, IDNumber: e.IDNumber, CardNo: BankCard(e), Mobile: e.Mobile})
	}
}

// Result says what Seed did.
type Result struct {
	Created bool // false when the demo data was already there
}

// Seed inserts the demo data in one transaction, or nothing when the demo unit
// already exists (idempotent). Opening balances are ledger postings from the
// settlement bank's deposit account through deposit.ImportUnitTx, so `gjj
// ledger verify` holds afterwards; the unit is paid through the month before
// today's (the business date), so the next bill is this month's.
func Seed(ctx context.Context, d *db.DB, dep *deposit.Service, a *audit.Log, today date.Date) (Result, error) {
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
			branch := "center" // staff_user.branch: the branch reviewer works at the demo branch
			if s.Username == "branch" {
				branch = access.DemoBranch
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO staff_user (username, display_name, branch, status, created_at) VALUES (?, ?, ?, 'active', ?)`,
				s.Username, s.Name, branch, now)
			if err != nil {
				return fmt.Errorf("staff %s: %w", s.Username, err)
			}
			id, _ := res.LastInsertId()
			if err := credential(ctx, tx, "staff", id, hash, TOTPSecret); err != nil {
				return err
			}
		}
		in := deposit.ImportUnit{UnitNo: UnitNo, USCC: UnitUSCC, Name: UnitName, Address: "福州市鼓楼区示例路 1 号", LegalRep: "王建国",
			Payday: 10, UnitBps: 1200, PersonBps: 1200, FirstMonth: date.MustParseMonth("2020-01"), PaidThrough: today.MonthOf().Add(-1),
			Agents: []deposit.ImportPerson{{IDNumber: AgentID, Name: Employees[0].Name, Mobile: Employees[0].Mobile}}}
		for _, emp := range Employees {
			in.Employees = append(in.Employees, deposit.ImportEmployee{
				ImportPerson: deposit.ImportPerson{IDNumber: emp.IDNumber, Name: emp.Name, Mobile: emp.Mobile},
				AccountNo:    emp.AccountNo, BankCard: BankCard(emp), Base: emp.Base,
				StartMonth: in.FirstMonth, PaidThrough: in.PaidThrough, Opening: emp.Opening})
		}
		if _, err := dep.ImportUnitTx(ctx, tx, in); err != nil {
			return err
		}
		for _, emp := range Employees {
			if emp == Unregistered {
				continue
			}
			totp := "" // employees log in with a password; unit agents also need TOTP
			if emp.IDNumber == AgentID {
				totp = TOTPSecret
			}
			var personID int64
			if err := tx.GetContext(ctx, &personID, `SELECT id FROM person WHERE id_number = ?`, emp.IDNumber); err != nil {
				return err
			}
			if err := credential(ctx, tx, "person", personID, hash, totp); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE person SET real_name_level = 1 WHERE id = ?`, personID); err != nil {
				return err
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
