package deposit_test

import (
	"errors"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/ledger"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/money"
)

func TestImportUnit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 3)
		if u.Status != deposit.UnitNormal || u.PaidThrough.String() != "2026-10" || u.SuspenseLedger == nil {
			t.Fatalf("unit = %+v", u)
		}
		emps, total, err := e.svc.Employees(e.ctx, u.UnitNo, deposit.EmployeeFilter{})
		if err != nil || total != 3 || len(emps) != 3 {
			t.Fatalf("employees = %d/%d, %v", len(emps), total, err)
		}
		if emps[0].Balance != money.Yuan(1000) || emps[0].Status != deposit.EmpNormal || emps[0].Name == "" {
			t.Fatalf("employee = %+v", emps[0])
		}
		bankAcct, _ := e.ledger.Account(e.ctx, ledger.BankCode(bank))
		if bankAcct.Balance != money.Yuan(3000) {
			t.Fatalf("bank = %s", bankAcct.Balance)
		}
		// The same unit again: refused, nothing written.
		_, err = db.Get(e.ctx, e.db, func(tx *db.Tx) (*deposit.Unit, error) {
			return e.svc.ImportUnitTx(e.ctx, tx, deposit.ImportUnit{UnitNo: "X1", USCC: u.USCC, Name: "重复", Payday: 1, FirstMonth: u.FirstMonth})
		})
		if !errors.Is(err, deposit.ErrDuplicateUnit) {
			t.Fatalf("duplicate unit: %v", err)
		}
		e.verifyBooks()
	})
}
