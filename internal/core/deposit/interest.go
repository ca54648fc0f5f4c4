package deposit

// Annual interest settlement (结息, domain.md §1.11).
//
// Method. 计息积数 is the sum over the days of the period of the balance at the
// end of each day (算头不算尾: a movement posted on day d counts from d). In
// event form: opening balance × days + Σ movement × days from its business date
// to the period end, inclusive. The opening balance is the ledger balance now
// minus the net movements with a business date on or after the period start,
// so postings dated after the period end never count.
//
// Rates are effective-dated: the period is split at every version of
// interest.rate that takes effect inside it, and each day earns the rate in
// force on that day. With W(d) = Σ_{t=d..end} rate(t) (ppm·days):
//
//	ACT_360 / ACT_365:  interest = (opening × W(start) + Σ m × W(d_m)) / (360|365 × 10⁶)
//	YEAR_PLUS_ACT_360:  interest = opening × annual rate + Σ m × W(d_m) / (360 × 10⁶)
//	                    where "annual rate" = W(start) / days (the day-weighted
//	                    rate of the year; the plain rate when it did not change)
//
// computed exactly with math/big and rounded once, half up, to the fen. For a
// period shorter than a whole fund year (closing settlement) YEAR_PLUS_ACT_360
// has no whole year and is ACT_360 (PBOC 银发〔2005〕129号: whole years at the
// annual rate, odd days at the daily rate). The basis is the one in force on
// the last day of the period (30 June for the annual run).
//
// Data access. Per batch of accounts one statement returns, for each ledger
// account, its balance and its net movement per business date on or after the
// period start (GROUP BY account, biz_date); the day arithmetic and the rate
// split happen in Go. That keeps the SQL identical on MariaDB and SQLite (no
// DATEDIFF/julianday), makes the rate split exact, and costs one row per
// account and posting day (about a dozen per account-year), never one round
// trip per account or per day. Balance and movements come from one statement,
// so they are one consistent snapshot on both stores.

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Statuses of an interest run.
const (
	RunRunning = "running" // started; batches still to settle
	RunDone    = "done"    // every account settled
)

// DefaultSettleBatch is the number of accounts settled per transaction.
const DefaultSettleBatch = 1000

// maxSettleBatch bounds SettleOptions.BatchSize (one ledger entry per batch).
const maxSettleBatch = 10_000

// Errors of interest settlement.
var (
	ErrInterestYear          = errs.New(errs.Invalid, "deposit.interest_year", "结息年度应为四位年份，例如 2025（表示 2024-07-01 至 2025-06-30 的公积金年度）")
	ErrInterestTooEarly      = errs.New(errs.Conflict, "deposit.interest_too_early", "该年度尚未结束，须在 6 月 30 日之后办理结息")
	ErrInterestOutOfOrder    = errs.New(errs.Conflict, "deposit.interest_out_of_order", "已有更晚年度的结息，不能再结算更早的年度")
	ErrInterestPrevRunning   = errs.New(errs.Conflict, "deposit.interest_previous_running", "上一年度结息尚未完成，请先完成该年度结息")
	ErrInterestPolicyChanged = errs.New(errs.Conflict, "deposit.interest_policy_changed", "结息开始后利率或计息方式参数已变更，请核实参数后联系技术人员处理")
	ErrInterestRunNotFound   = errs.New(errs.NotFound, "deposit.interest_run_not_found", "该年度尚未开始结息")
	ErrInterestCloseDate     = errs.New(errs.Invalid, "deposit.interest_close_date", "结息截止日期不能为空，也不能晚于营业日期")
	ErrInterestSettled       = errs.New(errs.Conflict, "deposit.interest_already_settled", "该账户本年度利息已按其他截止日期结算，不能重复结息")
	errInterestBasis         = errs.New(errs.Internal, "deposit.interest_basis", "计息天数基础参数取值无法识别")
)

