package deposit_test

import (
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

// TestConsecutiveMonths: the exported count is the certificate's 连续缴存月数
// (migrated months before the platform's first 汇缴 count, a 补缴 of a
// migrated month does not move that cutover, a month without a posted line
// ends the run, never paid is 0), read through the pool or a transaction;
// unknown and empty account numbers are refused.
func TestConsecutiveMonths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 3)
		e.importUnit(1, 2)
		const a, b, c, lone, migrated = "201000000001", "201000000002", "201000000003", "202000000001", "202000000002"
		e.certPay(u.UnitNo, "2026-11", today)
		sup, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, []deposit.SupplementItem{{AccountNo: a, Months: []date.Month{date.MustParseMonth("2024-05")}}})
		if err != nil {
			t.Fatal(err)
		}
		e.certPayBill(u.UnitNo, sup, today)
		e.certDate("2026-12-01")
		if _, err := e.svc.SealEmployee(e.ctx, "", b, "停薪留职"); err != nil {
			t.Fatal(err)
		}
		e.certPay(u.UnitNo, "2026-12", date.MustParse("2026-12-01"))
		if _, err := e.svc.UnsealEmployee(e.ctx, "", b); err != nil {
			t.Fatal(err)
		}
		e.certDate("2027-01-05")
		e.certPay(u.UnitNo, "2027-01", date.MustParse("2027-01-05"))
		// c started on the platform in 2026-12: the start month bounds the run.
		e.certExec(`UPDATE employee_account SET start_month = '2026-12' WHERE account_no = ?`, c)
		e.certExec(`UPDATE employee_account SET paid_through = '' WHERE account_no = ?`, lone)

		for _, tc := range []struct {
			account string
			want    int
		}{
			{a, 85},        // 2020-01 … 2026-10 migrated, 2026-11 … 2027-01 posted
			{b, 1},         // sealed in 2026-12, no line: only 2027-01
			{c, 2},         // 2026-12 and 2027-01 (nothing before the start month)
			{lone, 0},      // never paid
			{migrated, 82}, // a unit with no bill on the platform: 2020-01 … 2026-10
		} {
			got, err := deposit.ConsecutiveMonths(e.ctx, d, tc.account)
			if err != nil || got != tc.want {
				t.Errorf("%s: ConsecutiveMonths = %d, %v; want %d", tc.account, got, err, tc.want)
			}
			inTx, err := db.Get(e.ctx, d, func(tx *db.Tx) (int, error) { return deposit.ConsecutiveMonths(e.ctx, tx, tc.account) })
			if err != nil || inTx != tc.want {
				t.Errorf("%s: in a transaction = %d, %v; want %d", tc.account, inTx, err, tc.want)
			}
			if tc.account == lone {
				continue // a certificate needs a paid-through month to say something
			}
			cert, err := e.svc.IssueCertificate(e.ctx, "", tc.account)
			if err != nil || cert.Content.ConsecutiveMonths != tc.want {
				t.Errorf("%s: certificate says %+v, %v; want %d", tc.account, cert, err, tc.want)
			}
		}

		for _, tc := range []struct {
			account string
			code    string
		}{
			{"", deposit.ErrInvalidInput.Code},
			{"  ", deposit.ErrInvalidInput.Code},
			{"299999999999", deposit.ErrEmployeeNotFound.Code},
		} {
			if n, err := deposit.ConsecutiveMonths(e.ctx, d, tc.account); errs.CodeOf(err) != tc.code || n != 0 {
				t.Errorf("%q: %d, %v; want %s", tc.account, n, err, tc.code)
			}
		}
	})
}
