package access_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gjj/internal/access"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/testenv"
)

// TestChangePermissions checks the seeded change-request permissions: who
// submits and who approves each kind, and the routes.
func TestChangePermissions(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	en, err := access.New(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]string{}
	for _, r := range access.StaffRoles {
		sub := "staff:u_" + r[len("role:"):]
		subjects[r] = sub
		if err := en.Grant(access.Grant{Subject: sub, Role: r, Domain: access.Center}); err != nil {
			t.Fatal(err)
		}
	}
	submit := map[string][]string{
		"param":         {access.RoleParamMaker},
		"channel_state": {access.RoleChannelAdmin},
		"item_switch":   {access.RoleChannelAdmin},
		"capacity":      {access.RoleChannelAdmin},
		"notice":        {access.RoleParamMaker, access.RoleChannelAdmin},
		"role_grant":    {access.RoleSysadmin},
	}
	approve := map[string][]string{"role_grant": {access.RoleParamChecker, access.RoleSysadmin}}
	for kind, makers := range submit {
		checkers := approve[kind]
		if checkers == nil {
			checkers = []string{access.RoleParamChecker}
		}
		for _, r := range access.StaffRoles {
			for _, c := range []struct {
				act  string
				want bool
			}{{access.ActSubmit, slices.Contains(makers, r)}, {access.ActApprove, slices.Contains(checkers, r)}} {
				got, err := en.Allowed(subjects[r], access.Center, access.ChangeObject(kind), c.act)
				if err != nil || got != c.want {
					t.Errorf("%s %s %s = %v, %v; want %v", r, c.act, kind, got, err, c.want)
				}
			}
		}
	}
	// Acts do not leak into each other (regexMatch is unanchored) nor kinds.
	if ok, _ := en.Allowed(subjects[access.RoleParamMaker], access.Center, access.ChangeObject("param"), "approve"); ok {
		t.Error("param_maker may approve")
	}
	if ok, _ := en.Allowed(subjects[access.RoleParamMaker], access.Center, access.ChangeObject("param_x"), access.ActSubmit); ok {
		t.Error("object prefix matched")
	}
	routes := []struct {
		role, obj, act string
		want           bool
	}{
		{access.RoleAuditor, "/api/admin/v1/change-requests", "GET", true},
		{access.RoleAuditor, "/api/admin/v1/change-requests", "POST", false},
		{access.RoleReviewer, "/api/admin/v1/change-requests", "GET", false},
		{access.RoleParamChecker, "/api/admin/v1/change-requests/:id/approve", "POST", true},
		{access.RoleHotlineAgent, "/api/admin/v1/change-requests/:id/approve", "POST", false},
		{access.RoleHotlineAgent, "/api/admin/v1/totp-enrolments", "POST", true},
		{access.RoleSysadmin, access.ObjStaffTOTP, access.ActEnrol, true},
		{access.RoleParamChecker, access.ObjStaffTOTP, access.ActEnrol, false},
	}
	for _, c := range routes {
		if got, _ := en.Allowed(subjects[c.role], access.Center, c.obj, c.act); got != c.want {
			t.Errorf("%s %s %s = %v, want %v", c.role, c.act, c.obj, got, c.want)
		}
	}
	if p := en.Permissions(access.RoleAuditor); !slices.Contains(p, [2]string{"/api/admin/v1/audit", "GET"}) {
		t.Errorf("auditor permissions %v", p)
	}
}

// TestGrantTx checks grants recorded in a transaction: nothing until the
// commit and Reload, nothing at all after a rollback.
func TestGrantTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		en, err := access.New(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		g := access.Grant{Subject: "staff:alice", Role: access.RoleReviewer, Domain: access.Center}
		obj := "/api/admin/v1/preregistrations"
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			if err := access.GrantTx(ctx, tx, g); err != nil {
				t.Fatal(err)
			}
			return context.Canceled // roll back
		})
		if held, _ := access.HasGrant(ctx, d, g); held {
			t.Fatal("rolled-back grant stored")
		}
		for range 2 { // idempotent
			if err := d.InTx(ctx, func(tx *db.Tx) error { return access.GrantTx(ctx, tx, g) }); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := d.GetContext(ctx, &n, `SELECT COUNT(*) FROM casbin_rule WHERE p_type = 'g' AND v0 = ?`, g.Subject); err != nil || n != 1 {
			t.Fatalf("grant rows %d, %v", n, err)
		}
		if ok, _ := en.Allowed(g.Subject, access.Center, obj, "GET"); ok {
			t.Fatal("allowed before Reload")
		}
		if err := en.Reload(); err != nil {
			t.Fatal(err)
		}
		if ok, _ := en.Allowed(g.Subject, access.Center, obj, "GET"); !ok {
			t.Fatal("not allowed after Reload")
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return access.RevokeTx(ctx, tx, g) }); err != nil {
			t.Fatal(err)
		}
		if err := en.Reload(); err != nil {
			t.Fatal(err)
		}
		if ok, _ := en.Allowed(g.Subject, access.Center, obj, "GET"); ok {
			t.Fatal("allowed after revocation")
		}
	})
}

// TestWatch runs two enforcers on one MariaDB database, each watching the
// same Redis channel: a grant made on one is enforced on the other within a
// second, both through Grant and through GrantTx + Reload.
func TestWatch(t *testing.T) {
	d := dbtest.MySQL(t)
	addr, prefix := testenv.RedisNamespace(t)
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rc.Close() })
	var ens [2]*access.Enforcer
	for i := range ens {
		en, err := access.New(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := en.Watch(rc, prefix+"casbin"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(en.Close)
		ens[i] = en
	}
	a, b := ens[0], ens[1]
	obj := "/api/admin/v1/preregistrations"
	eventually := func(what string, sub string, want bool) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for {
			if ok, _ := b.Allowed(sub, access.Center, obj, "GET"); ok == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen on the second instance within a second", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := a.Grant(access.Grant{Subject: "staff:bob", Role: access.RoleReviewer, Domain: access.Center}); err != nil {
		t.Fatal(err)
	}
	eventually("Grant", "staff:bob", true)

	g := access.Grant{Subject: "staff:carol", Role: access.RoleReviewer, Domain: access.Center}
	if ok, _ := b.Allowed(g.Subject, access.Center, obj, "GET"); ok {
		t.Fatal("carol allowed before the grant")
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error { return access.GrantTx(ctx, tx, g) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	eventually("GrantTx + Reload", g.Subject, true)
	if err := d.InTx(ctx, func(tx *db.Tx) error { return access.RevokeTx(ctx, tx, g) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	eventually("RevokeTx + Reload", g.Subject, false)
}
