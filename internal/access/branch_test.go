package access_test

import (
	"context"
	"strings"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/errs"
)

// TestScope: center grants see every branch; branch grants see only their
// branches (checked in their branch domain); no grant sees nothing; the demo
// unit belongs to the demo branch and moves with AssignUnitBranch (audited).
func TestScope(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		if err := a.Access.Grant(access.Grant{Subject: "staff:two", Role: access.RoleReviewer, Domain: "branch:CS02"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Access.Grant(access.Grant{Subject: "staff:two", Role: access.RoleAuditor, Domain: "branch:GL01"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			subject  string
			center   bool
			branches string
			domain   string
			sees     map[string]bool
		}{
			{"staff:reviewer", true, "", "*", map[string]bool{"": true, "GL01": true, "CS02": true}},
			{"staff:branch", false, "GL01", "branch:GL01", map[string]bool{"": false, "GL01": true, "CS02": false}},
			{"staff:two", false, "CS02,GL01", "branch:CS02", map[string]bool{"": false, "GL01": true, "CS02": true}},
			{"staff:nobody", false, "", "*", map[string]bool{"": false, "GL01": false}},
		} {
			s := a.Access.Scope(tc.subject)
			if s.Center != tc.center || strings.Join(s.Branches, ",") != tc.branches || s.Domain() != tc.domain {
				t.Errorf("%s: scope %+v domain %s", tc.subject, s, s.Domain())
			}
			for b, want := range tc.sees {
				if s.Sees(b) != want {
					t.Errorf("%s sees %q = %v", tc.subject, b, !want)
				}
			}
		}
		// The branch reviewer's permissions hold in their domain only.
		for dom, want := range map[string]bool{"branch:GL01": true, "branch:CS02": false, "*": false} {
			if ok, _ := a.Access.Allowed("staff:branch", dom, "/admin/reviews/deferrals", "GET"); ok != want {
				t.Errorf("branch reviewer in %s: %v", dom, ok)
			}
		}
		branchOnly := a.Access.Scope("staff:branch")
		if b, _ := access.UnitBranch(ctx, a.DB, demo.UnitNo); b != access.DemoBranch {
			t.Fatalf("demo unit branch %q", b)
		}
		if b, _ := access.AccountBranch(ctx, a.DB, demo.Employees[0].AccountNo); b != access.DemoBranch {
			t.Fatalf("demo account branch %q", b)
		}
		if err := branchOnly.CheckUnit(ctx, a.DB, demo.UnitNo); err != nil {
			t.Errorf("own unit: %v", err)
		}
		if err := access.AssignUnitBranch(ctx, a.DB, a.Audit, demo.UnitNo, "CS02"); err != nil {
			t.Fatal(err)
		}
		if err := branchOnly.CheckUnit(ctx, a.DB, demo.UnitNo); errs.CodeOf(err) != "access.other_branch" {
			t.Errorf("other unit: %v", err)
		}
		if err := access.AssignUnitBranch(ctx, a.DB, a.Audit, demo.UnitNo, "bad code!"); errs.CodeOf(err) != "access.bad_branch" {
			t.Errorf("bad branch: %v", err)
		}
		apitest.VerifyClean(t, a)
	})
}