// InterestRun is the annual settlement of one fund year: the year ending
// 30 June Year.
type InterestRun struct {
	ID       int64     `db:"id" json:"-"`
	Year     int       `db:"year" json:"year"`
	Status   string    `db:"status" json:"status"`     // RunRunning, RunDone
	RatePPM  int64     `db:"rate_ppm" json:"rate_ppm"` // rate in force on 30 June
	Rate     string    `db:"-" json:"rate"`            // the same as a percent string, "1.5%"
	Basis    string    `db:"basis" json:"basis"`       // policy.Act360, …
	Total    int64     `db:"total" json:"total"`       // accounts to settle (estimate while running)
	Done     int64     `db:"done" json:"done"`         // accounts settled by the run
	Interest money.Fen `db:"interest_fen" json:"interest_fen"`
	CursorID int64     `db:"cursor_id" json:"-"` // last employee_account.id passed
	// From and To are the fund year (1 July Year-1 … 30 June Year).
	From       date.Date  `db:"-" json:"from"`
	To         date.Date  `db:"-" json:"to"`
	StartedBy  string     `db:"started_by" json:"started_by"`
	StartedAt  time.Time  `db:"started_at" json:"started_at"`
	FinishedAt *time.Time `db:"finished_at" json:"finished_at,omitempty"`
	// Replayed is set by SettleYear when the run was already done: nothing
	// was settled by this call.
	Replayed bool `db:"-" json:"replayed"`
}

func (r *InterestRun) fill() {
	r.Rate = policy.FormatPPM(r.RatePPM)
	r.From, r.To = FundYear(r.Year)
	r.StartedAt = r.StartedAt.UTC()
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		r.FinishedAt = &t
	}
}

// Progress is reported by SettleYear after each batch.
type Progress struct {
	Year        int
	Total       int64 // accounts to settle (grows if accounts open during the run)
	Done        int64 // accounts settled so far by the run (all calls)
	InterestFen money.Fen
	Elapsed     time.Duration // since this call started
}

// SettleOptions tune SettleYearWith.
type SettleOptions struct {
	// BatchSize is the number of accounts per transaction and ledger entry
	// (DefaultSettleBatch when 0; at most 10,000).
	BatchSize int
	// Progress, when set, is called after each committed batch.
	Progress func(Progress)
}

// FundYear returns the fund year (住房公积金年度) ending 30 June year:
// 1 July year-1 … 30 June year.
func FundYear(year int) (from, to date.Date) {
	return date.Of(year-1, time.July, 1), date.Of(year, time.June, 30)
}

// interestFundYearOf returns the fund year containing d.
func interestFundYearOf(d date.Date) int {
	if d.Month() >= time.July {
		return d.Year() + 1
	}
	return d.Year()
}

// SettleYear settles the interest of every personal account that is not closed
// (statuses 01 正常, 02 封存, 06 冻结) for the fund year ending 30 June year, in
// batches of DefaultSettleBatch, calling progress (may be nil) after each
// batch. See SettleYearWith. For the `gjj interest settle` job and the staff
// API.
func (s *Service) SettleYear(ctx context.Context, year int, progress func(Progress)) (*InterestRun, error) {
	return s.SettleYearWith(ctx, year, SettleOptions{Progress: progress})
}

