package staffapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
)

const staffBase = "/api/admin/v1"

// ---------------------------------------------------------------------------
// The API test support (internal/apitest) under the names this package's
// tests use, audit_test.go among them: they write a request as
// call{method: …, path: …} and read the answer's status as r.status.

var (
	eachStore   = apitest.EachStore
	snapshot    = apitest.Snapshot
	delta       = apitest.Delta
	unchanged   = apitest.Unchanged
	wrote       = apitest.Wrote
	verifyClean = apitest.VerifyClean
	lastAudit   = apitest.LastAudit
	newOTP      = apitest.NewOTP
)

// call is one request to the server, sent as the apitest.Call of the same
// fields.
type call struct {
	method, path string
	body         any    // nil: no body; string or []byte: sent as is; anything else: JSON-encoded
	contentType  string // default application/json when there is a body
	auth         string // the Authorization header; "" for none
	spec         apitest.SpecCheck
}

// result is the server's answer; status is Result.Status.
type result struct {
	apitest.Result
	status int
}

// client sends calls to one platform's API, validated against openapi.yaml.
type client struct{ *apitest.Client }

func server(t *testing.T, a *app.App) client {
	t.Helper()
	return client{apitest.Server(t, a, apitest.SessionSchemes)}
}

func (c client) do(t *testing.T, cl call) result {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: cl.method, Path: cl.path, Body: cl.body, ContentType: cl.contentType, Auth: cl.auth, Spec: cl.spec})
	return result{Result: r, status: r.Status}
}

func decode[T any](t *testing.T, r result, status int) T {
	t.Helper()
	return apitest.Decode[T](t, r.Result, status)
}

func checkProblem(t *testing.T, r result, status int, code string) map[string]any {
	t.Helper()
	return apitest.CheckProblem(t, r.Result, status, code)
}

// ---------------------------------------------------------------------------
// JSON shapes of the answers (the fields the tests look at).

type staffSessionJSON struct {
	Token     string   `json:"token"`
	ExpiresAt string   `json:"expires_at"`
	Roles     []string `json:"roles"`
}

type statementJSON struct {
	AccountNo  string `json:"account_no"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	BalanceFen int64  `json:"balance_fen"`
	Lines      []struct {
		Date       string `json:"date"`
		BizType    string `json:"biz_type"`
		IncomeFen  int64  `json:"income_fen"`
		BalanceFen int64  `json:"balance_fen"`
		Serial     string `json:"serial"`
	} `json:"lines"`
}

type preregJSON struct {
	ID            int64  `json:"id"`
	USCC          string `json:"uscc"`
	Name          string `json:"name"`
	AgentName     string `json:"agent_name"`
	AgentID       string `json:"agent_id_number"`
	AgentMobile   string `json:"agent_mobile"`
	Status        string `json:"status"`
	ReviewedBy    string `json:"reviewed_by"`
	ReviewComment string `json:"review_comment"`
	UnitNo        string `json:"unit_no"`
}

type unitJSON struct {
	UnitNo      string `json:"unit_no"`
	USCC        string `json:"uscc"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	UnitBps     int64  `json:"unit_ratio_bps"`
	PersonBps   int64  `json:"personal_ratio_bps"`
	FirstMonth  string `json:"first_month"`
	PaidThrough string `json:"paid_through"`
	OpenedOn    string `json:"opened_on"`
}

type deferralJSON struct {
	ID            int64  `json:"id"`
	UnitNo        string `json:"unit_no"`
	StartMonth    string `json:"start_month"`
	EndMonth      string `json:"end_month"`
	Status        string `json:"status"`
	ReviewedBy    string `json:"reviewed_by"`
	ReviewComment string `json:"review_comment"`
}

