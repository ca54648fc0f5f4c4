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

// TestPendingDeferrals: pending deferrals of every unit, oldest first, cut
// at the limit while the total counts them all; decided ones drop out.
func TestPendingDeferrals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		units := []*deposit.Unit{e.importUnit(0, 1), e.importUnit(1, 1), e.importUnit(2, 1)}
		m := date.MustParseMonth
		if list, total, err := e.svc.PendingDeferrals(e.ctx, 10); err != nil || total != 0 || list == nil || len(list) != 0 {
			t.Fatalf("empty: %+v, %d, %v", list, total, err)
		}
		var ids []int64
		for _, u := range units {
			df, err := e.svc.ApplyDeferral(e.ctx, u.UnitNo, m("2026-11"), m("2027-01"), "经营困难")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, df.ID)
		}
		if _, err := e.svc.RejectDeferral(e.ctx, ids[1], "staff:reviewer", "材料不全"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			limit int
			want  []int64
		}{
			{10, []int64{ids[0], ids[2]}},
			{1, []int64{ids[0]}},
			{0, []int64{ids[0], ids[2]}},  // default
			{-5, []int64{ids[0], ids[2]}}, // default
		} {
			list, total, err := e.svc.PendingDeferrals(e.ctx, tc.limit)
			if err != nil || total != 2 || len(list) != len(tc.want) {
				t.Fatalf("limit %d: %+v, %d, %v", tc.limit, list, total, err)
			}
			for i, df := range list {
				if df.ID != tc.want[i] || df.Status != deposit.DeferralPending || df.UnitNo == "" || df.AppliedAt.Location().String() != "UTC" {
					t.Errorf("limit %d: row %d = %+v", tc.limit, i, df)
				}
			}
		}
	})
}

// TestSearchEmployees finds accounts of every unit by account prefix, name,
// full or masked ID number, a page at a time, and refuses bad criteria.
func TestSearchEmployees(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 3)
		e.importUnit(1, 2)
		masked := func(id string) string { return id[:6] + "********" + id[14:] }
		// Every account whose ID number has the same ends as employee 1's.
		var sameEnds []string
		for i, no := range []string{"201000000001", "201000000002", "201000000003", "202000000001", "202000000002"} {
			n := []int{0, 1, 2, 100000, 100001}[i]
			if masked(idNumber(n)) == masked(idNumber(1)) {
				sameEnds = append(sameEnds, no)
			}
		}
		for _, tc := range []struct {
			name  string
			q     deposit.EmployeeSearch
			want  []string
			total int
		}{
			{"account prefix", deposit.EmployeeSearch{AccountNo: "201"}, []string{"201000000001", "201000000002", "201000000003"}, 3},
			{"all accounts, second page", deposit.EmployeeSearch{AccountNo: "20", Offset: 2, Limit: 2}, []string{"201000000003", "202000000001"}, 5},
			{"name", deposit.EmployeeSearch{Name: "职工100001"}, []string{"202000000002"}, 1},
			{"full ID", deposit.EmployeeSearch{IDNumber: idNumber(2)}, []string{"201000000003"}, 1},
			{"masked ID", deposit.EmployeeSearch{IDNumber: strings.ToLower(masked(idNumber(1)))}, sameEnds, len(sameEnds)},
			{"every criterion must match", deposit.EmployeeSearch{AccountNo: "202", Name: "职工0"}, nil, 0},
			{"no match", deposit.EmployeeSearch{AccountNo: "9"}, nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rows, total, err := e.svc.SearchEmployees(e.ctx, tc.q)
				if err != nil || total != tc.total || len(rows) != len(tc.want) {
					t.Fatalf("got %d rows, total %d, %v; want %v (%d)", len(rows), total, err, tc.want, tc.total)
				}
				for i, r := range rows {
					if r.AccountNo != tc.want[i] || r.Name == "" || r.UnitNo == "" {
						t.Errorf("row %d = %+v, want %s", i, r, tc.want[i])
					}
				}
			})
		}
		for _, tc := range []struct {
			name string
			q    deposit.EmployeeSearch
		}{
			{"no criterion", deposit.EmployeeSearch{Limit: 10}},
			{"account not digits", deposit.EmployeeSearch{AccountNo: "20%"}},
			{"short ID", deposit.EmployeeSearch{IDNumber: "350102"}},
			{"badly masked ID", deposit.EmployeeSearch{IDNumber: "350102*******0011"}},
		} {
			if _, _, err := e.svc.SearchEmployees(e.ctx, tc.q); errs.CodeOf(err) != deposit.ErrInvalidInput.Code {
				t.Errorf("%s: err = %v", tc.name, err)
			}
		}
	})
}