// SettleYearWith is SettleYear with options.
//
// Each batch is one transaction: it locks the run row (so concurrent calls for
// the year from several instances take turns), posts one ledger entry (biz
// type 09, serial "INT-<year>-<first employee_account.id of the batch>", dated
// 30 June) debiting interest expense and crediting every account with interest,
// records an interest_item for every account of the batch (zero interest
// included), rolls 当年归集 into 上年结转 (carry_fen = balance at 30 June plus
// interest) and advances the run's cursor and totals. A crash or a cancelled
// context loses at most the batch in flight; calling again resumes after the
// cursor, and accounts that already have an interest_item for the year (also
// from a closing settlement) are skipped, so each account-year is settled
// exactly once. A run that is done is returned as it is (Replayed set).
// The run's start and its completion are audited (one record each).
//
// Errors: ErrInterestYear (errs.Invalid); ErrInterestTooEarly while the
// business date is not after 30 June of the year; ErrInterestOutOfOrder when a
// later year has a run; ErrInterestPrevRunning when an earlier year's run is
// not done; ErrInterestPolicyChanged when the rate on 30 June or the basis
// changed since the run started (all errs.Conflict); policy.not_in_force when no
// rate is configured for part of the year; ctx errors when cancelled (the run
// stays "running" and resumes on the next call); store errors.
func (s *Service) SettleYearWith(ctx context.Context, year int, opt SettleOptions) (*InterestRun, error) {
	began := time.Now()
	if year < 1992 || year > 9999 {
		return nil, ErrInterestYear.With("year", year)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultSettleBatch
	}
	opt.BatchSize = min(opt.BatchSize, maxSettleBatch)
	from, to := FundYear(year)
	today, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	if !today.After(to) {
		return nil, errs.Newf(errs.Conflict, ErrInterestTooEarly.Code, "%d 年度（%s 至 %s）的结息须在 %s 之后办理，当前营业日期为 %s",
			year, from, to, to, today).With("year", year).With("settlement_date", to.String()).With("business_date", today.String())
	}
	rates, err := s.interestRates(ctx, from, to)
	if err != nil {
		return nil, err
	}
	basis, err := s.policy.String(ctx, policy.InterestBasis, to)
	if err != nil {
		return nil, err
	}
	run, err := s.startRun(ctx, year, rates.last(), basis)
	if err != nil {
		return nil, err
	}
	if run.Status == RunDone {
		run.Replayed = true
		return run, nil
	}
	if run.RatePPM != rates.last() || run.Basis != basis {
		return nil, ErrInterestPolicyChanged.With("year", year).With("run_rate_ppm", run.RatePPM).With("rate_ppm", rates.last()).
			With("run_basis", run.Basis).With("basis", basis)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var next *InterestRun
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			r, err := s.settleBatch(ctx, tx, year, opt.BatchSize, rates)
			next = r
			return err
		})
		if err != nil {
			return nil, err
		}
		run = next
		if opt.Progress != nil {
			opt.Progress(Progress{Year: year, Total: max(run.Total, run.Done), Done: run.Done, InterestFen: run.Interest, Elapsed: time.Since(began)})
		}
		if run.Status == RunDone {
			return run, nil
		}
	}
}

// InterestRunStatus returns the run of the fund year ending 30 June year
// (ErrInterestRunNotFound when it never started). For the staff API and the
// command line.
func (s *Service) InterestRunStatus(ctx context.Context, year int) (*InterestRun, error) {
	r, err := readInterestRun(ctx, s.db, year, "")
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, ErrInterestRunNotFound.With("year", year)
	}
	return r, nil
}

const interestRunCols = `id, year, status, rate_ppm, basis, total, done, interest_fen, cursor_id, started_by, started_at, finished_at`

// readInterestRun returns the run of the year, nil when there is none.
func readInterestRun(ctx context.Context, q db.Querier, year int, suffix string) (*InterestRun, error) {
	var r InterestRun
	err := q.GetContext(ctx, &r, `SELECT `+interestRunCols+` FROM interest_run WHERE year = ?`+suffix, year)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read interest run %d: %w", year, err)
	}
	r.fill()
	return &r, nil
}

// settleStatuses is the SQL list of the statuses settled by the annual run.
var settleStatuses = []any{EmpNormal, EmpSealed, EmpFrozen}

const settleStatusIn = `e.status IN (?, ?, ?)`

