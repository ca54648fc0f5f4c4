package change_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/notify"
)

// beijing returns a fixed wall clock at hour h (Beijing time) of the day
// that is d days after today (queued rows are due then).
func beijing(d, h int) func() time.Time {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	at := time.Date(now.Year(), now.Month(), now.Day()+d, h, 0, 0, 0, cst)
	return func() time.Time { return at }
}

func countRows(t *testing.T, a *app.App, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.DB.GetContext(context.Background(), &n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSMSBatch is maker-checker end to end for a batch SMS: the impact is
// the recipient count from the accounts; nothing is queued before approval;
// approval queues one notice per recipient; the dispatcher holds them in the
// quiet hours, then sends them (SMS only, WeChat "none") except to a phone
// that unsubscribed (TD); the apply is audited; refusals: empty audience,
// bad audience, unknown unit, empty and too long texts, braces, fields of
// other kinds, self-approval.
func TestSMSBatch(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		// Independent count: open accounts of the demo unit with distinct mobiles.
		want := countRows(t, a, `SELECT COUNT(DISTINCT e.reserved_mobile) FROM employee_account e JOIN unit u ON u.id = e.unit_id
			WHERE u.unit_no = ? AND e.status NOT IN ('03', '04', '05')`, demo.UnitNo)
		if want == 0 {
			t.Fatal("demo unit has no open accounts")
		}
		// One phone unsubscribes (TD) before the submission.
		td := demo.Employees[1].Mobile
		if err := notify.NewSubscriptions(a.DB, a.Audit, notify.QuietHours{}).Set(ctx, td, false); err != nil {
			t.Fatal(err)
		}
		in := change.Input{Kind: change.KindSMSBatch, Body: "11月30日系统升级，网上业务暂停办理。", Audience: change.AudienceUnit,
			Unit: demo.UnitNo, Reason: "系统升级通知"}
		r, err := a.Changes.Submit(ctx, "staff:maker", in)
		if err != nil {
			t.Fatal(err)
		}
		full := in.Body + notify.BroadcastSuffix
		if r.Impact.Count == nil || *r.Impact.Count != want || len(r.Diff) != 1 || r.Diff[0].After != full ||
			!strings.Contains(r.Impact.Summary, demo.UnitNo) || len(r.Impact.Details) != 2 || !strings.Contains(r.Impact.Details[1], "其中 1 个号码已退订") {
			t.Fatalf("request %+v", r)
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM notice_queue WHERE template = ?`, notify.Broadcast); n != 0 {
			t.Fatalf("%d queued before approval", n)
		}
		_, err = a.Changes.Approve(ctx, "staff:maker", r.ID, "")
		wantCode(t, err, "access.self_approval")

		if _, err := a.Changes.Approve(ctx, "staff:checker", r.ID, "同意"); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM notice_queue WHERE template = ? AND dedup LIKE ?`, notify.Broadcast, "sms_batch:%"); n != want {
			t.Fatalf("%d queued, want %d", n, want)
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM audit_log WHERE action = 'notify.sms_batch'`); n != 1 {
			t.Fatalf("%d batch audit records", n)
		}

		q := a.NoticeQueue
		q.SetClock(beijing(2, 23))
		res, err := q.Dispatch(ctx, 100)
		if err != nil || res.Held != int(want) || res.Done != 0 {
			t.Fatalf("quiet hours: %+v %v", res, err)
		}
		if msgs, _ := a.Notify.Outbox(ctx, notify.Filter{Phone: demo.Employees[0].Mobile}); containsText(msgs, full) {
			t.Fatal("sent in the quiet hours")
		}
		q.SetClock(beijing(3, 10))
		res, err = q.Dispatch(ctx, 100)
		if err != nil || res.Done != int(want) || res.Failed != 0 {
			t.Fatalf("after quiet hours: %+v %v", res, err)
		}
		for _, e := range demo.Employees {
			msgs, err := a.Notify.Outbox(ctx, notify.Filter{Phone: e.Mobile})
			if err != nil {
				t.Fatal(err)
			}
			if got := containsText(msgs, full); got != (e.Mobile != td) {
				t.Errorf("%s received %v", e.Mobile, got)
			}
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM notice_queue WHERE template = ? AND (wechat_state <> 'none' OR status <> 'done')`,
			notify.Broadcast); n != 0 {
			t.Errorf("%d batch notices not settled done with WeChat none", n)
		}

		// Refusals.
		loans := countRows(t, a, `SELECT COUNT(*) FROM loan WHERE open_person_id IS NOT NULL OR open_co_person_id IS NOT NULL`)
		for _, c := range []struct {
			name string
			in   change.Input
			code string
		}{
			{"bad audience", change.Input{Body: "通知", Audience: "everyone"}, "change.bad_audience"},
			{"no audience", change.Input{Body: "通知"}, "change.field_required"},
			{"unit missing", change.Input{Body: "通知", Audience: change.AudienceUnit}, "change.field_required"},
			{"unknown unit", change.Input{Body: "通知", Audience: change.AudienceUnit, Unit: "999999999999"}, "deposit.unit_not_found"},
			{"unit with all", change.Input{Body: "通知", Audience: change.AudienceOpenAccount, Unit: demo.UnitNo}, "change.field_not_allowed"},
			{"empty text", change.Input{Body: "  ", Audience: change.AudienceOpenAccount}, "change.field_required"},
			{"braces", change.Input{Body: "尊敬的{name}", Audience: change.AudienceOpenAccount}, "notify.bad_text"},
			{"too long", change.Input{Body: strings.Repeat("字", notify.MaxBroadcast+1), Audience: change.AudienceOpenAccount}, "notify.broadcast_too_long"},
			{"other kind's field", change.Input{Body: "通知", Audience: change.AudienceOpenAccount, Title: "x"}, "change.field_not_allowed"},
		} {
			c.in.Kind = change.KindSMSBatch
			_, err := a.Changes.Submit(ctx, "staff:maker", c.in)
			if err == nil {
				t.Errorf("%s: accepted", c.name)
				continue
			}
			wantCode(t, err, c.code)
		}
		// Borrowers: refused as empty when no loan is open, counted otherwise.
		lr, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindSMSBatch, Body: "贷款通知", Audience: change.AudienceOpenLoan})
		if loans == 0 {
			wantCode(t, err, "change.empty_audience")
		} else if err != nil || *lr.Impact.Count == 0 {
			t.Errorf("borrowers: %+v %v", lr, err)
		}
		// Without the submit permission (reviewer).
		_, err = a.Changes.Submit(ctx, "staff:reviewer", in)
		wantCode(t, err, "access.forbidden")
	})
}

