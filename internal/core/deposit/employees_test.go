package deposit_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/money"
)

func regEmpInput(i int) deposit.EmployeeInput {
	return deposit.EmployeeInput{IDNumber: idNumber(900000 + i), Name: fmt.Sprintf("新职工%d", i), Mobile: fmt.Sprintf("136%08d", i),
		BaseFen: money.Yuan(8000), BankCard: "6222020200001234", StartMonth: date.MustParseMonth("2026-11")}
}

func TestRegOpenEmployee(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 1) // 01, first month 2020-01, account 201000000001
		b := e.regNewUnit(1)    // 02
		c := e.importUnit(1, 0)
		if _, err := e.svc.SealUnit(e.ctx, c.UnitNo, "停业"); err != nil {
			t.Fatal(err)
		}

		refused := []struct {
			name     string
			unit     string
			mod      func(in *deposit.EmployeeInput)
			code     string
			contains []string
		}{
			{"ID checksum", a.UnitNo, func(in *deposit.EmployeeInput) { in.IDNumber = in.IDNumber[:17] + "Z" }, "ident.id_syntax", nil},
			{"ID length", a.UnitNo, func(in *deposit.EmployeeInput) { in.IDNumber = "35010219" }, "ident.id_length", nil},
			{"no name", a.UnitNo, func(in *deposit.EmployeeInput) { in.Name = " " }, "deposit.invalid_input", []string{"姓名"}},
			{"mobile 10 digits", a.UnitNo, func(in *deposit.EmployeeInput) { in.Mobile = "1360000000" }, "deposit.invalid_input", []string{"手机号码"}},
			{"mobile letters", a.UnitNo, func(in *deposit.EmployeeInput) { in.Mobile = "1360000000a" }, "deposit.invalid_input", []string{"手机号码"}},
			{"card 11 digits", a.UnitNo, func(in *deposit.EmployeeInput) { in.BankCard = "62220202000" }, "deposit.invalid_input", []string{"银行卡号", "12–19"}},
			{"card 20 digits", a.UnitNo, func(in *deposit.EmployeeInput) { in.BankCard = "62220202000012345678" }, "deposit.invalid_input", []string{"银行卡号"}},
			{"no base", a.UnitNo, func(in *deposit.EmployeeInput) { in.BaseFen = 0 }, "deposit.base_out_of_range", nil},
			{"base below the floor", a.UnitNo, func(in *deposit.EmployeeInput) { in.BaseFen = money.Yuan(1899) },
				"deposit.base_out_of_range", []string{"1,899.00", "1,900.00", "23,681.00"}},
			{"base above the cap", a.UnitNo, func(in *deposit.EmployeeInput) { in.BaseFen = money.Yuan(23681) + 1 },
				"deposit.base_out_of_range", []string{"23,681.01", "1,900.00", "23,681.00"}},
			{"start after next month", a.UnitNo, func(in *deposit.EmployeeInput) { in.StartMonth = date.MustParseMonth("2027-01") },
				"deposit.start_month", []string{"2027-01", "2026-12"}},
			{"start before the unit's first month", a.UnitNo, func(in *deposit.EmployeeInput) { in.StartMonth = date.MustParseMonth("2019-12") },
				"deposit.start_month", []string{"2019-12", "2020-01"}},
			{"start before a new unit's opening month", b.UnitNo, func(in *deposit.EmployeeInput) { in.StartMonth = date.MustParseMonth("2026-10") },
				"deposit.start_month", []string{"2026-10", "单位开户年月", "2026-11"}},
			{"sealed unit", c.UnitNo, func(in *deposit.EmployeeInput) {}, "deposit.unit_status", []string{"封存", "正常", "开户"}},
			{"unknown unit", "190000009999", func(in *deposit.EmployeeInput) {}, "deposit.unit_not_found", nil},
			{"already in this unit (imported)", a.UnitNo, func(in *deposit.EmployeeInput) { in.IDNumber, in.Name = idNumber(0), "职工0" },
				"deposit.duplicate_account", []string{"本单位", "201000000001"}},
			{"open in another unit", b.UnitNo, func(in *deposit.EmployeeInput) { in.IDNumber, in.Name = idNumber(0), "职工0" },
				"deposit.duplicate_account", []string{"其他单位", "不为封存状态", "封存", "同城转移"}},
			{"agent ID under another name", b.UnitNo, func(in *deposit.EmployeeInput) { in.IDNumber = idNumber(950001) },
				"deposit.name_mismatch", nil},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				in := regEmpInput(1)
				c.mod(&in)
				before := e.regSnap()
				_, err := e.svc.OpenEmployee(e.ctx, c.unit, in)
				regWantErr(t, err, c.code, c.contains...)
				e.regSame(before)
			})
		}

		// A good opening: number, ledger account, history, paid-through, audit.
		emp, err := e.svc.OpenEmployee(e.ctx, a.UnitNo, regEmpInput(1))
		if err != nil {
			t.Fatal(err)
		}
		var pid int64
		if err := e.db.GetContext(e.ctx, &pid, `SELECT id FROM person WHERE id_number = ?`, idNumber(900001)); err != nil {
			t.Fatal(err)
		}
		if emp.AccountNo != fmt.Sprintf("29%010d", pid) || emp.Status != deposit.EmpNormal || emp.UnitID != a.ID || emp.Base != money.Yuan(8000) ||
			emp.StartMonth.String() != "2026-11" || emp.PaidThrough.String() != "2026-10" || emp.OpenedOn != today ||
			emp.ReservedMobile != "13600000001" || emp.BankCard != "6222020200001234" || emp.Name != "新职工1" || emp.Balance != 0 {
			t.Fatalf("employee = %+v", emp)
		}
		acct, err := e.ledger.Account(e.ctx, ledger.PersonalCode(emp.AccountNo))
		if err != nil || acct.ID != emp.LedgerID || acct.Type != ledger.Liability {
			t.Fatalf("ledger account = %+v, %v", acct, err)
		}
		base, ub, pb, err := deposit.RatesFor(e.ctx, e.db, emp.ID, a.ID, date.MustParseMonth("2026-11"))
		if err != nil || base != money.Yuan(8000) || ub != 1200 || pb != 1200 {
			t.Fatalf("rates = %d %d %d %v", base, ub, pb, err)
		}
		au := e.regLastAudit()
		if au.Action != "deposit.employee_open" || au.Object != "employee:"+emp.AccountNo || strings.Contains(au.After, idNumber(900001)) ||
			strings.Contains(au.After, "13600000001") || strings.Contains(au.After, "6222020200001234") || !strings.Contains(au.After, "****1234") {
			t.Fatalf("audit = %+v", au)
		}

		// A 15-digit ID is stored as 18; a 02 unit without first month; the
		// default start month is the business month.
		id18 := idNumber(900002)
		in := regEmpInput(2)
		in.IDNumber, in.StartMonth = id18[:6]+id18[8:17], date.Month{}
		emp2, err := e.svc.OpenEmployee(e.ctx, b.UnitNo, in)
		if err != nil {
			t.Fatal(err)
		}
		if emp2.IDNumber != id18 || emp2.StartMonth.String() != "2026-11" || emp2.UnitID != b.ID {
			t.Fatalf("employee 2 = %+v", emp2)
		}
		// Next month is the latest start month.
		in3 := regEmpInput(3)
		in3.StartMonth = date.MustParseMonth("2026-12")
		if emp3, err := e.svc.OpenEmployee(e.ctx, a.UnitNo, in3); err != nil || emp3.PaidThrough.String() != "2026-11" {
			t.Fatalf("employee 3 = %+v, %v", emp3, err)
		}
		// The agent becomes an employee under the same name.
		in4 := regEmpInput(4)
		in4.IDNumber, in4.Name = idNumber(950001), "经办人1"
		if _, err := e.svc.OpenEmployee(e.ctx, b.UnitNo, in4); err != nil {
			t.Fatal(err)
		}

		// One account per person.
		dupCases := []struct {
			name     string
			prep     func()
			unit     string
			code     string
			contains []string
		}{
			{"same unit", nil, a.UnitNo, "deposit.duplicate_account", []string{"本单位", emp.AccountNo}},
			{"other unit, account open", nil, b.UnitNo, "deposit.duplicate_account", []string{"不为封存状态", "正常"}},
			{"other unit, account frozen", func() {
				if _, err := e.svc.FreezeEmployee(e.ctx, emp.AccountNo, "法院冻结"); err != nil {
					t.Fatal(err)
				}
			}, b.UnitNo, "deposit.duplicate_account", []string{"不为封存状态", "冻结"}},
			{"other unit, account sealed", func() {
				if _, err := e.svc.UnfreezeEmployee(e.ctx, emp.AccountNo, "解除冻结"); err != nil {
					t.Fatal(err)
				}
				if _, err := e.svc.SealEmployee(e.ctx, a.UnitNo, emp.AccountNo, "离职"); err != nil {
					t.Fatal(err)
				}
			}, b.UnitNo, "deposit.use_transfer", []string{"同城转移"}},
			{"account closed", func() {
				e.regExec(`UPDATE employee_account SET status = ? WHERE id = ?`, deposit.EmpWithdrawn, emp.ID)
			}, b.UnitNo, "deposit.duplicate_account", []string{"已销户"}},
		}
		for _, c := range dupCases {
			t.Run("duplicate: "+c.name, func(t *testing.T) {
				if c.prep != nil {
					c.prep()
				}
				before := e.regSnap()
				_, err := e.svc.OpenEmployee(e.ctx, c.unit, regEmpInput(1))
				regWantErr(t, err, c.code, c.contains...)
				if c.code == "deposit.use_transfer" && !errors.Is(err, deposit.ErrUseTransfer) {
					t.Fatal("not ErrUseTransfer")
				}
				e.regSame(before)
			})
		}
		e.verifyBooks()
	})
}