// startRun returns the year's run, creating it (with its audit record) when
// there is none.
func (s *Service) startRun(ctx context.Context, year int, ratePPM int64, basis string) (*InterestRun, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (*InterestRun, error) {
		r, err := readInterestRun(ctx, tx, year, tx.Dialect.ForUpdate())
		if err != nil || r != nil {
			return r, err
		}
		var other struct {
			Year   int    `db:"year"`
			Status string `db:"status"`
		}
		err = tx.GetContext(ctx, &other, `SELECT year, status FROM interest_run WHERE year > ? OR status <> ? ORDER BY year DESC LIMIT 1`, year, RunDone)
		switch {
		case err == nil && other.Year > year:
			return nil, errs.Newf(errs.Conflict, ErrInterestOutOfOrder.Code, "已开始 %d 年度结息，不能再结算更早的 %d 年度", other.Year, year).
				With("year", year).With("later_year", other.Year)
		case err == nil:
			return nil, errs.Newf(errs.Conflict, ErrInterestPrevRunning.Code, "%d 年度结息尚未完成，请先完成该年度结息（gjj interest settle --year %d）",
				other.Year, other.Year).With("year", year).With("running_year", other.Year)
		case !db.NoRows(err):
			return nil, fmt.Errorf("check other interest runs: %w", err)
		}
		var total int64
		if err := tx.GetContext(ctx, &total, `SELECT COUNT(*) FROM employee_account e WHERE `+settleStatusIn+`
			AND NOT EXISTS (SELECT 1 FROM interest_item i WHERE i.employee_account_id = e.id AND i.year = ?)`, append(settleStatuses, year)...); err != nil {
			return nil, fmt.Errorf("count accounts to settle: %w", err)
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO interest_run (year, status, rate_ppm, basis, total, done, interest_fen, cursor_id, started_by, started_at)
			VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?, ?)`, year, RunRunning, ratePPM, basis, total, intClip(actorID(ctx), 64), now); err != nil {
			if db.IsDuplicate(err) {
				return nil, fmt.Errorf("%w: interest run %d started concurrently", db.ErrRetry, year)
			}
			return nil, fmt.Errorf("insert interest run %d: %w", year, err)
		}
		from, to := FundYear(year)
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "deposit.interest_start", Object: "interest_run:" + strconv.Itoa(year),
			After: audit.Summary(map[string]any{"from": from, "to": to, "rate": policy.FormatPPM(ratePPM), "basis": basis, "accounts": total})}); err != nil {
			return nil, err
		}
		return readInterestRun(ctx, tx, year, "")
	})
}

type interestAcct struct {
	ID        int64  `db:"id"`
	AccountNo string `db:"account_no"`
	LedgerID  int64  `db:"ledger_account_id"`
}

// settleBatch settles the next batch of the year's run inside tx and returns
// the run as it is after the batch (status done when nothing was left).
func (s *Service) settleBatch(ctx context.Context, tx *db.Tx, year, size int, rates *interestRates) (*InterestRun, error) {
	run, err := readInterestRun(ctx, tx, year, tx.Dialect.ForUpdate())
	if err != nil {
		return nil, err
	}
	if run == nil {
		return nil, ErrInterestRunNotFound.With("year", year)
	}
	if run.Status == RunDone {
		return run, nil
	}
	// The subquery repeats the cursor bound: MariaDB runs NOT EXISTS as a
	// materialized anti-join, and unbounded it scanned every interest_item
	// already written for the year in every batch (quadratic: 1,468
	// accounts/s at 1,000,000 against 9,195/s at 20,000); bounded it reads
	// only the items after the cursor (closing settlements ahead of the run).
	var accts []interestAcct
	if err := tx.SelectContext(ctx, &accts, `SELECT e.id, e.account_no, e.ledger_account_id FROM employee_account e
		WHERE e.id > ? AND `+settleStatusIn+` AND NOT EXISTS (SELECT 1 FROM interest_item i
			WHERE i.employee_account_id = e.id AND i.year = ? AND i.employee_account_id > ?)
		ORDER BY e.id LIMIT `+strconv.Itoa(size)+tx.Dialect.ForUpdate(), append(append([]any{run.CursorID}, settleStatuses...), year, run.CursorID)...); err != nil {
		return nil, fmt.Errorf("select accounts to settle: %w", err)
	}
	now := db.Now()
	if len(accts) == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE interest_run SET status = ?, total = done, finished_at = ? WHERE id = ?`, RunDone, now, run.ID); err != nil {
			return nil, fmt.Errorf("finish interest run %d: %w", year, err)
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "deposit.interest_done", Object: "interest_run:" + strconv.Itoa(year),
			After: audit.Summary(map[string]any{"accounts": run.Done, "interest_fen": run.Interest, "rate": run.Rate, "basis": run.Basis})}); err != nil {
			return nil, err
		}
		return readInterestRun(ctx, tx, year, "")
	}

	ids := make([]int64, len(accts))
	for i, a := range accts {
		ids[i] = a.LedgerID
	}
	hist, err := interestHistory(ctx, tx, ids, rates.from())
	if err != nil {
		return nil, err
	}
	serial := fmt.Sprintf("INT-%d-%d", year, accts[0].ID)
	calc := newInterestCalc()
	items := make([]interestItem, len(accts))
	lines := make([]ledger.Line, 1, len(accts)+1)
	var total money.Fen
	for i, a := range accts {
		h := hist[a.LedgerID]
		r, err := calc.accrue(h.balance, h.moves, rates, run.Basis, true)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a.AccountNo, err)
		}
		items[i] = interestItem{empID: a.ID, year: year, from: rates.from(), to: rates.to(), jishu: r.jishu, interest: r.interest,
			carry: r.closing + r.interest}
		if r.interest > 0 {
			if total, err = money.Add(total, r.interest); err != nil {
				return nil, err
			}
			items[i].serial = serial
			lines = append(lines, ledger.Line{Account: ledger.PersonalCode(a.AccountNo), Side: ledger.Credit, Amount: r.interest})
		}
	}
	if total > 0 {
		lines[0] = ledger.Line{Account: ledger.CodeInterestExpense, Side: ledger.Debit, Amount: total}
		if _, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: policy.BizInterest, BizDate: rates.to(),
			Memo: fmt.Sprintf("%d年度结息（%s至%s）", year, rates.from(), rates.to()), Lines: lines}); err != nil {
			return nil, fmt.Errorf("post interest %s: %w", serial, err)
		}
	}
	if err := insertInterestItems(ctx, tx, items, now); err != nil {
		return nil, err
	}
	if err := rollCarryOver(ctx, tx, items, now); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE interest_run SET done = done + ?, interest_fen = interest_fen + ?, cursor_id = ? WHERE id = ?`,
		len(accts), total, accts[len(accts)-1].ID, run.ID); err != nil {
		return nil, fmt.Errorf("advance interest run %d: %w", year, err)
	}
	run.Done += int64(len(accts))
	run.Interest += total
	run.CursorID = accts[len(accts)-1].ID
	return run, nil
}

// SettleAccountTo settles one account's interest up to the closing date `to`
// inside the caller's transaction and returns the interest credited. For
// 销户提取 and 外部转出 (withdrawal and transfer services), which then pay out
// principal plus interest in the same transaction and write the audit record
// that covers both.
//
// The days counted run from the start of the fund year containing to-1 up to
// but not including `to` (算头不算尾: the closing day is the 尾), on the basis in
// force on to-1 with the rate of each day; a period that is a whole fund year
// (to = 1 July) uses the whole-year method of SettleYear. When the previous
// fund year has no interest_item for the account (its annual run has not
// reached it yet) and the account was open then, that year is settled too,
// and its interest counts in the current period's opening balance as if
// credited on 30 June. Everything is posted as one entry (biz type 09, serial
// "INT-CLOSE-<account_no>-<to>", business date `to`) debiting interest
// expense; an interest_item is recorded per fund year, so the annual run skips
// the account. Calling it again with the same date in a later transaction
// returns the amount already credited and posts nothing.
//
// Errors: ErrEmployeeNotFound; ErrEmployeeStatus for a closed account;
// ErrInterestCloseDate (errs.Invalid) for a zero date or one after the business
// date; ErrInterestSettled (errs.Conflict) when the fund year was already
// settled for this account to another closing date; policy errors when no rate
// or basis is configured; store errors.
func (s *Service) SettleAccountTo(ctx context.Context, tx *db.Tx, accountNo string, to date.Date) (money.Fen, error) {
	emp, err := lockEmployee(ctx, tx, accountNo)
	if err != nil {
		return 0, err
	}
	if emp.Closed() {
		return 0, ErrEmployeeStatus.With("account_no", accountNo).With("status", emp.Status)
	}
	today, err := s.dates.TodayTx(ctx, tx)
	if err != nil {
		return 0, err
	}
	if to.IsZero() || to.After(today) {
		return 0, errs.Newf(errs.Invalid, ErrInterestCloseDate.Code, "结息截止日期须在营业日期 %s 当日或之前", today).
			With("to", to.String()).With("business_date", today.String())
	}
	serial := closeSerial(accountNo, to)
	last := to.AddDays(-1)
	cur := interestFundYearOf(last)

	var done []struct {
		Year     int       `db:"year"`
		PeriodTo date.Date `db:"period_to"`
		Interest money.Fen `db:"interest_fen"`
		Serial   string    `db:"entry_serial"`
	}
	if err := tx.SelectContext(ctx, &done, `SELECT year, period_to, interest_fen, entry_serial FROM interest_item
		WHERE employee_account_id = ? AND year IN (?, ?)`, emp.ID, cur-1, cur); err != nil {
		return 0, fmt.Errorf("read interest items of %s: %w", accountNo, err)
	}
	type period struct {
		year     int
		from, to date.Date
	}
	var todo []period
	var replayed money.Fen
	replay := false
	for _, y := range []int{cur - 1, cur} {
		from, end := FundYear(y)
		if y == cur {
			end = last
		} else if emp.OpenedOn.After(end) {
			continue // not open in the previous fund year
		}
		settled := false
		for _, d := range done {
			if d.Year != y {
				continue
			}
			settled = true
			switch {
			case d.Serial == serial || strings.HasPrefix(d.Serial, serial+"-"):
				replay = true
				replayed += d.Interest
			case y == cur && d.PeriodTo != end:
				return 0, errs.Newf(errs.Conflict, ErrInterestSettled.Code, "该账户 %d 年度利息已结算至 %s，不能再结算至 %s", y, d.PeriodTo, end).
					With("account_no", accountNo).With("settled_to", d.PeriodTo.String())
			}
		}
		if !settled && !end.Before(from) {
			todo = append(todo, period{y, from, end})
		}
	}
	if replay {
		return replayed, nil
	}
	if len(todo) == 0 {
		return 0, nil
	}

	// A close on this day whose payout failed was undone (ReopenClosedTx):
	// its entry keeps the base serial, this one takes the next free one.
	if serial, err = closeSerialFree(ctx, tx, serial); err != nil {
		return 0, err
	}
	hist, err := interestHistory(ctx, tx, []int64{emp.LedgerID}, todo[0].from)
	if err != nil {
		return 0, err
	}
	h := hist[emp.LedgerID]
	calc := newInterestCalc()
	now := db.Now()
	var total money.Fen
	items := make([]interestItem, 0, len(todo))
	for _, p := range todo {
		rates, err := s.interestRates(ctx, p.from, p.to)
		if err != nil {
			return 0, err
		}
		basis, err := s.policy.String(ctx, policy.InterestBasis, p.to)
		if err != nil {
			return 0, err
		}
		_, yearEnd := FundYear(p.year)
		r, err := calc.accrue(h.balance, h.moves, rates, basis, p.to == yearEnd)
		if err != nil {
			return 0, err
		}
		if total, err = money.Add(total, r.interest); err != nil {
			return 0, err
		}
		items = append(items, interestItem{empID: emp.ID, year: p.year, from: p.from, to: p.to, jishu: r.jishu, interest: r.interest,
			serial: serial, carry: r.closing + r.interest})
		// The next period counts this interest in its opening balance, as if
		// credited at this period's end (it is posted below, after computing).
		h.balance += r.interest
	}
	if total > 0 {
		if _, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: policy.BizInterest, BizDate: to,
			Memo: fmt.Sprintf("销户结息（%s至%s）", todo[0].from, last), Lines: []ledger.Line{
				{Account: ledger.CodeInterestExpense, Side: ledger.Debit, Amount: total},
				{Account: ledger.PersonalCode(accountNo), Side: ledger.Credit, Amount: total},
			}}); err != nil {
			return 0, fmt.Errorf("post interest %s: %w", serial, err)
		}
	}
	if err := insertInterestItems(ctx, tx, items, now); err != nil {
		return 0, err
	}
	// A whole fund year settled here rolls into 上年结转 like the annual run.
	var whole []interestItem
	for _, it := range items {
		if _, end := FundYear(it.year); it.to == end {
			whole = append(whole, it)
		}
	}
	if err := rollCarryOver(ctx, tx, whole, now); err != nil {
		return 0, err
	}
	return total, nil
}

// interestItem is one account-year settled.
type interestItem struct {
	empID    int64
	year     int
	from, to date.Date
	jishu    int64
	interest money.Fen
	serial   string    // entry that credited it ("" when nothing was posted)
	carry    money.Fen // balance at the period end plus the interest
}

func insertInterestItems(ctx context.Context, tx *db.Tx, items []interestItem, now time.Time) error {
	const chunk = 500
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(start+chunk, len(items))]
		args := make([]any, 0, len(part)*8)
		for _, it := range part {
			args = append(args, it.empID, it.year, it.from, it.to, it.jishu, it.interest, it.serial, now)
		}
		q := `INSERT INTO interest_item (employee_account_id, year, period_from, period_to, jishu_fen_days, interest_fen, entry_serial, created_at) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?),", len(part)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			if db.IsDuplicate(err) {
				// Settled concurrently (rows are locked, so only by a path that
				// does not lock them first); a fresh transaction skips them.
				return fmt.Errorf("%w: interest items settled concurrently", db.ErrRetry)
			}
			return fmt.Errorf("insert interest items: %w", err)
		}
	}
	return nil
}

