package hotline12329_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"gjj/channels/hotline12329"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/workorder"
)

const key = "hotline-test-key-0123456789"

var withKey = apitest.WithConfig(func(c *config.Config) { c.HotlineKey = key })

// liMing is a demo employee registered for the personal channels.
var liMing = demo.Employees[1]

// caller sends signed requests and validates them and their answers against
// openapi.yaml.
type caller struct {
	t   *testing.T
	e   *echo.Echo
	key string
}

type req struct {
	method, uri string
	body        any
	session     string
	nonce       string       // "" a fresh one
	ts          int64        // 0 now
	tamper      func([]byte) // changes the body after signing
	sigKey      string       // "" the test key
}

func nonce() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (c caller) do(r req) apitest.Result {
	t := c.t
	t.Helper()
	body := apitest.EncodeBody(t, r.body)
	if r.nonce == "" {
		r.nonce = nonce()
	}
	if r.ts == 0 {
		r.ts = time.Now().Unix()
	}
	k := r.sigKey
	if k == "" {
		k = c.key
	}
	ts := strconv.FormatInt(r.ts, 10)
	sig := hotline12329.Sign(k, r.method, r.uri, ts, r.nonce, body)
	if r.tamper != nil {
		r.tamper(body)
	}
	build := func() *http.Request {
		var rd *bytes.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		var hr *http.Request
		if rd != nil {
			hr = httptest.NewRequest(r.method, r.uri, rd)
			hr.Header.Set("Content-Type", "application/json")
		} else {
			hr = httptest.NewRequest(r.method, r.uri, nil)
		}
		hr.Header.Set("X-Timestamp", ts)
		hr.Header.Set("X-Nonce", r.nonce)
		hr.Header.Set("X-Signature", sig)
		if r.session != "" {
			hr.Header.Set("X-Hotline-Session", r.session)
		}
		return hr
	}
	_, router := apitest.Spec(t)
	probe := build()
	route, params, err := router.FindRoute(probe)
	if err != nil {
		t.Fatalf("%s %s is not in openapi.yaml: %v", r.method, r.uri, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("request %s %s does not conform to openapi.yaml: %v", r.method, r.uri, err)
	}
	rec := httptest.NewRecorder()
	c.e.ServeHTTP(rec, build())
	res := apitest.Result{Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("response to %s %s does not conform to openapi.yaml: %v\n%.2000s", r.method, r.uri, err, res.Body)
	}
	return res
}

func server(t *testing.T, a *app.App) caller {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return caller{t: t, e: e, key: key}
}

// setPIN sets the person's query PIN through the app API, as the person would.
func setPIN(t *testing.T, a *app.App, idNumber, pin string) {
	t.Helper()
	c := apitest.Server(t, a, []string{"appSession"})
	s := apitest.Decode[struct {
		Token string `json:"token"`
	}](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/sessions",
		Body: map[string]string{"id_number": idNumber, "password": demo.Password}}), http.StatusCreated)
	r := c.Do(t, apitest.Call{Method: http.MethodPut, Path: "/api/app/v1/query-pin", Auth: apitest.Bearer(s.Token),
		Body: map[string]string{"password": demo.Password, "pin": pin}})
	if r.Status != http.StatusNoContent {
		t.Fatalf("set PIN: %s", r)
	}
}

type session struct {
	Session string `json:"session"`
	Name    string `json:"name"`
}

func TestSigningRefusals(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		verify := map[string]string{"id_number": liMing.IDNumber, "pin": "135790"}
		n := nonce()
		cases := []struct {
			name   string
			r      req
			status int
			code   string
		}{
			{"wrong key", req{method: "POST", uri: "/api/hotline/v1/ivr/verify", body: verify, sigKey: "another-key-0123456789"}, 401, "hotline.bad_signature"},
			{"tampered body", req{method: "POST", uri: "/api/hotline/v1/ivr/verify", body: verify, tamper: func(b []byte) { b[len(b)-3] = '1' }}, 401, "hotline.bad_signature"},
			{"stale", req{method: "POST", uri: "/api/hotline/v1/ivr/verify", body: verify, ts: time.Now().Add(-10 * time.Minute).Unix()}, 401, "hotline.stale"},
			{"first use of a nonce", req{method: "POST", uri: "/api/hotline/v1/stats", nonce: n,
				body: map[string]any{"period_start": "2026-11-21T08:00:00Z", "period_minutes": 60, "answered": 120, "abandoned": 8, "avg_handle_sec": 185}}, 204, ""},
			{"replayed nonce", req{method: "POST", uri: "/api/hotline/v1/stats", nonce: n,
				body: map[string]any{"period_start": "2026-11-21T08:00:00Z", "period_minutes": 60, "answered": 120, "abandoned": 8, "avg_handle_sec": 185}}, 409, "hotline.replay"},
			{"no session", req{method: "GET", uri: "/api/hotline/v1/ivr/balance", session: "x"}, 401, "hotline.no_session"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				r := c.do(tc.r)
				if tc.code == "" {
					if r.Status != tc.status {
						t.Fatalf("%s", r)
					}
					return
				}
				apitest.CheckProblem(t, r, tc.status, tc.code)
			})
		}
		var rows int
		if err := a.DB.Get(&rows, `SELECT COUNT(*) FROM hotline_call_stat WHERE answered = 120 AND abandoned = 8 AND avg_handle_sec = 185`); err != nil || rows != 1 {
			t.Errorf("call statistics rows = %d, %v; want 1", rows, err)
		}
	}, withKey)
}

