package apitest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/ledger"
	"gjj/internal/platform/config"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/testenv"
)

// ---------------------------------------------------------------------------
// Platform instances on SQLite and MariaDB.

// An Option changes how OpenApp opens a platform.
type Option func(*openOptions)

type openOptions struct {
	config []func(*config.Config)
	before []func(t testing.TB, database string)
}

// WithConfig lets f change the configuration the platform opens with.
func WithConfig(f func(*config.Config)) Option {
	return func(o *openOptions) { o.config = append(o.config, f) }
}

// WithRedis makes the platform use the test Redis under a fresh key prefix
// (removed when the test ends), as production does.
func WithRedis(t testing.TB) Option {
	addr, prefix := testenv.RedisNamespace(t)
	return WithConfig(func(c *config.Config) { c.Redis, c.RedisPrefix = addr, prefix })
}

// BeforeOpen runs f on the database before the platform opens it (to store
// what the platform reads when it starts).
func BeforeOpen(f func(t testing.TB, database string)) Option {
	return func(o *openOptions) { o.before = append(o.before, f) }
}

// EachStore runs f as the subtests "sqlite" and "mysql", each with a freshly
// opened platform on its own empty database, demo data seeded (OpenApp): the
// embedded default (SQLite, in-process key-value store) and production's
// parts (MariaDB and Redis, in a key namespace of its own). The MariaDB
// subtest skips, or fails when GJJ_TEST_REQUIRE names mysql or redis, if
// MariaDB or Redis does not answer.
func EachStore(t *testing.T, f func(t *testing.T, a *app.App), opts ...Option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		f(t, OpenApp(t, SQLite(t), opts...))
	})
	t.Run("mysql", func(t *testing.T) {
		f(t, OpenApp(t, "mysql:"+dbtest.MySQLDatabase(t), append([]Option{WithRedis(t)}, opts...)...))
	})
}

// SQLite is the database setting of a new SQLite file under t.TempDir().
func SQLite(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "gjj.db") }

// OpenApp opens a platform on database (a config.Config Database setting),
// closed when the test ends, and seeds the demo data.
func OpenApp(t testing.TB, database string, opts ...Option) *app.App {
	t.Helper()
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	for _, f := range o.before {
		f(t, database)
	}
	cfg := config.Config{Database: database, Addr: ":0", LogLevel: "info", BodyLimit: "1M"}
	for _, f := range o.config {
		f(&cfg)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.SeedDemo(ctx); err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	return a
}

// Server serves a's HTTP API (a.Server) to a new client that may use the
// named security schemes (see NewClient).
func Server(t testing.TB, a *app.App, schemes []string) *Client {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return NewClient(t, e, schemes)
}

// VerifyClean asserts that the ledger and the audit chain verify.
func VerifyClean(t testing.TB, a *app.App) {
	t.Helper()
	ctx := context.Background()
	rep, err := ledger.Verify(ctx, a.DB)
	if err != nil {
		t.Fatalf("ledger.Verify: %v", err)
	}
	if !rep.OK() {
		t.Errorf("ledger.Verify: %+v", rep.Problems)
	}
	arep, err := a.Audit.Verify(ctx, a.DB)
	if err != nil {
		t.Fatalf("audit Verify: %v", err)
	}
	if !arep.OK() {
		t.Errorf("audit Verify: %v (omitted %d)", arep.Problems, arep.Omitted)
	}
}

// LastAudit returns the newest audit record.
func LastAudit(t testing.TB, a *app.App) audit.Entry {
	t.Helper()
	es, err := a.Audit.List(context.Background(), audit.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit list: %v %v", es, err)
	}
	return es[0]
}

// ---------------------------------------------------------------------------
// What the store holds: row counts of every business table plus the state
// columns a refused call could change.

// countedTables are the tables whose row counts a State holds: every table a
// call of the ops, staff or unit API may write.
var countedTables = []string{"journal_entry", "posting", "ledger_account", "audit_log", "person", "employee_account",
	"base_history", "ratio_history", "unit", "unit_agent", "unit_prereg", "remittance", "remittance_line", "bank_receipt",
	"deferral", "interest_run", "interest_item", "certificate", "credential", "user_session", "channel_binding", "sms_message"}

// stateQueries select, by name, the columns of state a State holds.
var stateQueries = map[string]string{
	"employee_account": `SELECT account_no, unit_id, status, prev_status, base_fen, paid_through, status_reason FROM employee_account ORDER BY account_no`,
	"unit":             `SELECT unit_no, status, ratio_unit_bps, ratio_person_bps, first_month, paid_through FROM unit ORDER BY unit_no`,
	"remittance":       `SELECT id, status, headcount, total_fen, entry_serial FROM remittance ORDER BY id`,
	"ledger_account":   `SELECT code, balance_fen FROM ledger_account ORDER BY code`,
	"unit_prereg":      `SELECT id, status, review_comment FROM unit_prereg ORDER BY id`,
	"deferral":         `SELECT id, status FROM deferral ORDER BY id`,
	"interest_run":     `SELECT year, status, done FROM interest_run ORDER BY year`,
}

// State is what the store holds at one moment (Snapshot).
type State struct {
	counts map[string]int64    // countedTables → rows
	rows   map[string][]string // stateQueries → rows, columns joined by |
}

// Snapshot reads the row counts of every table a call of the ops, staff or
// unit API may write (countedTables) and the state columns a refused call
// could change (stateQueries: statuses, balances, review comments).
func Snapshot(t testing.TB, a *app.App) State {
	t.Helper()
	ctx := context.Background()
	st := State{counts: map[string]int64{}, rows: map[string][]string{}}
	for _, table := range countedTables {
		var n int64
		if err := a.DB.GetContext(ctx, &n, "SELECT COUNT(*) FROM "+table); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		st.counts[table] = n
	}
	for name, q := range stateQueries {
		rows, err := a.DB.QueryxContext(ctx, q)
		if err != nil {
			t.Fatalf("state of %s: %v", name, err)
		}
		for rows.Next() {
			cols, err := rows.SliceScan()
			if err != nil {
				rows.Close()
				t.Fatalf("state of %s: %v", name, err)
			}
			var b strings.Builder
			for i, v := range cols {
				if i > 0 {
					b.WriteByte('|')
				}
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprint(&b, v)
			}
			st.rows[name] = append(st.rows[name], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("state of %s: %v", name, err)
		}
		rows.Close()
	}
	return st
}

// Delta returns the row count changes since before (non-zero only).
func Delta(before, after State) map[string]int64 {
	d := map[string]int64{}
	for k, v := range after.counts {
		if v != before.counts[k] {
			d[k] = v - before.counts[k]
		}
	}
	return d
}

// Unchanged asserts that nothing was written since before: no row count and
// no state column changed.
func Unchanged(t testing.TB, a *app.App, before State) {
	t.Helper()
	after := Snapshot(t, a)
	if d := Delta(before, after); len(d) > 0 {
		t.Errorf("rows written: %v", d)
	}
	for name := range stateQueries {
		if !slices.Equal(before.rows[name], after.rows[name]) {
			t.Errorf("%s changed:\nbefore %q\nafter  %q", name, before.rows[name], after.rows[name])
		}
	}
}

// Wrote asserts that exactly the wanted row count changes happened since before.
func Wrote(t testing.TB, a *app.App, before State, want map[string]int64) {
	t.Helper()
	if d := Delta(before, Snapshot(t, a)); !maps.Equal(d, want) {
		t.Errorf("rows written %v, want %v", d, want)
	}
}
