package sms12329_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/channels/sms12329"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/notify"
	"gjj/internal/platform/config"
	"gjj/internal/platform/money"
)

const key = "sms-inbound-key-0123456789"

// liMing is a registered demo employee; his reserved mobile is 13800000002.
var liMing = demo.Employees[1]

// gateway is a fake SMS gateway: it records texts and hands out message ids.
type gateway struct {
	*httptest.Server
	mu   sync.Mutex
	sent []sent
}

type sent struct{ Phone, Text, ID string }

func newGateway(t *testing.T) *gateway {
	g := &gateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct{ Phone, Text string }
		json.NewDecoder(r.Body).Decode(&b)
		g.mu.Lock()
		id := fmt.Sprintf("MSG-%d", len(g.sent)+1)
		g.sent = append(g.sent, sent{b.Phone, b.Text, id})
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q}`, id)
	}))
	t.Cleanup(g.Close)
	return g
}

// to returns the texts sent to phone.
func (g *gateway) to(phone string) []sent {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []sent
	for _, s := range g.sent {
		if s.Phone == phone {
			out = append(out, s)
		}
	}
	return out
}

func each(t *testing.T, f func(t *testing.T, a *app.App, e *echo.Echo, g *gateway)) {
	g := newGateway(t)
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		g.mu.Lock()
		g.sent = nil // the gateway serves both stores in turn
		g.mu.Unlock()
		f(t, a, e, g)
	}, apitest.WithConfig(func(c *config.Config) {
		c.SMSInboundKey = key
		c.SMSGatewayURL, c.SMSGatewayKey, c.SMSSignature = g.URL, "gateway-key-0123456789", "【某市住房公积金】"
	}))
}

// post sends a webhook body signed with k ("" the test key) and returns the answer.
func post(t *testing.T, e *echo.Echo, path string, body any, k string) *httptest.ResponseRecorder {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if k == "" {
		k = key
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature", sms12329.Sign(k, b))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func inbound(from, text string) map[string]any {
	return map[string]any{"from": from, "text": text, "received_at": time.Now().UTC().Format(time.RFC3339Nano)}
}

func code(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var p struct{ Code string }
	json.Unmarshal(rec.Body.Bytes(), &p)
	return fmt.Sprintf("%d %s", rec.Code, p.Code)
}

func setPIN(t *testing.T, a *app.App, idNumber, pin string) {
	t.Helper()
	ctx := context.Background()
	p, err := a.Identity.LoginPerson(ctx, idNumber, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Identity.SetQueryPIN(ctx, p.SubjectID, demo.Password, pin); err != nil {
		t.Fatal(err)
	}
}

const neutral = "暂时无法办理您的短信查询"

func TestCommands(t *testing.T) {
	each(t, func(t *testing.T, a *app.App, e *echo.Echo, g *gateway) {
		setPIN(t, a, liMing.IDNumber, "135790")
		const stranger = "13912345678"
		cases := []struct {
			name, from, text string
			want             []string // in the reply
		}{
			{"balance", liMing.Mobile, "cx 135790", []string{"李*", "尾号0002", "余额" + money.Fen(liMing.Opening).Format() + "元"}},
			{"statement", liMing.Mobile, "MX 135790", []string{"尾号0002", "最近明细"}},
			{"loan", liMing.Mobile, "DK 135790", []string{"未查询到您名下未结清的住房公积金贷款"}},
			{"wrong PIN", liMing.Mobile, "CX 135791", []string{neutral}},
			{"missing PIN", liMing.Mobile, "CX", []string{neutral}},
			{"unknown number", stranger, "CX 135790", []string{neutral}},
			{"unknown number subscribing", stranger, "KT", []string{neutral}},
			{"help", liMing.Mobile, "你好", []string{"CX 查询密码"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := len(g.to(tc.from))
				if rec := post(t, e, "/hooks/sms12329/inbound", inbound(tc.from, tc.text), ""); rec.Code != 200 ||
					!strings.Contains(rec.Body.String(), `"accepted"`) {
					t.Fatalf("inbound: %d %s", rec.Code, rec.Body)
				}
				got := g.to(tc.from)
				if len(got) != before+1 {
					t.Fatalf("%d replies, want 1", len(got)-before)
				}
				for _, w := range tc.want {
					if !strings.Contains(got[len(got)-1].Text, w) {
						t.Errorf("reply %q lacks %q", got[len(got)-1].Text, w)
					}
				}
				if strings.Contains(got[len(got)-1].Text, liMing.IDNumber) {
					t.Errorf("reply shows the ID number")
				}
			})
		}
		// Two wrong PINs (wrong and missing) were counted by identity.
		var failed int
		if err := a.DB.Get(&failed, `SELECT c.pin_failed FROM credential c JOIN person p ON c.subject_type = 'person' AND c.subject_id = p.id
			WHERE p.id_number = ?`, liMing.IDNumber); err != nil || failed != 2 {
			t.Errorf("pin_failed = %d, %v; want 2", failed, err)
		}
		// Nothing was ever sent to the stranger but the neutral text.
		for _, s := range g.to(stranger) {
			if !strings.Contains(s.Text, neutral) {
				t.Errorf("stranger got %q", s.Text)
			}
		}
	})
}

func TestWebhookRefusals(t *testing.T) {
	each(t, func(t *testing.T, a *app.App, e *echo.Echo, g *gateway) {
		setPIN(t, a, liMing.IDNumber, "135790")
		body := inbound(liMing.Mobile, "CX 135790")
		stale := inbound(liMing.Mobile, "CX 135790")
		stale["received_at"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		if got := code(t, post(t, e, "/hooks/sms12329/inbound", body, "not-the-key-0123456789")); got != "401 sms12329.bad_signature" {
			t.Errorf("bad signature: %s", got)
		}
		if got := code(t, post(t, e, "/hooks/sms12329/inbound", stale, "")); got != "401 sms12329.stale" {
			t.Errorf("stale: %s", got)
		}
		if got := code(t, post(t, e, "/hooks/sms12329/inbound", body, "")); got != "200 " {
			t.Errorf("first: %s", got)
		}
		if got := code(t, post(t, e, "/hooks/sms12329/inbound", body, "")); got != "409 sms12329.replay" {
			t.Errorf("replay: %s", got)
		}
		if n := len(g.to(liMing.Mobile)); n != 1 {
			t.Errorf("%d replies, want 1 (refusals answer nothing)", n)
		}
		if got := code(t, post(t, e, "/hooks/sms12329/inbound", inbound("12345", "CX"), "")); got != "400 sms12329.bad_message" {
			t.Errorf("bad sender: %s", got)
		}
	})
}

func TestReceipts(t *testing.T) {
	each(t, func(t *testing.T, a *app.App, e *echo.Echo, g *gateway) {
		ctx := context.Background()
		if rec := post(t, e, "/hooks/sms12329/inbound", inbound(liMing.Mobile, "帮助"), ""); rec.Code != 200 {
			t.Fatal(rec.Body)
		}
		id := g.to(liMing.Mobile)[0].ID
		receipt := func(pid, status string) map[string]any {
			return map[string]any{"provider_id": pid, "status": status, "reported_at": time.Now().UTC().Format(time.RFC3339Nano)}
		}
		if got := code(t, post(t, e, "/hooks/sms12329/receipts", receipt(id, "delivered"), "wrong-key-0123456789")); got != "401 sms12329.bad_signature" {
			t.Errorf("bad signature: %s", got)
		}
		if got := code(t, post(t, e, "/hooks/sms12329/receipts", receipt("MSG-999", "delivered"), "")); got != "404 notify.unknown_message" {
			t.Errorf("unknown: %s", got)
		}
		if got := code(t, post(t, e, "/hooks/sms12329/receipts", receipt(id, "delivered"), "")); got != "200 " {
			t.Errorf("receipt: %s", got)
		}
		msgs, err := a.Notify.Outbox(ctx, notify.Filter{Phone: liMing.Mobile})
		if err != nil || len(msgs) != 1 || msgs[0].Status != notify.StatusDelivered {
			t.Errorf("outbox %+v, %v; want one delivered", msgs, err)
		}
		if got := code(t, post(t, e, "/hooks/sms12329/receipts", receipt(id, "undelivered"), "")); got != "409 notify.receipt_conflict" {
			t.Errorf("contradicting receipt: %s", got)
		}
	})
}

func TestSubscriptionsAndQuietHours(t *testing.T) {
	each(t, func(t *testing.T, a *app.App, e *echo.Echo, g *gateway) {
		ctx := context.Background()
		s := a.SMS12329
		noon := time.Date(2026, 11, 21, 4, 0, 0, 0, time.UTC)   // 12:00 Beijing
		night := time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC) // 23:00 Beijing
		decide := func(at time.Time, template string) sms12329.Decision {
			t.Helper()
			s.SetClock(func() time.Time { return at })
			d, err := s.Subs.Decide(ctx, liMing.Mobile, template)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		s.SetClock(time.Now)
		steps := []struct {
			text     string
			reply    string
			template string
			at       time.Time
			want     sms12329.Decision
		}{
			{"", "", notify.DepositCredited, noon, sms12329.Send},
			{"", "", notify.DepositCredited, night, sms12329.Hold},
			{"", "", notify.OTPLogin, night, sms12329.Send},
			{"TD", "已退订", notify.DepositCredited, noon, sms12329.Drop},
			{"", "", notify.OTPLogin, noon, sms12329.Send},
			{"", "", notify.SMSBalance, night, sms12329.Send},
			{"KT", "已开通", notify.DepositCredited, noon, sms12329.Send},
		}
		for i, st := range steps {
			if st.text != "" {
				s.SetClock(time.Now)
				if rec := post(t, e, "/hooks/sms12329/inbound", inbound(liMing.Mobile, st.text), ""); rec.Code != 200 {
					t.Fatalf("step %d: %s", i, rec.Body)
				}
				got := g.to(liMing.Mobile)
				if !strings.Contains(got[len(got)-1].Text, st.reply) {
					t.Errorf("step %d: reply %q lacks %q", i, got[len(got)-1].Text, st.reply)
				}
			}
			if d := decide(st.at, st.template); d != st.want {
				t.Errorf("step %d: %s at %s = %s, want %s", i, st.template, st.at, d, st.want)
			}
		}
		var n int
		if err := a.DB.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'sms12329.subscription' AND object = 'sms:138****0002'`); err != nil || n != 2 {
			t.Errorf("subscription audit rows = %d, %v; want 2", n, err)
		}
	})
}