type interestRunJSON struct {
	Year        int    `json:"year"`
	Status      string `json:"status"`
	RatePPM     int64  `json:"rate_ppm"`
	Rate        string `json:"rate"`
	Basis       string `json:"basis"`
	Total       int64  `json:"total"`
	Done        int64  `json:"done"`
	InterestFen int64  `json:"interest_fen"`
	From        string `json:"from"`
	To          string `json:"to"`
	StartedBy   string `json:"started_by"`
	FinishedAt  string `json:"finished_at"`
	Progress    string `json:"progress"`
}

// ---------------------------------------------------------------------------
// Helpers of the staff API.

func staffLoginBody(username, password, code string) map[string]string {
	return map[string]string{"username": username, "password": password, "totp": code}
}

// staffLogin logs a demo staff member in and returns the Authorization header
// value and the roles.
func staffLogin(t *testing.T, c client, otp *apitest.OTP, username string) (string, []string) {
	t.Helper()
	r := c.do(t, call{method: "POST", path: staffBase + "/sessions", body: staffLoginBody(username, demo.Password, otp.Code(t, username))})
	s := decode[staffSessionJSON](t, r, http.StatusCreated)
	if s.Token == "" {
		t.Fatalf("no token: %s", r)
	}
	return apitest.Bearer(s.Token), s.Roles
}

// badCase is a request the server must refuse without writing anything.
type badCase struct {
	name   string
	call   call
	status int
	code   string
}

func runBad(t *testing.T, a *app.App, c client, cases []badCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, a)
			checkProblem(t, c.do(t, tt.call), tt.status, tt.code)
			unchanged(t, a, before)
			verifyClean(t, a)
		})
	}
}

// prereg is a valid pre-registration of a new unit.
func prereg(usccBody, name, agentIDBody, agentName, agentMobile string) deposit.PreregInput {
	return deposit.PreregInput{USCC: apitest.USCC(usccBody), Name: name, Address: "福州市仓山区示例路 8 号", LegalRep: "吴刚", Payday: 15,
		UnitBps: 1200, PersonBps: 1200, AgentIDNumber: apitest.ResidentID(agentIDBody), AgentName: agentName, AgentMobile: agentMobile}
}

// ---------------------------------------------------------------------------
// Tests.

