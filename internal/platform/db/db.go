// Package db opens the platform's store — MySQL (MariaDB) in production or an
// embedded SQLite file — and holds the few things that differ between the two:
// the dialect value, duplicate-key and retryable-error mapping, the transaction
// helper and the embedded goose migrations.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"gjj/internal/platform/errs"
)

func init() {
	// Both dialects use '?' placeholders; make that explicit for sqlx.In/Rebind.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
	// The MySQL driver's own messages (dropped connections…) go to the
	// platform's JSON log instead of a bare line on stderr.
	_ = mysql.SetLogger(driverLog{})
}

type driverLog struct{}

func (driverLog) Print(v ...any) { slog.Warn("mysql driver", "detail", fmt.Sprint(v...)) }

// Dialect names the SQL dialect of a store.
type Dialect string

// The supported dialects.
const (
	MySQL  Dialect = "mysql"
	SQLite Dialect = "sqlite"
)

// ForUpdate is the row-lock suffix for a SELECT that precedes an update in the
// same transaction: " FOR UPDATE" on MySQL; empty on SQLite, where every
// transaction already holds the write lock (BEGIN IMMEDIATE).
func (d Dialect) ForUpdate() string {
	if d == MySQL {
		return " FOR UPDATE"
	}
	return ""
}

// InsertIgnore is the statement prefix that skips rows whose unique key exists.
func (d Dialect) InsertIgnore() string {
	if d == MySQL {
		return "INSERT IGNORE"
	}
	return "INSERT OR IGNORE"
}

// DB is an open store. Its embedded *sqlx.DB is safe for concurrent use.
type DB struct {
	*sqlx.DB
	Dialect Dialect
	// Name is a display form of the store without credentials.
	Name string
	// path is the SQLite file (empty on MySQL).
	path string
}

// Tx is a store transaction opened by DB.InTx.
type Tx struct {
	*sqlx.Tx
	Dialect Dialect
}

// Querier is satisfied by *DB and *Tx: code that only reads can take either.
type Querier interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// ErrSpec is returned by Open for a GJJ_DATABASE value it cannot use.
var ErrSpec = errors.New(`want "sqlite:<path>" or "mysql:<go-sql-driver DSN>"`)

// Open opens the store named by spec: "sqlite:<path>" (the file and its folder
// are created) or "mysql:<DSN>" (parseTime and UTC are forced). It pings the
// store before returning.
func Open(ctx context.Context, spec string) (*DB, error) {
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok || rest == "" {
		return nil, ErrSpec
	}
	switch kind {
	case "sqlite":
		return openSQLite(ctx, rest)
	case "mysql":
		return openMySQL(ctx, rest)
	}
	return nil, ErrSpec
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create folder for sqlite file: %w", err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite&_timezone=UTC"
	x, err := sqlx.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// SQLite has one writer at a time; a small pool keeps waiting writers few.
	x.SetMaxOpenConns(8)
	x.SetMaxIdleConns(8)
	d := &DB{DB: x, Dialect: SQLite, Name: "sqlite:" + path, path: path}
	// Switching a new file to WAL needs a lock that SQLite does not wait for
	// (no busy handler), so a second process opening the file at the same
	// moment gets SQLITE_BUSY; retry that for a few seconds.
	for attempt := 0; ; attempt++ {
		err = x.PingContext(ctx)
		if err == nil {
			return d, nil
		}
		if !Retryable(err) || attempt >= 50 {
			x.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			x.Close()
			return nil, ctx.Err()
		}
	}
}

func openMySQL(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse mysql DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.MultiStatements = false
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	if cfg.Collation == "" {
		cfg.Collation = "utf8mb4_unicode_ci"
	}
	x, err := sqlx.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	x.SetMaxOpenConns(64)
	x.SetMaxIdleConns(32)
	x.SetConnMaxLifetime(30 * time.Minute)
	d := &DB{DB: x, Dialect: MySQL, Name: "mysql:" + cfg.Addr + "/" + cfg.DBName}
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("open mysql %s/%s: %w", cfg.Addr, cfg.DBName, err)
	}
	return d, nil
}

// MaxAttempts is how often InTx runs fn when the store reports a deadlock,
// a lock-wait timeout or a busy database.
const MaxAttempts = 6

// InTx runs fn in a transaction and commits when fn returns nil. On MySQL rows
// are locked with SELECT … FOR UPDATE (Dialect.ForUpdate); on SQLite the
// transaction is BEGIN IMMEDIATE. When the store reports a retryable conflict
// (deadlock, lock wait timeout, SQLITE_BUSY) the whole transaction is rolled back
// and fn runs again, so fn must not keep state across attempts. Errors from fn
// are returned unchanged after rollback; duplicate-key errors are mapped to
// errs.Duplicate.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = d.inTxOnce(ctx, fn)
		if err == nil || !Retryable(err) || attempt >= MaxAttempts || ctx.Err() != nil {
			break
		}
		backoff := time.Duration(attempt*attempt)*2*time.Millisecond + rand.N(5*time.Millisecond)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return MapError(err)
}

func (d *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	x, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{Tx: x, Dialect: d.Dialect}
	defer func() {
		if p := recover(); p != nil {
			_ = x.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = x.Rollback()
		return err
	}
	if err := x.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsDuplicate reports whether err is a unique-key violation from either store.
func IsDuplicate(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return errors.Is(err, errs.Duplicate)
}

// ErrRetry may be wrapped by a transaction body to ask InTx to roll back and run
// it again in a fresh transaction (for example after losing an insert race whose
// winner is visible only to a new snapshot).
var ErrRetry = errors.New("transaction must be retried")

// Retryable reports whether err means "the transaction lost a race; run it again":
// MySQL deadlock (1213) or lock wait timeout (1205), SQLite BUSY or LOCKED, or
// an error wrapping ErrRetry.
func Retryable(err error) bool {
	if errors.Is(err, ErrRetry) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// MapError turns store-level duplicate-key errors into errs.Duplicate and
// connection failures into ErrUnavailable (both wrapping the original), and
// leaves every other error as it is.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if IsDuplicate(err) {
		return errs.Duplicate.Wrap(err)
	}
	if Unreachable(err) {
		return ErrUnavailable.Wrap(err)
	}
	return err
}

// ErrUnavailable is what callers see when the store cannot be reached; the
// transaction did not commit (or, for a failure during COMMIT, its outcome is
// unknown and a retry with the same business serial settles it).
var ErrUnavailable = errs.New(errs.Unavailable, "store.unavailable", "数据库暂时不可用，请稍后再试")

// Unreachable reports whether err means the store could not be reached: a
// broken or refused connection rather than an answer from the server, or the
// server saying it is shutting down (1053) or killed the connection (1927).
func Unreachable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1053 || me.Number == 1927
	}
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &oe) || errors.As(err, &ne)
}

// NoRows reports whether err is sql.ErrNoRows.
func NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Now returns the wall-clock time in UTC truncated to microseconds, the
// precision both stores keep; store timestamps only through it.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Get runs fn in a transaction like InTx and returns its result: the
// one-line form of "var v T; InTx(func(tx) { v, err = f(tx) })".
func Get[T any](ctx context.Context, d *DB, fn func(tx *Tx) (T, error)) (T, error) {
	var v T
	err := d.InTx(ctx, func(tx *Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// ExecCount runs a statement and returns how many rows it affected (with
// InsertIgnore: how many it inserted).
func (tx *Tx) ExecCount(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
