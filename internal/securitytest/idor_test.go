package securitytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
)

// The second unit of the unit probes and its employee.
const (
	unitY    = "100000000002"
	unitYEmp = "202000000001"
	unitYWho = "周八"
)

// importUnitY takes over a second unit with one employee.
func importUnitY(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	today, err := a.Dates.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	month := today.MonthOf()
	in := deposit.ImportUnit{UnitNo: unitY, USCC: apitest.USCC("91350100M00020001"), Name: "另一家贸易有限公司", Address: "福州市台江区示例路 2 号",
		LegalRep: "周强", Payday: 15, UnitBps: 1200, PersonBps: 1200, FirstMonth: date.MustParseMonth("2020-01"), PaidThrough: month.Add(-1),
		Employees: []deposit.ImportEmployee{{
			ImportPerson: deposit.ImportPerson{IDNumber: apitest.ResidentID("35010219900101001"), Name: unitYWho, Mobile: "13900000021"},
			AccountNo:    unitYEmp, BankCard: "6222020200009999", Base: 800_000, StartMonth: date.MustParseMonth("2020-01"),
			PaidThrough: month.Add(-1), Opening: 100_000}},
	}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := a.Deposit.ImportUnitTx(ctx, tx, in)
		return err
	}); err != nil {
		t.Fatalf("import unit Y: %v", err)
	}
}

// withdrawalOfB files a rent withdrawal as person B through the app API
// (real-name check, step-up code, application) and returns its id.
func withdrawalOfB(t *testing.T, v *env, inbox *apitest.Inbox) int64 {
	t.Helper()
	p := v.persons[personB.IDNumber]
	tok, _, err := v.a.Identity.NewSession(v.ctx, p, "app")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path string, body any, header map[string]string) *httptest.ResponseRecorder {
		b, _ := json.Marshal(body)
		req := httptest.NewRequest(method, path, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		for k, val := range header {
			req.Header.Set(k, val)
		}
		rec := httptest.NewRecorder()
		v.e.ServeHTTP(rec, req)
		return rec
	}
	if rec := call(http.MethodPost, "/api/app/v1/real-name", map[string]string{"method": "bank_card", "card_no": demo.BankCard(personB),
		"bank_mobile": personB.Mobile}, nil); rec.Code != http.StatusOK {
		t.Fatalf("B's real-name check: %s", excerpt(rec))
	}
	_ = v.a.KV.Del(v.ctx, "otpmin:"+personB.Mobile)
	if rec := call(http.MethodPost, "/api/app/v1/sms-codes", map[string]string{"purpose": "step_up"}, nil); rec.Code != http.StatusAccepted {
		t.Fatalf("B's step-up code: %s", excerpt(rec))
	}
	rec := call(http.MethodPost, "/api/app/v1/withdrawals", map[string]any{"reason": "rent", "amount_fen": 100_00,
		"bank_card": demo.BankCard(personB), "sms_code": inbox.Code(t, personB.Mobile, "otp.step_up")}, map[string]string{"Idempotency-Key": "sec-b-1"})
	if rec.Code != http.StatusCreated && rec.Code != http.StatusOK && rec.Code != http.StatusAccepted {
		t.Fatalf("B's withdrawal: %s", excerpt(rec))
	}
	var got struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.ID == 0 {
		t.Fatalf("B's withdrawal answer: %s", rec.Body)
	}
	return got.ID
}

// sessionIDOfB starts a web session of B and returns its listed id (the
// SHA-256 of the token).
func sessionIDOfB(t *testing.T, v *env) string {
	t.Helper()
	tok, _, err := v.a.Identity.NewSession(v.ctx, v.persons[personB.IDNumber], "web")
	if err != nil {
		t.Fatal(err)
	}
	return sha(tok)
}

