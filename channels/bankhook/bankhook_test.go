package bankhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/channels/bankhook"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/config"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

const key = "bank-callback-key-0123456789"

type stepUp struct{}

func (stepUp) StepUp(context.Context, *identity.Principal, string) error { return nil }

// paying files a rent withdrawal for emp that is approved at once and waits
// for the bank's result (the simulator holds its callbacks back).
func paying(t *testing.T, a *app.App, emp demo.Employee) *withdrawal.Receipt {
	t.Helper()
	ctx := context.Background()
	a.Payments.Hold(true)
	svc := withdrawal.New(withdrawal.Deps{DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Deposit: a.Deposit,
		StepUp: stepUp{}, Contracts: a.Housing, Property: a.Housing, Payments: a.Payments, BankCode: app.SettlementBank})
	var id int64
	if err := a.DB.GetContext(ctx, &id, `SELECT id FROM person WHERE id_number = ?`, emp.IDNumber); err != nil {
		t.Fatal(err)
	}
	p := &identity.Principal{Kind: "person", SubjectID: id, Subject: fmt.Sprintf("person:%d", id), Level: 2}
	r, err := svc.Submit(reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: "app"}), p, "hook-"+emp.AccountNo,
		withdrawal.Input{Reason: "rent", Amount: money.Yuan(2_000), BankCard: demo.BankCard(emp), SMSCode: "1"})
	if err != nil || r.Status != withdrawal.StatusPaying {
		t.Fatalf("%+v %v", r, err)
	}
	return r
}

type call struct {
	body      any
	signature string // "" signs the body with key; "-" none
	timestamp string // "" now; "-" none
}

func send(t *testing.T, e *echo.Echo, c call) (int, map[string]any) {
	t.Helper()
	raw, err := json.Marshal(c.body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/hooks/bank/payment-result", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	switch c.signature {
	case "":
		req.Header.Set("X-Signature", bankhook.Sign(key, raw))
	case "-":
	default:
		req.Header.Set("X-Signature", c.signature)
	}
	switch c.timestamp {
	case "":
		req.Header.Set("X-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	case "-":
	default:
		req.Header.Set("X-Timestamp", c.timestamp)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func entries(t *testing.T, a *app.App, serial string) int {
	t.Helper()
	var n int
	if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM journal_entry WHERE serial = ?`, serial); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPaymentResultCallback: signed results are applied once (a repeated
// callback answers 200 and posts nothing more; a failed payment is
// reversed once); a bad or missing signature, a stale or missing timestamp,
// an unknown serial and a contradicting result are refused with their codes
// and change nothing; the ledger and the audit chain verify.
func TestPaymentResultCallback(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		ok := paying(t, a, demo.Employees[1])
		bad := paying(t, a, demo.Employees[2])
		okSerial, badSerial := fmt.Sprintf("WDP-%d", ok.ID), fmt.Sprintf("WDP-%d", bad.ID)
		paid := map[string]any{"serial": okSerial, "paid": true, "bank_serial": "B-778899"}
		old := strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10)
		future := strconv.FormatInt(time.Now().Add(6*time.Minute).Unix(), 10)
		refused := []struct {
			name   string
			c      call
			status int
			code   string
		}{
			{"no signature", call{body: paid, signature: "-"}, 401, "bank.bad_signature"},
			{"wrong signature", call{body: paid, signature: bankhook.Sign("another-key-0123456789", []byte(`{}`))}, 401, "bank.bad_signature"},
			{"not hex", call{body: paid, signature: "zz"}, 401, "bank.bad_signature"},
			{"stale", call{body: paid, timestamp: old}, 403, "bank.stale_timestamp"},
			{"from the future", call{body: paid, timestamp: future}, 403, "bank.stale_timestamp"},
			{"no timestamp", call{body: paid, timestamp: "-"}, 403, "bank.stale_timestamp"},
			{"no serial", call{body: map[string]any{"paid": true}}, 400, "bank.bad_result"},
			{"unknown serial", call{body: map[string]any{"serial": "WDP-999999", "paid": true}}, 404, "withdrawal.not_found"},
			{"unknown field", call{body: map[string]any{"serial": okSerial, "paid": true, "amount": 1}}, 400, "request.unknown_field"},
		}
		for _, r := range refused {
			before := apitest.Snapshot(t, a)
			status, body := send(t, e, r.c)
			if status != r.status || body["code"] != r.code {
				t.Errorf("%s: %d %v, want %d %s", r.name, status, body, r.status, r.code)
			}
			apitest.Unchanged(t, a, before)
		}
		if got, _ := a.Withdrawal.Get(context.Background(), ok.ID); got.Status != withdrawal.StatusPaying {
			t.Fatalf("after refused callbacks: %s", got.Status)
		}
		for i := range 2 { // the bank notifies twice
			if status, body := send(t, e, call{body: paid}); status != http.StatusOK || body["status"] != "recorded" {
				t.Fatalf("callback %d: %d %v", i+1, status, body)
			}
		}
		failed := map[string]any{"serial": badSerial, "paid": false, "reason": "收款账户已销户"}
		for i := range 2 {
			if status, body := send(t, e, call{body: failed}); status != http.StatusOK {
				t.Fatalf("failure callback %d: %d %v", i+1, status, body)
			}
		}
		if n := entries(t, a, fmt.Sprintf("WD-PAID-%d", ok.ID)); n != 1 {
			t.Errorf("%d payment postings", n)
		}
		if n := entries(t, a, fmt.Sprintf("WD-REV-%d", bad.ID)); n != 1 {
			t.Errorf("%d reversals", n)
		}
		got, _ := a.Withdrawal.Get(context.Background(), ok.ID)
		if got.Status != withdrawal.StatusPaid || got.BankSerial != "B-778899" {
			t.Errorf("paid application %+v", got)
		}
		if status, body := send(t, e, call{body: map[string]any{"serial": okSerial, "paid": false, "reason": "x"}}); status != 409 ||
			body["code"] != "withdrawal.payment_result_conflict" {
			t.Errorf("contradicting: %d %v", status, body)
		}
		// The conflict is audited for manual reconciliation; the application and the ledger stay.
		if got, _ := a.Withdrawal.Get(context.Background(), ok.ID); got.Status != withdrawal.StatusPaid {
			t.Errorf("after the contradicting callback: %s", got.Status)
		}
		apitest.VerifyClean(t, a)
	}, apitest.WithConfig(func(c *config.Config) { c.BankCallbackKey = key }))
}

// TestPaymentResultDisabled: without GJJ_BANK_CALLBACK_KEY the route answers
// 503 bank.callback_disabled, even to a well-signed result.
func TestPaymentResultDisabled(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t))
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	r := paying(t, a, demo.Employees[1])
	before := apitest.Snapshot(t, a)
	status, body := send(t, e, call{body: map[string]any{"serial": fmt.Sprintf("WDP-%d", r.ID), "paid": true}})
	if status != http.StatusServiceUnavailable || body["code"] != "bank.callback_disabled" {
		t.Errorf("%d %v", status, body)
	}
	apitest.Unchanged(t, a, before)
}
