package access_test

import (
	"context"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/errs"
)

// TestAccountScope: accounts map to their unit's branch (unknown ones to
// ""), FilterByAccount keeps a branch scope's rows in order and every row
// for the center, CheckAccount refuses another branch's and unknown accounts
// to branch staff; the demo branch reviewer's staff record names the branch.
func TestAccountScope(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		own, unknown := demo.Employees[1].AccountNo, "209999999999"
		m, err := access.AccountBranches(ctx, a.DB, []string{own, unknown, own})
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 1 || m[own] != access.DemoBranch || m[unknown] != "" {
			t.Errorf("account branches %v", m)
		}
		type row struct{ No string }
		rows := []row{{own}, {unknown}, {demo.Employees[2].AccountNo}}
		id := func(r *row) string { return r.No }
		for _, tc := range []struct {
			name  string
			scope access.Scope
			want  []string
		}{
			{"center", access.Scope{Center: true}, []string{own, unknown, demo.Employees[2].AccountNo}},
			{"own branch", access.Scope{Branches: []string{access.DemoBranch}}, []string{own, demo.Employees[2].AccountNo}},
			{"other branch", access.Scope{Branches: []string{"CS02"}}, nil},
			{"no branch", access.Scope{}, nil},
		} {
			got, err := access.FilterByAccount(ctx, a.DB, tc.scope, rows, id)
			if err != nil {
				t.Fatal(err)
			}
			var nos []string
			for _, r := range got {
				nos = append(nos, r.No)
			}
			if len(nos) != len(tc.want) {
				t.Errorf("%s: %v", tc.name, nos)
				continue
			}
			for i := range nos {
				if nos[i] != tc.want[i] {
					t.Errorf("%s: %v", tc.name, nos)
				}
			}
		}
		for _, tc := range []struct {
			scope   access.Scope
			account string
			code    string
		}{
			{access.Scope{Center: true}, unknown, ""},
			{access.Scope{Branches: []string{access.DemoBranch}}, own, ""},
			{access.Scope{Branches: []string{"CS02"}}, own, "access.other_branch"},
			{access.Scope{Branches: []string{access.DemoBranch}}, unknown, "access.other_branch"},
		} {
			if err := tc.scope.CheckAccount(ctx, a.DB, tc.account); errs.CodeOf(err) != tc.code {
				t.Errorf("%+v %s: %v", tc.scope, tc.account, err)
			}
		}
		var branch string
		if err := a.DB.GetContext(ctx, &branch, `SELECT branch FROM staff_user WHERE username = 'branch'`); err != nil || branch != access.DemoBranch {
			t.Errorf("demo branch reviewer's staff_user.branch = %q %v", branch, err)
		}
		if err := a.DB.GetContext(ctx, &branch, `SELECT branch FROM staff_user WHERE username = 'reviewer'`); err != nil || branch != "center" {
			t.Errorf("center reviewer's staff_user.branch = %q %v", branch, err)
		}
	})
}
