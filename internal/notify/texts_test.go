package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

// TestValidateTemplateText: a proposed text must use exactly the built-in
// variables of an existing template.
func TestValidateTemplateText(t *testing.T) {
	for _, c := range []struct {
		name, id, text, code string
	}{
		{"same variables reordered", notify.DepositCredited, "{date}{name}尾号{account_tail}到账{amount}元，余额{balance}元。", ""},
		{"unknown variable", notify.DepositCredited, "{date}{name}{account_tail}{amount}{balance}{card}", "notify.unknown_var"},
		{"missing variable", notify.DepositCredited, "{date}{name}{account_tail}{amount}", "notify.missing_var"},
		{"no variables where one is needed", notify.OTPLogin, "您的验证码已发送。", "notify.missing_var"},
		{"unknown template", "nope", "文本", "notify.unknown_template"},
		{"broadcast", notify.Broadcast, "{text}", "notify.unknown_template"},
		{"control character", notify.SMSNoLoan, "尊敬的{name}：\x07无贷款。", "notify.bad_text"},
		{"too long", notify.SMSNoLoan, "{name}" + strings.Repeat("字", notify.MaxText), "notify.text_too_long"},
	} {
		_, err := notify.ValidateTemplateText(c.id, c.text)
		if errs.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %q", c.name, err, c.code)
		}
	}
	if got, err := notify.BroadcastText(" 通知 "); err != nil || got != "通知"+notify.BroadcastSuffix {
		t.Errorf("broadcast text %q %v", got, err)
	}
	if _, err := notify.BroadcastText(strings.Repeat("字", notify.MaxBroadcast+1)); errs.CodeOf(err) != "notify.broadcast_too_long" {
		t.Errorf("long broadcast: %v", err)
	}
}

// TestTemplateTextAndBroadcast: SendSMS renders an approved text; a batch
// notice (Broadcast, longer than MaxVar) is sent on SMS only — WeChat is not
// asked and settles "none" — and not to an unsubscribed phone.
func TestTemplateTextAndBroadcast(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		gw := &switchGateway{}
		svc := notify.New(d, gw, a)
		text := "{name}，您已退订？如非本人操作，请致电12329。"
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return notify.SetTemplateTextTx(ctx, tx, a, notify.SMSNoLoan, text, notify.TextApproval{Maker: "staff:m", Checker: "staff:c", ChangeRef: "change:1"})
		}); err != nil {
			t.Fatal(err)
		}
		m, err := svc.SendSMS(ctx, notify.SMS{Phone: "13900000001", Template: notify.SMSNoLoan, Vars: map[string]string{"name": "张三"}})
		if err != nil || m.Text != "张三，您已退订？如非本人操作，请致电12329。" {
			t.Fatalf("rendered %+v %v", m, err)
		}

		subs := notify.NewSubscriptions(d, a, notify.QuietHours{})
		if err := subs.Set(ctx, "13900000003", false); err != nil {
			t.Fatal(err)
		}
		wc := &fakeWeChat{}
		q := notify.NewDispatcher(d, svc, subs, a, nil)
		q.SetWeChat(wc)
		q.SetClock(func() time.Time { return time.Date(2099, 7, 15, 2, 0, 0, 0, time.UTC) }) // 10:00 Beijing
		body, err := notify.BroadcastText(strings.Repeat("公积金", 40))
		if err != nil {
			t.Fatal(err)
		}
		for i, phone := range []string{"13900000002", "13900000003"} {
			enqueue(t, d, notify.Notice{Dedup: notify.BroadcastDedup(7, int64(i+1)), PersonID: int64(i + 1), Phone: phone,
				Template: notify.Broadcast, Vars: map[string]string{"text": body}})
		}
		res, err := q.Dispatch(ctx, 10)
		if err != nil || res != (notify.DispatchResult{Done: 2}) {
			t.Fatalf("dispatch %+v %v", res, err)
		}
		if len(wc.calls) != 0 {
			t.Errorf("WeChat asked for an SMS-only notice: %v", wc.calls)
		}
		for i, want := range []string{notify.QueueSent, notify.QueueNone} {
			ns, err := q.Queued(ctx, int64(i+1), 1)
			if err != nil || len(ns) != 1 || ns[0].Status != notify.QueueDone || ns[0].WeChatState != notify.QueueNone || ns[0].SMSState != want {
				t.Errorf("person %d: %+v %v", i+1, ns, err)
			}
		}
		if len(gw.sent) != 2 || gw.sent[1] != "13900000002" { // the first is the SMSNoLoan message
			t.Errorf("sent %v", gw.sent)
		}
	})
}
