package deploy_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"gjj/internal/apitest"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/testenv"
)

// run runs a program with GJJ_DATABASE set to database and returns its
// output (stdout and stderr) and error.
func run(t *testing.T, database string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GJJ_DATABASE="+database, "GJJ_REDIS=", "GJJ_LOG_LEVEL=error")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// tableState is every table of a database with its row count and
// CHECKSUM TABLE value.
func tableState(t *testing.T, dsn string) map[string][2]int64 {
	t.Helper()
	d, err := sqlx.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	var tables []string
	if err := d.SelectContext(ctx, &tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int64{}
	for _, tb := range tables {
		var n int64
		if err := d.GetContext(ctx, &n, "SELECT COUNT(*) FROM `"+tb+"`"); err != nil {
			t.Fatal(err)
		}
		var sum struct {
			Table    string `db:"Table"`
			Checksum *int64 `db:"Checksum"`
		}
		if err := d.GetContext(ctx, &sum, "CHECKSUM TABLE `"+tb+"`"); err != nil {
			t.Fatal(err)
		}
		var c int64
		if sum.Checksum != nil {
			c = *sum.Checksum
		}
		out[tb] = [2]int64{n, c}
	}
	return out
}

var auditHead = regexp.MustCompile(`head seq (\d+) hash (\S+)`)

// TestBackupRestore runs deploy/backup/backup.sh and restore.sh against the
// real MariaDB: a migrated database with the demo data is backed up while
// the platform has it open, restored into another empty database, and the
// copy has the same tables with the same row counts and checksums, passes
// `gjj ledger verify` and `gjj audit verify` with the source's audit head.
// Restoring over a database that holds tables, or a dump that does not match
// its .sha256, is refused and leaves the target as it was.
func TestBackupRestore(t *testing.T) {
	for _, tool := range []string{"mariadb-dump", "mariadb", "gzip", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			if testenv.Required("mysql") {
				t.Fatalf("GJJ_TEST_REQUIRE names mysql but %s is missing (apt-get install -y mariadb-client): %v", tool, err)
			}
			t.Skipf("%s is missing: %v", tool, err)
		}
	}
	srcDSN := dbtest.MySQLDatabase(t)
	apitest.OpenApp(t, "mysql:"+srcDSN) // migrations and demo data; stays open during the backup
	before := tableState(t, srcDSN)
	if n := before["journal_entry"][0]; n == 0 {
		t.Fatal("the demo data posted no journal entries")
	}

	bin := filepath.Join(t.TempDir(), "gjj")
	if out, err := exec.Command("go", "build", "-o", bin, "gjj/cmd/gjj").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	out, err := run(t, "mysql:"+srcDSN, "./backup/backup.sh", dir)
	if err != nil {
		t.Fatalf("backup.sh: %v\n%s", err, out)
	}
	dump := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if !strings.HasPrefix(dump, dir) || !strings.HasSuffix(dump, ".sql.gz") {
		t.Fatalf("backup.sh printed %q", out)
	}
	if _, err := os.Stat(dump + ".sha256"); err != nil {
		t.Fatal(err)
	}

	// Refusals first: they must leave the (empty) target alone.
	dstDSN := dbtest.MySQLDatabase(t)
	tampered := filepath.Join(dir, "tampered.sql.gz")
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(dump + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(tampered, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered+".sha256", sum, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "mysql:"+dstDSN, "./backup/restore.sh", tampered); err == nil || !strings.Contains(out, "does not match") {
		t.Errorf("restore of a changed dump: %v\n%s", err, out)
	}
	if got := tableState(t, dstDSN); len(got) != 0 {
		t.Errorf("the refused restore wrote %d tables", len(got))
	}

	out, err = run(t, "mysql:"+dstDSN, "./backup/restore.sh", dump)
	if err != nil {
		t.Fatalf("restore.sh: %v\n%s", err, out)
	}
	after := tableState(t, dstDSN)
	if !slices.Equal(slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after))) {
		t.Errorf("tables differ:\nsource   %v\nrestored %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
	}
	for tb, want := range before {
		if got := after[tb]; got != want {
			t.Errorf("%s: restored rows/checksum %v, source %v", tb, got, want)
		}
	}

	if out, err := run(t, "mysql:"+dstDSN, bin, "ledger", "verify"); err != nil {
		t.Errorf("gjj ledger verify on the copy: %v\n%s", err, out)
	}
	srcAudit, err := run(t, "mysql:"+srcDSN, bin, "audit", "verify")
	if err != nil {
		t.Fatalf("gjj audit verify on the source: %v\n%s", err, srcAudit)
	}
	dstAudit, err := run(t, "mysql:"+dstDSN, bin, "audit", "verify")
	if err != nil {
		t.Errorf("gjj audit verify on the copy: %v\n%s", err, dstAudit)
	}
	s, d := auditHead.FindStringSubmatch(srcAudit), auditHead.FindStringSubmatch(dstAudit)
	if s == nil || d == nil || s[0] != d[0] || s[1] == "0" {
		t.Errorf("audit heads: source %q, copy %q", srcAudit, dstAudit)
	}

	// The target now holds tables: a second restore is refused.
	if out, err := run(t, "mysql:"+dstDSN, "./backup/restore.sh", dump); err == nil || !strings.Contains(out, "already has") {
		t.Errorf("restore over a non-empty database: %v\n%s", err, out)
	}
}
