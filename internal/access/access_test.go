package access_test

import (
	"context"
	"errors"
	"testing"

	"gjj/internal/access"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
)

func TestRolesAndDomains(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		en, err := access.New(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		grants := append([]access.Grant{
			{"staff:audit1", access.RoleAuditor, access.Center},
			{"person:7", access.RoleUnitAgent, "unit:100000000001"},
		}, access.DemoGrants...)
		for _, g := range grants {
			if err := en.Grant(g); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			sub, dom, obj, act string
			want               bool
		}{
			{"staff:reviewer", access.Center, "/api/admin/v1/accounts/:account_no/statement", "GET", true},
			{"staff:reviewer", access.Center, "/api/admin/v1/preregistrations/:id/approve", "POST", true},
			{"staff:reviewer", access.Center, "/api/admin/v1/interest-runs", "POST", true},
			{"staff:audit1", access.Center, "/api/admin/v1/accounts/:account_no/statement", "GET", true},
			{"staff:audit1", access.Center, "/api/admin/v1/interest-runs", "POST", false},
			{"staff:admin", access.Center, "/api/admin/v1/accounts/:account_no/statement", "GET", false}, // sysadmin: no business
			{"staff:maker", access.Center, "/api/admin/v1/preregistrations/:id/approve", "POST", false},
			{"staff:nobody", access.Center, "/api/admin/v1/accounts/:account_no/statement", "GET", false},
			{"person:7", "unit:100000000001", "/api/unit/v1/employees", "POST", true},
			{"person:7", "unit:100000000002", "/api/unit/v1/employees", "POST", false}, // another unit
			{"person:7", access.Center, "/api/admin/v1/accounts/:account_no/statement", "GET", false},
		}
		for _, c := range cases {
			got, err := en.Allowed(c.sub, c.dom, c.obj, c.act)
			if err != nil || got != c.want {
				t.Errorf("Allowed(%s, %s, %s %s) = %v, %v; want %v", c.sub, c.dom, c.act, c.obj, got, err, c.want)
			}
		}
		if err := en.Check("staff:audit1", access.Center, "/api/admin/v1/interest-runs", "POST"); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("Check = %v", err)
		}
		// A second instance loads the same grants from the store; seeding twice adds nothing.
		en2, err := access.New(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := en2.Allowed("person:7", "unit:100000000001", "/api/unit/v1/account", "GET"); !ok {
			t.Fatal("grant not persisted")
		}
		var n int
		if err := d.GetContext(ctx, &n, `SELECT COUNT(*) FROM casbin_rule WHERE p_type = 'p'`); err != nil || n == 0 {
			t.Fatal(err)
		}
		var n2 int
		_ = d.GetContext(ctx, &n2, `SELECT COUNT(*) FROM casbin_rule WHERE p_type = 'p' AND v0 = 'role:reviewer' AND v2 = '/api/admin/v1/interest-runs'`)
		if n2 != 1 {
			t.Fatalf("seeded policy stored %d times", n2)
		}
		if roles := en2.Roles("staff:maker", access.Center); len(roles) != 2 {
			t.Fatalf("maker roles = %v", roles)
		}
	})
}
