package faults_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// The seeded books: every account got 20,000.00 on 2024-06-30, 1,000.00 on
// 2024-10-15, −500.00 on 2025-03-10 and 1,000.00 on 2025-08-15 (after the
// fund year ending 2025-06-30, so it does not count). The business date is
// 2099-07-01.
var seedMoves = []struct {
	on     string
	side   ledger.Side
	amount int64
}{{"2024-06-30", ledger.Credit, 2_000_000}, {"2024-10-15", ledger.Credit, 100_000}, {"2025-03-10", ledger.Debit, 50_000}, {"2025-08-15", ledger.Credit, 100_000}}

// expectedInterest2025 is one seeded account's interest for the fund year
// 2024-07-01 … 2025-06-30, computed here from domain.md §1.11 and not by the
// deposit core: 积数 = Σ amount × days from the posting day (counted) to 30
// June (counted), × the default rate 1.5 % / 360, rounded half up to the fen.
func expectedInterest2025() int64 {
	from, to := date.MustParse("2024-07-01"), date.MustParse("2025-06-30")
	var jishu int64 // fen·days
	for _, m := range seedMoves {
		on := date.MustParse(m.on)
		if on.After(to) {
			continue
		}
		if on.Before(from) {
			on = from
		}
		days := int64(on.DaysUntil(to)) + 1
		if m.side == ledger.Credit {
			jishu += m.amount * days
		} else {
			jishu -= m.amount * days
		}
	}
	// jishu × 15 / 1000 / 360, half up.
	return (jishu*15 + 180_000) / 360_000
}

