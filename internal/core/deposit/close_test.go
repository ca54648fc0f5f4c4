package deposit_test

import (
	"strings"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

// closeRow is what CloseForWithdrawalTx changes on an account.
type closeRow struct {
	Status   string     `db:"status"`
	Prev     string     `db:"prev_status"`
	Reason   string     `db:"status_reason"`
	StatusOn *date.Date `db:"status_on"`
	ClosedOn *date.Date `db:"closed_on"`
}

// key compares rows by value (the dates are pointers).
func (r closeRow) key() string {
	day := func(d *date.Date) string {
		if d == nil {
			return "-"
		}
		return d.String()
	}
	return strings.Join([]string{r.Status, r.Prev, r.Reason, day(r.StatusOn), day(r.ClosedOn)}, "|")
}

func (e *env) closeRow(accountNo string) closeRow {
	e.t.Helper()
	var r closeRow
	if err := e.db.GetContext(e.ctx, &r, `SELECT status, prev_status, status_reason, status_on, closed_on FROM employee_account
		WHERE account_no = ?`, accountNo); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) auditCount(action, object string) int {
	e.t.Helper()
	var n int
	if err := e.db.GetContext(e.ctx, &n, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object = ?`, action, object); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestCloseForWithdrawalTx: a 01 or 02 account becomes 05 提取销户 on the
// given date with its status kept as the previous status, the reason cut to
// 100 characters, and one audit record; ReopenClosedTx then restores it.
// Other statuses, unknown accounts and a zero date are refused and change
// nothing.
func TestCloseForWithdrawalTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 4)
		const normal, sealed, frozen, closed = "201000000001", "201000000002", "201000000003", "201000000004"
		if _, err := e.svc.SealEmployee(e.ctx, "", sealed, "离职"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.FreezeEmployee(e.ctx, frozen, "司法冻结"); err != nil {
			t.Fatal(err)
		}
		closeTx := func(accountNo, reason string, on date.Date) (string, error) {
			return db.Get(e.ctx, d, func(tx *db.Tx) (string, error) {
				return e.svc.CloseForWithdrawalTx(e.ctx, tx, accountNo, reason, on)
			})
		}
		if _, err := closeTx(closed, "离职提取", today); err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("销", 120)
		for _, tc := range []struct {
			name, account, reason string
			on                    date.Date
			wantPrev, wantReason  string
			code                  string
		}{
			{"normal", normal, " 离退休提取 ", today, "01", "离退休提取", ""},
			{"sealed, long reason", sealed, long, today, "02", strings.Repeat("销", 100), ""},
			{"frozen", frozen, "离职提取", today, "", "", deposit.ErrEmployeeStatus.Code},
			{"already closed", closed, "离职提取", today, "", "", deposit.ErrEmployeeStatus.Code},
			{"unknown", "299999999999", "离职提取", today, "", "", deposit.ErrEmployeeNotFound.Code},
			{"no date", normal, "离职提取", date.Date{}, "", "", deposit.ErrInvalidInput.Code},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var before closeRow
				if tc.code != "" && tc.account != "299999999999" {
					before = e.closeRow(tc.account)
				}
				prev, err := closeTx(tc.account, tc.reason, tc.on)
				if tc.code != "" {
					if errs.CodeOf(err) != tc.code {
						t.Fatalf("err = %v, want %s", err, tc.code)
					}
					if tc.account != "299999999999" && e.closeRow(tc.account).key() != before.key() {
						t.Fatalf("refused close changed the account: %+v", e.closeRow(tc.account))
					}
					return
				}
				if err != nil || prev != tc.wantPrev {
					t.Fatalf("close = %q, %v; want %q", prev, err, tc.wantPrev)
				}
				r := e.closeRow(tc.account)
				if r.Status != deposit.EmpWithdrawn || r.Prev != tc.wantPrev || r.Reason != tc.wantReason ||
					r.StatusOn == nil || *r.StatusOn != tc.on || r.ClosedOn == nil || *r.ClosedOn != tc.on {
					t.Fatalf("account after close = %+v", r)
				}
				if n := e.auditCount("deposit.account_close", "employee:"+tc.account); n != 1 {
					t.Fatalf("%d deposit.account_close records", n)
				}
				// The failed-payout path restores the kept status.
				if _, err := db.Get(e.ctx, d, func(tx *db.Tx) (any, error) {
					return e.svc.ReopenClosedTx(e.ctx, tx, tc.account, r.Prev)
				}); err != nil {
					t.Fatal(err)
				}
				if r := e.closeRow(tc.account); r.Status != tc.wantPrev || r.ClosedOn != nil {
					t.Fatalf("account after reopen = %+v", r)
				}
			})
		}
		e.verifyBooks()
	})
}