// rollCarryOver sets 上年结转余额 of each item's account (one statement per chunk).
func rollCarryOver(ctx context.Context, tx *db.Tx, items []interestItem, now time.Time) error {
	const chunk = 1000
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(start+chunk, len(items))]
		var b strings.Builder
		args := make([]any, 0, len(part)*3+1)
		b.WriteString(`UPDATE employee_account SET carry_fen = CASE id`)
		for _, it := range part {
			b.WriteString(` WHEN ? THEN ?`)
			args = append(args, it.empID, it.carry)
		}
		b.WriteString(` ELSE carry_fen END, updated_at = ? WHERE id IN (?` + strings.Repeat(", ?", len(part)-1) + `)`)
		args = append(args, now)
		for _, it := range part {
			args = append(args, it.empID)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("roll carry-over balances: %w", err)
		}
	}
	return nil
}

// interestDayNet is an account's net movement (credits minus debits) on one business date.
type interestDayNet struct {
	on  date.Date
	net int64
}

// interestHist is a personal ledger account's balance now and its net movements
// by business date on or after some date.
type interestHist struct {
	balance money.Fen
	moves   []interestDayNet
}

// interestHistory reads, in one statement, the balance of each personal ledger
// account and its net movement per business date on or after since.
func interestHistory(ctx context.Context, tx *db.Tx, ledgerIDs []int64, since date.Date) (map[int64]*interestHist, error) {
	out := make(map[int64]*interestHist, len(ledgerIDs))
	const chunk = 5000
	for start := 0; start < len(ledgerIDs); start += chunk {
		part := ledgerIDs[start:min(start+chunk, len(ledgerIDs))]
		args := make([]any, 0, len(part)+1)
		args = append(args, since)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT l.id, l.balance_fen, p.biz_date, SUM(CASE WHEN p.side = 'C' THEN p.amount_fen ELSE -p.amount_fen END)
			FROM ledger_account l LEFT JOIN posting p ON p.account_id = l.id AND p.biz_date >= ?
			WHERE l.id IN (?`+strings.Repeat(", ?", len(part)-1)+`)
			GROUP BY l.id, l.balance_fen, p.biz_date`, args...)
		if err != nil {
			return nil, fmt.Errorf("read account movements: %w", err)
		}
		for rows.Next() {
			var (
				id      int64
				balance money.Fen
				on      date.Date
				net     *int64
			)
			if err := rows.Scan(&id, &balance, &on, &net); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan account movements: %w", err)
			}
			h := out[id]
			if h == nil {
				h = &interestHist{balance: balance}
				out[id] = h
			}
			if net != nil && !on.IsZero() {
				h.moves = append(h.moves, interestDayNet{on: on, net: *net})
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read account movements: %w", err)
		}
		rows.Close()
	}
	for _, id := range ledgerIDs {
		if out[id] == nil {
			return nil, ledger.ErrUnknownAccount.With("account_id", id)
		}
	}
	return out, nil
}

// interestRateSeg is a run of days with one interest rate.
type interestRateSeg struct {
	from, to date.Date
	ppm      int64
}

// interestRates is the interest rate of every day of a period: consecutive
// segments, split where a version of interest.rate takes effect.
type interestRates struct {
	segs   []interestRateSeg
	suffix []int64 // suffix[k] = Σ ppm × days of the segments after k
}

func (rt *interestRates) from() date.Date { return rt.segs[0].from }
func (rt *interestRates) to() date.Date   { return rt.segs[len(rt.segs)-1].to }
func (rt *interestRates) last() int64     { return rt.segs[len(rt.segs)-1].ppm }

// weight returns Σ rate(t) for t from d to the period end, in ppm·days
// (0 after the end; d is never before the start).
func (rt *interestRates) weight(d date.Date) int64 {
	for k, s := range rt.segs {
		if !d.After(s.to) {
			if d.Before(s.from) {
				d = s.from
			}
			return s.ppm*int64(d.DaysUntil(s.to)+1) + rt.suffix[k]
		}
	}
	return 0
}

// interestRates reads the rates in force on each day of [from, to].
func (s *Service) interestRates(ctx context.Context, from, to date.Date) (*interestRates, error) {
	first, err := s.policy.PPM(ctx, policy.InterestRate, from)
	if err != nil {
		return nil, err
	}
	vs, err := s.policy.Versions(ctx, policy.InterestRate)
	if err != nil {
		return nil, err
	}
	rt := &interestRates{segs: []interestRateSeg{{from: from, to: to, ppm: first}}}
	for _, v := range vs {
		if !v.EffectiveFrom.After(from) || v.EffectiveFrom.After(to) {
			continue
		}
		ppm, err := s.policy.PPM(ctx, policy.InterestRate, v.EffectiveFrom)
		if err != nil {
			return nil, err
		}
		lastSeg := &rt.segs[len(rt.segs)-1]
		lastSeg.to = v.EffectiveFrom.AddDays(-1)
		rt.segs = append(rt.segs, interestRateSeg{from: v.EffectiveFrom, to: to, ppm: ppm})
	}
	rt.suffix = make([]int64, len(rt.segs))
	for k := len(rt.segs) - 2; k >= 0; k-- {
		n := rt.segs[k+1]
		rt.suffix[k] = rt.suffix[k+1] + n.ppm*int64(n.from.DaysUntil(n.to)+1)
	}
	return rt, nil
}

// interestCalc computes interest with reusable big integers.
type interestCalc struct {
	num, mv, t, den, q, r big.Int
}

func newInterestCalc() *interestCalc { return &interestCalc{} }

type interestResult struct {
	opening, closing money.Fen // balance at the start (end of the day before) and at the end of the period
	jishu            int64     // 计息积数 in fen·days
	interest         money.Fen
}

var interestMillion = big.NewInt(1_000_000)

// accrue computes the interest of the period of rt for an account whose
// balance is now balance and whose movements by business date are moves (any
// order; those before the period start are ignored: they are in the balance
// and in the opening; those after the period end only adjust the opening). wholeYear selects the whole-year form of YEAR_PLUS_ACT_360.
func (a *interestCalc) accrue(balance money.Fen, moves []interestDayNet, rt *interestRates, basis string, wholeYear bool) (interestResult, error) {
	from, to := rt.from(), rt.to()
	days := int64(from.DaysUntil(to) + 1)
	var all, in, jishu int64
	a.mv.SetInt64(0)
	for _, m := range moves {
		if m.on.Before(from) {
			continue // part of the opening balance
		}
		all += m.net
		if m.on.After(to) {
			continue
		}
		in += m.net
		jishu += m.net * int64(m.on.DaysUntil(to)+1)
		a.t.SetInt64(m.net)
		a.mv.Add(&a.mv, a.t.Mul(&a.t, big.NewInt(rt.weight(m.on))))
	}
	opening := int64(balance) - all
	res := interestResult{opening: money.Fen(opening), closing: money.Fen(opening + in), jishu: jishu + opening*days}
	w0 := big.NewInt(rt.weight(from))
	a.num.SetInt64(opening)
	a.num.Mul(&a.num, w0)
	switch {
	case basis == policy.Act360 || (basis == policy.YearPlusAct360 && !wholeYear):
		a.num.Add(&a.num, &a.mv)
		a.den.SetInt64(360)
	case basis == policy.Act365:
		a.num.Add(&a.num, &a.mv)
		a.den.SetInt64(365)
	case basis == policy.YearPlusAct360:
		// opening × (W0/days) + mv/360 over the common denominator days × 360.
		a.num.Mul(&a.num, big.NewInt(360))
		a.t.Mul(&a.mv, big.NewInt(days))
		a.num.Add(&a.num, &a.t)
		a.den.SetInt64(360 * days)
	default:
		return interestResult{}, errInterestBasis.With("basis", basis)
	}
	a.den.Mul(&a.den, interestMillion)
	if a.num.Sign() <= 0 {
		return res, nil // a negative day balance earns nothing
	}
	// Round half up: q + (2r ≥ den).
	a.q.QuoRem(&a.num, &a.den, &a.r)
	if a.r.Lsh(&a.r, 1).Cmp(&a.den) >= 0 {
		a.q.Add(&a.q, big.NewInt(1))
	}
	if !a.q.IsInt64() {
		return interestResult{}, money.ErrRange
	}
	res.interest = money.Fen(a.q.Int64())
	return res, nil
}

// intClip shortens s to at most n runes.
func intClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
