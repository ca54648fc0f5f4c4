package staffapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/notify"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/platform/testenv"
)

const appBase = "/api/app/v1"

type loanAppJSON struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	ReviewLevel int    `json:"review_level"`
	LoanNo      string `json:"loan_no"`
	ContractNo  string `json:"contract_no"`
	Reviews     []struct {
		Level    int    `json:"level"`
		Reviewer string `json:"reviewer"`
	} `json:"reviews"`
}

type loanJSON struct {
	LoanNo     string `json:"loan_no"`
	Status     string `json:"status"`
	BalanceFen int64  `json:"balance_fen"`
	FixedFen   int64  `json:"fixed_fen"`
	Plan       []struct {
		Period int    `json:"period"`
		DueOn  string `json:"due_on"`
		Status string `json:"status"`
	} `json:"plan"`
	Offset *struct {
		Status string `json:"status"`
	} `json:"offset"`
}

// loanReviewer makes a staff user with the reviewer role and a session.
func loanReviewer(t *testing.T, a *app.App, username string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := a.DB.ExecContext(ctx, `INSERT INTO staff_user (username, display_name, branch, status, created_at)
		VALUES (?, ?, 'center', 'active', ?)`, username, username, db.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.Access.Grant(access.Grant{Subject: "staff:" + username, Role: access.RoleReviewer, Domain: access.Center}); err != nil {
		t.Fatal(err)
	}
	return loanStaffSession(t, a, username)
}

func loanStaffSession(t *testing.T, a *app.App, username string) string {
	t.Helper()
	tok, _, err := a.Identity.NewSession(context.Background(), identity.Principal{Kind: "staff", Subject: "staff:" + username, Name: username}, "counter")
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Bearer(tok)
}

// loanPersonSession is an app session of a demo employee at real-name level 2.
func loanPersonSession(t *testing.T, a *app.App, e demo.Employee) string {
	t.Helper()
	ctx := context.Background()
	if _, err := a.DB.ExecContext(ctx, `UPDATE person SET real_name_level = 2 WHERE id_number = ?`, e.IDNumber); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := a.DB.GetContext(ctx, &id, `SELECT id FROM person WHERE id_number = ?`, e.IDNumber); err != nil {
		t.Fatal(err)
	}
	p, err := a.Identity.PersonPrincipal(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Identity.NewSession(ctx, *p, "app")
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Bearer(tok)
}

// loanStepUp asks for a step-up code and reads it from the SMS outbox (the
// one-a-minute sending limit of the phone is lifted first).
func loanStepUp(t *testing.T, a *app.App, c *apitest.Client, auth, phone string) string {
	t.Helper()
	if err := a.KV.Del(context.Background(), "otpmin:"+phone); err != nil {
		t.Fatal(err)
	}
	r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: appBase + "/sms-codes", Auth: auth, Body: map[string]string{"purpose": "step_up"}})
	if r.Status != http.StatusAccepted {
		t.Fatalf("step-up code: %s", r)
	}
	list, err := a.Notify.Outbox(context.Background(), notify.Filter{Phone: phone, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`验证码为([0-9]{6})`)
	for _, m := range list {
		if g := re.FindStringSubmatch(m.Text); g != nil && m.Template == notify.OTPStepUp {
			return g[1]
		}
	}
	t.Fatal("no step-up code in the outbox")
	return ""
}

// TestLoanEndToEnd: a person applies on the app, two different reviewers
// approve on the staff API, staff sign the contract and disburse; the
// person sees the loan and its plan, signs and cancels an offset
// agreement, prepays part (step-up code, idempotency key), settles the
// loan and downloads the 结清证明. The books verify afterwards.
func TestLoanEndToEnd(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		if _, err := a.Dates.Set(ctx, date.MustParse("2026-03-10"), true); err != nil {
			t.Fatal(err)
		}
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		c := apitest.NewClient(t, e, []string{"appSession", "staffSession"})
		li := demo.Employees[1]
		person := loanPersonSession(t, a, li)
		body := map[string]any{"house_price_fen": money.Yuan(500_000), "term_months": 240, "method": "equal_installment", "home": "first",
			"amount_fen": money.Yuan(300_000), "house_address": "福州市鼓楼区示例路 8 号", "seller_name": "示例房地产开发有限公司",
			"seller_account": "6222999900001111", "seller_bank": "示例银行"}
		apply := func(key string, b map[string]any) apitest.Result {
			return loanKeyed(t, e, appBase+"/loan-applications", person, key, b, apitest.SpecValid)
		}
		ap := apitest.Decode[loanAppJSON](t, apply("k1", body), http.StatusCreated)
		if ap.Status != "reviewing" || ap.ReviewLevel != 1 {
			t.Fatalf("application %+v", ap)
		}
		if again := apitest.Decode[loanAppJSON](t, apply("k1", body), http.StatusOK); again.ID != ap.ID {
			t.Errorf("replay answered %+v", again)
		}
		apitest.CheckProblem(t, apply("k2", body), http.StatusConflict, "loan.application_open")

		path := fmt.Sprintf("%s/loan-applications/%d", staffBase, ap.ID)
		first := loanStaffSession(t, a, "reviewer")
		second := loanReviewer(t, a, "reviewer2")
		queue := apitest.Decode[struct {
			Items []loanAppJSON `json:"items"`
		}](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: staffBase + "/loan-applications?status=reviewing", Auth: first}), http.StatusOK)
		if len(queue.Items) != 1 || queue.Items[0].ID != ap.ID {
			t.Fatalf("queue %+v", queue)
		}
		approve := func(auth string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: path + "/approve", Body: map[string]string{"comment": "同意"}, Auth: auth})
		}
		if got := apitest.Decode[loanAppJSON](t, approve(first), http.StatusOK); got.ReviewLevel != 2 {
			t.Fatalf("after level 1: %+v", got)
		}
		apitest.CheckProblem(t, approve(first), http.StatusForbidden, "loan.same_reviewer")
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path + "/approve", Auth: person}),
			http.StatusUnauthorized, "identity.no_session")
		if got := apitest.Decode[loanAppJSON](t, approve(second), http.StatusOK); got.Status != "approved" || len(got.Reviews) != 2 ||
			got.Reviews[1].Reviewer != "staff:reviewer2" {
			t.Fatalf("after level 2: %+v", got)
		}
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: path + "/contract", Body: map[string]string{"mortgage_ref": "闽(2026)福州市不动产证明第0000003号"}, Auth: second})
		if got := apitest.Decode[loanAppJSON](t, r, http.StatusOK); got.Status != "signed" || got.ContractNo == "" {
			t.Fatalf("contract %+v", got)
		}
		l := apitest.Decode[loanJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path + "/disbursement", Auth: second}), http.StatusOK)
		if l.Status != "normal" || l.BalanceFen != int64(money.Yuan(300_000)) || len(l.Plan) != 240 || l.Plan[0].DueOn != "2026-04-10" {
			t.Fatalf("loan %+v", l.LoanNo)
		}
		apitest.Decode[loanJSON](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: staffBase + "/loans/" + l.LoanNo, Auth: first}), http.StatusOK)

		// The person's side.
		mine := apitest.Decode[loanJSON](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: appBase + "/loans/" + l.LoanNo, Auth: person}), http.StatusOK)
		if len(mine.Plan) != 240 || mine.Offset != nil {
			t.Errorf("person's loan %+v", mine.LoanNo)
		}
		other := loanPersonSession(t, a, demo.Employees[2])
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: appBase + "/loans/" + l.LoanNo, Auth: other}), http.StatusNotFound, "loan.not_found")
		offset := appBase + "/loans/" + l.LoanNo + "/offset"
		if r := c.Do(t, apitest.Call{Method: http.MethodPut, Path: offset, Body: map[string]bool{"include_co": false}, Auth: person}); r.Status != http.StatusOK {
			t.Fatalf("sign offset %s", r)
		}
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodPut, Path: offset, Auth: person}), http.StatusConflict, "loan.offset_exists")
		if r := c.Do(t, apitest.Call{Method: http.MethodDelete, Path: offset, Auth: person}); r.Status != http.StatusOK {
			t.Fatalf("cancel offset %s", r)
		}

		prepay := appBase + "/loans/" + l.LoanNo + "/prepayments"
		apitest.CheckProblem(t, loanKeyed(t, e, prepay, person, "", map[string]any{"amount_fen": money.Yuan(20_000),
			"mode": "reduce", "sms_code": "000000"}, apitest.SpecInvalid), http.StatusBadRequest, "loan.idempotency_key_required")
		code := loanStepUp(t, a, c, person, li.Mobile)
		pb := map[string]any{"amount_fen": money.Yuan(20_000), "mode": "reduce", "sms_code": code}
		res := apitest.Decode[struct {
			PrincipalFen int64    `json:"principal_fen"`
			Settled      bool     `json:"settled"`
			Loan         loanJSON `json:"loan"`
		}](t, loanKeyed(t, e, prepay, person, "pp-1", pb, apitest.SpecValid), http.StatusCreated)
		if res.PrincipalFen != int64(money.Yuan(20_000)) || res.Settled || res.Loan.BalanceFen != int64(money.Yuan(280_000)) || res.Loan.FixedFen >= l.FixedFen {
			t.Errorf("prepayment %+v", res)
		}
		code = loanStepUp(t, a, c, person, li.Mobile)
		full := apitest.Decode[struct {
			Settled bool     `json:"settled"`
			Loan    loanJSON `json:"loan"`
		}](t, loanKeyed(t, e, prepay, person, "pp-2", map[string]any{"full": true, "sms_code": code}, apitest.SpecValid), http.StatusCreated)
		if !full.Settled || full.Loan.Status != "settled" || full.Loan.BalanceFen != 0 {
			t.Errorf("settlement %+v", full)
		}
		cert := c.Do(t, apitest.Call{Method: http.MethodGet, Path: appBase + "/loans/" + l.LoanNo + "/settlement-certificate", Auth: person})
		if fontInstalled() {
			if cert.Status != http.StatusOK || !bytes.HasPrefix(cert.Body, []byte("%PDF")) {
				t.Errorf("certificate %d %.100s", cert.Status, cert.Body)
			}
		} else if testenv.Required("pdf") {
			t.Error("the PDF font is not installed")
		}
		apitest.VerifyClean(t, a)
	})
}

func fontInstalled() bool {
	for _, p := range deposit.FontCandidates {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// loanKeyed posts body to path with an Idempotency-Key header (none for "")
// and validates the request (as spec says) and the answer against
// openapi.yaml, like apitest.Client.Do, whose calls carry no other headers.
func loanKeyed(t *testing.T, e *echo.Echo, path, auth, key string, body any, spec apitest.SpecCheck) apitest.Result {
	t.Helper()
	ctx := context.Background()
	raw := apitest.EncodeBody(t, body)
	build := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(raw))
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
		t.Errorf("request %s does not conform to openapi.yaml: %v", path, err)
	case spec == apitest.SpecInvalid && err == nil:
		t.Errorf("openapi.yaml accepts the invalid request %s %s", path, raw)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, build())
	res := apitest.Result{Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("response to %s does not conform to openapi.yaml: %v\n%.2000s", path, err, res.Body)
	}
	return res
}
