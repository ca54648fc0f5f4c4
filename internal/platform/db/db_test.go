package db_test

import (
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

// columns lists table → sorted column names of the application's tables.
func columns(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	var tables []string
	switch d.Dialect {
	case db.SQLite:
		if err := d.SelectContext(ctx, &tables, `SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			var cols []string
			if err := d.SelectContext(ctx, &cols, `SELECT name FROM pragma_table_info(?)`, tb); err != nil {
				t.Fatal(err)
			}
			out[tb] = cols
		}
	case db.MySQL:
		if err := d.SelectContext(ctx, &tables, `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			var cols []string
			if err := d.SelectContext(ctx, &cols, `SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?`, tb); err != nil {
				t.Fatal(err)
			}
			out[tb] = cols
		}
	}
	for _, c := range out {
		sort.Strings(c)
	}
	return out
}

func TestSchemasMatch(t *testing.T) {
	lite := dbtest.SQLite(t)
	my := dbtest.MySQL(t)
	a, b := columns(t, lite), columns(t, my)
	if len(a) < 10 {
		t.Fatalf("sqlite schema has only %d tables: %v", len(a), a)
	}
	for tb, cols := range a {
		if !reflect.DeepEqual(cols, b[tb]) {
			t.Errorf("table %s: sqlite columns %v, mysql columns %v", tb, cols, b[tb])
		}
	}
	for tb := range b {
		if _, ok := a[tb]; !ok {
			t.Errorf("table %s exists only in mysql", tb)
		}
	}
	// Both sets carry the same version numbers.
	sa, err := lite.MigrationStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sb, err := my.MigrationStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sa) != len(sb) {
		t.Fatalf("sqlite has %d migrations, mysql %d", len(sa), len(sb))
	}
	for i := range sa {
		if sa[i].Version != sb[i].Version || !sa[i].Applied || !sb[i].Applied {
			t.Errorf("migration %d: sqlite %+v, mysql %+v", i, sa[i], sb[i])
		}
	}
}

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		n, err := d.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d (err %v), want 0", n, err)
		}
	})
}

func TestDuplicateAndRollback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ins := `INSERT INTO staff_user (username, display_name, branch, status, created_at) VALUES (?, ?, ?, ?, ?)`
		if _, err := d.ExecContext(ctx, ins, "zhang", "张三", "center", "active", db.Now()); err != nil {
			t.Fatal(err)
		}
		// A duplicate inside a transaction maps to errs.Duplicate and rolls back the whole transaction.
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, ins, "li", "李四", "center", "active", db.Now()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, ins, "zhang", "张三", "center", "active", db.Now())
			return err
		})
		if !errors.Is(err, errs.Duplicate) || errs.KindOf(err) != errs.Conflict {
			t.Fatalf("err = %v, want errs.Duplicate", err)
		}
		var n int
		if err := d.GetContext(ctx, &n, `SELECT COUNT(*) FROM staff_user`); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("rows = %d after rolled-back transaction, want 1", n)
		}
	})
}

func TestOpenRejectsBadSpec(t *testing.T) {
	for _, spec := range []string{"", "sqlite", "postgres:x", "mysql:::bad dsn"} {
		if d, err := db.Open(context.Background(), spec); err == nil {
			d.Close()
			t.Errorf("Open(%q) succeeded", spec)
		} else if strings.Contains(err.Error(), "password") {
			t.Errorf("Open(%q) error leaks: %v", spec, err)
		}
	}
}

func TestUnreachableStoreIsUnavailable(t *testing.T) {
	// MariaDB reached through a proxy that the test then cuts: transactions
	// must fail as unavailable (503), not internal.
	dsn := dbtest.MySQLDatabase(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	upstream := cfg.Addr
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	cfg.Addr = ln.Addr().String()
	ctx := context.Background()
	d, err := db.Open(ctx, "mysql:"+cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.InTx(ctx, func(tx *db.Tx) error { return nil }); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	ln.Close()
	mu.Lock()
	for _, c := range conns {
		c.Close()
	}
	mu.Unlock()
	err = d.InTx(ctx, func(tx *db.Tx) error { return nil })
	if errs.KindOf(err) != errs.Unavailable || !errors.Is(err, db.ErrUnavailable) {
		t.Fatalf("err = %v (kind %s), want store.unavailable", err, errs.KindOf(err))
	}
}