// TestIDORProbes: person A, on every personal channel, reads and changes
// person B's withdrawal, sessions and account; the unit agent of unit X
// reads and changes unit Y's employee; a kiosk session of A asks for B. All
// are refused (403/404, or a page's 4xx), show nothing of B, and change
// nothing; B's session still works.
func TestIDORProbes(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		inbox := apitest.CaptureSMS(a)
		v := newEnv(t, a)
		importUnitY(t, a)
		wd := withdrawalOfB(t, v, inbox)
		sid := sessionIDOfB(t, v)
		bAcct := personB.AccountNo
		form := func(kv ...string) *reqOpts {
			f := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return &reqOpts{form: f}
		}
		probes := []struct {
			r            role
			method, path string
			body         any
			o            *reqOpts
			secret       string // what of the victim the answer must not show
			own          bool   // the route is the caller's own: 200 with the caller's data is right
		}{
			{appPerson, "GET", fmt.Sprintf("/api/app/v1/withdrawals/%d", wd), nil, nil, personB.Name, false},
			{appPerson, "POST", fmt.Sprintf("/api/app/v1/withdrawals/%d/cancel", wd), map[string]any{}, nil, personB.Name, false},
			{appPerson, "POST", fmt.Sprintf("/api/app/v1/withdrawals/%d/resubmit", wd), map[string]any{}, nil, personB.Name, false},
			{appPerson, "DELETE", "/api/app/v1/sessions/" + sid, nil, nil, personB.Name, false},
			{appPerson, "GET", "/api/app/v1/statement?account_no=" + bAcct, nil, nil, personB.Name, true},
			{appPerson, "GET", "/api/app/v1/loans/" + bAcct, nil, nil, personB.Name, false},
			{appPerson, "GET", "/api/app/v1/loan-applications/1", nil, nil, personB.Name, false},
			{webPerson, "GET", fmt.Sprintf("/web/withdrawals/%d", wd), nil, nil, personB.Name, false},
			{webPerson, "POST", fmt.Sprintf("/web/withdrawals/%d/cancel", wd), nil, form(), personB.Name, false},
			{webPerson, "POST", "/web/sessions/revoke", nil, form("id", sid), personB.Name, false},
			{webPerson, "GET", "/web/loans/applications/1", nil, nil, personB.Name, false},
			{kioskDevice, "GET", "/api/kiosk/v1/statement?account_no=" + bAcct, nil, nil, personB.Name, true},
			{kioskDevice, "GET", "/api/kiosk/v1/account?account_no=" + bAcct + "&id_number=" + personB.IDNumber, nil, nil, personB.Name, true},
			{kioskDevice, "GET", "/kiosk/statement?account_no=" + bAcct, nil, nil, personB.Name, true},
			{unitAgent, "GET", "/api/unit/v1/employees/" + unitYEmp + "/statement", nil, nil, unitYWho, false},
			{unitAgent, "PUT", "/api/unit/v1/employees/" + unitYEmp + "/base", map[string]any{"base_fen": 900_000}, nil, unitYWho, false},
			{unitAgent, "POST", "/api/unit/v1/employees/" + unitYEmp + "/seal", map[string]any{"reason": "离职"}, nil, unitYWho, false},
			{unitAgent, "POST", "/api/unit/v1/employees/" + unitYEmp + "/certificate", map[string]any{}, nil, unitYWho, false},
			{unitAgent, "GET", "/unit/employees/" + unitYEmp, nil, nil, unitYWho, false},
			{unitAgent, "GET", "/unit/statements/employee?account_no=" + unitYEmp + "&from=2020-01-01&to=2030-12-31", nil, nil, unitYWho, false},
			{unitAgent, "POST", "/unit/employees/" + unitYEmp + "/seal", nil, form("reason", "离职"), unitYWho, false},
			{unitAgent, "POST", "/unit/employees/" + unitYEmp + "/base", nil, form("base", "9000.00"), unitYWho, false},
		}
		for _, p := range probes {
			t.Run(p.r.String()+" "+p.method+" "+p.path, func(t *testing.T) {
				var body []byte
				if p.body != nil {
					body, _ = json.Marshal(p.body)
				}
				v.session(p.r, channelOf(p.r)) // exists before the snapshot
				before := apitest.Snapshot(t, a)
				rec := v.do(p.r, p.method, p.path, body, p.o)
				v.forget(p.r)
				page := isPage(strings.SplitN(p.path, "?", 2)[0])
				refused := rec.Code == http.StatusForbidden || rec.Code == http.StatusNotFound || (page && rec.Code >= 400 && rec.Code < 500)
				if !refused && !(p.own && rec.Code == http.StatusOK) {
					t.Errorf("answer %s, want a refusal", excerpt(rec))
				}
				if strings.Contains(rec.Body.String(), p.secret) {
					t.Errorf("the answer shows %s: %s", p.secret, excerpt(rec))
				}
				unchangedButRefusal(t, a, before, p.method+" "+p.path)
			})
		}
		// B's session and withdrawal are untouched.
		var status string
		if err := a.DB.GetContext(v.ctx, &status, `SELECT status FROM withdrawal_application WHERE id = ?`, wd); err != nil {
			t.Fatal(err)
		}
		if status == "cancelled" {
			t.Errorf("B's withdrawal was cancelled")
		}
		var live int
		if err := a.DB.GetContext(v.ctx, &live, `SELECT COUNT(*) FROM user_session WHERE token_hash = ? AND revoked_at IS NULL`, sid); err != nil {
			t.Fatal(err)
		}
		if live != 1 {
			t.Errorf("B's web session was revoked")
		}
	}, allChannels)
}
