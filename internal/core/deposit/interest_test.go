package deposit_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// move is a posting to a personal account: positive amounts are deposits
// (bank → personal), negative ones withdrawals (personal → clearing).
type move struct {
	on     string
	amount money.Fen
}

// workedExample is domain.md §1.11's example: 20,000.00 at the start of the
// fund year 2025, 1,000.00 on the 15th of every month 2024-07 … 2025-06 and a
// 5,000.00 withdrawal on 2025-03-10.
func workedExample() []move {
	ms := []move{{"2024-06-30", money.Yuan(20000)}}
	m := date.MustParseMonth("2024-07")
	for range 12 {
		ms = append(ms, move{m.String() + "-15", money.Yuan(1000)})
		m = m.Next()
	}
	return append(ms, move{"2025-03-10", -money.Yuan(5000)})
}

// post books the moves on the account with their business dates.
func (e *env) post(accountNo string, ms []move) {
	e.t.Helper()
	for i, m := range ms {
		lines := []ledger.Line{
			{Account: ledger.BankCode(bank), Side: ledger.Debit, Amount: m.amount},
			{Account: ledger.PersonalCode(accountNo), Side: ledger.Credit, Amount: m.amount},
		}
		if m.amount < 0 {
			lines = []ledger.Line{
				{Account: ledger.PersonalCode(accountNo), Side: ledger.Debit, Amount: -m.amount},
				{Account: ledger.CodeWithdrawalClearing, Side: ledger.Credit, Amount: -m.amount},
			}
		}
		serial := fmt.Sprintf("T-%s-%s-%d", accountNo, m.on, i)
		if _, err := e.ledger.Post(e.ctx, ledger.Request{Serial: serial, BizType: policy.BizOther, BizDate: date.MustParse(m.on), Lines: lines}); err != nil {
			e.t.Fatalf("post %s: %v", serial, err)
		}
	}
}

func (e *env) setDate(s string) {
	e.t.Helper()
	if _, err := e.dates.Set(e.ctx, date.MustParse(s), true); err != nil {
		e.t.Fatal(err)
	}
}

