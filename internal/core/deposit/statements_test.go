package deposit_test

import (
	"errors"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/money"
)

func TestPersonalStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 2)
		other := e.importUnit(1, 1)
		emps, _, _ := e.svc.Employees(e.ctx, u.UnitNo, deposit.EmployeeFilter{})
		acct := emps[0].AccountNo
		// A partial withdrawal (biz type 11) on a later day, posted directly.
		if _, err := e.ledger.Post(e.ctx, ledger.Request{Serial: "W-1", BizType: "11", BizDate: date.MustParse("2026-11-25"), Memo: "部分提取",
			Lines: []ledger.Line{{Account: ledger.PersonalCode(acct), Side: ledger.Debit, Amount: 30000},
				{Account: ledger.CodeWithdrawalClearing, Side: ledger.Credit, Amount: 30000}}}); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.Statement(e.ctx, u.UnitNo, acct, deposit.StatementQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Name == "" || st.UnitName != u.Name || st.StatusName != "正常" || st.Balance != money.Yuan(700) || st.UnitRatio != "12%" || st.PaidThrough.String() != "2026-10" {
			t.Fatalf("header = %+v", st)
		}
		if len(st.Lines) != 2 || st.Lines[0].BizTypeName != "部分提取" || st.Lines[0].Expense != 30000 || st.Lines[0].BalanceAfter != money.Yuan(700) ||
			st.Lines[1].BizTypeName != "其他" || st.Lines[1].Income != money.Yuan(1000) {
			t.Fatalf("lines = %+v", st.Lines)
		}
		if st.Carry+st.Current != st.Balance {
			t.Fatalf("carry %s + current %s ≠ balance %s", st.Carry, st.Current, st.Balance)
		}
		// A date range that excludes the withdrawal.
		st, err = e.svc.Statement(e.ctx, "", acct, deposit.StatementQuery{To: date.MustParse("2026-11-24")})
		if err != nil || len(st.Lines) != 1 || st.Lines[0].Serial != "MIG-"+acct {
			t.Fatalf("lines to 2026-11-24 = %+v, %v", st.Lines, err)
		}
		if _, err := e.svc.Statement(e.ctx, other.UnitNo, acct, deposit.StatementQuery{}); !errors.Is(err, deposit.ErrNotYourEmployee) {
			t.Fatalf("another unit's agent: %v", err)
		}
		if _, err := e.svc.Statement(e.ctx, "", "209999999999", deposit.StatementQuery{}); !errors.Is(err, deposit.ErrEmployeeNotFound) {
			t.Fatalf("unknown account: %v", err)
		}
		if lines, err := e.svc.UnitStatement(e.ctx, u.UnitNo, date.Date{}, date.Date{}); err != nil || len(lines) != 0 {
			t.Fatalf("unit statement before any remittance = %+v, %v", lines, err)
		}
		e.verifyBooks()
	})
}
