package appapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
)

type wdCheckJSON struct {
	Rule    string `json:"rule"`
	Passed  bool   `json:"passed"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}

type wdReceiptJSON struct {
	ID        int64         `json:"id"`
	Status    string        `json:"status"`
	Reason    string        `json:"reason"`
	Type      string        `json:"type"`
	AmountFen int64         `json:"amount_fen"`
	Checks    []wdCheckJSON `json:"checks"`
}

type wdJSON struct {
	ID         int64         `json:"id"`
	Status     string        `json:"status"`
	Reason     string        `json:"reason"`
	AmountFen  int64         `json:"amount_fen"`
	BankCard   string        `json:"bank_card"`
	Checks     []wdCheckJSON `json:"checks"`
	Materials  []string      `json:"materials"`
	Channel    string        `json:"channel"`
	DeadlineOn string        `json:"deadline_on"`
	PaidOn     string        `json:"paid_on"`
	Events     []struct {
		Action string `json:"action"`
		Status string `json:"status"`
	} `json:"events"`
}

// wdServer serves the app API and the staff API: a validating client, and
// the server for calls with an Idempotency-Key (wdApply).
type wdServer struct {
	*apitest.Client
	e *echo.Echo
}

func wdClient(t *testing.T, a *app.App) *wdServer {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return &wdServer{Client: apitest.NewClient(t, e, []string{"appSession", "staffSession"}), e: e}
}

// wdRealName logs the demo employee in and passes the bank-card check (L2).
func wdRealName(t *testing.T, c *wdServer, emp demo.Employee) string {
	t.Helper()
	auth := login(t, c.Client, emp.IDNumber, demo.Password)
	r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/real-name", Auth: auth,
		Body: map[string]string{"method": "bank_card", "card_no": demo.BankCard(emp), "bank_mobile": emp.Mobile}})
	if got := apitest.Decode[map[string]int](t, r, http.StatusOK); got["level"] != 2 {
		t.Fatalf("real-name %s", r)
	}
	return auth
}

// wdCode asks for a step-up code and returns it; the one-a-minute sending
// limit of the phone is lifted first (each test step needs a fresh code).
func wdCode(t *testing.T, a *app.App, c *wdServer, in inbox, auth, phone string) string {
	t.Helper()
	if err := a.KV.Del(context.Background(), "otpmin:"+phone); err != nil {
		t.Fatal(err)
	}
	r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Auth: auth, Body: map[string]string{"purpose": "step_up"}})
	if r.Status != http.StatusAccepted {
		t.Fatalf("step-up code: %s", r)
	}
	return in.code(t, phone, "otp.step_up")
}

// wdApply posts an application under the Idempotency-Key key ("" for none)
// and validates the request (as spec says) and the answer against
// openapi.yaml, like apitest.Client.Do (whose calls carry no other headers).
func wdApply(t *testing.T, c *wdServer, auth, key string, body map[string]any, spec apitest.SpecCheck) apitest.Result {
	t.Helper()
	ctx := context.Background()
	raw := apitest.EncodeBody(t, body)
	build := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, base+"/withdrawals", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		return req
	}
	_, router := apitest.Spec(t)
	probe := build()
	route, params, err := router.FindRoute(probe)
	if err != nil {
		t.Fatal(err)
	}
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}}
	switch err := openapi3filter.ValidateRequest(ctx, in); {
	case spec == apitest.SpecValid && err != nil:
		t.Errorf("request does not conform to openapi.yaml: %v", err)
	case spec == apitest.SpecInvalid && err == nil:
		t.Errorf("openapi.yaml accepts the invalid request %s", raw)
	}
	rec := httptest.NewRecorder()
	c.e.ServeHTTP(rec, build())
	res := apitest.Result{Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("response does not conform to openapi.yaml: %v\n%s", err, res.Body)
	}
	return res
}

func wdCount(t *testing.T, a *app.App) int {
	t.Helper()
	var n int
	if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM withdrawal_application`); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWithdrawalAPI: bad requests leave nothing behind; a rent withdrawal is