// TestRegOpenEmployeeConcurrent opens the same person in two units at once,
// several times: exactly one account each time.
func TestRegOpenEmployeeConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 0)
		b := e.importUnit(1, 0)
		for round := range 6 {
			in := regEmpInput(100 + round)
			units := []string{a.UnitNo, b.UnitNo}
			if round%2 == 1 {
				units[1] = a.UnitNo // same unit twice
			}
			var wg sync.WaitGroup
			errs := make([]error, len(units))
			for i, u := range units {
				wg.Go(func() { _, errs[i] = e.svc.OpenEmployee(e.ctx, u, in) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, deposit.ErrDuplicateAccount):
				default:
					t.Fatalf("round %d: unexpected error %v", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d openings succeeded (%v)", round, ok, errs)
			}
			if n := e.regCount(`SELECT COUNT(*) FROM employee_account e JOIN person p ON p.id = e.person_id WHERE p.id_number = ?`, in.IDNumber); n != 1 {
				t.Fatalf("round %d: %d accounts", round, n)
			}
			if n := e.regCount(`SELECT COUNT(*) FROM person WHERE id_number = ?`, in.IDNumber); n != 1 {
				t.Fatalf("round %d: %d persons", round, n)
			}
		}
		if n := e.regCount(`SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.employee_open'`); n != 6 {
			t.Fatalf("audit records = %d", n)
		}
		e.verifyBooks()
	})
}