// seedAccounts writes the platform's base data and n employee accounts with
// their persons, ledger accounts and the four postings of seedMoves each, by
// multi-row INSERTs (balances, running balances and posting counts consistent,
// as the deposit benchmarks do).
func seedAccounts(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "system:faults", Channel: "system"})
	al := audit.New(d)
	pol := policy.New(d)
	dates := bizdate.New(d, al)
	l := ledger.New(d, dates)
	if _, err := pol.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dates.Ensure(ctx, date.MustParse("2099-07-01")); err != nil {
		t.Fatal(err)
	}
	if err := l.EnsureCenterAccounts(ctx, app.SettlementBank); err != nil {
		t.Fatal(err)
	}
	bankAcct, err := l.Account(ctx, ledger.BankCode(app.SettlementBank))
	if err != nil {
		t.Fatal(err)
	}
	clearing, err := l.Account(ctx, ledger.CodeWithdrawalClearing)
	if err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	exec := func(tx *db.Tx, q string, args ...any) {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.60s…: %v", q, err)
		}
	}
	bulk := func(tx *db.Tx, head string, cols int, rows []any) {
		const per = 500
		for s := 0; s < len(rows); s += per * cols {
			e := min(s+per*cols, len(rows))
			tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + "),"
			exec(tx, head+strings.TrimSuffix(strings.Repeat(tuple, (e-s)/cols), ","), rows[s:e]...)
		}
	}
	var final int64
	for _, m := range seedMoves {
		if m.side == ledger.Credit {
			final += m.amount
		} else {
			final -= m.amount
		}
	}
	const ledgerBase = 1000 // after the center accounts
	err = d.InTx(ctx, func(tx *db.Tx) error {
		exec(tx, `INSERT INTO unit (id, unit_no, uscc, name, status, ratio_unit_bps, ratio_person_bps, created_at) VALUES (1, 'F1', '91350100M000100Y43', '故障测试单位', '01', 1200, 1200, ?)`, now)
		for e := range seedMoves {
			exec(tx, `INSERT INTO journal_entry (id, serial, biz_type, biz_date, memo, fingerprint, channel, actor, created_at) VALUES (?, ?, '99', ?, 'faults', '', 'system', 'system:faults', ?)`,
				e+1, fmt.Sprintf("FAULTS-%d", e+1), seedMoves[e].on, now)
		}
		var persons, accts, emps, posts []any
		for i := range n {
			no := fmt.Sprintf("3%011d", i+1)
			lid := ledgerBase + i
			persons = append(persons, i+1, "01", fmt.Sprintf("F%017d", i+1), "职工", now)
			accts = append(accts, lid, ledger.PersonalCode(no), "个人住房公积金", string(ledger.Liability), "person", no, final, len(seedMoves), now)
			emps = append(emps, i+1, no, i+1, 1, deposit.EmpNormal, 1_000_000, "13900000000", "2020-01", "2026-10", "2024-01-01", lid, now)
			var bal int64
			for e, m := range seedMoves {
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
		// Each entry's balancing line on the bank (deposits) or clearing (the withdrawal).
		var bankBal, bankSeq int64
		for e, m := range seedMoves {
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
		t.Fatal(err)
	}
}

// TestKillDuringInterestSettlement kills `gjj interest settle` with SIGKILL
// once its run shows progress, runs it again, and proves every account was
// settled exactly once with the independently computed interest and that the
// books verify (issue 8 item 4), on SQLite and MariaDB.
func TestKillDuringInterestSettlement(t *testing.T) {
	const (
		accounts = 10_000
		batch    = 100
		year     = 2025
	)
	stores := []struct {
		name     string
		database func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "gjj.db") }},
		{"mysql", func(t *testing.T) string { return "mysql:" + dbtest.MySQLDatabase(t) }},
	}
	want := expectedInterest2025()
	if want != 31260 {
		t.Fatalf("independent interest %d fen, the worked example says 31260", want) // 750,250,000 fen·days × 1.5 % / 360
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			database := st.database(t)
			ctx := context.Background()
			d, err := db.Open(ctx, database)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			seedAccounts(t, d, accounts)
			t.Logf("seeded %d accounts in %s", accounts, time.Since(began).Round(time.Millisecond))
			began = time.Now()
			bin := gjjBinary(t)
			env := []string{"GJJ_DATABASE=" + database, "GJJ_REDIS=", "GJJ_LOG_LEVEL=warn"}

			progress := func() (status string, total, done int64) {
				err := d.QueryRowContext(ctx, `SELECT status, total, done FROM interest_run WHERE year = ?`, year).Scan(&status, &total, &done)
				if err != nil && !db.NoRows(err) {
					t.Fatalf("read interest_run: %v", err)
				}
				return status, total, done
			}

			// Start, wait for progress, kill -9.
			cmd := exec.Command(bin, "interest", "settle", "--year", fmt.Sprint(year), "--batch", fmt.Sprint(batch))
			cmd.Env = append(os.Environ(), env...)
			var stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var killedAt int64
			if !waitFor(120*time.Second, func() bool {
				select {
				case err := <-exited:
					exited <- err
					return true
				default:
				}
				// Kill once a few batches are committed: one is probably
				// open at the kill, most are still to come.
				_, _, done := progress()
				killedAt = done
				return done >= 3*batch
			}) {
				t.Fatalf("no progress within 120 s:\n%s", stderr.String())
			}
			_ = cmd.Process.Signal(syscall.SIGKILL)
			t.Logf("killed %s after the start", time.Since(began).Round(time.Millisecond))
			err = <-exited
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("settle was not killed (exit %v): it finished before the kill; give it more accounts\n%s", err, stderr.String())
			}
			status, total, done := progress()
			t.Logf("%s: killed with %d of %d accounts settled (run %s, %d seen before the kill)", st.name, done, total, status, killedAt)
			if status == "done" || done >= total || done == 0 {
				t.Fatalf("the kill did not land mid-run: status %s, %d of %d", status, done, total)
			}
			if out, errb, code := gjj(bin, env, "interest", "status", "--year", fmt.Sprint(year)); code != 0 || !strings.Contains(out, "running") {
				t.Errorf("interest status after the kill: exit %d\n%s%s", code, out, errb)
			}

			// The rerun finishes the year.
			out, errb, code := gjj(bin, env, "interest", "settle", "--year", fmt.Sprint(year), "--batch", fmt.Sprint(batch))
			if code != 0 || !strings.Contains(out, "settled 10,000 accounts") {
				t.Fatalf("rerun: exit %d\n%s%s", code, out, errb)
			}
			t.Logf("rerun: %s", strings.TrimSpace(out))
			// A third run changes nothing.
			out, errb, code = gjj(bin, env, "interest", "settle", "--year", fmt.Sprint(year))
			if code != 0 || !strings.Contains(out, "already settled") {
				t.Fatalf("third run: exit %d\n%s%s", code, out, errb)
			}

			// Every account has exactly one interest posting of the expected amount.
			var items, itemAccounts, itemFen int64
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT employee_account_id), COALESCE(SUM(interest_fen), 0) FROM interest_item WHERE year = ?`, year).
				Scan(&items, &itemAccounts, &itemFen); err != nil {
				t.Fatal(err)
			}
			var postings, postedAccounts, postedFen, wrong int64
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT p.account_id), COALESCE(SUM(p.amount_fen), 0), COALESCE(SUM(CASE WHEN p.amount_fen <> ? OR p.side <> 'C' THEN 1 ELSE 0 END), 0)
				FROM posting p JOIN journal_entry j ON j.id = p.entry_id JOIN ledger_account a ON a.id = p.account_id
				WHERE j.biz_type = '09' AND j.biz_date = ? AND a.owner_type = 'person'`, want, fmt.Sprintf("%d-06-30", year)).
				Scan(&postings, &postedAccounts, &postedFen, &wrong); err != nil {
				t.Fatal(err)
			}
			var runFen, runDone, runTotal int64
			if err := d.QueryRowContext(ctx, `SELECT interest_fen, done, total FROM interest_run WHERE year = ? AND status = 'done'`, year).Scan(&runFen, &runDone, &runTotal); err != nil {
				t.Fatal(err)
			}
			if items != accounts || itemAccounts != accounts || postings != accounts || postedAccounts != accounts || wrong != 0 {
				t.Errorf("%d interest items on %d accounts, %d interest postings on %d accounts (%d not %d fen), want %d each",
					items, itemAccounts, postings, postedAccounts, wrong, want, accounts)
			}
			if itemFen != accounts*want || postedFen != accounts*want || runFen != accounts*want || runDone != accounts || runTotal != accounts {
				t.Errorf("interest: items %d, postings %d, run %d (%d/%d accounts); want %d", itemFen, postedFen, runFen, runDone, runTotal, accounts*want)
			}
			if out, errb, code := gjj(bin, env, "ledger", "verify"); code != 0 {
				t.Errorf("gjj ledger verify: exit %d\n%s%s", code, out, errb)
			}
		})
	}
}