func TestStaffAPI(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := server(t, a)
		otp := newOTP()
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		month := today.MonthOf()
		var reviewer, admin string

		t.Run("login", func(t *testing.T) {
			code := otp.Code(t, "reviewer")
			before := snapshot(t, a)
			r := c.do(t, call{method: "POST", path: staffBase + "/sessions", body: staffLoginBody("reviewer", demo.Password, code)})
			s := decode[staffSessionJSON](t, r, http.StatusCreated)
			if s.Token == "" || !slices.Equal(s.Roles, []string{"reviewer"}) {
				t.Errorf("session %+v", s)
			}
			if exp, err := time.Parse(time.RFC3339, s.ExpiresAt); err != nil || exp.Before(time.Now().Add(25*time.Minute)) ||
				exp.After(time.Now().Add(31*time.Minute)) {
				t.Errorf("expires_at %q (%v), want in about 30 minutes", s.ExpiresAt, err)
			}
			wrote(t, a, before, map[string]int64{"audit_log": 1})
			if e := lastAudit(t, a); e.Action != "identity.login" || e.Object != "staff:reviewer" || e.Result != audit.ResultOK {
				t.Errorf("login audit %+v", e.Record)
			}
			reviewer = apitest.Bearer(s.Token)

			// A replayed code, a wrong password, an unknown user: refused alike,
			// only the refusal audited.
			for _, body := range []map[string]string{
				staffLoginBody("reviewer", demo.Password, code),
				staffLoginBody("reviewer", "Wrong#2026", code),
				staffLoginBody("nobody", demo.Password, code),
			} {
				before = snapshot(t, a)
				r = c.do(t, call{method: "POST", path: staffBase + "/sessions", body: body})
				checkProblem(t, r, http.StatusUnauthorized, "identity.bad_credentials")
				wrote(t, a, before, map[string]int64{"audit_log": 1})
				if e := lastAudit(t, a); e.Action != "identity.login" || e.Result == audit.ResultOK {
					t.Errorf("refused login audit %+v", e.Record)
				}
			}

			var roles []string
			admin, roles = staffLogin(t, c, otp, "admin")
			if !slices.Equal(roles, []string{"sysadmin"}) {
				t.Errorf("admin roles %v", roles)
			}
			runBad(t, a, c, []badCase{
				{"unknown field", call{method: "POST", path: staffBase + "/sessions", body: `{"username":"reviewer","password":"x","totp":"123456","otp":"1"}`, spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
				{"not json", call{method: "POST", path: staffBase + "/sessions", body: `username=reviewer`, contentType: "text/plain", spec: apitest.SpecInvalid}, 415, "request.unsupported_media_type"},
			})
			verifyClean(t, a)
		})
		if reviewer == "" || admin == "" {
			t.Fatal("no session")
		}

		t.Run("no session", func(t *testing.T) {
			// A unit agent's session is not a staff session.
			r := c.do(t, call{method: "POST", path: "/api/unit/v1/sessions", body: map[string]string{"unit_code": demo.UnitNo,
				"agent_id_number": demo.AgentID, "password": demo.Password, "totp": otp.Code(t, "agent")}})
			unitToken := decode[map[string]any](t, r, http.StatusCreated)["token"].(string)
			stmt := staffBase + "/accounts/201000000001/statement"
			runBad(t, a, c, []badCase{
				{"no token", call{method: "GET", path: stmt, spec: apitest.SpecInvalid}, 401, "identity.no_session"},
				{"unknown token", call{method: "GET", path: stmt, auth: apitest.Bearer("no-such-token")}, 401, "identity.no_session"},
				{"unit token", call{method: "GET", path: stmt, auth: apitest.Bearer(unitToken)}, 401, "identity.no_session"},
				{"unit token on a write", call{method: "POST", path: staffBase + "/accounts/201000000001/freeze", body: map[string]string{"reason": "测试"}, auth: apitest.Bearer(unitToken)}, 401, "identity.no_session"},
				{"no token on interest run", call{method: "POST", path: staffBase + "/interest-runs", body: map[string]int{"year": 2020}, spec: apitest.SpecInvalid}, 401, "identity.no_session"},
			})
		})

		t.Run("statement", func(t *testing.T) {
			st := decode[statementJSON](t, c.do(t, call{method: "GET", path: staffBase + "/accounts/201000000001/statement", auth: reviewer}), http.StatusOK)
			opening := int64(demo.Employees[0].Opening)
			if st.AccountNo != "201000000001" || st.Name != "王建国" || st.Status != "01" || st.BalanceFen != opening || len(st.Lines) != 1 ||
				st.Lines[0].Serial != "MIG-201000000001" || st.Lines[0].BizType != "99" || st.Lines[0].IncomeFen != opening {
				t.Errorf("statement %+v", st)
			}
			runBad(t, a, c, []badCase{
				{"unknown account", call{method: "GET", path: staffBase + "/accounts/209999999999/statement", auth: reviewer}, 404, "deposit.employee_not_found"},
				{"sysadmin has no business rights", call{method: "GET", path: staffBase + "/accounts/201000000001/statement", auth: admin}, 403, "access.forbidden"},
			})
		})

		t.Run("auditor reads statements only", func(t *testing.T) {
			if err := a.Access.Grant(access.Grant{Subject: "staff:checker", Role: access.RoleAuditor, Domain: access.Center}); err != nil {
				t.Fatal(err)
			}
			auditor, roles := staffLogin(t, c, otp, "checker")
			if !slices.Contains(roles, "auditor") {
				t.Fatalf("checker roles %v", roles)
			}
			decode[statementJSON](t, c.do(t, call{method: "GET", path: staffBase + "/accounts/201000000002/statement", auth: auditor}), http.StatusOK)
			runBad(t, a, c, []badCase{
				{"freeze", call{method: "POST", path: staffBase + "/accounts/201000000002/freeze", body: map[string]string{"reason": "法院冻结"}, auth: auditor}, 403, "access.forbidden"},
				{"list pre-registrations", call{method: "GET", path: staffBase + "/preregistrations", auth: auditor}, 403, "access.forbidden"},
				{"approve", call{method: "POST", path: staffBase + "/preregistrations/1/approve", auth: auditor}, 403, "access.forbidden"},
				{"start interest", call{method: "POST", path: staffBase + "/interest-runs", body: map[string]int{"year": 2020}, auth: auditor}, 403, "access.forbidden"},
			})
		})

		t.Run("freeze and unfreeze", func(t *testing.T) {
			const acct = "201000000004"
			freeze := staffBase + "/accounts/" + acct + "/freeze"
			unfreeze := staffBase + "/accounts/" + acct + "/unfreeze"
			runBad(t, a, c, []badCase{
				{"sysadmin", call{method: "POST", path: freeze, body: map[string]string{"reason": "法院冻结"}, auth: admin}, 403, "access.forbidden"},
				{"unfreeze a normal account", call{method: "POST", path: unfreeze, body: map[string]string{"reason": "解除"}, auth: reviewer}, 409, "deposit.employee_status"},
				{"no reason", call{method: "POST", path: freeze, body: map[string]string{"reason": ""}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"reason too long", call{method: "POST", path: freeze, body: map[string]string{"reason": strings.Repeat("冻", 101)}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"unknown account", call{method: "POST", path: staffBase + "/accounts/209999999999/freeze", body: map[string]string{"reason": "法院冻结"}, auth: reviewer}, 404, "deposit.employee_not_found"},
			})
			before := snapshot(t, a)
			got := decode[map[string]string](t, c.do(t, call{method: "POST", path: freeze, body: map[string]string{"reason": "法院冻结"}, auth: reviewer}), http.StatusOK)
			if got["account_no"] != acct || got["status"] != "06" {
				t.Errorf("frozen %v", got)
			}
			wrote(t, a, before, map[string]int64{"audit_log": 1})
			if e := lastAudit(t, a); e.Action != "deposit.employee_freeze" || e.Actor != "staff:reviewer" || e.Channel != "counter" {
				t.Errorf("freeze audit %+v", e.Record)
			}
			runBad(t, a, c, []badCase{
				{"freeze twice", call{method: "POST", path: freeze, body: map[string]string{"reason": "法院冻结"}, auth: reviewer}, 409, "deposit.employee_status"},
			})
			before = snapshot(t, a)
			got = decode[map[string]string](t, c.do(t, call{method: "POST", path: unfreeze, body: map[string]string{"reason": "解除冻结"}, auth: reviewer}), http.StatusOK)
			if got["status"] != "01" {
				t.Errorf("unfrozen %v", got)
			}
			wrote(t, a, before, map[string]int64{"audit_log": 1})
			verifyClean(t, a)
		})

		t.Run("pre-registration", func(t *testing.T) {
			in := prereg("91350104M00030001", "福州示例贸易有限公司", "35010419850612001", "吴敏", "13900000031")
			p, err := a.Deposit.SubmitPreregistration(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			r := c.do(t, call{method: "GET", path: staffBase + "/preregistrations", auth: reviewer})
			list := decode[struct{ Items []preregJSON }](t, r, http.StatusOK)
			if len(list.Items) != 1 || list.Items[0].ID != p.ID || list.Items[0].Status != "pending" || list.Items[0].AgentName != "吴敏" ||
				!apitest.MaskedID.MatchString(list.Items[0].AgentID) || list.Items[0].AgentMobile != "139****0031" {
				t.Errorf("pending %+v", list.Items)
			}
			if bytes.Contains(r.Body, []byte(in.AgentIDNumber)) || bytes.Contains(r.Body, []byte(in.AgentMobile)) {
				t.Errorf("the list shows the agent's full ID number or mobile: %s", r.Body)
			}

			approve := fmt.Sprintf("%s/preregistrations/%d/approve", staffBase, p.ID)
			runBad(t, a, c, []badCase{
				{"sysadmin approves", call{method: "POST", path: approve, auth: admin}, 403, "access.forbidden"},
				{"sysadmin lists", call{method: "GET", path: staffBase + "/preregistrations", auth: admin}, 403, "access.forbidden"},
				{"unknown field", call{method: "POST", path: approve, body: map[string]string{"note": "同意"}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
				{"comment too long", call{method: "POST", path: approve, body: map[string]string{"comment": strings.Repeat("同", 201)}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"unknown id", call{method: "POST", path: staffBase + "/preregistrations/999999/approve", auth: reviewer}, 404, "deposit.prereg_not_found"},
				{"id not a number", call{method: "POST", path: staffBase + "/preregistrations/abc/approve", auth: reviewer, spec: apitest.SpecInvalid}, 404, "request.not_found"},
			})

			before := snapshot(t, a)
			r = c.do(t, call{method: "POST", path: approve, body: map[string]string{"comment": "材料齐全，同意开户"}, auth: reviewer})
			ok := decode[struct {
				Status string   `json:"status"`
				Unit   unitJSON `json:"unit"`
			}](t, r, http.StatusOK)
			wantUnit := unitJSON{UnitNo: fmt.Sprintf("19%010d", p.ID), USCC: in.USCC, Name: in.Name, Status: "02", UnitBps: 1200, PersonBps: 1200,
				OpenedOn: today.String()}
			if ok.Status != "approved" || ok.Unit != wantUnit {
				t.Errorf("approved %+v, want unit %+v", ok, wantUnit)
			}
			wrote(t, a, before, map[string]int64{"unit": 1, "ledger_account": 1, "ratio_history": 1, "person": 1, "unit_agent": 1, "audit_log": 1})
			if e := lastAudit(t, a); e.Action != "deposit.prereg_approve" || e.Actor != "staff:reviewer" || e.Object != "unit:"+wantUnit.UnitNo {
				t.Errorf("approve audit %+v", e.Record)
			}
			if got, err := a.Deposit.Preregistration(ctx, p.ID); err != nil || got.Status != "approved" || got.ReviewedBy != "staff:reviewer" ||
				got.ReviewComment != "材料齐全，同意开户" || got.UnitNo != wantUnit.UnitNo {
				t.Errorf("pre-registration after approval %+v (%v)", got, err)
			}
			list = decode[struct{ Items []preregJSON }](t, c.do(t, call{method: "GET", path: staffBase + "/preregistrations", auth: reviewer}), http.StatusOK)
			if len(list.Items) != 0 {
				t.Errorf("still pending %+v", list.Items)
			}

			// Rejecting needs a reason; a reviewed pre-registration is not
			// reviewed again.
			other, err := a.Deposit.SubmitPreregistration(ctx, prereg("91350104M00030002", "福州另一示例有限公司", "35010419870923002", "郑洁", "13900000032"))
			if err != nil {
				t.Fatal(err)
			}
			reject := fmt.Sprintf("%s/preregistrations/%d/reject", staffBase, other.ID)
			runBad(t, a, c, []badCase{
				{"approve twice", call{method: "POST", path: approve, auth: reviewer}, 409, "deposit.prereg_status"},
				{"reject an approved one", call{method: "POST", path: fmt.Sprintf("%s/preregistrations/%d/reject", staffBase, p.ID), body: map[string]string{"comment": "重复"}, auth: reviewer}, 409, "deposit.prereg_status"},
				{"reject without comment", call{method: "POST", path: reject, body: map[string]string{}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"reject with a blank comment", call{method: "POST", path: reject, body: map[string]string{"comment": "  "}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"reject without body", call{method: "POST", path: reject, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"sysadmin rejects", call{method: "POST", path: reject, body: map[string]string{"comment": "材料不全"}, auth: admin}, 403, "access.forbidden"},
			})
			before = snapshot(t, a)
			rej := decode[preregJSON](t, c.do(t, call{method: "POST", path: reject, body: map[string]string{"comment": "营业执照复印件不清晰"}, auth: reviewer}), http.StatusOK)
			if rej.ID != other.ID || rej.Status != "rejected" || rej.ReviewedBy != "staff:reviewer" || rej.ReviewComment != "营业执照复印件不清晰" || rej.UnitNo != "" {
				t.Errorf("rejected %+v", rej)
			}
			wrote(t, a, before, map[string]int64{"audit_log": 1})
			verifyClean(t, a)
		})

		t.Run("deferral", func(t *testing.T) {
			d, err := a.Deposit.ApplyDeferral(ctx, demo.UnitNo, month, month.Add(2), "职代会决议〔2026〕1号")
			if err != nil {
				t.Fatal(err)
			}
			list := decode[struct{ Items []deferralJSON }](t, c.do(t, call{method: "GET", path: staffBase + "/deferrals?unit_no=" + demo.UnitNo, auth: reviewer}), http.StatusOK)
			if len(list.Items) != 1 || list.Items[0].ID != d.ID || list.Items[0].Status != "pending" || list.Items[0].StartMonth != month.String() ||
				list.Items[0].EndMonth != month.Add(2).String() {
				t.Errorf("deferrals %+v", list.Items)
			}
			approve := fmt.Sprintf("%s/deferrals/%d/approve", staffBase, d.ID)
			runBad(t, a, c, []badCase{
				{"list without unit", call{method: "GET", path: staffBase + "/deferrals", auth: reviewer, spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
				{"list of an unknown unit", call{method: "GET", path: staffBase + "/deferrals?unit_no=100000000099", auth: reviewer}, 404, "deposit.unit_not_found"},
				{"sysadmin approves", call{method: "POST", path: approve, auth: admin}, 403, "access.forbidden"},
				{"sysadmin lists", call{method: "GET", path: staffBase + "/deferrals?unit_no=" + demo.UnitNo, auth: admin}, 403, "access.forbidden"},
				{"reject without comment", call{method: "POST", path: fmt.Sprintf("%s/deferrals/%d/reject", staffBase, d.ID), body: map[string]string{}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"unknown id", call{method: "POST", path: staffBase + "/deferrals/999999/approve", auth: reviewer}, 404, "deposit.deferral_not_found"},
			})

			before := snapshot(t, a)
			got := decode[deferralJSON](t, c.do(t, call{method: "POST", path: approve, auth: reviewer}), http.StatusOK)
			if got.ID != d.ID || got.Status != "approved" || got.ReviewedBy != "staff:reviewer" || got.UnitNo != demo.UnitNo {
				t.Errorf("approved %+v", got)
			}
			wrote(t, a, before, map[string]int64{"audit_log": 1})
			if u, err := a.Deposit.Unit(ctx, demo.UnitNo); err != nil || u.Status != "03" {
				t.Errorf("unit after approval %+v (%v)", u, err)
			}
			runBad(t, a, c, []badCase{
				{"approve twice", call{method: "POST", path: approve, auth: reviewer}, 409, "deposit.deferral_status"},
				{"reject an approved one", call{method: "POST", path: fmt.Sprintf("%s/deferrals/%d/reject", staffBase, d.ID), body: map[string]string{"comment": "不符合条件"}, auth: reviewer}, 409, "deposit.deferral_status"},
			})
			verifyClean(t, a)
		})
	})
}

func TestStaffInterestRun(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := server(t, a)
		otp := newOTP()
		reviewer, _ := staffLogin(t, c, otp, "reviewer")
		admin, _ := staffLogin(t, c, otp, "admin")

		// The fund year that contains the business date ends on 30 June of
		// year; settle it on 1 July.
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		year := today.Year()
		if today.Month() >= time.July {
			year++
		}
		if _, err := a.Dates.Set(ctx, date.Of(year, time.July, 1), true); err != nil {
			t.Fatal(err)
		}
		runs := staffBase + "/interest-runs"
		status := fmt.Sprintf("%s/%d", runs, year)

		runBad(t, a, c, []badCase{
			{"year not over", call{method: "POST", path: runs, body: map[string]int{"year": year + 1}, auth: reviewer}, 409, "deposit.interest_too_early"},
			{"sysadmin", call{method: "POST", path: runs, body: map[string]int{"year": year}, auth: admin}, 403, "access.forbidden"},
			{"year out of range", call{method: "POST", path: runs, body: map[string]int{"year": 1900}, auth: reviewer, spec: apitest.SpecInvalid}, 400, "deposit.interest_year"},
			{"year as text", call{method: "POST", path: runs, body: `{"year":"2026"}`, auth: reviewer, spec: apitest.SpecInvalid}, 400, "request.invalid_field"},
			{"not started", call{method: "GET", path: status, auth: reviewer}, 404, "deposit.interest_run_not_found"},
		})

		t.Run("settle", func(t *testing.T) {
			before := snapshot(t, a)
			r := c.do(t, call{method: "POST", path: runs, body: map[string]int{"year": year}, auth: reviewer})
			t.Logf("POST %s answered %d", runs, r.status)
			switch r.status {
			case http.StatusAccepted:
				acc := decode[interestRunJSON](t, r, http.StatusAccepted)
				if acc.Year != year || acc.Status != "running" || acc.Progress != status {
					t.Errorf("accepted %+v", acc)
				}
			case http.StatusOK:
			default:
				t.Fatalf("start: %s", r)
			}
			var run interestRunJSON
			for deadline := time.Now().Add(30 * time.Second); ; {
				run = decode[interestRunJSON](t, c.do(t, call{method: "GET", path: status, auth: reviewer}), http.StatusOK)
				if run.Status == "done" || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			accounts := int64(len(demo.Employees))
			from, to := deposit.FundYear(year)
			if run.Status != "done" || run.Year != year || run.Total != accounts || run.Done != accounts || run.InterestFen <= 0 ||
				run.Rate != "1.5%" || run.RatePPM != 15_000 || run.Basis != "ACT_360" || run.From != from.String() || run.To != to.String() ||
				run.StartedBy != "staff:reviewer" || run.FinishedAt == "" {
				t.Errorf("run %+v", run)
			}
			d := delta(before, snapshot(t, a))
			if d["interest_run"] != 1 || d["interest_item"] != accounts || d["journal_entry"] < 1 || d["posting"] != d["journal_entry"]+accounts {
				t.Errorf("rows written %v", d)
			}
			st := decode[statementJSON](t, c.do(t, call{method: "GET", path: staffBase + "/accounts/201000000001/statement", auth: reviewer}), http.StatusOK)
			if len(st.Lines) < 2 || st.Lines[0].BizType != "09" || st.Lines[0].Date != to.String() || st.Lines[0].IncomeFen <= 0 ||
				st.BalanceFen != int64(demo.Employees[0].Opening)+st.Lines[0].IncomeFen {
				t.Errorf("statement after settlement %+v", st)
			}

			// Done is done: asking again settles nothing.
			before = snapshot(t, a)
			again := decode[interestRunJSON](t, c.do(t, call{method: "POST", path: runs, body: map[string]int{"year": year}, auth: reviewer}), http.StatusOK)
			if again.Status != "done" || again.InterestFen != run.InterestFen || again.Done != run.Done {
				t.Errorf("second run %+v, first %+v", again, run)
			}
			unchanged(t, a, before)
			verifyClean(t, a)
		})

		runBad(t, a, c, []badCase{
			{"an earlier year after a later one", call{method: "POST", path: runs, body: map[string]int{"year": year - 1}, auth: reviewer}, 409, "deposit.interest_out_of_order"},
		})
	})
}
