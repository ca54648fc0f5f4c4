package demo_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/ledger"
	"gjj/internal/platform/config"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/ident"
	"path/filepath"
)

func stores(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "gjj.db") },
		"mysql":  func(t *testing.T) string { return "mysql:" + dbtest.MySQLDatabase(t) },
	}
}

// TestSeedTwiceConcurrently opens the platform three times on one database at
// once (as three instances would), seeds the demo from all of them, and checks
// it exists exactly once, its logins work and the books verify.
func TestSeedTwiceConcurrently(t *testing.T) {
	for name, spec := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cfg := config.Config{Database: spec(t), Addr: ":0", LogLevel: "error", BodyLimit: "1M"}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			apps := make([]*app.App, 3)
			created := make([]bool, 3)
			errs := make([]error, 3)
			var wg sync.WaitGroup
			for i := range apps {
				wg.Add(1)
				go func() {
					defer wg.Done()
					a, err := app.Open(ctx, cfg, log)
					if err != nil {
						errs[i] = err
						return
					}
					apps[i] = a
					created[i], errs[i] = a.SeedDemo(ctx)
				}()
			}
			wg.Wait()
			n := 0
			for i, a := range apps {
				if errs[i] != nil {
					t.Fatalf("instance %d: %v", i, errs[i])
				}
				defer a.Close()
				if created[i] {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d instances created the demo, want exactly 1", n)
			}
			a := apps[0]
			var units, staff, accounts int
			_ = a.DB.GetContext(ctx, &units, `SELECT COUNT(*) FROM unit WHERE uscc = ?`, demo.UnitUSCC)
			_ = a.DB.GetContext(ctx, &staff, `SELECT COUNT(*) FROM staff_user`)
			_ = a.DB.GetContext(ctx, &accounts, `SELECT COUNT(*) FROM employee_account`)
			if units != 1 || staff != len(demo.Staff) || accounts != len(demo.Employees) {
				t.Fatalf("units %d, staff %d, accounts %d", units, staff, accounts)
			}
			var hash, totp string
			if err := a.DB.GetContext(ctx, &hash, `SELECT c.password_hash FROM credential c JOIN staff_user s ON s.id = c.subject_id AND c.subject_type = 'staff' WHERE s.username = 'checker'`); err != nil {
				t.Fatal(err)
			}
			if ok, err := identity.CheckPassword(hash, demo.Password); err != nil || !ok {
				t.Fatalf("demo password does not verify: %v", err)
			}
			if err := a.DB.GetContext(ctx, &totp, `SELECT c.totp_secret FROM credential c JOIN person p ON p.id = c.subject_id AND c.subject_type = 'person' WHERE p.id_number = ?`, demo.AgentID); err != nil || totp != demo.TOTPSecret {
				t.Fatalf("agent TOTP = %q, %v", totp, err)
			}
			for _, e := range demo.Employees {
				if _, err := ident.ParseResidentID(e.IDNumber); err != nil {
					t.Errorf("demo ID %s is invalid: %v", e.Name, err)
				}
				acct, err := a.Ledger.Account(ctx, ledger.PersonalCode(e.AccountNo))
				if err != nil || acct.Balance != e.Opening {
					t.Errorf("%s balance = %v, %v; want %s", e.AccountNo, acct, err, e.Opening)
				}
			}
			if _, err := ident.ParseUSCC(demo.UnitUSCC); err != nil {
				t.Fatal(err)
			}
			r, err := ledger.Verify(ctx, a.DB)
			if err != nil || !r.OK() {
				t.Fatalf("ledger verify: %+v %v", r, err)
			}
			ar, err := a.Audit.Verify(ctx, a.DB)
			if err != nil || !ar.OK() {
				t.Fatalf("audit verify: %+v %v", ar, err)
			}
		})
	}
}
