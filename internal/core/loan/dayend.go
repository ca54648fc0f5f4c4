package loan

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// EOD run statuses.
const (
	EODRunning = "running"
	EODDone    = "done"
)

// EODLease is how long a running day-end job may go without a heartbeat
// before another instance may take it over (its holder is presumed dead).
const EODLease = 5 * time.Minute

// EODResult says what a day-end run did.
type EODResult struct {
	Date  date.Date  `json:"date"` // the business date that was closed
	Next  date.Date  `json:"next"` // the business date now
	Loans *DayReport `json:"loans,omitempty"`
	// Resumed is true when this run took over a run whose holder stopped,
	// Finished when it only finished a run whose steps were done (the date
	// was not advanced yet).
	Resumed, Finished bool
}

// EODOptions tune a day-end run.
type EODOptions struct {
	// Holder names this instance in the guard row (host:pid); required.
	Holder string
	// Expect, when set, is the business date the caller means to close:
	// the run refuses (ErrEODMoved) if the date is another one, except that
	// a date already closed answers its stored result with Finished set —
	// so two instances scheduled for the same night never close two days.
	Expect date.Date
	// Now is the wall clock (time.Now when nil), for the lease.
	Now func() time.Time
}

// EndOfDay runs the day-end job (日终) for the current business date D and
// advances the business date to D+1: loan servicing (ServiceDay) — more
// steps join as other cores need them. A row in eod_run keyed by D is the
// run-once guard: the first instance inserts it and runs; another instance
// finds it running and gets ErrEODBusy (errs.Busy), unless the holder's
// heartbeat is older than EODLease, when it takes the run over and resumes
// (every step is idempotent per loan and date). The row is marked done and
// then the date is set to D+1 (bizdate.Set, so finishing twice cannot move
// it two days). Operators (gjj eod) and tests call it. Audited (eod.run).
//
// Errors: ErrEODBusy, ErrEODMoved (Expect differs from the business date
// and that date was never closed), bizdate errors, servicing errors (the
// run stays "running" and the next call resumes it).
func (s *Service) EndOfDay(ctx context.Context, o EODOptions) (*EODResult, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.Holder == "" {
		o.Holder = "unknown"
	}
	if len(o.Holder) > 64 {
		o.Holder = o.Holder[:64]
	}
	day, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	if !o.Expect.IsZero() && o.Expect.String() != day.String() {
		var prev []struct {
			Status  string `db:"status"`
			Summary string `db:"summary"`
		}
		if err := s.db.SelectContext(ctx, &prev, `SELECT status, summary FROM eod_run WHERE biz_date = ?`, o.Expect); err != nil {
			return nil, fmt.Errorf("eod: read run of %s: %w", o.Expect, err)
		}
		if len(prev) == 1 && prev[0].Status == EODDone {
			r := &EODResult{Date: o.Expect, Next: day, Finished: true}
			_ = json.Unmarshal([]byte(prev[0].Summary), &r.Loans)
			return r, nil
		}
		return nil, ErrEODMoved.With("business_date", day.String()).With("expected", o.Expect.String())
	}
	res := &EODResult{Date: day, Next: day.AddDays(1)}

	// The guard: insert, or find a finished run, or take over a dead one.
	state, err := s.acquireEOD(ctx, day, o.Holder, now())
	if err != nil {
		return nil, err
	}
	switch state {
	case "done":
		res.Finished = true
	case "resumed":
		res.Resumed = true
	}
	if state != "done" {
		beat := func() {
			_, _ = s.db.ExecContext(ctx, `UPDATE eod_run SET heartbeat_at = ? WHERE biz_date = ? AND holder = ?`,
				now().UTC(), day, o.Holder)
		}
		rep, err := s.ServiceDay(ctx, day, beat)
		if err != nil {
			return nil, err
		}
		res.Loans = rep
		sum, _ := json.Marshal(rep)
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			n, err := tx.ExecCount(ctx, `UPDATE eod_run SET status = ?, finished_at = ?, summary = ? WHERE biz_date = ? AND holder = ? AND status = ?`,
				EODDone, now().UTC(), string(sum), day, o.Holder, EODRunning)
			if err != nil {
				return fmt.Errorf("eod: finish %s: %w", day, err)
			}
			if n == 0 {
				return ErrEODBusy.With("date", day.String()) // taken over meanwhile
			}
			_, err = s.audit.Append(ctx, tx, audit.Record{Action: "eod.run", Object: "eod:" + day.String(), After: string(sum)})
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if _, err := s.dates.Set(ctx, res.Next, false); err != nil {
		return nil, err
	}
	return res, nil
}

// acquireEOD takes the guard row of day: "started" (inserted), "resumed"
// (took over a run with a stale heartbeat), "done" (the run finished but the
// date may not have moved yet); ErrEODBusy when another holder is alive.
func (s *Service) acquireEOD(ctx context.Context, day date.Date, holder string, now time.Time) (string, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var state string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecCount(ctx, tx.Dialect.InsertIgnore()+` INTO eod_run (biz_date, status, holder, started_at, heartbeat_at, summary)
			VALUES (?, ?, ?, ?, ?, '')`, day, EODRunning, holder, now, now)
		if err != nil {
			return fmt.Errorf("eod: guard %s: %w", day, err)
		}
		if n == 1 {
			state = "started"
			return nil
		}
		var row struct {
			Status    string    `db:"status"`
			Holder    string    `db:"holder"`
			Heartbeat time.Time `db:"heartbeat_at"`
		}
		if err := tx.GetContext(ctx, &row, `SELECT status, holder, heartbeat_at FROM eod_run WHERE biz_date = ?`+tx.Dialect.ForUpdate(), day); err != nil {
			return fmt.Errorf("eod: read guard %s: %w", day, err)
		}
		switch {
		case row.Status == EODDone:
			state = "done"
			return nil
		case row.Holder != holder && now.Sub(row.Heartbeat.UTC()) < EODLease:
			return ErrEODBusy.With("date", day.String()).With("holder", row.Holder)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE eod_run SET holder = ?, heartbeat_at = ? WHERE biz_date = ?`, holder, now, day); err != nil {
			return fmt.Errorf("eod: take over %s: %w", day, err)
		}
		state = "resumed"
		return nil
	})
	if err != nil && errs.KindOf(err) == errs.Busy {
		return "", err
	}
	return state, err
}