// approved and paid at once; a replayed key answers the first receipt; a
// second application waits while one is open; staff see the queue, open an
// application and approve it; the person follows the progress and cancels.
func TestWithdrawalAPI(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		in := capture(a)
		c := wdClient(t, a)
		li, zhang, chen := demo.Employees[1], demo.Employees[3], demo.Employees[2]
		auth := wdRealName(t, c, li)
		zhangL1 := login(t, c.Client, zhang.IDNumber, demo.Password)
		if _, err := a.Deposit.FreezeEmployee(context.Background(), chen.AccountNo, "法院冻结"); err != nil {
			t.Fatal(err)
		}
		chenAuth := wdRealName(t, c, chen)
		a.Housing.AddPurchase(exchange.PurchaseContract{ContractNo: "HT-API-1", BuyerIDs: []string{li.IDNumber},
			Price: money.Yuan(1_000_000), Loan: money.Yuan(500_000), SignedOn: wdToday(t, a).AddDays(-20)})

		reasons := apitest.Decode[struct {
			Items []struct {
				Reason      string   `json:"reason"`
				Fields      []string `json:"fields"`
				AutoApprove bool     `json:"auto_approve"`
			} `json:"items"`
		}](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/withdrawal-reasons", Auth: auth}), http.StatusOK)
		if len(reasons.Items) != 12 || reasons.Items[4].Reason != "rent" || !reasons.Items[4].AutoApprove || reasons.Items[0].Fields[0] != "contract_no" {
			t.Fatalf("reasons %+v", reasons)
		}

		rent := func(amount int64, code string) map[string]any {
			return map[string]any{"reason": "rent", "amount_fen": amount, "bank_card": demo.BankCard(li), "sms_code": code}
		}
		code := wdCode(t, a, c, in, auth, li.Mobile)
		bad := []struct {
			name   string
			auth   string
			key    string
			body   map[string]any
			spec   apitest.SpecCheck
			status int
			code   string
		}{
			{"no idempotency key", auth, "", rent(100, code), apitest.SpecInvalid, 400, "withdrawal.idempotency_key"},
			{"unknown field", auth, "b1", map[string]any{"reason": "rent", "bank_card": "1", "sms_code": code, "tip": 1}, apitest.SpecInvalid, 400, "request.unknown_field"},
			{"unknown reason", auth, "b2", map[string]any{"reason": "holiday", "amount_fen": 100, "bank_card": demo.BankCard(li), "sms_code": code}, apitest.SpecValid, 400, "withdrawal.unknown_reason"},
			{"above the cap", auth, "b3", rent(450_001, code), apitest.SpecValid, 400, "withdrawal.amount_cap"},
			{"above the balance", auth, "b4", map[string]any{"reason": "purchase", "amount_fen": int64(li.Opening) + 1, "contract_no": "HT-API-1",
				"bank_card": demo.BankCard(li), "sms_code": code}, apitest.SpecValid, 409, "withdrawal.balance"},
			{"another card", auth, "b5", map[string]any{"reason": "rent", "amount_fen": 100, "bank_card": demo.BankCard(zhang), "sms_code": code},
				apitest.SpecValid, 400, "withdrawal.bank_card"},
			{"wrong OTP", auth, "b6", rent(100, "000000"), apitest.SpecValid, 400, "identity.otp_wrong"},
			{"L1 session", zhangL1, "b7", map[string]any{"reason": "rent", "amount_fen": 100, "bank_card": demo.BankCard(zhang), "sms_code": "123456"},
				apitest.SpecValid, 403, "identity.level_required"},
			{"frozen account", chenAuth, "b8", map[string]any{"reason": "rent", "amount_fen": 100, "bank_card": demo.BankCard(chen), "sms_code": "123456"},
				apitest.SpecValid, 409, "withdrawal.account_status"},
			{"counter-only reason", auth, "b9", map[string]any{"reason": "medical", "amount_fen": 100, "proof_no": "ZD-1", "cost_fen": 100,
				"bank_card": demo.BankCard(li), "sms_code": code}, apitest.SpecValid, 503, "channel.closed"},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				before, rows := apitest.Snapshot(t, a), wdCount(t, a)
				p := apitest.CheckProblem(t, wdApply(t, c, tt.auth, tt.key, tt.body, tt.spec), tt.status, tt.code)
				apitest.Unchanged(t, a, before)
				if wdCount(t, a) != rows {
					t.Error("an application was stored")
				}
				if strings.HasPrefix(tt.code, "withdrawal.") && tt.code != "withdrawal.unknown_reason" && tt.code != "withdrawal.idempotency_key" {
					if checks, _ := p["checks"].([]any); len(checks) < 5 || p["rule"] == nil {
						t.Errorf("refusal without every rule's result: %v", p)
					}
				}
			})
		}
		if p := apitest.CheckProblem(t, wdApply(t, c, auth, "b10", rent(450_001, code), apitest.SpecValid), 400, "withdrawal.amount_cap"); !strings.Contains(p["detail"].(string), "4,500.00") {
			t.Errorf("cap refusal %v", p)
		}

		// Paid at once (the code survived the refusals and the wrong try).
		r := wdApply(t, c, auth, "rent-1", rent(450_000, code), apitest.SpecValid)
		got := apitest.Decode[wdReceiptJSON](t, r, http.StatusCreated)
		if got.Status != "paid" || got.AmountFen != 450_000 || got.Type != "partial" || len(got.Checks) == 0 || r.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("receipt %s", r)
		}
		again := wdApply(t, c, auth, "rent-1", rent(450_000, "999999"), apitest.SpecValid)
		if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(r.Body) {
			t.Errorf("replay %s", again)
		}
		before := apitest.Snapshot(t, a)
		apitest.CheckProblem(t, wdApply(t, c, auth, "rent-1", rent(300_000, code), apitest.SpecValid), 409, "withdrawal.idempotency_conflict")
		apitest.Unchanged(t, a, before)
		if acct := account(t, c.Client, auth); acct.BalanceFen != int64(li.Opening)-450_000 {
			t.Errorf("balance %d", acct.BalanceFen)
		}

		// An unemployment withdrawal (materials) waits for review; meanwhile
		// nothing else can be applied for.
		code = wdCode(t, a, c, in, auth, li.Mobile)
		r = wdApply(t, c, auth, "buy-1", map[string]any{"reason": "unemployment", "amount_fen": 1_000_000, "proof_no": "SY-2026-1",
			"bank_card": demo.BankCard(li), "sms_code": code}, apitest.SpecValid)
		buy := apitest.Decode[wdReceiptJSON](t, r, http.StatusCreated)
		if buy.Status != "pending_review" {
			t.Fatalf("purchase %s", r)
		}
		apitest.CheckProblem(t, wdApply(t, c, auth, "rent-2", rent(100, code), apitest.SpecValid), 409, "withdrawal.pending")

		list := apitest.Decode[struct{ Items []wdJSON }](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/withdrawals", Auth: auth}), http.StatusOK)
		if len(list.Items) != 2 || list.Items[0].ID != buy.ID || list.Items[1].Status != "paid" || list.Items[1].BankCard != "****1202" {
			t.Fatalf("list %+v", list)
		}
		one := apitest.Decode[wdJSON](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: fmt.Sprintf("%s/withdrawals/%d", base, got.ID), Auth: auth}), http.StatusOK)
		if len(one.Events) != 3 || one.Events[2].Status != "paid" || one.PaidOn == "" || one.Channel != "app" {
			t.Errorf("application %+v", one)
		}
		zhangAuth := login(t, c.Client, zhang.IDNumber, demo.Password)
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: fmt.Sprintf("%s/withdrawals/%d", base, got.ID), Auth: zhangAuth}),
			404, "withdrawal.not_found")

		// Staff: the queue, the application with every rule, the approval.
		reviewer := staffSession(t, a, "reviewer")
		queue := apitest.Decode[struct {
			Items []struct {
				ID          int64         `json:"id"`
				Checks      []wdCheckJSON `json:"checks"`
				ReviewLevel int           `json:"review_level"`
				BankCard    string        `json:"bank_card"`
			} `json:"items"`
		}](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/admin/v1/withdrawals", Auth: reviewer}), http.StatusOK)
		if len(queue.Items) != 1 || queue.Items[0].ID != buy.ID || queue.Items[0].ReviewLevel != 1 || queue.Items[0].BankCard != "****1202" {
			t.Fatalf("queue %+v", queue)
		}
		review := false
		for _, ch := range queue.Items[0].Checks {
			review = review || ch.Outcome == "review"
		}
		if !review {
			t.Errorf("no check for review: %+v", queue.Items[0].Checks)
		}
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/admin/v1/withdrawals", Auth: auth}), 401, "identity.no_session")
		maker := staffSession(t, a, "maker")
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: fmt.Sprintf("/api/admin/v1/withdrawals/%d/approve", buy.ID), Auth: maker}),
			403, "access.forbidden")
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: fmt.Sprintf("/api/admin/v1/withdrawals/%d/reject", buy.ID),
			Auth: reviewer, Body: map[string]string{"comment": ""}, Spec: apitest.SpecInvalid}), 400, "withdrawal.comment_required")
		res := c.Do(t, apitest.Call{Method: http.MethodPost, Path: fmt.Sprintf("/api/admin/v1/withdrawals/%d/approve", buy.ID), Auth: reviewer,
			Body: map[string]string{"comment": "失业登记已核验"}})
		approved := apitest.Decode[struct {
			Status        string `json:"status"`
			FirstReviewer string `json:"first_reviewer"`
		}](t, res, http.StatusOK)
		if approved.Status != "paid" || approved.FirstReviewer != "staff:reviewer" {
			t.Errorf("approval %s", res)
		}
		if acct := account(t, c.Client, auth); acct.BalanceFen != int64(li.Opening)-450_000-1_000_000 {
			t.Errorf("balance after the purchase %d", acct.BalanceFen)
		}

		// A pending application is cancelled by the applicant.
		code = wdCode(t, a, c, in, auth, li.Mobile)
		r = wdApply(t, c, auth, "unemp-1", map[string]any{"reason": "repay_commercial", "amount_fen": 10_000, "contract_no": "JK-1",
			"repaid_fen": 20_000, "bank_card": demo.BankCard(li), "sms_code": code}, apitest.SpecValid)
		un := apitest.Decode[wdReceiptJSON](t, r, http.StatusCreated)
		res = c.Do(t, apitest.Call{Method: http.MethodPost, Path: fmt.Sprintf("%s/withdrawals/%d/cancel", base, un.ID), Auth: auth})
		if cancelled := apitest.Decode[wdJSON](t, res, http.StatusOK); cancelled.Status != "cancelled" {
			t.Errorf("cancel %s", res)
		}
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: fmt.Sprintf("%s/withdrawals/%d/cancel", base, un.ID), Auth: auth}),
			409, "withdrawal.status")
		apitest.VerifyClean(t, a)
	})
}

func wdToday(t *testing.T, a *app.App) date.Date {
	t.Helper()
	d, err := a.Dates.Today(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// staffSession starts a staff session (counter channel) without a TOTP login.
func staffSession(t *testing.T, a *app.App, username string) string {
	t.Helper()
	token, _, err := a.Identity.NewSession(context.Background(), identity.Principal{Kind: "staff", Subject: "staff:" + username, Name: username}, "counter")
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Bearer(token)
}