func TestRegEmployeeTransitions(t *testing.T) {
	type op struct {
		name string
		call func(e *env, acct string) (*deposit.Employee, error)
	}
	var unitA, unitB, unitC string // set per database below
	seal := op{"seal by own unit", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.SealEmployee(e.ctx, unitA, acct, "离职")
	}}
	sealStaff := op{"seal by staff", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.SealEmployee(e.ctx, "", acct, "调出本市")
	}}
	sealOther := op{"seal by another unit", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.SealEmployee(e.ctx, unitB, acct, "离职")
	}}
	sealNoReason := op{"seal without reason", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.SealEmployee(e.ctx, unitA, acct, "  ")
	}}
	sealLongReason := op{"seal with a 101-character reason", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.SealEmployee(e.ctx, unitA, acct, strings.Repeat("离", 101))
	}}
	unseal := op{"unseal by own unit", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.UnsealEmployee(e.ctx, unitA, acct)
	}}
	unsealOther := op{"unseal by another unit", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.UnsealEmployee(e.ctx, unitB, acct)
	}}
	freeze := op{"freeze", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.FreezeEmployee(e.ctx, acct, "法院冻结")
	}}
	freezeNoReason := op{"freeze without reason", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.FreezeEmployee(e.ctx, acct, "")
	}}
	unfreeze := op{"unfreeze", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.UnfreezeEmployee(e.ctx, acct, "解除冻结")
	}}
	transfer := op{"transfer to B", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.TransferEmployee(e.ctx, unitB, acct)
	}}
	transferSame := op{"transfer to its own unit", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.TransferEmployee(e.ctx, unitA, acct)
	}}
	transferSealedUnit := op{"transfer to a sealed unit", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.TransferEmployee(e.ctx, unitC, acct)
	}}
	transferUnknownUnit := op{"transfer to an unknown unit", func(e *env, acct string) (*deposit.Employee, error) {
		return e.svc.TransferEmployee(e.ctx, "190000009999", acct)
	}}

	// from: the account's status before the call; "06/01" = frozen from 01.
	cases := []struct {
		from     string
		op       op
		code     string // "" = succeeds
		contains []string
		want     string // status after
		wantUnit string // "A" or "B"
	}{
		{from: "01", op: seal, want: deposit.EmpSealed, wantUnit: "A"},
		{from: "01", op: sealStaff, want: deposit.EmpSealed, wantUnit: "A"},
		{from: "02", op: seal, code: "deposit.employee_status", contains: []string{"封存", "正常"}},
		{from: "06/01", op: seal, code: "deposit.employee_status", contains: []string{"冻结", "正常"}},
		{from: "01", op: sealOther, code: "deposit.not_your_employee"},
		{from: "01", op: sealNoReason, code: "deposit.invalid_input", contains: []string{"封存原因"}},
		{from: "01", op: sealLongReason, code: "deposit.invalid_input", contains: []string{"100"}},
		{from: "02", op: unseal, want: deposit.EmpNormal, wantUnit: "A"},
		{from: "01", op: unseal, code: "deposit.employee_status", contains: []string{"正常", "封存"}},
		{from: "06/02", op: unseal, code: "deposit.employee_status", contains: []string{"冻结"}},
		{from: "02", op: unsealOther, code: "deposit.not_your_employee"},
		{from: "01", op: freeze, want: deposit.EmpFrozen, wantUnit: "A"},
		{from: "02", op: freeze, want: deposit.EmpFrozen, wantUnit: "A"},
		{from: "06/01", op: freeze, code: "deposit.employee_status", contains: []string{"已冻结", "不能重复冻结"}},
		{from: "01", op: freezeNoReason, code: "deposit.invalid_input", contains: []string{"冻结原因"}},
		{from: "06/01", op: unfreeze, want: deposit.EmpNormal, wantUnit: "A"},
		{from: "06/02", op: unfreeze, want: deposit.EmpSealed, wantUnit: "A"},
		{from: "01", op: unfreeze, code: "deposit.employee_status", contains: []string{"正常", "冻结"}},
		{from: "02", op: unfreeze, code: "deposit.employee_status", contains: []string{"封存", "冻结"}},
		{from: "02", op: transfer, want: deposit.EmpNormal, wantUnit: "B"},
		{from: "01", op: transfer, code: "deposit.employee_status", contains: []string{"正常", "封存"}},
		{from: "06/02", op: transfer, code: "deposit.employee_status", contains: []string{"冻结", "封存"}},
		{from: "02", op: transferSame, code: "deposit.employee_status", contains: []string{"启封"}},
		{from: "02", op: transferSealedUnit, code: "deposit.unit_status", contains: []string{"封存"}},
		{from: "02", op: transferUnknownUnit, code: "deposit.unit_not_found"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, len(cases))
		b := e.importUnit(1, 0)
		c := e.importUnit(2, 1) // sealed, with one sealed account
		cAcct := "203000000001"
		if _, err := e.svc.SealEmployee(e.ctx, "", cAcct, "离职"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SealUnit(e.ctx, c.UnitNo, "停业"); err != nil {
			t.Fatal(err)
		}
		unitA, unitB, unitC = a.UnitNo, b.UnitNo, c.UnitNo
		for i, c := range cases {
			acct := fmt.Sprintf("201%09d", i+1)
			t.Run(c.from+" "+c.op.name, func(t *testing.T) {
				// Bring the account to the starting status through the service.
				switch c.from {
				case "02", "06/02":
					if _, err := e.svc.SealEmployee(e.ctx, "", acct, "离职"); err != nil {
						t.Fatal(err)
					}
				}
				if strings.HasPrefix(c.from, "06") {
					if _, err := e.svc.FreezeEmployee(e.ctx, acct, "司法冻结"); err != nil {
						t.Fatal(err)
					}
				}
				before := e.regSnap()
				audits := e.regCount(`SELECT COUNT(*) FROM audit_log`)
				got, err := c.op.call(e, acct)
				if c.code != "" {
					regWantErr(t, err, c.code, c.contains...)
					e.regSame(before)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				wantUnit := map[string]int64{"A": a.ID, "B": b.ID}[c.wantUnit]
				if got.Status != c.want || got.UnitID != wantUnit || got.Balance != money.Yuan(1000) {
					t.Fatalf("after: status %s unit %d balance %s, want %s unit %d", got.Status, got.UnitID, got.Balance, c.want, wantUnit)
				}
				if n := e.regCount(`SELECT COUNT(*) FROM audit_log`); n != audits+1 {
					t.Fatalf("audit records %d → %d", audits, n)
				}
				au := e.regLastAudit()
				if au.Object != "employee:"+acct {
					t.Fatalf("audit = %+v", au)
				}
				switch {
				case c.want == deposit.EmpFrozen && got.PrevStatus != c.from:
					t.Fatalf("prev_status = %q, want %s", got.PrevStatus, c.from)
				case c.want == deposit.EmpSealed && got.StatusReason == "":
					t.Fatal("sealed without reason")
				case c.want == deposit.EmpNormal && (got.StatusReason != "" || got.PrevStatus != ""):
					t.Fatalf("normal account keeps reason %q / prev %q", got.StatusReason, got.PrevStatus)
				case c.op.name == transfer.name && (!strings.Contains(au.After, `"biz_type":"06"`) || !strings.Contains(au.Before, a.UnitNo) ||
					!strings.Contains(au.After, b.UnitNo)):
					t.Fatalf("transfer audit = %+v", au)
				}
			})
		}
		// Unsealing needs the unit to take contributions; a sealed account of a
		// sealed unit moves to a 02 unit by transfer.
		before := e.regSnap()
		_, err := e.svc.UnsealEmployee(e.ctx, c.UnitNo, cAcct)
		regWantErr(t, err, "deposit.unit_status", "封存", "正常")
		e.regSame(before)
		n := e.regNewUnit(1)
		if got, err := e.svc.TransferEmployee(e.ctx, n.UnitNo, cAcct); err != nil || got.UnitID != n.ID || got.Status != deposit.EmpNormal {
			t.Fatalf("transfer into a 02 unit: %+v, %v", got, err)
		}

		before = e.regSnap()
		_, err = e.svc.SealEmployee(e.ctx, "", "209999999999", "离职")
		regWantErr(t, err, "deposit.employee_not_found")
		_, err = e.svc.FreezeEmployee(e.ctx, "209999999999", "冻结")
		regWantErr(t, err, "deposit.employee_not_found")
		e.regSame(before)
		e.verifyBooks()
	})
}
