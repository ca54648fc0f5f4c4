package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// The notice queue (notice_queue) carries business notices from a core's
// transaction to the person's WeChat and SMS:
//
//   - The core calls EnqueueTx inside the transaction of the business change
//     (the deposit core with the posting of a remittance or 补缴): the notice
//     commits with the change or not at all, and writing it never calls out,
//     so a notice can neither block nor roll back the change.
//   - After commit a Dispatcher (one loop per instance, rows leased so
//     instances never send one notice at the same time) delivers each notice:
//     a WeChat template message to every bound openid of the person and an SMS
//     to the reserved mobile unless the phone unsubscribed (12329 TD). During
//     the quiet hours nothing is sent; the notice waits until they end.
//   - A failed channel is retried with a growing delay (RetryDelay × 2^n) up to
//     MaxAttempts, then the notice is recorded as failed (last_error, audit
//     "notify.notice_failed"). The channel that succeeded is not sent again;
//     WeChat sends carry the dedup key as client_msg_id, so a crash between a
//     push and its record does not produce a second message either.

// Queue states of a notice and of each of its channels.
const (
	QueuePending = "pending" // not settled yet
	QueueSent    = "sent"    // the channel delivered (SMS: gateway or outbox)
	QueueNone    = "none"    // nothing to send on it: no binding, no template id, unsubscribed
	QueueFailed  = "failed"  // gave up after MaxAttempts
	QueueDone    = "done"    // the notice: both channels settled
)

// Defaults of the dispatcher.
const (
	DefaultMaxAttempts = 6
	DefaultRetryDelay  = time.Minute
	DefaultLease       = 5 * time.Minute
)

// ActionNoticeFailed is the audit action of a notice given up after
// MaxAttempts; the object is "person:<id>".
const ActionNoticeFailed = "notify.notice_failed"

// Notice is one business notice to queue: Dedup is its business key (at most
// 128 characters, e.g. "deposit.credited:<entry serial>:<account>"); a
// second notice with the same key is dropped. Phone is the reserved mobile
// ("" = no SMS).
type Notice struct {
	Dedup    string
	PersonID int64
	Phone    string
	Template string
	Vars     map[string]string
}

// ErrBadNotice: a notice without a dedup key, person or template.
var ErrBadNotice = errs.New(errs.Invalid, "notify.bad_notice", "通知缺少业务编号、人员或模板")

// EnqueueTx records the notices inside the caller's transaction tx (the
// transaction of the business change), in multi-row statements of
// enqueueBatch rows. It calls nothing outside the store. A notice whose
// dedup key is already queued is ignored. Any core may call it. Errors:
// ErrBadNotice (nothing written); store errors (which fail the caller's
// transaction like any other write).
func EnqueueTx(ctx context.Context, tx *db.Tx, ns ...Notice) error {
	for _, n := range ns {
		if n.Dedup == "" || len(n.Dedup) > 128 || n.PersonID <= 0 || n.Template == "" {
			return ErrBadNotice
		}
	}
	now := db.Now()
	for start := 0; start < len(ns); start += enqueueBatch {
		chunk := ns[start:min(start+enqueueBatch, len(ns))]
		args := make([]any, 0, len(chunk)*10)
		for _, n := range chunk {
			vars, err := json.Marshal(n.Vars)
			if err != nil {
				return err
			}
			smsState := QueuePending
			if n.Phone == "" {
				smsState = QueueNone
			}
			args = append(args, n.Dedup, n.PersonID, n.Phone, n.Template, string(vars), QueuePending, smsState, QueuePending, now, now)
		}
		// One statement, no read first: the unique dedup key drops a repeat.
		q := tx.Dialect.InsertIgnore() + ` INTO notice_queue (dedup, person_id, phone, template, vars, wechat_state, sms_state,
			status, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)` +
			strings.Repeat(", (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)", len(chunk)-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("notify: queue: %w", err)
		}
	}
	return nil
}

