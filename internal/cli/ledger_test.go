package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"gjj/internal/platform/db"
)

func TestLedgerVerifyCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gjj.db")
	if code, out, errOut := gjj(t, path, "demo"); code != 0 || !strings.Contains(out, "demo data seeded") {
		t.Fatalf("gjj demo: %d %q %q", code, out, errOut)
	}
	if code, out, _ := gjj(t, path, "demo"); code != 0 || !strings.Contains(out, "already present") {
		t.Fatalf("second gjj demo: %d %q", code, out)
	}
	code, out, errOut := gjj(t, path, "ledger", "verify")
	if code != 0 || !strings.Contains(out, "ledger OK") || !strings.Contains(out, "entries 5,") {
		t.Fatalf("ledger verify on demo data: %d %q %q", code, out, errOut)
	}
	// Someone edits a balance behind the ledger's back.
	d, err := db.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(context.Background(), `UPDATE ledger_account SET balance_fen = balance_fen + 100 WHERE code = '2201-PF-201000000003'`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	code, out, errOut = gjj(t, path, "ledger", "verify")
	if code != 1 || !strings.Contains(out, "PROBLEM balance_mismatch 2201-PF-201000000003") || !strings.Contains(errOut, "1 problem") {
		t.Fatalf("ledger verify after tampering: exit %d\n%s\n%s", code, out, errOut)
	}
}
