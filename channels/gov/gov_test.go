package gov_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"

	"gjj/channels/gov"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/signing/signtest"
)

var quiet = apitest.WithConfig(func(c *config.Config) { c.LogLevel = "error" })

// agency registers civil affairs (MZ-01) for kinds and returns a client
// signing as it.
func agency(t *testing.T, a *app.App, kinds ...string) *signtest.Client {
	t.Helper()
	key, err := a.Gov.Agencies.Register(context.Background(), "MZ-01", "市民政局社会救助核对中心", kinds, "staff:maker")
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return &signtest.Client{E: e, IDHeader: gov.HeaderAgency, ID: "MZ-01", Key: []byte(key)}
}

func members(emps ...demo.Employee) []map[string]string {
	var out []map[string]string
	for _, e := range emps {
		out = append(out, map[string]string{"name": e.Name, "id_type": "01", "id_number": e.IDNumber})
	}
	return out
}

func today(t *testing.T, a *app.App) string {
	d, err := a.Dates.Today(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d.AddDays(30).String()
}

// TestCheckNeedsAuthorization: a check without a recorded authorization, with
// one that does not list the member, or of a kind the agency may not query
// is refused with its code, audited and answers no data; the authorized
// check answers exactly the listed fields.
func TestCheckNeedsAuthorization(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := agency(t, a, "basic", "withdrawals")
		fam := []demo.Employee{demo.Employees[1], demo.Employees[2]}
		body := map[string]any{"authorization_ref": "SQ2026-001", "purpose": "低保审核", "members": members(fam...)}

		cases := []struct {
			name, path, code string
			setup            func()
		}{
			{"no authorization", "/checks/basic", "gov.no_authorization", nil},
			{"kind not allowed for the agency", "/checks/loans", "gov.kind_not_allowed", nil},
		}
		for _, tc := range cases {
			before := apitest.Snapshot(t, a)
			r := c.Do(t, http.MethodPost, gov.Base+tc.path, body)
			apitest.CheckProblem(t, r, http.StatusForbidden, tc.code)
			if last := apitest.LastAudit(t, a); last.Action != "gov.check" || last.Result != "refused" || last.Channel != "gov" {
				t.Errorf("%s: audit %+v", tc.name, last.Record)
			}
			if d := apitest.Delta(before, apitest.Snapshot(t, a)); len(d) != 1 || d["audit_log"] != 1 {
				t.Errorf("%s wrote %v", tc.name, d)
			}
		}

		// Recording an authorization for a kind the agency may not use is refused.
		r := c.Do(t, http.MethodPost, gov.Base+"/authorizations", map[string]any{"ref": "SQ2026-001", "members": []string{fam[0].IDNumber},
			"kinds": []string{"loans"}, "valid_until": today(t, a)})
		apitest.CheckProblem(t, r, http.StatusForbidden, "gov.kind_not_allowed")
		// The family's authorization lists only the first member and basic.
		r = c.Do(t, http.MethodPost, gov.Base+"/authorizations", map[string]any{"ref": "SQ2026-001", "purpose": "低保审核",
			"members": []string{fam[0].IDNumber}, "kinds": []string{"basic"}, "valid_until": today(t, a)})
		apitest.Decode[map[string]any](t, r, http.StatusCreated)
		r = c.Do(t, http.MethodPost, gov.Base+"/authorizations", map[string]any{"ref": "SQ2026-001",
			"members": []string{fam[0].IDNumber}, "kinds": []string{"basic"}, "valid_until": today(t, a)})
		apitest.CheckProblem(t, r, http.StatusConflict, "gov.authorization_exists")

		apitest.CheckProblem(t, c.Do(t, http.MethodPost, gov.Base+"/checks/basic", body), http.StatusForbidden, "gov.member_not_authorized")
		apitest.CheckProblem(t, c.Do(t, http.MethodPost, gov.Base+"/checks/withdrawals",
			map[string]any{"authorization_ref": "SQ2026-001", "members": members(fam[0])}), http.StatusForbidden, "gov.authorization_kind")

		r = c.Do(t, http.MethodPost, gov.Base+"/checks/basic", map[string]any{"authorization_ref": "SQ2026-001", "members": members(fam[0])})
		got := apitest.Decode[struct {
			Results []map[string]json.RawMessage `json:"results"`
		}](t, r, http.StatusOK)
		if len(got.Results) != 1 {
			t.Fatalf("results %v", got.Results)
		}
		keys := slices.Sorted(maps.Keys(got.Results[0]))
		want := []string{"account_no", "account_status", "balance_fen", "found", "id_number", "id_type", "monthly_fen", "name", "opened_on"}
		if !slices.Equal(keys, want) {
			t.Errorf("fields %v, want %v", keys, want)
		}
		var bal int64
		var acct string
		_ = json.Unmarshal(got.Results[0]["balance_fen"], &bal)
		_ = json.Unmarshal(got.Results[0]["account_no"], &acct)
		if bal != int64(fam[0].Opening) || acct != fam[0].AccountNo {
			t.Errorf("balance %d account %s", bal, acct)
		}
		if last := apitest.LastAudit(t, a); last.Action != "gov.check" || last.Result != "ok" || last.Actor != "agency:MZ-01" {
			t.Errorf("audit %+v", last.Record)
		}
	}, quiet)
}

