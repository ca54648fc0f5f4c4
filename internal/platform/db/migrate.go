package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/pressly/goose/v3"

	migrations "gjj/sql"
)

func (d *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, string(d.Dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if d.Dialect == MySQL {
		dialect = goose.DialectMySQL
	}
	return goose.NewProvider(dialect, d.DB.DB, sub)
}

// Migrate applies the embedded migrations of the store's dialect that are not
// yet applied and returns how many it applied. On MySQL it holds a named lock
// (GET_LOCK) so several instances starting together migrate once.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	p, err := d.provider()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	if d.Dialect == SQLite {
		// Processes opening one new file together (gjj serve and gjj demo,
		// say) would each create the tables; a lock file next to the database
		// makes them take turns.
		unlock, err := lockFile(ctx, d.path+".migrate-lock")
		if err != nil {
			return 0, fmt.Errorf("migration lock: %w", err)
		}
		defer unlock()
	}
	if d.Dialect == MySQL {
		conn, err := d.DB.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('gjj.migrate', 120)").Scan(&got); err != nil {
			return 0, fmt.Errorf("migration lock: %w", err)
		}
		if !got.Valid || got.Int64 != 1 {
			return 0, fmt.Errorf("migration lock: another instance holds it for more than 120s")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('gjj.migrate')")
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// lockFile takes an exclusive advisory lock (flock) on path, waiting up to two
// minutes, and returns the function that releases it.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, err
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		}
	}
}

// MigrationStatus is one embedded migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Source  string
	Applied bool
}

// MigrationStatuses lists the embedded migrations of the store's dialect.
func (d *DB) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := d.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Source: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}