func TestDisabledWithoutKey(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t))
	c := server(t, a)
	apitest.CheckProblem(t, c.do(req{method: "GET", uri: "/api/hotline/v1/ivr/balance", session: "x"}), 503, "hotline.disabled")
}

func TestIVRWithAppPIN(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		// Before the PIN is set, and with a wrong one: the same refusal.
		apitest.CheckProblem(t, c.do(req{method: "POST", uri: "/api/hotline/v1/ivr/verify",
			body: map[string]string{"id_number": liMing.IDNumber, "pin": "135790"}}), 401, "hotline.verify_failed")
		setPIN(t, a, liMing.IDNumber, "135790")
		apitest.CheckProblem(t, c.do(req{method: "POST", uri: "/api/hotline/v1/ivr/verify",
			body: map[string]string{"id_number": liMing.IDNumber, "pin": "135791"}}), 401, "hotline.verify_failed")
		var failed int
		if err := a.DB.Get(&failed, `SELECT c.pin_failed FROM credential c JOIN person p ON c.subject_type = 'person' AND c.subject_id = p.id
			WHERE p.id_number = ?`, liMing.IDNumber); err != nil || failed != 1 {
			t.Errorf("pin_failed = %d, %v; want 1 (counted by identity)", failed, err)
		}
		s := apitest.Decode[session](t, c.do(req{method: "POST", uri: "/api/hotline/v1/ivr/verify",
			body: map[string]string{"id_number": liMing.IDNumber, "pin": "135790"}}), 200)
		if s.Name != "李*" || len(s.Session) != 64 {
			t.Fatalf("session %+v", s)
		}
		bal := apitest.Decode[struct {
			Tail    string `json:"account_tail"`
			Balance int64  `json:"balance_fen"`
		}](t, c.do(req{method: "GET", uri: "/api/hotline/v1/ivr/balance", session: s.Session}), 200)
		if bal.Tail != liMing.AccountNo[len(liMing.AccountNo)-4:] || bal.Balance != int64(liMing.Opening) {
			t.Errorf("balance %+v, want tail of %s and %d", bal, liMing.AccountNo, liMing.Opening)
		}
		apitest.Decode[map[string]any](t, c.do(req{method: "GET", uri: "/api/hotline/v1/ivr/last-deposit", session: s.Session}), 200)
		apitest.Decode[map[string]any](t, c.do(req{method: "GET", uri: "/api/hotline/v1/ivr/loan", session: s.Session}), 200)
		apitest.Decode[map[string]any](t, c.do(req{method: "GET", uri: "/api/hotline/v1/ivr/withdrawals", session: s.Session}), 200)

		// The agent sees the caller masked; the full record needs a reason and is audited.
		masked := apitest.Decode[map[string]any](t, c.do(req{method: "GET", uri: "/api/hotline/v1/agent/customer?agent=A1001", session: s.Session}), 200)
		if masked["id_number"] == liMing.IDNumber || masked["masked"] != true || !apitest.MaskedID.MatchString(masked["id_number"].(string)) {
			t.Errorf("masked view %v", masked)
		}
		apitest.CheckProblem(t, c.do(req{method: "POST", uri: "/api/hotline/v1/agent/customer/full?agent=A1001", session: s.Session,
			body: map[string]string{"reason": " "}}), 400, "hotline.no_reason")
		full := apitest.Decode[map[string]any](t, c.do(req{method: "POST", uri: "/api/hotline/v1/agent/customer/full?agent=A1001",
			session: s.Session, body: map[string]string{"reason": "来电人要求核对缴存单位"}}), 200)
		if full["id_number"] != liMing.IDNumber {
			t.Errorf("full view %v", full)
		}
		if e := apitest.LastAudit(t, a); e.Action != "hotline.full_record" || e.Actor != "hotline-agent:A1001" || e.Channel != "hotline" {
			t.Errorf("last audit %+v", e)
		}
	}, withKey)
}

