package notify_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
)

// switchGateway fails while fail is set and counts what it sent.
type switchGateway struct {
	mu   sync.Mutex
	fail bool
	sent []string
}

func (g *switchGateway) Name() string { return "switch" }
func (g *switchGateway) Send(_ context.Context, phone, _ string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail {
		return "", errors.New("gateway down")
	}
	g.sent = append(g.sent, phone)
	return "P" + phone, nil
}

// fakeWeChat answers like channels/wechat: unavailable while fail is set,
// one message per call otherwise.
type fakeWeChat struct {
	mu    sync.Mutex
	fail  bool
	calls []string // client msg ids
}

func (w *fakeWeChat) NotifyPerson(_ context.Context, _ int64, _ string, _ map[string]string, clientMsgID string) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, clientMsgID)
	if w.fail {
		return 0, notify.ErrWeChatUnavailable.Wrap(errors.New("43004"))
	}
	return 1, nil
}

func creditedVars() map[string]string {
	return map[string]string{"name": "张三", "date": "07月15日", "account_tail": "0001", "amount": "1,234.50", "balance": "56,789.00"}
}

func enqueue(t *testing.T, d *db.DB, n notify.Notice) {
	t.Helper()
	if err := d.InTx(context.Background(), func(tx *db.Tx) error { return notify.EnqueueTx(context.Background(), tx, n) }); err != nil {
		t.Fatal(err)
	}
}

// TestNoticeQueue: notices commit with the caller's transaction and only
// then; a dedup key is queued once; failed channels are retried with a
// growing delay and the channel that succeeded is not sent again; after
// MaxAttempts the notice is failed and audited.
func TestNoticeQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		gw := &switchGateway{fail: true}
		wc := &fakeWeChat{fail: true}
		q := notify.NewDispatcher(d, notify.New(d, gw, a), notify.NewSubscriptions(d, a, notify.QuietHours{}), a, nil)
		q.SetWeChat(wc)
		q.MaxAttempts, q.RetryDelay = 3, time.Minute
		// 10:00 Beijing, after every row this test writes.
		clock := time.Date(2099, 7, 15, 2, 0, 0, 0, time.UTC)
		q.SetClock(func() time.Time { return clock })

		for _, tt := range []struct {
			name string
			n    notify.Notice
		}{
			{"no dedup", notify.Notice{PersonID: 1, Template: notify.DepositCredited}},
			{"no person", notify.Notice{Dedup: "x", Template: notify.DepositCredited}},
			{"no template", notify.Notice{Dedup: "x", PersonID: 1}},
		} {
			err := d.InTx(ctx, func(tx *db.Tx) error { return notify.EnqueueTx(ctx, tx, tt.n) })
			if !errors.Is(err, notify.ErrBadNotice) {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		// A rolled-back transaction leaves no notice.
		rollback := errors.New("rolled back")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := notify.EnqueueTx(ctx, tx, notify.Notice{Dedup: "gone", PersonID: 9, Phone: phone, Template: notify.DepositCredited, Vars: creditedVars()}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) || count(t, d, "notice_queue") != 0 {
			t.Fatalf("rollback: %v, %d rows", err, count(t, d, "notice_queue"))
		}
		n := notify.Notice{Dedup: "deposit.credited:REM-1:0001", PersonID: 7, Phone: phone, Template: notify.DepositCredited, Vars: creditedVars()}
		enqueue(t, d, n)
		enqueue(t, d, n) // the same credit again: ignored
		if c := count(t, d, "notice_queue"); c != 1 {
			t.Fatalf("%d rows for one dedup key", c)
		}

		// Pass 1: both channels fail → retried a minute later.
		res, err := q.Dispatch(ctx, 10)
		if err != nil || res != (notify.DispatchResult{Retried: 1}) {
			t.Fatalf("pass 1: %+v %v", res, err)
		}
		row := queued(t, q, 7)
		if row.Attempts != 1 || row.Status != notify.QueuePending || row.LastError == "" || !row.NextAt.Equal(clock.Add(time.Minute)) {
			t.Errorf("after pass 1: %+v", row)
		}
		if res, _ := q.Dispatch(ctx, 10); res != (notify.DispatchResult{}) {
			t.Errorf("not due yet, but %+v", res)
		}
		// Pass 2: WeChat answers, the gateway still fails → the delay doubles.
		clock = clock.Add(time.Minute)
		wc.mu.Lock()
		wc.fail = false
		wc.mu.Unlock()
		if res, err := q.Dispatch(ctx, 10); err != nil || res != (notify.DispatchResult{Retried: 1}) {
			t.Fatalf("pass 2: %+v %v", res, err)
		}
		row = queued(t, q, 7)
		if row.WeChatState != notify.QueueSent || row.SMSState != notify.QueuePending || !row.NextAt.Equal(clock.Add(2*time.Minute)) {
			t.Errorf("after pass 2: %+v", row)
		}
		// Pass 3 = MaxAttempts: SMS still failing → the notice is failed and
		// audited; WeChat is not sent again.
		clock = clock.Add(2 * time.Minute)
		if res, err := q.Dispatch(ctx, 10); err != nil || res != (notify.DispatchResult{Failed: 1}) {
			t.Fatalf("pass 3: %+v %v", res, err)
		}
		row = queued(t, q, 7)
		if row.Status != notify.QueueFailed || row.SMSState != notify.QueueFailed || row.WeChatState != notify.QueueSent || row.Attempts != 3 || row.DoneAt == nil {
			t.Errorf("after pass 3: %+v", row)
		}
		wc.mu.Lock()
		calls := len(wc.calls)
		wc.mu.Unlock()
		if calls != 2 {
			t.Errorf("%d WeChat calls, want 2", calls)
		}
		if e := lastAudit(t, a); e.Action != notify.ActionNoticeFailed || e.Result != audit.ResultFailed || e.Object != "person:7" {
			t.Errorf("audit %+v", e.Record)
		}
		if res, _ := q.Dispatch(ctx, 10); res != (notify.DispatchResult{}) {
			t.Errorf("failed notice picked again: %+v", res)
		}

		// A healthy notice goes out in one pass, SMS to the subscribed phone only.
		gw.mu.Lock()
		gw.fail = false
		gw.mu.Unlock()
		const other = "13800009999"
		if err := notify.NewSubscriptions(d, a, notify.QuietHours{}).Set(ctx, other, false); err != nil {
			t.Fatal(err)
		}
		// Several in one statement; a key repeated in the same call is kept once.
		d2 := notify.Notice{Dedup: "d2", PersonID: 8, Phone: phone, Template: notify.DepositCredited, Vars: creditedVars()}
		d3 := notify.Notice{Dedup: "d3", PersonID: 9, Phone: other, Template: notify.DepositCredited, Vars: creditedVars()}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return notify.EnqueueTx(ctx, tx, d2, d3, d2) }); err != nil {
			t.Fatal(err)
		}
		if c := count(t, d, "notice_queue"); c != 3 {
			t.Fatalf("%d rows, want 3", c)
		}
		if res, err := q.Dispatch(ctx, 10); err != nil || res != (notify.DispatchResult{Done: 2}) {
			t.Fatalf("healthy pass: %+v %v", res, err)
		}
		gw.mu.Lock()
		sent := append([]string(nil), gw.sent...)
		gw.mu.Unlock()
		if len(sent) != 1 || sent[0] != phone {
			t.Errorf("SMS sent to %v", sent)
		}
		if r := queued(t, q, 9); r.SMSState != notify.QueueNone || r.Status != notify.QueueDone {
			t.Errorf("unsubscribed notice %+v", r)
		}
		verifyAudit(t, d, a)
	})
}

