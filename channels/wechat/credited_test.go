package wechat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/notify"
	"gjj/internal/platform/config"
)

// withTemplateIDs configures the deposit notice's template id the way a
// deployment does (GJJ_WECHAT_TEMPLATES).
var withTemplateIDs = apitest.WithConfig(func(c *config.Config) { c.WeChatTemplates = "deposit.credited=TPL_DEPOSIT" })

// beijingAt is the first h:00 Beijing time after now (so rows written now are due).
func beijingAt(now time.Time, h int) time.Time {
	cst := time.FixedZone("CST", 8*3600)
	n := now.In(cst)
	t := time.Date(n.Year(), n.Month(), n.Day(), h, 0, 0, 0, cst)
	if !t.After(n) {
		t = t.AddDate(0, 0, 1)
	}
	return t.UTC()
}

// TestDepositCreditedNotice is the issue's "template messages sent on a
// deposit posting": a remittance posted for the demo unit queues one
// deposit.credited notice per credited employee in the posting's
// transaction; after commit the dispatcher sends a template message to the
// bound openid through the (fake) WeChat API and an SMS to each subscribed
// reserved mobile — not in the quiet hours, once per credit.
func TestDepositCreditedNotice(t *testing.T) {
	fake := newFake(t)
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		a.NoticeQueue.Stop() // the test drives the dispatcher itself
		fake.mu.Lock()
		fake.templates, fake.failSend = nil, false
		fake.mu.Unlock()
		night := beijingAt(time.Now(), 23)
		clock := night
		a.NoticeQueue.SetClock(func() time.Time { return clock })

		const openID = "oCREDITED_00000000000000000"
		liMingID := bind(t, a, liMing, openID)
		chenFang := demo.Employees[2]
		if err := notify.NewSubscriptions(a.DB, a.Audit, notify.QuietHours{}).Set(ctx, chenFang.Mobile, false); err != nil {
			t.Fatal(err)
		}

		un, err := a.Deposit.Unit(ctx, demo.UnitNo)
		if err != nil {
			t.Fatal(err)
		}
		month := un.PaidThrough.Next()
		b, err := a.Deposit.GenerateBill(ctx, demo.UnitNo, month)
		if err != nil {
			t.Fatal(err)
		}
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const bankSerial = "BANKCREDITED0001"
		a.Bank.Credit(exchange.Receipt{Serial: bankSerial, BankCode: app.SettlementBank, Amount: b.Total, PayerName: "示例科技有限公司", ReceivedOn: today})
		if _, err := a.Deposit.PayBill(ctx, demo.UnitNo, b.ID, bankSerial, b.Total); err != nil {
			t.Fatal(err)
		}
		entrySerial := "REM-" + demo.UnitNo + "-" + month.String()
		entry, err := a.Ledger.Entry(ctx, entrySerial)
		if err != nil {
			t.Fatal(err)
		}
		var liMingLine *ledger.PostedLine
		credited := 0
		for i, ln := range entry.Lines {
			if ln.Side == ledger.Credit && strings.HasPrefix(ln.Account, ledger.PersonalCode("")) {
				credited++
			}
			if ln.Account == ledger.PersonalCode(liMing.AccountNo) {
				liMingLine = &entry.Lines[i]
			}
		}
		if liMingLine == nil || credited < 3 {
			t.Fatalf("entry %s credits %d accounts, 李明 %v", entrySerial, credited, liMingLine)
		}

		// Committed with the posting, nothing sent yet.
		q, err := a.NoticeQueue.Queued(ctx, liMingID, 10)
		if err != nil || len(q) != 1 || q[0].Dedup != deposit.CreditedDedup(entrySerial, liMing.AccountNo) || q[0].Status != notify.QueuePending ||
			q[0].Template != notify.DepositCredited || q[0].Phone != liMing.Mobile {
			t.Fatalf("queued for 李明: %+v %v", q, err)
		}
		if got := fakeTemplates(fake); len(got) != 0 {
			t.Fatalf("sent before dispatch: %v", got)
		}

		// In the quiet hours (23:00 Beijing) every notice waits.
		res, err := a.NoticeQueue.Dispatch(ctx, 100)
		if err != nil || res.Held != credited || res.Done != 0 {
			t.Fatalf("quiet dispatch %+v %v (credited %d)", res, err, credited)
		}
		if got := fakeTemplates(fake); len(got) != 0 || len(smsOf(t, a, liMing.Mobile)) != 0 {
			t.Fatalf("sent in the quiet hours: %v", got)
		}

		// At 08:00 they go out: one template message (only 李明 is bound), SMS
		// to every subscribed mobile.
		clock = night.Add(9 * time.Hour)
		res, err = a.NoticeQueue.Dispatch(ctx, 100)
		if err != nil || res.Done != credited || res.Retried != 0 || res.Failed != 0 {
			t.Fatalf("morning dispatch %+v %v (credited %d)", res, err, credited)
		}
		got := fakeTemplates(fake)
		if len(got) != 1 {
			t.Fatalf("%d template messages, want 1", len(got))
		}
		m := got[0]
		data, _ := m["data"].(map[string]any)
		value := func(k string) string { v, _ := data[k].(map[string]any); s, _ := v["value"].(string); return s }
		if m["touser"] != openID || m["template_id"] != "TPL_DEPOSIT" || !strings.Contains(m["client_msg_id"].(string), entrySerial) ||
			value("keyword2") != liMingLine.Amount.Format()+"元" || value("keyword3") != liMingLine.BalanceAfter.Format()+"元" ||
			!strings.Contains(value("first"), liMing.Name) || value("keyword1") != "尾号"+liMing.AccountNo[len(liMing.AccountNo)-4:] {
			t.Errorf("template message %v", m)
		}
		sms := smsOf(t, a, liMing.Mobile)
		if len(sms) != 1 || !strings.Contains(sms[0].Text, liMingLine.Amount.Format()+"元") || !strings.Contains(sms[0].Text, liMingLine.BalanceAfter.Format()) {
			t.Errorf("李明's SMS %+v", sms)
		}
		if sms := smsOf(t, a, chenFang.Mobile); len(sms) != 0 {
			t.Errorf("unsubscribed 陈芳 got %+v", sms)
		}
		q, _ = a.NoticeQueue.Queued(ctx, liMingID, 10)
		if len(q) != 1 || q[0].Status != notify.QueueDone || q[0].WeChatState != notify.QueueSent || q[0].SMSState != notify.QueueSent || q[0].Attempts != 1 {
			t.Errorf("李明's notice after delivery %+v", q)
		}
		cq, _ := a.NoticeQueue.Queued(ctx, personOf(t, a, chenFang), 10)
		if len(cq) != 1 || cq[0].Status != notify.QueueDone || cq[0].SMSState != notify.QueueNone || cq[0].WeChatState != notify.QueueNone {
			t.Errorf("陈芳's notice %+v", cq)
		}

		// Once per credit: another pass and a repeated payment send nothing.
		if _, err := a.Deposit.PayBill(ctx, demo.UnitNo, b.ID, bankSerial, b.Total); err != nil {
			t.Fatalf("repeated payment: %v", err)
		}
		clock = clock.Add(time.Hour)
		if res, err := a.NoticeQueue.Dispatch(ctx, 100); err != nil || res != (notify.DispatchResult{}) {
			t.Errorf("second pass %+v %v", res, err)
		}
		if got := fakeTemplates(fake); len(got) != 1 || len(smsOf(t, a, liMing.Mobile)) != 1 {
			t.Errorf("sent again: %d template messages", len(got))
		}
		apitest.VerifyClean(t, a)
	}, withWeChat(fake), withTemplateIDs)
}

func fakeTemplates(f *fakeAPI) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.templates...)
}

// smsOf are the deposit.credited SMS stored for phone.
func smsOf(t *testing.T, a *app.App, phone string) []notify.Message {
	t.Helper()
	ms, err := a.Notify.Outbox(context.Background(), notify.Filter{Phone: phone, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []notify.Message
	for _, m := range ms {
		if m.Template == notify.DepositCredited {
			out = append(out, m)
		}
	}
	return out
}