func TestNoticesHeldAndDropped(t *testing.T) {
	each(t, func(t *testing.T, a *app.App, e *echo.Echo, g *gateway) {
		ctx := context.Background()
		s := a.SMS12329
		noon := time.Date(2026, 11, 21, 4, 0, 0, 0, time.UTC)
		night := time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)
		vars := map[string]string{"name": "李*", "date": "11月21日", "account_tail": "0002", "amount": "1,234.00", "balance": "5,000.00"}
		s.SetClock(func() time.Time { return night })
		if err := s.Notice(ctx, liMing.Mobile, notify.DepositCredited, vars); err != nil {
			t.Fatal(err)
		}
		if err := s.Notice(ctx, liMing.Mobile, notify.OTPLogin, map[string]string{"code": "123456"}); err != nil {
			t.Fatal(err)
		}
		if got := g.to(liMing.Mobile); len(got) != 1 || !strings.Contains(got[0].Text, "123456") {
			t.Fatalf("at night only the OTP goes: %+v", got)
		}
		if n, err := s.ReleaseHeld(ctx); err != nil || n != 0 {
			t.Errorf("release at night = %d, %v", n, err)
		}
		s.SetClock(func() time.Time { return noon })
		if n, err := s.ReleaseHeld(ctx); err != nil || n != 1 {
			t.Errorf("release at noon = %d, %v; want 1", n, err)
		}
		if n, err := s.ReleaseHeld(ctx); err != nil || n != 0 {
			t.Errorf("second release = %d, %v; want 0", n, err)
		}
		if got := g.to(liMing.Mobile); len(got) != 2 || !strings.Contains(got[1].Text, "汇缴到账1,234.00元") {
			t.Fatalf("after release: %+v", got)
		}
		if err := s.Subs.Set(ctx, liMing.Mobile, false); err != nil {
			t.Fatal(err)
		}
		if err := s.Notice(ctx, liMing.Mobile, notify.DepositCredited, vars); err != nil {
			t.Fatal(err)
		}
		if got := g.to(liMing.Mobile); len(got) != 2 {
			t.Errorf("unsubscribed phone got a notice: %+v", got)
		}
		if e := apitest.LastAudit(t, a); e.Action != "sms12329.notice_dropped" {
			t.Errorf("last audit %+v", e)
		}
	})
}
