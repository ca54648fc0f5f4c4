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
func staffLogin(t *testing.T, c *apitest.Client, otp *apitest.OTP, username string) (string, []string) {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/sessions", Body: staffLoginBody(username, demo.Password, otp.Code(t, username))})
	s := apitest.Decode[staffSessionJSON](t, r, http.StatusCreated)
	if s.Token == "" {
		t.Fatalf("no token: %s", r)
	}
	return apitest.Bearer(s.Token), s.Roles
}

// badCase is a request the server must refuse without writing anything.
type badCase struct {
	name   string
	call   apitest.Call
	status int
	code   string
}

func runBad(t *testing.T, a *app.App, c *apitest.Client, cases []badCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			apitest.CheckProblem(t, c.Do(t, tt.call), tt.status, tt.code)
			apitest.Unchanged(t, a, before)
			apitest.VerifyClean(t, a)
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
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		month := today.MonthOf()
		var reviewer, admin string

		t.Run("login", func(t *testing.T) {
			code := otp.Code(t, "reviewer")
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/sessions", Body: staffLoginBody("reviewer", demo.Password, code)})
			s := apitest.Decode[staffSessionJSON](t, r, http.StatusCreated)
			if s.Token == "" || !slices.Equal(s.Roles, []string{"reviewer"}) {
				t.Errorf("session %+v", s)
			}
			if exp, err := time.Parse(time.RFC3339, s.ExpiresAt); err != nil || exp.Before(time.Now().Add(25*time.Minute)) ||
				exp.After(time.Now().Add(31*time.Minute)) {
				t.Errorf("expires_at %q (%v), want in about 30 minutes", s.ExpiresAt, err)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1, "user_session": 1})
			if e := apitest.LastAudit(t, a); e.Action != "identity.login" || e.Object != "staff:reviewer" || e.Result != audit.ResultOK {
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
				before = apitest.Snapshot(t, a)
				r = c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/sessions", Body: body})
				apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.bad_credentials")
				apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
				if e := apitest.LastAudit(t, a); e.Action != "identity.login" || e.Result == audit.ResultOK {
					t.Errorf("refused login audit %+v", e.Record)
				}
			}

			var roles []string
			admin, roles = staffLogin(t, c, otp, "admin")
			if !slices.Equal(roles, []string{"sysadmin"}) {
				t.Errorf("admin roles %v", roles)
			}
			runBad(t, a, c, []badCase{
				{"unknown field", apitest.Call{Method: "POST", Path: staffBase + "/sessions", Body: `{"username":"reviewer","password":"x","totp":"123456","otp":"1"}`, Spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
				{"not json", apitest.Call{Method: "POST", Path: staffBase + "/sessions", Body: `username=reviewer`, ContentType: "text/plain", Spec: apitest.SpecInvalid}, 415, "request.unsupported_media_type"},
			})
			apitest.VerifyClean(t, a)
		})
		if reviewer == "" || admin == "" {
			t.Fatal("no session")
		}

		t.Run("no session", func(t *testing.T) {
			// A unit agent's session is not a staff session.
			r := c.Do(t, apitest.Call{Method: "POST", Path: "/api/unit/v1/sessions", Body: map[string]string{"unit_code": demo.UnitNo,
				"agent_id_number": demo.AgentID, "password": demo.Password, "totp": otp.Code(t, "agent")}})
			unitToken := apitest.Decode[map[string]any](t, r, http.StatusCreated)["token"].(string)
			stmt := staffBase + "/accounts/201000000001/statement"
			runBad(t, a, c, []badCase{
				{"no token", apitest.Call{Method: "GET", Path: stmt, Spec: apitest.SpecInvalid}, 401, "identity.no_session"},
				{"unknown token", apitest.Call{Method: "GET", Path: stmt, Auth: apitest.Bearer("no-such-token")}, 401, "identity.no_session"},
				{"unit token", apitest.Call{Method: "GET", Path: stmt, Auth: apitest.Bearer(unitToken)}, 401, "identity.no_session"},
				{"unit token on a write", apitest.Call{Method: "POST", Path: staffBase + "/accounts/201000000001/freeze", Body: map[string]string{"reason": "测试"}, Auth: apitest.Bearer(unitToken)}, 401, "identity.no_session"},
				{"no token on interest run", apitest.Call{Method: "POST", Path: staffBase + "/interest-runs", Body: map[string]int{"year": 2020}, Spec: apitest.SpecInvalid}, 401, "identity.no_session"},
			})
		})

		t.Run("statement", func(t *testing.T) {
			st := apitest.Decode[statementJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/accounts/201000000001/statement", Auth: reviewer}), http.StatusOK)
			opening := int64(demo.Employees[0].Opening)
			if st.AccountNo != "201000000001" || st.Name != "王建国" || st.Status != "01" || st.BalanceFen != opening || len(st.Lines) != 1 ||
				st.Lines[0].Serial != "MIG-201000000001" || st.Lines[0].BizType != "99" || st.Lines[0].IncomeFen != opening {
				t.Errorf("statement %+v", st)
			}
			runBad(t, a, c, []badCase{
				{"unknown account", apitest.Call{Method: "GET", Path: staffBase + "/accounts/209999999999/statement", Auth: reviewer}, 404, "deposit.employee_not_found"},
				{"sysadmin has no business rights", apitest.Call{Method: "GET", Path: staffBase + "/accounts/201000000001/statement", Auth: admin}, 403, "access.forbidden"},
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
			apitest.Decode[statementJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/accounts/201000000002/statement", Auth: auditor}), http.StatusOK)
			runBad(t, a, c, []badCase{
				{"freeze", apitest.Call{Method: "POST", Path: staffBase + "/accounts/201000000002/freeze", Body: map[string]string{"reason": "法院冻结"}, Auth: auditor}, 403, "access.forbidden"},
				{"list pre-registrations", apitest.Call{Method: "GET", Path: staffBase + "/preregistrations", Auth: auditor}, 403, "access.forbidden"},
				{"approve", apitest.Call{Method: "POST", Path: staffBase + "/preregistrations/1/approve", Auth: auditor}, 403, "access.forbidden"},
				{"start interest", apitest.Call{Method: "POST", Path: staffBase + "/interest-runs", Body: map[string]int{"year": 2020}, Auth: auditor}, 403, "access.forbidden"},
			})
		})

		t.Run("freeze and unfreeze", func(t *testing.T) {
			const acct = "201000000004"
			freeze := staffBase + "/accounts/" + acct + "/freeze"
			unfreeze := staffBase + "/accounts/" + acct + "/unfreeze"
			runBad(t, a, c, []badCase{
				{"sysadmin", apitest.Call{Method: "POST", Path: freeze, Body: map[string]string{"reason": "法院冻结"}, Auth: admin}, 403, "access.forbidden"},
				{"unfreeze a normal account", apitest.Call{Method: "POST", Path: unfreeze, Body: map[string]string{"reason": "解除"}, Auth: reviewer}, 409, "deposit.employee_status"},
				{"no reason", apitest.Call{Method: "POST", Path: freeze, Body: map[string]string{"reason": ""}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"reason too long", apitest.Call{Method: "POST", Path: freeze, Body: map[string]string{"reason": strings.Repeat("冻", 101)}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"unknown account", apitest.Call{Method: "POST", Path: staffBase + "/accounts/209999999999/freeze", Body: map[string]string{"reason": "法院冻结"}, Auth: reviewer}, 404, "deposit.employee_not_found"},
			})
			before := apitest.Snapshot(t, a)
			got := apitest.Decode[map[string]string](t, c.Do(t, apitest.Call{Method: "POST", Path: freeze, Body: map[string]string{"reason": "法院冻结"}, Auth: reviewer}), http.StatusOK)
			if got["account_no"] != acct || got["status"] != "06" {
				t.Errorf("frozen %v", got)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			if e := apitest.LastAudit(t, a); e.Action != "deposit.employee_freeze" || e.Actor != "staff:reviewer" || e.Channel != "counter" {
				t.Errorf("freeze audit %+v", e.Record)
			}
			runBad(t, a, c, []badCase{
				{"freeze twice", apitest.Call{Method: "POST", Path: freeze, Body: map[string]string{"reason": "法院冻结"}, Auth: reviewer}, 409, "deposit.employee_status"},
			})
			before = apitest.Snapshot(t, a)
			got = apitest.Decode[map[string]string](t, c.Do(t, apitest.Call{Method: "POST", Path: unfreeze, Body: map[string]string{"reason": "解除冻结"}, Auth: reviewer}), http.StatusOK)
			if got["status"] != "01" {
				t.Errorf("unfrozen %v", got)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			apitest.VerifyClean(t, a)
		})

		t.Run("pre-registration", func(t *testing.T) {
			in := prereg("91350104M00030001", "福州示例贸易有限公司", "35010419850612001", "吴敏", "13900000031")
			p, err := a.Deposit.SubmitPreregistration(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			r := c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/preregistrations", Auth: reviewer})
			list := apitest.Decode[struct{ Items []preregJSON }](t, r, http.StatusOK)
			if len(list.Items) != 1 || list.Items[0].ID != p.ID || list.Items[0].Status != "pending" || list.Items[0].AgentName != "吴敏" ||
				!apitest.MaskedID.MatchString(list.Items[0].AgentID) || list.Items[0].AgentMobile != "139****0031" {
				t.Errorf("pending %+v", list.Items)
			}
			if bytes.Contains(r.Body, []byte(in.AgentIDNumber)) || bytes.Contains(r.Body, []byte(in.AgentMobile)) {
				t.Errorf("the list shows the agent's full ID number or mobile: %s", r.Body)
			}

			approve := fmt.Sprintf("%s/preregistrations/%d/approve", staffBase, p.ID)
			runBad(t, a, c, []badCase{
				{"sysadmin approves", apitest.Call{Method: "POST", Path: approve, Auth: admin}, 403, "access.forbidden"},
				{"sysadmin lists", apitest.Call{Method: "GET", Path: staffBase + "/preregistrations", Auth: admin}, 403, "access.forbidden"},
				{"unknown field", apitest.Call{Method: "POST", Path: approve, Body: map[string]string{"note": "同意"}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
				{"comment too long", apitest.Call{Method: "POST", Path: approve, Body: map[string]string{"comment": strings.Repeat("同", 201)}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"unknown id", apitest.Call{Method: "POST", Path: staffBase + "/preregistrations/999999/approve", Auth: reviewer}, 404, "deposit.prereg_not_found"},
				{"id not a number", apitest.Call{Method: "POST", Path: staffBase + "/preregistrations/abc/approve", Auth: reviewer, Spec: apitest.SpecInvalid}, 404, "request.not_found"},
			})

			before := apitest.Snapshot(t, a)
			r = c.Do(t, apitest.Call{Method: "POST", Path: approve, Body: map[string]string{"comment": "材料齐全，同意开户"}, Auth: reviewer})
			ok := apitest.Decode[struct {
				Status string   `json:"status"`
				Unit   unitJSON `json:"unit"`
			}](t, r, http.StatusOK)
			wantUnit := unitJSON{UnitNo: fmt.Sprintf("19%010d", p.ID), USCC: in.USCC, Name: in.Name, Status: "02", UnitBps: 1200, PersonBps: 1200,
				OpenedOn: today.String()}
			if ok.Status != "approved" || ok.Unit != wantUnit {
				t.Errorf("approved %+v, want unit %+v", ok, wantUnit)
			}
			apitest.Wrote(t, a, before, map[string]int64{"unit": 1, "ledger_account": 1, "ratio_history": 1, "person": 1, "unit_agent": 1, "audit_log": 1})
			if e := apitest.LastAudit(t, a); e.Action != "deposit.prereg_approve" || e.Actor != "staff:reviewer" || e.Object != "unit:"+wantUnit.UnitNo {
				t.Errorf("approve audit %+v", e.Record)
			}
			if got, err := a.Deposit.Preregistration(ctx, p.ID); err != nil || got.Status != "approved" || got.ReviewedBy != "staff:reviewer" ||
				got.ReviewComment != "材料齐全，同意开户" || got.UnitNo != wantUnit.UnitNo {
				t.Errorf("pre-registration after approval %+v (%v)", got, err)
			}
			list = apitest.Decode[struct{ Items []preregJSON }](t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/preregistrations", Auth: reviewer}), http.StatusOK)
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
				{"approve twice", apitest.Call{Method: "POST", Path: approve, Auth: reviewer}, 409, "deposit.prereg_status"},
				{"reject an approved one", apitest.Call{Method: "POST", Path: fmt.Sprintf("%s/preregistrations/%d/reject", staffBase, p.ID), Body: map[string]string{"comment": "重复"}, Auth: reviewer}, 409, "deposit.prereg_status"},
				{"reject without comment", apitest.Call{Method: "POST", Path: reject, Body: map[string]string{}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"reject with a blank comment", apitest.Call{Method: "POST", Path: reject, Body: map[string]string{"comment": "  "}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"reject without body", apitest.Call{Method: "POST", Path: reject, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"sysadmin rejects", apitest.Call{Method: "POST", Path: reject, Body: map[string]string{"comment": "材料不全"}, Auth: admin}, 403, "access.forbidden"},
			})
			before = apitest.Snapshot(t, a)
			rej := apitest.Decode[preregJSON](t, c.Do(t, apitest.Call{Method: "POST", Path: reject, Body: map[string]string{"comment": "营业执照复印件不清晰"}, Auth: reviewer}), http.StatusOK)
			if rej.ID != other.ID || rej.Status != "rejected" || rej.ReviewedBy != "staff:reviewer" || rej.ReviewComment != "营业执照复印件不清晰" || rej.UnitNo != "" {
				t.Errorf("rejected %+v", rej)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			apitest.VerifyClean(t, a)
		})

		t.Run("deferral", func(t *testing.T) {
			d, err := a.Deposit.ApplyDeferral(ctx, demo.UnitNo, month, month.Add(2), "职代会决议〔2026〕1号")
			if err != nil {
				t.Fatal(err)
			}
			list := apitest.Decode[struct{ Items []deferralJSON }](t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/deferrals?unit_no=" + demo.UnitNo, Auth: reviewer}), http.StatusOK)
			if len(list.Items) != 1 || list.Items[0].ID != d.ID || list.Items[0].Status != "pending" || list.Items[0].StartMonth != month.String() ||
				list.Items[0].EndMonth != month.Add(2).String() {
				t.Errorf("deferrals %+v", list.Items)
			}
			approve := fmt.Sprintf("%s/deferrals/%d/approve", staffBase, d.ID)
			runBad(t, a, c, []badCase{
				{"list without unit", apitest.Call{Method: "GET", Path: staffBase + "/deferrals", Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
				{"list of an unknown unit", apitest.Call{Method: "GET", Path: staffBase + "/deferrals?unit_no=100000000099", Auth: reviewer}, 404, "deposit.unit_not_found"},
				{"sysadmin approves", apitest.Call{Method: "POST", Path: approve, Auth: admin}, 403, "access.forbidden"},
				{"sysadmin lists", apitest.Call{Method: "GET", Path: staffBase + "/deferrals?unit_no=" + demo.UnitNo, Auth: admin}, 403, "access.forbidden"},
				{"reject without comment", apitest.Call{Method: "POST", Path: fmt.Sprintf("%s/deferrals/%d/reject", staffBase, d.ID), Body: map[string]string{}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input"},
				{"unknown id", apitest.Call{Method: "POST", Path: staffBase + "/deferrals/999999/approve", Auth: reviewer}, 404, "deposit.deferral_not_found"},
			})

			before := apitest.Snapshot(t, a)
			got := apitest.Decode[deferralJSON](t, c.Do(t, apitest.Call{Method: "POST", Path: approve, Auth: reviewer}), http.StatusOK)
			if got.ID != d.ID || got.Status != "approved" || got.ReviewedBy != "staff:reviewer" || got.UnitNo != demo.UnitNo {
				t.Errorf("approved %+v", got)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			if u, err := a.Deposit.Unit(ctx, demo.UnitNo); err != nil || u.Status != "03" {
				t.Errorf("unit after approval %+v (%v)", u, err)
			}
			runBad(t, a, c, []badCase{
				{"approve twice", apitest.Call{Method: "POST", Path: approve, Auth: reviewer}, 409, "deposit.deferral_status"},
				{"reject an approved one", apitest.Call{Method: "POST", Path: fmt.Sprintf("%s/deferrals/%d/reject", staffBase, d.ID), Body: map[string]string{"comment": "不符合条件"}, Auth: reviewer}, 409, "deposit.deferral_status"},
			})
			apitest.VerifyClean(t, a)
		})
	})
}

func TestStaffInterestRun(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
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
			{"year not over", apitest.Call{Method: "POST", Path: runs, Body: map[string]int{"year": year + 1}, Auth: reviewer}, 409, "deposit.interest_too_early"},
			{"sysadmin", apitest.Call{Method: "POST", Path: runs, Body: map[string]int{"year": year}, Auth: admin}, 403, "access.forbidden"},
			{"year out of range", apitest.Call{Method: "POST", Path: runs, Body: map[string]int{"year": 1900}, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "deposit.interest_year"},
			{"year as text", apitest.Call{Method: "POST", Path: runs, Body: `{"year":"2026"}`, Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "request.invalid_field"},
			{"not started", apitest.Call{Method: "GET", Path: status, Auth: reviewer}, 404, "deposit.interest_run_not_found"},
		})

		t.Run("settle", func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: runs, Body: map[string]int{"year": year}, Auth: reviewer})
			t.Logf("POST %s answered %d", runs, r.Status)
			switch r.Status {
			case http.StatusAccepted:
				acc := apitest.Decode[interestRunJSON](t, r, http.StatusAccepted)
				if acc.Year != year || acc.Status != "running" || acc.Progress != status {
					t.Errorf("accepted %+v", acc)
				}
			case http.StatusOK:
			default:
				t.Fatalf("start: %s", r)
			}
			var run interestRunJSON
			for deadline := time.Now().Add(30 * time.Second); ; {
				run = apitest.Decode[interestRunJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: status, Auth: reviewer}), http.StatusOK)
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
			d := apitest.Delta(before, apitest.Snapshot(t, a))
			if d["interest_run"] != 1 || d["interest_item"] != accounts || d["journal_entry"] < 1 || d["posting"] != d["journal_entry"]+accounts {
				t.Errorf("rows written %v", d)
			}
			st := apitest.Decode[statementJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/accounts/201000000001/statement", Auth: reviewer}), http.StatusOK)
			if len(st.Lines) < 2 || st.Lines[0].BizType != "09" || st.Lines[0].Date != to.String() || st.Lines[0].IncomeFen <= 0 ||
				st.BalanceFen != int64(demo.Employees[0].Opening)+st.Lines[0].IncomeFen {
				t.Errorf("statement after settlement %+v", st)
			}

			// Done is done: asking again settles nothing.
			before = apitest.Snapshot(t, a)
			again := apitest.Decode[interestRunJSON](t, c.Do(t, apitest.Call{Method: "POST", Path: runs, Body: map[string]int{"year": year}, Auth: reviewer}), http.StatusOK)
			if again.Status != "done" || again.InterestFen != run.InterestFen || again.Done != run.Done {
				t.Errorf("second run %+v, first %+v", again, run)
			}
			apitest.Unchanged(t, a, before)
			apitest.VerifyClean(t, a)
		})

		runBad(t, a, c, []badCase{
			{"an earlier year after a later one", apitest.Call{Method: "POST", Path: runs, Body: map[string]int{"year": year - 1}, Auth: reviewer}, 409, "deposit.interest_out_of_order"},
		})
	})
}