// enqueueBatch is the number of notices per INSERT (10 placeholders each).
const enqueueBatch = 500

// WeChatNotifier sends a notice as template messages to a person's bound
// WeChat (channels/wechat.Service implements it): how many were sent, no
// error for a person without a binding; ErrWeChatTemplateUnset when the
// deployment has no template id for the notice; ErrWeChatUnavailable when a
// push failed.
type WeChatNotifier interface {
	NotifyPerson(ctx context.Context, personID int64, template string, vars map[string]string, clientMsgID string) (int, error)
}

// QueuedNotice is a notice in the queue as stored.
type QueuedNotice struct {
	ID          int64      `db:"id"`
	Dedup       string     `db:"dedup"`
	PersonID    int64      `db:"person_id"`
	Phone       string     `db:"phone"`
	Template    string     `db:"template"`
	Vars        string     `db:"vars"`
	WeChatState string     `db:"wechat_state"`
	SMSState    string     `db:"sms_state"`
	Status      string     `db:"status"`
	Attempts    int        `db:"attempts"`
	NextAt      time.Time  `db:"next_at"`
	LastError   string     `db:"last_error"`
	CreatedAt   time.Time  `db:"created_at"`
	DoneAt      *time.Time `db:"done_at"`
}

// DispatchResult counts what one Dispatch pass did.
type DispatchResult struct {
	Done, Retried, Failed, Held int
}

// Dispatcher delivers queued notices. Safe for concurrent use, also by
// several instances on one database.
type Dispatcher struct {
	d      *db.DB
	sms    *Service
	subs   *Subscriptions
	audit  *audit.Log
	log    *slog.Logger
	mu     sync.Mutex
	wechat WeChatNotifier
	// MaxAttempts, RetryDelay and Lease default to DefaultMaxAttempts,
	// DefaultRetryDelay and DefaultLease; set them before use.
	MaxAttempts int
	RetryDelay  time.Duration
	Lease       time.Duration

	stop chan struct{}
	done chan struct{}
}

// NewDispatcher returns the dispatcher sending SMS through sms, honouring
// subs (subscriptions and quiet hours; its clock is the dispatcher's clock),
// auditing to a. WeChat is off until SetWeChat.
func NewDispatcher(d *db.DB, sms *Service, subs *Subscriptions, a *audit.Log, log *slog.Logger) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{d: d, sms: sms, subs: subs, audit: a, log: log}
}

// SetWeChat turns WeChat template messages on (nil turns them off: notices
// are then settled "none" on WeChat).
func (q *Dispatcher) SetWeChat(w WeChatNotifier) {
	q.mu.Lock()
	q.wechat = w
	q.mu.Unlock()
}

// SetClock replaces the wall clock of the dispatcher and its subscriptions
// (tests only).
func (q *Dispatcher) SetClock(now func() time.Time) { q.subs.SetClock(now) }

func (q *Dispatcher) now() time.Time { return q.subs.now().UTC().Truncate(time.Microsecond) }

// Queued returns the person's queued notices, newest first (at most limit,
// 1..MaxLimit). For staff and tests. Errors: ErrBadLimit; store errors.
func (q *Dispatcher) Queued(ctx context.Context, personID int64, limit int) ([]QueuedNotice, error) {
	if limit <= 0 || limit > MaxLimit {
		return nil, ErrBadLimit
	}
	var out []QueuedNotice
	err := q.d.SelectContext(ctx, &out, fmt.Sprintf(`SELECT id, dedup, person_id, phone, template, vars, wechat_state, sms_state,
		status, attempts, next_at, last_error, created_at, done_at FROM notice_queue WHERE person_id = ? ORDER BY id DESC LIMIT %d`, limit), personID)
	if err != nil {
		return nil, fmt.Errorf("notify: queued notices: %w", err)
	}
	for i := range out {
		out[i].NextAt, out[i].CreatedAt = out[i].NextAt.UTC(), out[i].CreatedAt.UTC()
	}
	return out, nil
}