func TestWorkOrderLifecycle(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		base := "/api/hotline/v1/agent/workorders"
		apitest.CheckProblem(t, c.do(req{method: "POST", uri: base + "?agent=A1001",
			body: map[string]string{"kind": "consultation", "subject": "", "body": "x"}}), 400, "workorder.bad_text")
		o := apitest.Decode[workorder.Order](t, c.do(req{method: "POST", uri: base + "?agent=A1001",
			body: map[string]string{"kind": "complaint", "subject": "提取到账慢", "body": "租房提取三天未到账", "phone": "13800000002"}}), 201)
		if o.Status != workorder.StatusOpen || o.CreatedBy != "hotline-agent:A1001" || o.Channel != "hotline" {
			t.Fatalf("created %+v", o)
		}
		id := strconv.FormatInt(o.ID, 10)
		rate := func(v string) apitest.Result {
			return c.do(req{method: "POST", uri: "/api/hotline/v1/workorders/" + id + "/satisfaction", body: map[string]string{"satisfaction": v}})
		}
		apitest.CheckProblem(t, rate("satisfied"), 409, "workorder.bad_transition") // not answered yet
		apitest.CheckProblem(t, c.do(req{method: "POST", uri: base + "/" + id + "?agent=A1001",
			body: map[string]string{"action": "close"}}), 409, "workorder.bad_transition")
		steps := []struct {
			body   map[string]string
			status string
		}{
			{map[string]string{"action": "assign", "assignee": "reviewer"}, workorder.StatusAssigned},
			{map[string]string{"action": "reply", "reply": "已核实，款项今日到账"}, workorder.StatusReplied},
			{map[string]string{"action": "close"}, workorder.StatusClosed},
		}
		for _, st := range steps {
			got := apitest.Decode[workorder.Order](t, c.do(req{method: "POST", uri: base + "/" + id + "?agent=A1002", body: st.body}), 200)
			if got.Status != st.status {
				t.Fatalf("after %v: %s", st.body, got.Status)
			}
		}
		got := apitest.Decode[workorder.Order](t, rate("basic"), 200)
		if got.Satisfaction != workorder.Basic || got.ClosedAt == nil || got.Reply == "" || got.Assignee != "reviewer" {
			t.Errorf("rated %+v", got)
		}
		apitest.CheckProblem(t, rate("satisfied"), 409, "workorder.bad_transition") // once
		apitest.CheckProblem(t, c.do(req{method: "POST", uri: base + "/99999?agent=A1001",
			body: map[string]string{"action": "close"}}), 404, "workorder.not_found")
		list := apitest.Decode[struct {
			Items []workorder.Order `json:"items"`
		}](t, c.do(req{method: "GET", uri: base + "?agent=A1001&status=closed"}), 200)
		if len(list.Items) != 1 || list.Items[0].ID != o.ID {
			t.Errorf("closed list %+v", list.Items)
		}
		var n int
		if err := a.DB.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE object = ?`, "workorder:"+id); err != nil || n != 5 {
			t.Errorf("audit rows of the work order = %d, %v; want 5 (create, assign, reply, close, rate)", n, err)
		}
		apitest.VerifyClean(t, a)
	}, withKey)
}

// TestStaffSeeWorkOrders: a work order an agent created through the call
// centre appears in the staff API (the admin console) and staff can handle it.
func TestStaffSeeWorkOrders(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		o := apitest.Decode[workorder.Order](t, c.do(req{method: "POST", uri: "/api/hotline/v1/agent/workorders?agent=A1001",
			body: map[string]string{"kind": "suggestion", "subject": "增加夜间服务", "body": "建议热线延长人工服务时间"}}), 201)
		staff := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		login := func(user string) string {
			s := apitest.Decode[struct {
				Token string `json:"token"`
			}](t, staff.Do(t, apitest.Call{Method: "POST", Path: "/api/admin/v1/sessions",
				Body: map[string]string{"username": user, "password": demo.Password, "totp": otp.Code(t, user)}}), http.StatusCreated)
			return apitest.Bearer(s.Token)
		}
		reviewer, checker := login("reviewer"), login("checker")
		list := apitest.Decode[struct {
			Items []workorder.Order `json:"items"`
		}](t, staff.Do(t, apitest.Call{Method: "GET", Path: "/api/admin/v1/workorders?status=open", Auth: reviewer}), 200)
		if len(list.Items) != 1 || list.Items[0].ID != o.ID {
			t.Fatalf("open work orders %+v", list.Items)
		}
		path := "/api/admin/v1/workorders/" + strconv.FormatInt(o.ID, 10)
		apitest.CheckProblem(t, staff.Do(t, apitest.Call{Method: "POST", Path: path, Auth: checker,
			Body: map[string]string{"action": "reply", "reply": "感谢建议"}}), 403, "access.forbidden")
		got := apitest.Decode[workorder.Order](t, staff.Do(t, apitest.Call{Method: "POST", Path: path, Auth: reviewer,
			Body: map[string]string{"action": "reply", "reply": "感谢建议，已转相关部门研究"}}), 200)
		if got.Status != workorder.StatusReplied {
			t.Errorf("after reply %+v", got)
		}
		if e := apitest.LastAudit(t, a); e.Action != "workorder.reply" || e.Actor != "staff:reviewer" {
			t.Errorf("last audit %+v", e)
		}
	}, withKey)
}
