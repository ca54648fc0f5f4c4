package deposit_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// Interest settlement benchmarks report accounts per second as "ops/s" so
// `make bench` can print the settlement next to its ceiling measured in the
// same run: BenchmarkInterestSettle settles N accounts (each with a few
// postings) per iteration, one fund year after the other;
// BenchmarkRawInterestUpdate is one set-based UPDATE of the same N accounts'
// balances. Sub-benchmarks are <backend>/n=<N> for each N of
// GJJ_BENCH_ACCOUNTS (comma-separated, default "10000,100000"; `make
// bench-full` runs "100000,1000000", the issue's target on MariaDB).

// benchSizes reads a comma-separated list of positive sizes from the
// environment variable env, def when it is unset.
func benchSizes(b testing.TB, env string, def []int) []int {
	s := os.Getenv(env)
	if s == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			b.Fatalf("%s=%q: want positive numbers separated by commas", env, s)
		}
		out = append(out, v)
	}
	return out
}

// benchBackends runs f on a fresh database of each backend for each size of
// GJJ_BENCH_ACCOUNTS.
func benchBackends(b *testing.B, f func(b *testing.B, d *db.DB, n int)) {
	sizedBackends(b, "GJJ_BENCH_ACCOUNTS", []int{10_000, 100_000}, f)
}

// sizedBackends runs f as <backend>/n=<size> on a fresh database of each
// backend for each size listed in the environment variable env (def when unset).
func sizedBackends(b *testing.B, env string, def []int, f func(b *testing.B, d *db.DB, n int)) {
	sizes := benchSizes(b, env, def)
	for _, backend := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.SQLite}, {"mysql", dbtest.MySQL}} {
		b.Run(backend.name, func(b *testing.B) {
			for _, n := range sizes {
				b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { f(b, backend.open(b), n) })
			}
		})
	}
}

// benchLedgerBase is the first ledger_account id of the personal accounts
// (the center accounts come before it).
const benchLedgerBase = 1000