// Dispatch delivers up to limit due notices once each and reports what it
// did. The loop of Start calls it; tests and operations may too. Errors:
// store and audit errors (delivery failures are recorded, not returned).
func (q *Dispatcher) Dispatch(ctx context.Context, limit int) (DispatchResult, error) {
	var res DispatchResult
	now := q.now()
	var due []QueuedNotice
	err := q.d.SelectContext(ctx, &due, fmt.Sprintf(`SELECT id, dedup, person_id, phone, template, vars, wechat_state, sms_state,
		status, attempts, next_at, last_error, created_at FROM notice_queue
		WHERE status = ? AND next_at <= ? AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_at, id LIMIT %d`, max(1, limit)),
		QueuePending, now, now)
	if err != nil {
		return res, fmt.Errorf("notify: due notices: %w", err)
	}
	if len(due) > 0 && q.subs.quiet.In(now) {
		// Nothing goes out in the quiet hours: every due notice waits for their end.
		until := quietEnd(q.subs.quiet, now)
		for _, n := range due {
			if _, err := q.d.ExecContext(ctx, `UPDATE notice_queue SET next_at = ? WHERE id = ? AND status = ?`, until, n.ID, QueuePending); err != nil {
				return res, fmt.Errorf("notify: hold notice: %w", err)
			}
			res.Held++
		}
		return res, nil
	}
	for _, n := range due {
		lease := cmpDur(q.Lease, DefaultLease)
		r, err := q.d.ExecContext(ctx, `UPDATE notice_queue SET claimed_until = ? WHERE id = ? AND status = ? AND (claimed_until IS NULL OR claimed_until < ?)`,
			now.Add(lease), n.ID, QueuePending, now)
		if err != nil {
			return res, fmt.Errorf("notify: claim notice: %w", err)
		}
		if won, err := r.RowsAffected(); err != nil || won != 1 {
			continue // another instance has it
		}
		outcome, err := q.deliver(ctx, n, now)
		if err != nil {
			return res, err
		}
		switch outcome {
		case QueueDone:
			res.Done++
		case QueueFailed:
			res.Failed++
		default:
			res.Retried++
		}
	}
	return res, nil
}