func containsText(ms []notify.Message, text string) bool {
	for _, m := range ms {
		if m.Text == text {
			return true
		}
	}
	return false
}

// TestSMSTemplate is maker-checker end to end for an SMS template text: the
// text changes only after approval and SendSMS renders it; variables must be
// the built-in set; a second request made against the old text is stale;
// self-approval is refused; the apply is audited.
func TestSMSTemplate(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		id := notify.IdentityPasswordChanged
		builtin := ""
		for _, tpl := range notify.Templates() {
			if tpl.ID == id {
				builtin = tpl.Text
			}
		}
		text := "{name}您好：您的公积金网上服务登录密码刚刚修改。如非本人操作，请立即致电12329。"
		r, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindSMSTemplate, Key: id, Body: text})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Diff) != 1 || r.Diff[0].Before != builtin || r.Diff[0].After != text || r.Impact.Count == nil {
			t.Fatalf("request %+v", r)
		}
		other, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindSMSTemplate, Key: id,
			Body: "尊敬的{name}：登录密码已修改。"})
		if err != nil {
			t.Fatal(err)
		}
		send := func() string {
			m, err := a.Notify.SendSMS(ctx, notify.SMS{Phone: "13900000077", Template: id, Vars: map[string]string{"name": "李明"}})
			if err != nil {
				t.Fatal(err)
			}
			return m.Text
		}
		if got := send(); got != strings.ReplaceAll(builtin, "{name}", "李明") {
			t.Fatalf("before approval: %q", got)
		}
		_, err = a.Changes.Approve(ctx, "staff:maker", r.ID, "")
		wantCode(t, err, "access.self_approval")
		if _, err := a.Changes.Approve(ctx, "staff:checker", r.ID, "同意"); err != nil {
			t.Fatal(err)
		}
		if got := send(); got != strings.ReplaceAll(text, "{name}", "李明") {
			t.Fatalf("after approval: %q", got)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", other.ID, "")
		wantCode(t, err, "change.stale")
		if n := countRows(t, a, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object = ?`, notify.ActionTemplateText, "sms_template:"+id); n != 1 {
			t.Errorf("%d template audit records", n)
		}
		if cur, err := notify.TemplateText(ctx, a.DB, id); err != nil || cur != text {
			t.Errorf("text in force %q %v", cur, err)
		}

		for _, c := range []struct {
			name, key, body, code string
		}{
			{"unknown variable", id, "尊敬的{name}：{amount}元。", "notify.unknown_var"},
			{"missing variable", notify.DepositCredited, "尊敬的{name}：您的公积金已到账。", "notify.missing_var"},
			{"unknown template", "no.such", "文本", "notify.unknown_template"},
			{"broadcast not editable", notify.Broadcast, "{text}", "notify.unknown_template"},
			{"same text", id, text, "change.no_change"},
			{"empty", id, " ", "change.field_required"},
			{"too long", id, "{name}" + strings.Repeat("字", notify.MaxText), "notify.text_too_long"},
		} {
			_, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindSMSTemplate, Key: c.key, Body: c.body})
			if err == nil {
				t.Errorf("%s: accepted", c.name)
				continue
			}
			wantCode(t, err, c.code)
		}
		// channel_admin alone may not propose template texts (a grant of param_maker).
		_, err = a.Changes.Submit(ctx, "staff:reviewer", change.Input{Kind: change.KindSMSTemplate, Key: id, Body: builtin})
		wantCode(t, err, "access.forbidden")
	})
}