// benchSetup builds the platform's base data and n employee accounts with
// their persons, ledger accounts and four postings each, by multi-row INSERTs
// straight into the tables (balances, running balances and posting counts
// consistent, so the ledger keeps posting after them): 20,000.00 on
// 2024-06-30, 1,000.00 on 2024-10-15, −500.00 on 2025-03-10 and 1,000.00 on
// 2025-08-15. The business date is 2099-07-01, so every fund year up to 2099
// can be settled.
func benchSetup(b testing.TB, d *db.DB, n int) (context.Context, *deposit.Service) {
	b.Helper()
	start := time.Now()
	ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "system:bench", Channel: "system"})
	al := audit.New(d)
	pol := policy.New(d)
	dates := bizdate.New(d, al)
	l := ledger.New(d, dates)
	if _, err := pol.Seed(ctx); err != nil {
		b.Fatal(err)
	}
	if err := dates.Ensure(ctx, date.MustParse("2099-07-01")); err != nil {
		b.Fatal(err)
	}
	if err := l.EnsureCenterAccounts(ctx, bank); err != nil {
		b.Fatal(err)
	}
	bankAcct, err := l.Account(ctx, ledger.BankCode(bank))
	if err != nil {
		b.Fatal(err)
	}
	clearing, err := l.Account(ctx, ledger.CodeWithdrawalClearing)
	if err != nil {
		b.Fatal(err)
	}
	now := db.Now()
	exec := func(tx *db.Tx, q string, args ...any) {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%.60s…: %v", q, err)
		}
	}
	// bulk inserts rows of cols values each, 1000 rows per statement.
	bulk := func(tx *db.Tx, head string, cols int, rows []any) {
		const per = 1000
		for s := 0; s < len(rows); s += per * cols {
			e := min(s+per*cols, len(rows))
			tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + "),"
			exec(tx, head+strings.TrimSuffix(strings.Repeat(tuple, (e-s)/cols), ","), rows[s:e]...)
		}
	}
	moves := []struct {
		on     string
		side   ledger.Side
		amount int64
	}{{"2024-06-30", ledger.Credit, 2_000_000}, {"2024-10-15", ledger.Credit, 100_000}, {"2025-03-10", ledger.Debit, 50_000}, {"2025-08-15", ledger.Credit, 100_000}}
	var final int64
	for _, m := range moves {
		if m.side == ledger.Credit {
			final += m.amount
		} else {
			final -= m.amount
		}
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		exec(tx, `INSERT INTO unit (id, unit_no, uscc, name, status, ratio_unit_bps, ratio_person_bps, created_at) VALUES (1, 'B1', '91350100M000100Y43', '基准测试单位', '01', 1200, 1200, ?)`, now)
		for e := range len(moves) {
			exec(tx, `INSERT INTO journal_entry (id, serial, biz_type, biz_date, memo, fingerprint, channel, actor, created_at) VALUES (?, ?, '99', ?, 'bench', '', 'system', 'system:bench', ?)`,
				e+1, fmt.Sprintf("BENCH-%d", e+1), moves[e].on, now)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 20_000
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var persons, accts, emps, posts []any
			for i := lo; i < hi; i++ {
				no := fmt.Sprintf("3%011d", i+1)
				lid := benchLedgerBase + i
				persons = append(persons, i+1, "01", fmt.Sprintf("B%017d", i+1), "职工", now)
				accts = append(accts, lid, ledger.PersonalCode(no), "个人住房公积金", string(ledger.Liability), "person", no, final, len(moves), now)
				emps = append(emps, i+1, no, i+1, 1, deposit.EmpNormal, 1_000_000, "13900000000", "2020-01", "2026-10", "2024-01-01", lid, now)
				var bal int64
				for e, m := range moves {
					if m.side == ledger.Credit {
						bal += m.amount
					} else {
						bal -= m.amount
					}
					posts = append(posts, e+1, i+1, lid, e+1, string(m.side), m.amount, bal, m.on)
				}
			}
			bulk(tx, `INSERT INTO person (id, id_type, id_number, name, created_at) VALUES `, 5, persons)
			bulk(tx, `INSERT INTO ledger_account (id, code, name, type, owner_type, owner_id, balance_fen, posting_count, created_at) VALUES `, 9, accts)
			bulk(tx, `INSERT INTO employee_account (id, account_no, person_id, unit_id, status, base_fen, reserved_mobile, start_month, paid_through, opened_on, ledger_account_id, created_at) VALUES `, 12, emps)
			bulk(tx, `INSERT INTO posting (entry_id, line_no, account_id, account_seq, side, amount_fen, balance_after_fen, biz_date) VALUES `, 8, posts)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Each entry's balancing line on the bank (deposits) or clearing (withdrawal).
	err = d.InTx(ctx, func(tx *db.Tx) error {
		var bankBal, bankSeq int64
		for e, m := range moves {
			total := m.amount * int64(n)
			if m.side == ledger.Credit {
				bankBal += total
				bankSeq++
				exec(tx, `INSERT INTO posting (entry_id, line_no, account_id, account_seq, side, amount_fen, balance_after_fen, biz_date) VALUES (?, ?, ?, ?, 'D', ?, ?, ?)`,
					e+1, n+1, bankAcct.ID, bankSeq, total, bankBal, m.on)
			} else {
				exec(tx, `INSERT INTO posting (entry_id, line_no, account_id, account_seq, side, amount_fen, balance_after_fen, biz_date) VALUES (?, ?, ?, 1, 'C', ?, ?, ?)`,
					e+1, n+1, clearing.ID, total, total, m.on)
				exec(tx, `UPDATE ledger_account SET balance_fen = ?, posting_count = 1 WHERE id = ?`, total, clearing.ID)
			}
		}
		exec(tx, `UPDATE ledger_account SET balance_fen = ?, posting_count = ? WHERE id = ?`, bankBal, bankSeq, bankAcct.ID)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if d.Dialect == db.MySQL {
		for _, t := range []string{"person", "ledger_account", "employee_account", "posting", "journal_entry"} {
			if _, err := d.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
				b.Fatal(err)
			}
		}
	} else if _, err := d.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d accounts with %d postings set up in %s", d.Dialect, n, n*len(moves), time.Since(start).Round(time.Millisecond))
	svc := deposit.New(deposit.Deps{DB: d, Ledger: l, Audit: al, Policy: pol, Dates: dates, Bank: exchange.NewSimulator(), BankCode: bank})
	return ctx, svc
}

// BenchmarkInterestSettle settles every account for one fund year per
// iteration (2025, 2026, …) with the default batch size.
func BenchmarkInterestSettle(b *testing.B) {
	benchBackends(b, func(b *testing.B, d *db.DB, n int) {
		ctx, svc := benchSetup(b, d, n)
		year := 2025
		for b.Loop() {
			began := time.Now()
			run, err := svc.SettleYear(ctx, year, nil)
			if err != nil {
				b.Fatal(err)
			}
			if run.Done != int64(n) || run.Replayed {
				b.Fatalf("year %d settled %d of %d accounts", year, run.Done, n)
			}
			b.Logf("year %d: %d accounts, interest %s yuan in %s", year, run.Done, run.Interest.Format(), time.Since(began).Round(time.Millisecond))
			year++
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

// BenchmarkRawInterestUpdate is the ceiling: one set-based UPDATE touching
// the balance of the same N accounts, in one transaction, per iteration.
func BenchmarkRawInterestUpdate(b *testing.B) {
	benchBackends(b, func(b *testing.B, d *db.DB, n int) {
		ctx, _ := benchSetup(b, d, n)
		for b.Loop() {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				got, err := tx.ExecCount(ctx, `UPDATE ledger_account SET balance_fen = balance_fen + 1 WHERE id >= ? AND id < ?`,
					benchLedgerBase, benchLedgerBase+n)
				if err == nil && got != int64(n) {
					err = fmt.Errorf("updated %d of %d accounts", got, n)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

// TestInterestBenchSetup proves the benchmark's bulk-loaded books are
// consistent (ledger verify clean) and settle like ones built by the ledger.
func TestInterestBenchSetup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, svc := benchSetup(t, d, 30)
		if r, err := ledger.Verify(ctx, d); err != nil || !r.OK() {
			t.Fatalf("bench books: %+v %v", r, err)
		}
		run, err := svc.SettleYearWith(ctx, 2025, deposit.SettleOptions{BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		// 20,000.00 × 365 + 1,000.00 × 259 − 500.00 × 113 = 7,502,500.00 yuan·days
		// × 1.5% / 360 = 312.604… → 312.60 per account.
		if run.Done != 30 || run.Interest != 30*31260 {
			t.Fatalf("run = %+v", run)
		}
		if r, err := ledger.Verify(ctx, d); err != nil || !r.OK() {
			t.Fatalf("after settlement: %+v %v", r, err)
		}
	})
}