// TestUnsignedAndReplayRefused: the gov API takes only signed, fresh requests.
func TestUnsignedAndReplayRefused(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := agency(t, a, "basic")
		body := map[string]any{"ref": "SQ-9", "members": []string{demo.Employees[1].IDNumber}, "kinds": []string{"basic"}, "valid_until": today(t, a)}
		req := c.NewRequest(t, http.MethodPost, gov.Base+"/authorizations", body)
		apitest.Decode[map[string]any](t, c.Send(t, req, apitest.SpecValid), http.StatusCreated)
		apitest.CheckProblem(t, c.Send(t, req, apitest.SpecValid), http.StatusUnauthorized, "signature.replayed")
		unsigned := c.NewRequest(t, http.MethodPost, gov.Base+"/checks/basic", map[string]any{"authorization_ref": "SQ-9", "members": members(demo.Employees[1])})
		unsigned.Header.Del("X-Signature")
		apitest.CheckProblem(t, c.Send(t, unsigned, apitest.SpecInvalid), http.StatusUnauthorized, "signature.missing")
	}, quiet)
}

// TestWithdrawalAndLoanChecks: authorized checks of the other two kinds
// answer only their listed fields; a member the fund does not know under
// that name is found=false with nothing else.
func TestWithdrawalAndLoanChecks(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := agency(t, a, "basic", "withdrawals", "loans")
		emp := demo.Employees[1]
		r := c.Do(t, http.MethodPost, gov.Base+"/authorizations", map[string]any{"ref": "SQ-77", "members": []string{emp.IDNumber},
			"kinds": []string{"withdrawals", "loans"}, "valid_until": today(t, a)})
		apitest.Decode[map[string]any](t, r, http.StatusCreated)
		for _, kind := range []string{"withdrawals", "loans"} {
			r := c.Do(t, http.MethodPost, gov.Base+"/checks/"+kind, map[string]any{"authorization_ref": "SQ-77", "members": members(emp)})
			got := apitest.Decode[struct {
				Kind    string                       `json:"kind"`
				Results []map[string]json.RawMessage `json:"results"`
			}](t, r, http.StatusOK)
			if got.Kind != kind || len(got.Results) != 1 {
				t.Fatalf("%s: %+v", kind, got)
			}
			if keys := slices.Sorted(maps.Keys(got.Results[0])); !slices.Equal(keys, []string{"found", "id_number", "id_type", "items", "name"}) {
				t.Errorf("%s fields %v", kind, keys)
			}
			wrongName := emp
			wrongName.Name = "张三"
			r = c.Do(t, http.MethodPost, gov.Base+"/checks/"+kind, map[string]any{"authorization_ref": "SQ-77", "members": members(wrongName)})
			got = apitest.Decode[struct {
				Kind    string                       `json:"kind"`
				Results []map[string]json.RawMessage `json:"results"`
			}](t, r, http.StatusOK)
			if keys := slices.Sorted(maps.Keys(got.Results[0])); !slices.Equal(keys, []string{"found", "id_number", "id_type", "name"}) ||
				string(got.Results[0]["found"]) != "false" {
				t.Errorf("%s unknown member %v", kind, got.Results[0])
			}
		}
	}, quiet)
}

// TestStaffRegistersAgency: a channel admin registers an agency with its
// kinds through the staff API; the key is shown once and signs requests.
func TestStaffRegistersAgency(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/sessions", Auth: "-",
			Body: map[string]string{"username": "maker", "password": demo.Password, "totp": otp.Code(t, "maker")}})
		token := apitest.Decode[map[string]any](t, r, http.StatusCreated)["token"].(string)
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/gov-agencies", Auth: apitest.Bearer(token),
			Body: map[string]any{"id": "MZ-02", "name": "区民政局", "kinds": []string{"basic"}}})
		got := apitest.Decode[map[string]any](t, r, http.StatusCreated)
		key, _ := got["key"].(string)
		r = c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/admin/v1/gov-agencies", Auth: apitest.Bearer(token)})
		if list := apitest.Decode[map[string][]map[string]any](t, r, http.StatusOK)["items"]; len(list) != 1 || list[0]["id"] != "MZ-02" {
			t.Errorf("agencies %v", list)
		}
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		sc := &signtest.Client{E: e, IDHeader: gov.HeaderAgency, ID: "MZ-02", Key: []byte(key)}
		apitest.CheckProblem(t, sc.Do(t, http.MethodPost, gov.Base+"/checks/basic",
			map[string]any{"authorization_ref": "none", "members": members(demo.Employees[1])}), http.StatusForbidden, "gov.no_authorization")
	}, quiet)
}
