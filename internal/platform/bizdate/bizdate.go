// Package bizdate holds the business date (营业日期): the platform's notion of
// "today" for postings, interest periods, due dates and effective dates. It is
// a stored value, not time.Now(): the day-end job advances it, and tests and
// demos set it. Every change is audited in the same transaction.
package bizdate

import (
	"context"
	"errors"
	"fmt"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// Audit actions and object written by this package.
const (
	ActionInit    = "bizdate.init"
	ActionSet     = "bizdate.set"
	ActionAdvance = "bizdate.advance"
	Object        = "business_date"
)

// MaxAdvance is the largest step Advance takes at once.
const MaxAdvance = 366

// Errors returned by the service (match with errors.Is).
var (
	// ErrUnset: the business date has never been set (call Ensure).
	ErrUnset = errs.New(errs.Unavailable, "bizdate.unset", "营业日期未设置")
	// ErrBackwards: Set would move the date back without allowBackwards.
	ErrBackwards = errs.New(errs.Conflict, "bizdate.backwards", "营业日期不能倒退")
	// ErrInvalid: a zero date or a date beyond 9999-12-31.
	ErrInvalid = errs.New(errs.Invalid, "bizdate.invalid", "营业日期无效")
	// ErrDays: Advance was asked for fewer than 1 or more than MaxAdvance days.
	ErrDays = errs.Newf(errs.Invalid, "bizdate.days", "推进天数应在 1 到 %d 之间", MaxAdvance)
)

// Service reads and changes the business date. It is safe for concurrent use
// and keeps no cache: Today is one point select.
type Service struct {
	d   *db.DB
	log *audit.Log
}

// New returns the business-date service over store d, auditing to a.
func New(d *db.DB, a *audit.Log) *Service { return &Service{d: d, log: a} }

// Today returns the business date. Any code may call it. Errors: ErrUnset
// (errs.Unavailable "bizdate.unset") when it was never set; store errors.
func (s *Service) Today(ctx context.Context) (date.Date, error) {
	return s.TodayTx(ctx, s.d)
}

// TodayTx is Today read through q, typically the caller's transaction so that
// a posting and the date it is booked on come from one snapshot.
func (s *Service) TodayTx(ctx context.Context, q db.Querier) (date.Date, error) {
	var d date.Date
	err := q.GetContext(ctx, &d, "SELECT biz_date FROM business_date WHERE id = 1")
	if db.NoRows(err) {
		return date.Date{}, ErrUnset
	}
	if err != nil {
		return date.Date{}, fmt.Errorf("bizdate: read: %w", err)
	}
	return d, nil
}

// Ensure sets the business date to initial if it has never been set; an
// existing date is left alone. It is idempotent and safe when several
// instances start together: only one insert wins, and only that one writes an
// audit record ("bizdate.init"). Called at start-up and by the command line.
// Errors: ErrInvalid for a zero initial date; audit and store errors.
func (s *Service) Ensure(ctx context.Context, initial date.Date) error {
	if err := check(initial); err != nil {
		return err
	}
	return s.d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Dialect.InsertIgnore()+
			" INTO business_date (id, biz_date, updated_at, updated_by) VALUES (1, ?, ?, ?)",
			initial, db.Now(), actor(ctx))
		if err != nil {
			return fmt.Errorf("bizdate: insert: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = s.log.Append(ctx, tx, audit.Record{Action: ActionInit, Object: Object, After: summary(initial)})
		return err
	})
}

// Set moves the business date to d and returns the previous one. Moving it
// backwards is refused unless allowBackwards (a correction by an operator);
// setting the current date again changes nothing and writes no record. The
// change and its audit record ("bizdate.set") commit together; a refused
// backwards move is audited with result "refused".
//
// For operators (command line, admin console behind maker-checker) and tests.
// Errors: ErrInvalid, ErrUnset, ErrBackwards (errs.Conflict
// "bizdate.backwards"), audit and store errors.
func (s *Service) Set(ctx context.Context, d date.Date, allowBackwards bool) (old date.Date, err error) {
	if err := check(d); err != nil {
		return date.Date{}, err
	}
	var refused bool
	err = s.d.InTx(ctx, func(tx *db.Tx) error {
		refused = false
		cur, err := s.lock(ctx, tx)
		if err != nil {
			return err
		}
		old = cur
		switch {
		case !d.Before(cur) && !d.After(cur):
			return nil
		case d.Before(cur) && !allowBackwards:
			refused = true
			return ErrBackwards.With("current", cur.String()).With("requested", d.String())
		}
		if err := s.update(ctx, tx, d); err != nil {
			return err
		}
		_, err = s.log.Append(ctx, tx, audit.Record{Action: ActionSet, Object: Object, Before: summary(cur), After: summary(d)})
		return err
	})
	if refused {
		if _, aerr := s.log.Write(ctx, audit.Record{
			Action: ActionSet, Object: Object, Before: summary(old), After: summary(d), Result: audit.ResultRefused,
		}); aerr != nil {
			return old, errors.Join(err, aerr)
		}
	}
	return old, err
}

// Advance moves the business date forward by days (1..MaxAdvance) and returns
// the new date; the change and its audit record ("bizdate.advance") commit
// together. For the day-end job, operators and tests. Errors: ErrDays
// (errs.Invalid "bizdate.days"), ErrUnset, ErrInvalid past 9999-12-31, audit
// and store errors.
func (s *Service) Advance(ctx context.Context, days int) (date.Date, error) {
	if days < 1 || days > MaxAdvance {
		return date.Date{}, ErrDays.With("days", days)
	}
	var next date.Date
	err := s.d.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.lock(ctx, tx)
		if err != nil {
			return err
		}
		next = cur.AddDays(days)
		if err := check(next); err != nil {
			return err
		}
		if err := s.update(ctx, tx, next); err != nil {
			return err
		}
		_, err = s.log.Append(ctx, tx, audit.Record{Action: ActionAdvance, Object: Object, Before: summary(cur), After: summary(next)})
		return err
	})
	if err != nil {
		return date.Date{}, err
	}
	return next, nil
}

// lock reads the business date and holds its row until tx ends.
func (s *Service) lock(ctx context.Context, tx *db.Tx) (date.Date, error) {
	var d date.Date
	err := tx.GetContext(ctx, &d, "SELECT biz_date FROM business_date WHERE id = 1"+tx.Dialect.ForUpdate())
	if db.NoRows(err) {
		return date.Date{}, ErrUnset
	}
	if err != nil {
		return date.Date{}, fmt.Errorf("bizdate: lock: %w", err)
	}
	return d, nil
}

func (s *Service) update(ctx context.Context, tx *db.Tx, d date.Date) error {
	_, err := tx.ExecContext(ctx, "UPDATE business_date SET biz_date = ?, updated_at = ?, updated_by = ? WHERE id = 1",
		d, db.Now(), actor(ctx))
	if err != nil {
		return fmt.Errorf("bizdate: update: %w", err)
	}
	return nil
}

func check(d date.Date) error {
	if d.IsZero() || d.Year() > 9999 {
		return ErrInvalid.With("date", d.String())
	}
	return nil
}

// actor is the updated_by value: the acting principal, cut to the column size.
func actor(ctx context.Context) string {
	id := []rune(reqctx.ActorOf(ctx).ID)
	if len(id) > 64 {
		id = id[:64]
	}
	return string(id)
}

// summary is the audit before/after text of a date.
func summary(d date.Date) string { return `{"biz_date":"` + d.String() + `"}` }