// TestNoticeQueueQuietHours: a due notice in the quiet hours waits for their
// end and is sent then.
func TestNoticeQueueQuietHours(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		gw := &switchGateway{}
		q := notify.NewDispatcher(d, notify.New(d, gw, a), notify.NewSubscriptions(d, a, notify.QuietHours{}), a, nil)
		clock := time.Date(2099, 7, 15, 15, 30, 0, 0, time.UTC) // 23:30 Beijing
		q.SetClock(func() time.Time { return clock })
		enqueue(t, d, notify.Notice{Dedup: "q1", PersonID: 3, Phone: phone, Template: notify.DepositCredited, Vars: creditedVars()})
		if res, err := q.Dispatch(ctx, 10); err != nil || res != (notify.DispatchResult{Held: 1}) {
			t.Fatalf("quiet pass %+v %v", res, err)
		}
		if r := queued(t, q, 3); !r.NextAt.Equal(time.Date(2099, 7, 16, 0, 0, 0, 0, time.UTC)) || r.Attempts != 0 {
			t.Errorf("held until %v (attempts %d), want 08:00 Beijing", r.NextAt, r.Attempts)
		}
		clock = time.Date(2099, 7, 15, 23, 59, 0, 0, time.UTC) // 07:59
		if res, _ := q.Dispatch(ctx, 10); res != (notify.DispatchResult{}) {
			t.Errorf("before 08:00: %+v", res)
		}
		clock = time.Date(2099, 7, 16, 0, 0, 0, 0, time.UTC)
		if res, err := q.Dispatch(ctx, 10); err != nil || res != (notify.DispatchResult{Done: 1}) {
			t.Fatalf("08:00 pass %+v %v", res, err)
		}
		if len(gw.sent) != 1 {
			t.Errorf("sent %v", gw.sent)
		}
		if r := queued(t, q, 3); r.WeChatState != notify.QueueNone || r.SMSState != notify.QueueSent {
			t.Errorf("without WeChat: %+v", r)
		}
	})
}

func queued(t *testing.T, q *notify.Dispatcher, personID int64) notify.QueuedNotice {
	t.Helper()
	rows, err := q.Queued(context.Background(), personID, 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("queued for %d: %+v %v", personID, rows, err)
	}
	return rows[0]
}
