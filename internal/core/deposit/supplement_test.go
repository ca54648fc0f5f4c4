package deposit_test

import (
	"errors"
	"strconv"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

func rmMonths(ss ...string) []date.Month {
	out := make([]date.Month, len(ss))
	for i, s := range ss {
		out[i] = date.MustParseMonth(s)
	}
	return out
}

// TestSupplementHistoricRates: 补缴 uses the base and ratios in force in each
// month (a base change in 2026-07 and a ratio change in 2026-09), not today's.
func TestSupplementHistoricRates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 2)
		a := e.rmAccounts(u.UnitNo)
		emp0, _ := e.svc.Employee(e.ctx, a[0])
		e.rmExec(`INSERT INTO base_history (employee_account_id, effective_month, base_fen, source, created_by, created_at) VALUES (?, '2026-07', 1234567, 'adjust', 'staff:test', ?)`,
			emp0.ID, db.Now())
		e.rmExec(`INSERT INTO ratio_history (unit_id, effective_month, unit_bps, person_bps, created_by, created_at) VALUES (?, '2026-09', 1000, 800, 'staff:test', ?)`,
			u.ID, db.Now())
		// Today's values differ from every historic one.
		e.rmExec(`UPDATE employee_account SET base_fen = 2000000`)
		e.rmExec(`UPDATE unit SET ratio_unit_bps = 500, ratio_person_bps = 500`)

		b, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, []deposit.SupplementItem{
			{AccountNo: a[1], Months: rmMonths("2026-08")},
			{AccountNo: a[0], Months: rmMonths("2026-09", "2026-06", "2026-07")},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			acct, month string
			base        money.Fen
			unit, pers  money.Fen
		}{
			{a[0], "2026-06", 1_000_000, 120000, 120000},
			{a[0], "2026-07", 1_234_567, 148100, 148100},
			{a[0], "2026-09", 1_234_567, 123500, 98800}, // 1234.567 → 1235, 987.6536 → 988
			{a[1], "2026-08", 1_000_000, 120000, 120000},
		}
		if b.Kind != deposit.BillSupplement || b.Month.String() != "2026-06" || b.Batch != 1 || b.Headcount != 2 || len(b.Lines) != len(want) ||
			b.Rounding != policy.HalfUpYuan {
			t.Fatalf("bill = %+v", b)
		}
		var total money.Fen
		for i, w := range want {
			l := b.Lines[i]
			if l.AccountNo != w.acct || l.Month.String() != w.month || l.Base != w.base || l.UnitFen != w.unit || l.PersonFen != w.pers {
				t.Fatalf("line %d = %+v, want %+v", i, l, w)
			}
			total += w.unit + w.pers
		}
		if b.Total != total {
			t.Fatalf("total = %s, want %s", b.Total, total)
		}
		// Paid like any bill; paid-through months stay.
		e.rmCredit("SUP1", b.Total)
		res, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "SUP1", b.Total)
		if err != nil {
			t.Fatal(err)
		}
		serial := "SUP-" + u.UnitNo + "-" + strconv.FormatInt(b.ID, 10)
		if res.Bill.EntrySerial != serial {
			t.Fatalf("entry serial = %s", res.Bill.EntrySerial)
		}
		ent, err := e.ledger.Entry(e.ctx, serial)
		if err != nil || ent.BizType != policy.BizSupplement || len(ent.Lines) != 3 { // bank + one line per employee
			t.Fatalf("entry = %+v, %v", ent, err)
		}
		if bal := e.rmBalance(ledger.PersonalCode(a[0])); bal != money.Yuan(1000)+240000+296200+222300 {
			t.Fatalf("balance of %s = %s", a[0], bal)
		}
		if bal := e.rmBalance(ledger.PersonalCode(a[1])); bal != money.Yuan(1000)+240000 {
			t.Fatalf("balance of %s = %s", a[1], bal)
		}
		for _, acct := range a {
			em, _ := e.svc.Employee(e.ctx, acct)
			if em.PaidThrough.String() != "2026-10" {
				t.Fatalf("paid through moved: %+v", em)
			}
		}
		if uu, _ := e.svc.Unit(e.ctx, u.UnitNo); uu.PaidThrough.String() != "2026-10" {
			t.Fatalf("unit paid through moved: %s", uu.PaidThrough)
		}
		// A month now covered is refused; another month of 2026-06 is the next batch.
		before := e.rmSnapshot()
		if _, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-05", "2026-07")}}); !errors.Is(err, deposit.ErrSupplementCovered) {
			t.Fatalf("covered month: %v", err)
		}
		if e.rmSnapshot() != before {
			t.Fatal("refused supplement wrote")
		}
		b2, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, []deposit.SupplementItem{{AccountNo: a[1], Months: rmMonths("2026-06")}})
		if err != nil || b2.Batch != 2 || b2.Month.String() != "2026-06" {
			t.Fatalf("second batch = %+v, %v", b2, err)
		}
		e.verifyBooks()
	})
}