// setPolicy adds an approved version of a parameter.
func (e *env) setPolicy(key, value, from string) {
	e.t.Helper()
	err := e.db.InTx(e.ctx, func(tx *db.Tx) error {
		return e.policy.AddVersion(e.ctx, tx, policy.Version{Key: key, Value: value, EffectiveFrom: date.MustParse(from),
			CreatedBy: "staff:maker", ApprovedBy: "staff:checker"})
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) setStatus(accountNo, status string) {
	e.t.Helper()
	if _, err := e.db.ExecContext(e.ctx, `UPDATE employee_account SET status = ? WHERE account_no = ?`, status, accountNo); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.GetContext(e.ctx, &n, q, args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) balance(code string) money.Fen {
	e.t.Helper()
	a, err := e.ledger.Account(e.ctx, code)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Balance
}

type item struct {
	From     date.Date `db:"period_from"`
	To       date.Date `db:"period_to"`
	Jishu    int64     `db:"jishu_fen_days"`
	Interest money.Fen `db:"interest_fen"`
	Serial   string    `db:"entry_serial"`
}

// item returns the account's interest_item of the year (nil when none).
func (e *env) item(accountNo string, year int) *item {
	e.t.Helper()
	var it item
	err := e.db.GetContext(e.ctx, &it, `SELECT i.period_from, i.period_to, i.jishu_fen_days, i.interest_fen, i.entry_serial
		FROM interest_item i JOIN employee_account a ON a.id = i.employee_account_id WHERE a.account_no = ? AND i.year = ?`, accountNo, year)
	if db.NoRows(err) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return &it
}

func (e *env) carry(accountNo string) money.Fen {
	e.t.Helper()
	emp, err := e.svc.Employee(e.ctx, accountNo)
	if err != nil {
		e.t.Fatal(err)
	}
	return emp.Carry
}

// snapshot counts the rows settlement may write, to prove a refused or
// replayed call wrote nothing.
func (e *env) snapshot() string {
	return fmt.Sprint(e.count(`SELECT COUNT(*) FROM journal_entry`), e.count(`SELECT COUNT(*) FROM interest_item`),
		e.count(`SELECT COUNT(*) FROM interest_run`), e.count(`SELECT COUNT(*) FROM audit_log`))
}

// oracle computes interest day by day, independently of the service: the
// balance at the end of each day of [from, to] times the rate of that day.
func oracle(ms []move, from, to date.Date, rate func(date.Date) int64, basis string) (jishu int64, interest money.Fen) {
	var opening int64
	for _, m := range ms {
		if date.MustParse(m.on).Before(from) {
			opening += int64(m.amount)
		}
	}
	days := int64(from.DaysUntil(to) + 1)
	sumBR, sumDiffR, sumR := new(big.Rat), new(big.Rat), new(big.Rat)
	bal := opening
	for d := from; !d.After(to); d = d.AddDays(1) {
		for _, m := range ms {
			if m.on == d.String() {
				bal += int64(m.amount)
			}
		}
		jishu += bal
		r := big.NewRat(rate(d), 1)
		sumBR.Add(sumBR, new(big.Rat).Mul(big.NewRat(bal, 1), r))
		sumDiffR.Add(sumDiffR, new(big.Rat).Mul(big.NewRat(bal-opening, 1), r))
		sumR.Add(sumR, r)
	}
	var v *big.Rat
	switch basis {
	case policy.Act360:
		v = new(big.Rat).Quo(sumBR, big.NewRat(360_000_000, 1))
	case policy.Act365:
		v = new(big.Rat).Quo(sumBR, big.NewRat(365_000_000, 1))
	case policy.YearPlusAct360:
		year := new(big.Rat).Mul(big.NewRat(opening, 1), new(big.Rat).Quo(sumR, big.NewRat(days*1_000_000, 1)))
		v = year.Add(year, new(big.Rat).Quo(sumDiffR, big.NewRat(360_000_000, 1)))
	}
	// Half up.
	v.Add(v, big.NewRat(1, 2))
	q := new(big.Int).Quo(v.Num(), v.Denom())
	return jishu, money.Fen(q.Int64())
}

func flat(ppm int64) func(date.Date) int64 { return func(date.Date) int64 { return ppm } }

func TestSettleYearWorkedExample(t *testing.T) {
	from, to := deposit.FundYear(2025)
	for _, tc := range []struct {
		basis    string
		interest money.Fen
	}{
		{policy.Act360, 37213},         // 8,931,000 × 1.5% / 360 = 372.125 → 372.13
		{policy.YearPlusAct360, 36796}, // 20,000 × 1.5% + 1,631,000 × 1.5% / 360 = 367.958… → 367.96
		{policy.Act365, 36703},         // 8,931,000 × 1.5% / 365 = 367.027… → 367.03
	} {
		t.Run(tc.basis, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				e := newEnv(t, d)
				if tc.basis != policy.Act360 {
					e.setPolicy(policy.InterestBasis, tc.basis, "2025-06-30")
				}
				e.importUnit(0, 2) // each 1,000.00 posted on 2026-11-21: after the year, not counted
				const acct, idle = "201000000001", "201000000002"
				ms := workedExample()
				e.post(acct, ms)
				e.post(acct, []move{{"2025-07-15", money.Yuan(3000)}}) // after 30 June: not counted
				if j, i := oracle(ms, from, to, flat(15000), tc.basis); j != 893_100_000 || i != tc.interest {
					t.Fatalf("oracle = %d, %s", j, i)
				}
				before := e.balance(ledger.PersonalCode(acct))

				var progress []deposit.Progress
				run, err := e.svc.SettleYear(e.ctx, 2025, func(p deposit.Progress) { progress = append(progress, p) })
				if err != nil {
					t.Fatal(err)
				}
				if run.Status != deposit.RunDone || run.Done != 2 || run.Total != 2 || run.Interest != tc.interest || run.Replayed ||
					run.Basis != tc.basis || run.RatePPM != 15000 || run.Rate != "1.5%" || run.From != from || run.To != to || run.FinishedAt == nil {
					t.Fatalf("run = %+v", run)
				}
				if len(progress) == 0 || progress[len(progress)-1].Done != 2 || progress[len(progress)-1].InterestFen != tc.interest {
					t.Fatalf("progress = %+v", progress)
				}
				it := e.item(acct, 2025)
				if it == nil || it.Jishu != 893_100_000 || it.Interest != tc.interest || it.From != from || it.To != to {
					t.Fatalf("item = %+v", it)
				}
				if it := e.item(idle, 2025); it == nil || it.Jishu != 0 || it.Interest != 0 || it.Serial != "" {
					t.Fatalf("idle account item = %+v", it)
				}
				if got := e.balance(ledger.PersonalCode(acct)); got != before+tc.interest {
					t.Fatalf("balance %s, want %s", got, before+tc.interest)
				}
				if got := e.carry(acct); got != money.Yuan(27000)+tc.interest {
					t.Fatalf("carry = %s", got)
				}
				if got := e.balance(ledger.CodeInterestExpense); got != tc.interest {
					t.Fatalf("interest expense = %s", got)
				}
				entry, err := e.ledger.Entry(e.ctx, it.Serial)
				if err != nil || entry.BizType != policy.BizInterest || entry.BizDate != to || len(entry.Lines) != 2 {
					t.Fatalf("entry %s = %+v, %v", it.Serial, entry, err)
				}
				if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'deposit.interest_%'`); n != 2 {
					t.Fatalf("%d audit records, want start + done", n)
				}

				// Rerun: the done run comes back, nothing new is written.
				snap := e.snapshot()
				again, err := e.svc.SettleYear(e.ctx, 2025, nil)
				if err != nil || !again.Replayed || again.Interest != tc.interest || again.Done != 2 {
					t.Fatalf("rerun = %+v, %v", again, err)
				}
				if e.snapshot() != snap {
					t.Fatal("rerun wrote something")
				}
				st, err := e.svc.InterestRunStatus(e.ctx, 2025)
				if err != nil || st.Status != deposit.RunDone || st.Interest != tc.interest {
					t.Fatalf("status = %+v, %v", st, err)
				}
				e.verifyBooks()
			})
		})
	}
}

func TestSettleYearGuards(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 1)
		e.post("201000000001", []move{{"2024-06-30", money.Yuan(100)}})
		for _, tc := range []struct {
			name string
			year int
			date string
			want error
		}{
			{"year zero", 0, "2026-11-21", deposit.ErrInterestYear},
			{"year five digits", 20250, "2026-11-21", deposit.ErrInterestYear},
			{"on 30 June", 2026, "2026-06-30", deposit.ErrInterestTooEarly},
			{"year not over", 2027, "2026-11-21", deposit.ErrInterestTooEarly},
		} {
			e.setDate(tc.date)
			_, err := e.svc.SettleYear(e.ctx, tc.year, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
			}
			if n := e.count(`SELECT COUNT(*) FROM interest_run`) + e.count(`SELECT COUNT(*) FROM interest_item`); n != 0 {
				t.Fatalf("%s: refused call wrote %d rows", tc.name, n)
			}
		}
		if errs.E(func() error { _, err := e.svc.SettleYear(e.ctx, 2027, nil); return err }()).Details["settlement_date"] != "2027-06-30" {
			t.Fatal("too early: the settlement date is not in the details")
		}
		if _, err := e.svc.InterestRunStatus(e.ctx, 2025); !errors.Is(err, deposit.ErrInterestRunNotFound) {
			t.Fatalf("status of a year never run: %v", err)
		}

		// Years in order: 2026 first, then 2025 is refused.
		e.setDate("2026-11-21")
		if _, err := e.svc.SettleYear(e.ctx, 2026, nil); err != nil {
			t.Fatal(err)
		}
		snap := e.snapshot()
		if _, err := e.svc.SettleYear(e.ctx, 2025, nil); !errors.Is(err, deposit.ErrInterestOutOfOrder) {
			t.Fatalf("earlier year after a later one: %v", err)
		}
		if e.snapshot() != snap {
			t.Fatal("refused year wrote something")
		}
		// The policy changing under a running run is refused.
		if _, err := e.db.ExecContext(e.ctx, `INSERT INTO interest_run (year, status, rate_ppm, basis, started_by, started_at) VALUES (2027, 'running', 15000, ?, 'x', ?)`,
			policy.Act365, db.Now()); err != nil {
			t.Fatal(err)
		}
		e.setDate("2027-07-01")
		if _, err := e.svc.SettleYear(e.ctx, 2027, nil); !errors.Is(err, deposit.ErrInterestPolicyChanged) {
			t.Fatalf("basis changed during the run: %v", err)
		}
		e.setDate("2028-07-01")
		if _, err := e.svc.SettleYear(e.ctx, 2028, nil); !errors.Is(err, deposit.ErrInterestPrevRunning) {
			t.Fatalf("previous year still running: %v", err)
		}
		e.verifyBooks()
	})
}

func TestSettleYearStatuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 6)
		statuses := []string{deposit.EmpNormal, deposit.EmpSealed, deposit.EmpFrozen, deposit.EmpMerged, deposit.EmpTransferred, deposit.EmpWithdrawn}
		var expense money.Fen
		for i, st := range statuses {
			acct := fmt.Sprintf("2010000000%02d", i+1)
			e.post(acct, []move{{"2024-06-30", money.Yuan(10000)}})
			e.setStatus(acct, st)
		}
		run, err := e.svc.SettleYear(e.ctx, 2025, nil)
		if err != nil {
			t.Fatal(err)
		}
		// 10,000.00 × 365 × 1.5% / 360 = 152.083… → 152.08
		for i, st := range statuses {
			acct := fmt.Sprintf("2010000000%02d", i+1)
			it := e.item(acct, 2025)
			closed := i >= 3
			switch {
			case closed && it != nil:
				t.Fatalf("closed account %s (%s) settled: %+v", acct, st, it)
			case !closed && (it == nil || it.Interest != 15208):
				t.Fatalf("account %s (%s): %+v", acct, st, it)
			case !closed:
				expense += it.Interest
			}
		}
		if run.Done != 3 || run.Interest != expense || e.balance(ledger.CodeInterestExpense) != expense {
			t.Fatalf("run = %+v, expense %s", run, expense)
		}
		e.verifyBooks()
	})
}

func TestSettleYearResumesAfterCrash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 5)
		for i := range 5 {
			e.post(fmt.Sprintf("2010000000%02d", i+1), []move{{"2024-06-30", money.Yuan(int64(1000 * (i + 1)))}})
		}
		ctx, cancel := context.WithCancel(e.ctx)
		calls := 0
		_, err := e.svc.SettleYearWith(ctx, 2025, deposit.SettleOptions{BatchSize: 2, Progress: func(p deposit.Progress) {
			calls++
			cancel() // the process dies after the first batch committed
		}})
		if !errors.Is(err, context.Canceled) || calls != 1 {
			t.Fatalf("cancelled run: %v after %d batches", err, calls)
		}
		st, err := e.svc.InterestRunStatus(e.ctx, 2025)
		if err != nil || st.Status != deposit.RunRunning || st.Done != 2 || st.Total != 5 {
			t.Fatalf("after the crash: %+v, %v", st, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM interest_item`); n != 2 {
			t.Fatalf("%d items after one batch", n)
		}
		var seen []int64
		run, err := e.svc.SettleYearWith(e.ctx, 2025, deposit.SettleOptions{BatchSize: 2, Progress: func(p deposit.Progress) { seen = append(seen, p.Done) }})
		if err != nil || run.Status != deposit.RunDone || run.Done != 5 || run.Replayed {
			t.Fatalf("resumed run = %+v, %v", run, err)
		}
		if fmt.Sprint(seen) != "[4 5 5]" {
			t.Fatalf("progress after resume = %v", seen)
		}
		var total money.Fen
		for i := range 5 {
			acct := fmt.Sprintf("2010000000%02d", i+1)
			_, want := oracle([]move{{"2024-06-30", money.Yuan(int64(1000 * (i + 1)))}}, st.From, st.To, flat(15000), policy.Act360)
			if it := e.item(acct, 2025); it == nil || it.Interest != want {
				t.Fatalf("%s: %+v, want %s", acct, it, want)
			}
			total += want
		}
		if run.Interest != total || e.balance(ledger.CodeInterestExpense) != total {
			t.Fatalf("interest %s / expense %s, want %s", run.Interest, e.balance(ledger.CodeInterestExpense), total)
		}
		if n := e.count(`SELECT COUNT(*) FROM journal_entry WHERE biz_type = '09'`); n != 3 {
			t.Fatalf("%d interest entries, want one per batch (3)", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'deposit.interest_%'`); n != 2 {
			t.Fatalf("%d audit records, want start + done", n)
		}
		e.verifyBooks()
	})
}

func TestSettleYearConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 9)
		for i := range 9 {
			e.post(fmt.Sprintf("2010000000%02d", i+1), []move{{"2024-06-30", money.Yuan(5000)}})
		}
		var wg sync.WaitGroup
		runs := make([]*deposit.InterestRun, 3)
		errList := make([]error, 3)
		for i := range runs {
			wg.Go(func() { runs[i], errList[i] = e.svc.SettleYearWith(e.ctx, 2025, deposit.SettleOptions{BatchSize: 2}) })
		}
		wg.Wait()
		for i := range runs {
			if errList[i] != nil || runs[i].Status != deposit.RunDone || runs[i].Done != 9 {
				t.Fatalf("instance %d: %+v, %v", i, runs[i], errList[i])
			}
		}
		// 5,000.00 × 365 × 1.5% / 360 = 76.041… → 76.04, exactly once each.
		for i := range 9 {
			acct := fmt.Sprintf("2010000000%02d", i+1)
			if got := e.balance(ledger.PersonalCode(acct)); got != money.Yuan(6000)+7604 {
				t.Fatalf("%s balance %s", acct, got)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM interest_item`); n != 9 {
			t.Fatalf("%d items", n)
		}
		if e.balance(ledger.CodeInterestExpense) != 9*7604 {
			t.Fatalf("expense %s", e.balance(ledger.CodeInterestExpense))
		}
		e.verifyBooks()
	})
}

func TestSettleYearRateChangeSplitsTheYear(t *testing.T) {
	from, to := deposit.FundYear(2025)
	rate := func(d date.Date) int64 {
		switch {
		case d.Before(date.MustParse("2024-10-01")):
			return 15000
		case d.Before(date.MustParse("2025-05-20")):
			return 20000
		}
		return 12500
	}
	for _, basis := range policy.InterestBases {
		t.Run(basis, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				e := newEnv(t, d)
				e.setPolicy(policy.InterestRate, "20000", "2024-10-01")
				e.setPolicy(policy.InterestRate, "12500", "2025-05-20")
				e.setPolicy(policy.InterestRate, "99000", "2025-07-01") // after the year: no effect
				if basis != policy.Act360 {
					e.setPolicy(policy.InterestBasis, basis, "2025-01-01")
				}
				e.importUnit(0, 1)
				ms := workedExample()
				e.post("201000000001", ms)
				run, err := e.svc.SettleYear(e.ctx, 2025, nil)
				if err != nil {
					t.Fatal(err)
				}
				jishu, want := oracle(ms, from, to, rate, basis)
				it := e.item("201000000001", 2025)
				if it == nil || it.Interest != want || it.Jishu != jishu || run.RatePPM != 12500 {
					t.Fatalf("item %+v, run rate %d; want %s", it, run.RatePPM, want)
				}
				e.verifyBooks()
			})
		})
	}
}

