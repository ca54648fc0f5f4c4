// Package dbtest gives tests a freshly migrated store on SQLite and on the real
// MariaDB. Tests only.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"

	"gjj/internal/platform/db"
	"gjj/internal/platform/testenv"
)

// SQLite returns a migrated store in a new file under t.TempDir().
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "gjj.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// MySQL returns a migrated store in a new MariaDB database that is dropped when
// the test ends. It skips (or fails, when GJJ_TEST_REQUIRE names mysql) if
// MariaDB does not answer.
func MySQL(t testing.TB) *db.DB {
	t.Helper()
	d := MySQLEmpty(t)
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// MySQLEmpty is MySQL without migrations.
func MySQLEmpty(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), "mysql:"+MySQLDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// MySQLDatabase creates an empty MariaDB database that is dropped when the test
// ends and returns a go-sql-driver DSN for it (for processes under test). It
// skips (or fails when required) if MariaDB does not answer.
func MySQLDatabase(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin := testenv.MySQLAdminDSN(t)
	cfg, err := mysql.ParseDSN(admin)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gjjt_" + hex.EncodeToString(b[:])
	adm, err := sql.Open("mysql", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		adm, err := sql.Open("mysql", admin)
		if err == nil {
			_, _ = adm.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name)
			adm.Close()
		}
	})
	cfg.DBName = name
	cfg.ParseTime = true
	return cfg.FormatDSN()
}

// Each runs f as two subtests, "sqlite" and "mysql", each on its own fresh store.
func Each(t *testing.T, f func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { f(t, MySQL(t)) })
}