func TestSupplementRoundingInForce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.rmRounding(policy.HalfUpFen, date.MustParse("2026-08-01"))
		u := e.importUnit(0, 1)
		a := e.rmAccounts(u.UnitNo)
		e.rmExec(`UPDATE base_history SET base_fen = 1234567`)
		b, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-07", "2026-08")}})
		if err != nil {
			t.Fatal(err)
		}
		if b.Rounding != "MIXED" || b.Lines[0].UnitFen != 148100 || b.Lines[1].UnitFen != 148148 || b.Lines[1].PersonFen != 148148 {
			t.Fatalf("bill = %+v", b)
		}
		e.verifyBooks()
	})
}

func TestSupplementRefused(t *testing.T) {
	cases := []struct {
		name  string
		setup string
		items func(a []string) []deposit.SupplementItem
		want  error
	}{
		{"month not yet due (汇缴)", "", func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-11")}}
		}, deposit.ErrSupplementMonth},
		{"before the unit's first month", "", func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2019-12")}}
		}, deposit.ErrSupplementMonth},
		{"before the employee's start month", `UPDATE employee_account SET start_month = '2021-01'`, func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2020-06")}}
		}, deposit.ErrSupplementMonth},
		{"unit without a first remittance", `UPDATE unit SET first_month = '', paid_through = '', status = '02'`, func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-06")}}
		}, deposit.ErrSupplementMonth},
		{"closed unit", `UPDATE unit SET status = '04'`, func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-06")}}
		}, deposit.ErrUnitStatus},
		{"closed account", `UPDATE employee_account SET status = '05'`, func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-06")}}
		}, deposit.ErrEmployeeStatus},
		{"another unit's employee", "", func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: "202000000001", Months: rmMonths("2026-06")}}
		}, deposit.ErrNotYourEmployee},
		{"unknown employee", "", func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: "299999999999", Months: rmMonths("2026-06")}}
		}, deposit.ErrEmployeeNotFound},
		{"no items", "", func(a []string) []deposit.SupplementItem { return nil }, deposit.ErrInvalidInput},
		{"no months", "", func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0]}}
		}, deposit.ErrInvalidInput},
		{"repeated month", "", func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-06")}, {AccountNo: a[0], Months: rmMonths("2026-06")}}
		}, deposit.ErrInvalidInput},
		{"no base recorded for the month", `UPDATE base_history SET effective_month = '2026-01'`, func(a []string) []deposit.SupplementItem {
			return []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2025-06")}}
		}, deposit.ErrNoRates},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 1)
		e.importUnit(1, 1)
		a := e.rmAccounts(u.UnitNo)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.rmExec(`UPDATE unit SET status = '01', first_month = '2020-01', paid_through = '2026-10'`)
				e.rmExec(`UPDATE employee_account SET status = '01', start_month = '2020-01', paid_through = '2026-10'`)
				e.rmExec(`UPDATE base_history SET effective_month = '2020-01'`)
				if tc.setup != "" {
					e.rmExec(tc.setup)
				}
				before := e.rmSnapshot()
				if _, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, tc.items(a)); !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if e.rmSnapshot() != before {
					t.Fatal("refused supplement wrote")
				}
			})
		}
	})
}

// TestSupplementStale: two supplement bills for the same employee-month; once
// one is posted the other cannot be paid (nothing written).
func TestSupplementStale(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 1)
		a := e.rmAccounts(u.UnitNo)
		item := []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-03")}}
		b1, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, item)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, item)
		if err != nil || b2.Batch != b1.Batch+1 {
			t.Fatalf("second bill = %+v, %v", b2, err)
		}
		e.rmCredit("S1", b1.Total)
		e.rmCredit("S2", b2.Total)
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b1.ID, "S1", b1.Total); err != nil {
			t.Fatal(err)
		}
		before := e.rmSnapshot()
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b2.ID, "S2", b2.Total); !errors.Is(err, deposit.ErrBillStale) {
			t.Fatalf("paying a covered month twice: %v", err)
		}
		if e.rmSnapshot() != before {
			t.Fatal("refused payment wrote")
		}
		// Deferral refuses 汇缴, but a supplement bill can be paid (补缴 of
		// deferred months).
		b3, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, []deposit.SupplementItem{{AccountNo: a[0], Months: rmMonths("2026-04")}})
		if err != nil {
			t.Fatal(err)
		}
		e.rmExec(`UPDATE unit SET status = '03'`)
		e.rmCredit("S3", b3.Total)
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b3.ID, "S3", b3.Total); err != nil {
			t.Fatalf("supplement in deferral: %v", err)
		}
		e.verifyBooks()
	})
}