func TestSettleAccountTo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// Open on 2024-07-01: the 1,000.00 opening balance is posted that
		// day, so with 19,000.00 before the year the daily balances are the
		// worked example's.
		e.setDate("2024-07-01")
		e.importUnit(0, 4)
		const whole, partial, other, closed = "201000000001", "201000000002", "201000000003", "201000000004"
		ms := workedExample()
		ms[0].amount = money.Yuan(19000)
		for _, a := range []string{whole, partial} {
			e.post(a, ms)
		}
		e.post(partial, []move{{"2025-07-15", money.Yuan(3000)}})
		e.setStatus(closed, deposit.EmpWithdrawn)
		settle := func(acct, to string) (money.Fen, error) {
			return db.Get(e.ctx, e.db, func(tx *db.Tx) (money.Fen, error) {
				return e.svc.SettleAccountTo(e.ctx, tx, acct, date.MustParse(to))
			})
		}

		// Closing on 1 July 2025: the whole fund year 2025.
		e.setDate("2025-07-01")
		got, err := settle(whole, "2025-07-01")
		if err != nil || got != 37213 {
			t.Fatalf("closing on 2025-07-01: %s, %v", got, err)
		}
		if it := e.item(whole, 2025); it == nil || it.Jishu != 893_100_000 || it.Serial != "INT-CLOSE-"+whole+"-2025-07-01" {
			t.Fatalf("item = %+v", it)
		}
		if e.item(whole, 2024) != nil {
			t.Fatal("fund year 2024 settled for an account opened after it")
		}
		if e.carry(whole) != money.Yuan(27000)+37213 {
			t.Fatalf("carry = %s", e.carry(whole))
		}
		// Again in a later transaction: the same amount, nothing posted.
		snap := e.snapshot()
		if got, err := settle(whole, "2025-07-01"); err != nil || got != 37213 || e.snapshot() != snap {
			t.Fatalf("replay: %s, %v", got, err)
		}

		// Closing on 1 December 2025 before the 2025 run: fund year 2025 in
		// full, then 2025-07-01 … 2025-11-30 on an opening that includes it.
		e.setDate("2025-12-01")
		got, err = settle(partial, "2025-12-01")
		if err != nil {
			t.Fatal(err)
		}
		y25, y26 := e.item(partial, 2025), e.item(partial, 2026)
		if y25 == nil || y25.Interest != 37213 || y26 == nil || y26.From.String() != "2025-07-01" || y26.To.String() != "2025-11-30" {
			t.Fatalf("items %+v %+v", y25, y26)
		}
		cur := append([]move{{"2025-06-30", money.Yuan(27000) + 37213}}, move{"2025-07-15", money.Yuan(3000)})
		jishu, want := oracle(cur, date.MustParse("2025-07-01"), date.MustParse("2025-11-30"), flat(15000), policy.Act360)
		if y26.Interest != want || y26.Jishu != jishu || got != 37213+want {
			t.Fatalf("partial year: %+v, total %s; want %s (%d)", y26, got, want, jishu)
		}
		entry, err := e.ledger.Entry(e.ctx, "INT-CLOSE-"+partial+"-2025-12-01")
		if err != nil || entry.BizType != policy.BizInterest || entry.BizDate.String() != "2025-12-01" || entry.Lines[0].Amount != got {
			t.Fatalf("entry = %+v, %v", entry, err)
		}

		// Refusals change nothing.
		snap = e.snapshot()
		for _, tc := range []struct {
			acct, to string
			want     error
		}{
			{partial, "2025-12-02", deposit.ErrInterestCloseDate}, // after the business date
			{partial, "2025-11-20", deposit.ErrInterestSettled},   // 2026 already settled to another date
			{closed, "2025-12-01", deposit.ErrEmployeeStatus},
			{"209999999999", "2025-12-01", deposit.ErrEmployeeNotFound},
		} {
			if _, err := settle(tc.acct, tc.to); !errors.Is(err, tc.want) {
				t.Fatalf("%s to %s: %v, want %v", tc.acct, tc.to, err, tc.want)
			}
		}
		if e.snapshot() != snap {
			t.Fatal("a refused closing settlement wrote something")
		}

		// The annual run skips both closing settlements and the closed account.
		run, err := e.svc.SettleYear(e.ctx, 2025, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, otherWant := oracle([]move{{"2024-07-01", money.Yuan(1000)}}, run.From, run.To, flat(15000), policy.Act360)
		if run.Done != 1 || run.Interest != otherWant || otherWant != 1521 {
			t.Fatalf("run = %+v; want %s", run, otherWant)
		}
		if it := e.item(other, 2025); it == nil || it.Interest != otherWant {
			t.Fatalf("other account: %+v", it)
		}
		if e.item(closed, 2025) != nil {
			t.Fatal("closed account settled")
		}
		if e.balance(ledger.CodeInterestExpense) != 37213+got+otherWant {
			t.Fatalf("expense %s", e.balance(ledger.CodeInterestExpense))
		}
		e.verifyBooks()
	})
}

// TestSettleYearFundYearBoundaries: postings on 1 July count the whole year,
// those on 30 June one day, those on 1 July of the next year nothing.
func TestSettleYearFundYearBoundaries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 3)
		e.post("201000000001", []move{{"2024-07-01", money.Yuan(36000)}})
		e.post("201000000002", []move{{"2025-06-30", money.Yuan(36000)}})
		e.post("201000000003", []move{{"2025-07-01", money.Yuan(36000)}})
		if _, err := e.svc.SettleYear(e.ctx, 2025, nil); err != nil {
			t.Fatal(err)
		}
		for acct, want := range map[string]struct {
			jishu    int64
			interest money.Fen
		}{
			"201000000001": {3_600_000 * 365, 54750}, // 36,000 × 365 × 1.5% / 360 = 547.50
			"201000000002": {3_600_000, 150},         // one day: 1.50
			"201000000003": {0, 0},
		} {
			if it := e.item(acct, 2025); it == nil || it.Jishu != want.jishu || it.Interest != want.interest {
				t.Fatalf("%s: %+v, want %+v", acct, it, want)
			}
		}
		e.verifyBooks()
	})
}