// deliver sends n on each unsettled channel and records the outcome; it
// returns the notice's new status (QueuePending: to be retried).
func (q *Dispatcher) deliver(ctx context.Context, n QueuedNotice, now time.Time) (string, error) {
	var vars map[string]string
	var lastErr string
	if err := json.Unmarshal([]byte(n.Vars), &vars); err != nil {
		n.WeChatState, n.SMSState, lastErr = settleBad(n.WeChatState), settleBad(n.SMSState), "bad variables"
	}
	if n.WeChatState == QueuePending {
		q.mu.Lock()
		w := q.wechat
		q.mu.Unlock()
		if w == nil || !hasWeChatForm(n.Template) {
			n.WeChatState = QueueNone // SMS-only notices (Broadcast, …) have no WeChat form
		} else {
			sent, err := w.NotifyPerson(ctx, n.PersonID, n.Template, vars, clientMsgID(n.Dedup))
			switch {
			case err == nil && sent > 0:
				n.WeChatState = QueueSent
			case err == nil, errors.Is(err, ErrWeChatTemplateUnset):
				n.WeChatState = QueueNone
			case errors.Is(err, ErrWeChatUnavailable):
				lastErr = "wechat: " + clip(err.Error(), 200)
			case errors.Is(err, ErrBadTemplate):
				n.WeChatState, lastErr = QueueFailed, "wechat: bad template"
			default:
				lastErr = "wechat: " + clip(err.Error(), 200) // a store fault: try again
			}
		}
	}
	if n.SMSState == QueuePending {
		decision, err := q.subs.Decide(ctx, n.Phone, n.Template)
		switch {
		case err != nil:
			lastErr = "sms: " + clip(err.Error(), 200)
		case decision == Drop:
			n.SMSState = QueueNone
		default: // Send (quiet hours were checked for the whole pass)
			_, err := q.sms.SendSMS(ctx, SMS{Phone: n.Phone, Template: n.Template, Vars: vars})
			switch {
			case err == nil:
				n.SMSState = QueueSent
			case errors.Is(err, ErrBadTemplate), errors.Is(err, ErrBadPhone), errors.Is(err, ErrTooLong):
				n.SMSState, lastErr = QueueFailed, "sms: "+errs.CodeOf(err)
			default:
				lastErr = "sms: " + clip(err.Error(), 200)
			}
		}
	}
	attempts := n.Attempts + 1
	status, next := QueuePending, now.Add(backoff(cmpDur(q.RetryDelay, DefaultRetryDelay), attempts))
	var doneAt *time.Time
	switch {
	case n.WeChatState != QueuePending && n.SMSState != QueuePending:
		status, doneAt = QueueDone, &now
		if n.WeChatState == QueueFailed || n.SMSState == QueueFailed {
			status = QueueFailed
		}
	case attempts >= cmpInt(q.MaxAttempts, DefaultMaxAttempts):
		status, doneAt = QueueFailed, &now
		n.WeChatState, n.SMSState = settleFailed(n.WeChatState), settleFailed(n.SMSState)
	}
	rec := context.WithoutCancel(ctx) // the outcome is recorded even if the caller has gone
	err := q.d.InTx(rec, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(rec, `UPDATE notice_queue SET wechat_state = ?, sms_state = ?, status = ?, attempts = ?, next_at = ?,
			claimed_until = NULL, last_error = ?, done_at = ? WHERE id = ?`,
			n.WeChatState, n.SMSState, status, attempts, next, clip(lastErr, 255), doneAt, n.ID); err != nil {
			return fmt.Errorf("notify: record notice: %w", err)
		}
		if status != QueueFailed {
			return nil
		}
		_, err := q.audit.Append(rec, tx, audit.Record{Action: ActionNoticeFailed, Object: fmt.Sprintf("person:%d", n.PersonID),
			Result: audit.ResultFailed, After: audit.Summary(map[string]any{"notice": n.ID, "template": n.Template,
				"wechat": n.WeChatState, "sms": n.SMSState, "attempts": attempts, "error": clip(lastErr, 120)})})
		return err
	})
	if err != nil {
		return "", err
	}
	if lastErr != "" {
		q.log.WarnContext(ctx, "notify: notice not delivered", "notice", n.ID, "status", status, "attempts", attempts, "error", lastErr)
	}
	return status, nil
}

// Start runs Dispatch every interval in the background until Stop. One loop
// per process; several instances may each run one.
func (q *Dispatcher) Start(interval time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stop != nil {
		return
	}
	q.stop, q.done = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if _, err := q.Dispatch(context.Background(), 100); err != nil {
					q.log.Error("notify: dispatch notices", "error", err)
				}
			}
		}
	}(q.stop, q.done)
}

// Stop ends the loop of Start and waits for it.
func (q *Dispatcher) Stop() {
	q.mu.Lock()
	stop, done := q.stop, q.done
	q.stop, q.done = nil, nil
	q.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// quietEnd is the first full hour at or after now outside the window.
func quietEnd(w QuietHours, now time.Time) time.Time {
	t := now.Truncate(time.Hour)
	for i := 0; i < 25 && w.In(t); i++ {
		t = t.Add(time.Hour)
	}
	if !t.After(now) {
		t = now
	}
	return t
}

func backoff(base time.Duration, attempts int) time.Duration {
	d := base
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return d
}

// clientMsgID keeps WeChat's client_msg_id within its 64 characters.
func clientMsgID(dedup string) string {
	if len(dedup) <= 64 {
		return dedup
	}
	return dedup[len(dedup)-64:]
}

func settleBad(s string) string {
	if s == QueuePending {
		return QueueFailed
	}
	return s
}

func settleFailed(s string) string { return settleBad(s) }

func cmpDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func cmpInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
