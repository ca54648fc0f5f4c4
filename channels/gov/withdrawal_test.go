package gov_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gjj/channels/gov"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/signing/signtest"
)

// agencyAs registers agency id for kinds and returns a client signing as it.
func agencyAs(t *testing.T, a *app.App, id string, kinds ...string) *signtest.Client {
	t.Helper()
	key, err := a.Gov.Agencies.Register(context.Background(), id, "政务服务平台 "+id, kinds, "staff:maker")
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return &signtest.Client{E: e, IDHeader: gov.HeaderAgency, ID: id, Key: []byte(key)}
}

// applyRetirement posts a retirement withdrawal application under key.
func applyRetirement(t *testing.T, c *signtest.Client, key, ref string, e demo.Employee, card string) apitest.Result {
	t.Helper()
	r := c.NewRequest(t, http.MethodPost, gov.Base+"/applications/retirement-withdrawal", map[string]any{"authorization_ref": ref,
		"applicant": map[string]string{"name": e.Name, "id_type": "01", "id_number": e.IDNumber}, "bank_card": card})
	check := apitest.SpecValid
	if key != "" {
		r.Header.Set(gov.KeyHeader, key)
	} else {
		check = apitest.SpecInvalid
	}
	return c.Send(t, r, check)
}

func withdrawalRows(t *testing.T, a *app.App) int {
	t.Helper()
	var n int
	if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM withdrawal_application`); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRetirementWithdrawalApplication: the 政务服务 platform applies for
// 王建国's 离休、退休 销户提取 with his recorded authorization; it goes
// through the gate as channel gov into the withdrawal core's submission (an
// application with its rule checks, the agency recorded as the source
// instead of an SMS step-up). Without an authorization, from an agency not
// allowed the kind, under an authorization that does not cover the kind or
// does not list the person, or without an Idempotency-Key it is refused with
// its code and nothing is created; a replay answers the first receipt and
// the same key with another body is 409.
func TestRetirementWithdrawalApplication(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		wang, liMing := demo.Employees[0], demo.Employees[1]
		c := agencyAs(t, a, "ZW-01", "basic", "retirement_withdrawal")
		other := agencyAs(t, a, "ZW-02", "basic")
		for _, au := range []struct {
			c      *signtest.Client
			ref    string
			member demo.Employee
			kinds  []string
		}{
			{c, "YW2026-0001", wang, []string{"retirement_withdrawal"}},
			{c, "YW2026-BASIC", wang, []string{"basic"}},
			{other, "YW2026-0001", wang, []string{"basic"}},
			{c, "YW2026-LI", liMing, []string{"retirement_withdrawal"}},
		} {
			r := au.c.Do(t, http.MethodPost, gov.Base+"/authorizations", map[string]any{"ref": au.ref, "purpose": "一网通办 退休提取",
				"members": []string{au.member.IDNumber}, "kinds": au.kinds, "valid_until": today(t, a)})
			if r.Status != http.StatusCreated {
				t.Fatalf("authorization %s: %s", au.ref, r)
			}
		}

		for _, tc := range []struct {
			name     string
			c        *signtest.Client
			key, ref string
			e        demo.Employee
			status   int
			code     string
		}{
			{"no authorization", c, "k-none", "YW-NONE", wang, http.StatusForbidden, "gov.no_authorization"},
			{"kind not allowed for the agency", other, "k-kind", "YW2026-0001", wang, http.StatusForbidden, "gov.kind_not_allowed"},
			{"authorization without the kind", c, "k-auth", "YW2026-BASIC", wang, http.StatusForbidden, "gov.authorization_kind"},
			{"person not listed", c, "k-member", "YW2026-0001", liMing, http.StatusForbidden, "gov.member_not_authorized"},
			{"rules refuse (too young)", c, "k-age", "YW2026-LI", liMing, http.StatusConflict, "withdrawal.age"},
			{"no idempotency key", c, "", "YW2026-0001", wang, http.StatusBadRequest, "withdrawal.idempotency_key"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, rows := apitest.Snapshot(t, a), withdrawalRows(t, a)
				apitest.CheckProblem(t, applyRetirement(t, tc.c, tc.key, tc.ref, tc.e, demo.BankCard(tc.e)), tc.status, tc.code)
				if n := withdrawalRows(t, a); n != rows {
					t.Errorf("refused application created %d applications", n-rows)
				}
				if d := apitest.Delta(before, apitest.Snapshot(t, a)); len(d) != 1 || d["audit_log"] != 1 {
					t.Errorf("refusal wrote %v", d)
				}
				last := apitest.LastAudit(t, a)
				if last.Action != "gov.application" || last.Result != "refused" || last.Channel != "gov" ||
					last.Actor != "agency:"+tc.c.ID || !strings.Contains(last.After, tc.code) {
					t.Errorf("audit %+v", last.Record)
				}
			})
		}

		// Accepted: an application of 王建国's account with its checks.
		rows := withdrawalRows(t, a)
		emp, err := a.Deposit.Employee(ctx, wang.AccountNo)
		if err != nil {
			t.Fatal(err)
		}
		r := applyRetirement(t, c, "gov-retire-1", "YW2026-0001", wang, demo.BankCard(wang))
		got := apitest.Decode[struct {
			ID        int64            `json:"id"`
			Status    string           `json:"status"`
			Reason    string           `json:"reason"`
			Type      string           `json:"type"`
			AmountFen int64            `json:"amount_fen"`
			Checks    []map[string]any `json:"checks"`
		}](t, r, http.StatusCreated)
		if got.Reason != "retire" || got.Type != "close" || len(got.Checks) == 0 || emp.Balance <= 0 || got.AmountFen < int64(emp.Balance) {
			t.Fatalf("receipt %+v", got)
		}
		if withdrawalRows(t, a) != rows+1 {
			t.Fatal("not exactly one application created")
		}
		app, err := a.Withdrawal.Get(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if app.AccountNo != wang.AccountNo || app.Channel != "gov" || app.Reason != "retire" || len(app.Checks) != len(got.Checks) ||
			app.Fields.SMSCode != "" {
			t.Errorf("application %+v", app)
		}
		for _, ch := range app.Checks {
			if ch.Outcome == withdrawal.Fail {
				t.Errorf("accepted with a failed check %+v", ch)
			}
		}
		if len(app.Events) == 0 || app.Events[0].Action != "agency_submit" || app.Events[0].Actor != "agency:ZW-01" {
			t.Errorf("events %+v", app.Events)
		}
		subs, err := a.Audit.List(ctx, audit.Filter{Action: "withdrawal.agency_submit", Limit: 1})
		if err != nil || len(subs) != 1 || subs[0].Channel != "gov" || subs[0].Actor != "agency:ZW-01" ||
			!strings.Contains(subs[0].After, "agency_authorization") || !strings.Contains(subs[0].After, "YW2026-0001") {
			t.Errorf("submit audit %+v %v", subs, err)
		}
		if last := apitest.LastAudit(t, a); last.Action != "gov.application" || last.Result != "ok" {
			t.Errorf("audit %+v", last.Record)
		}

		// The same key and body answer the first receipt; another body is 409.
		again := applyRetirement(t, c, "gov-retire-1", "YW2026-0001", wang, demo.BankCard(wang))
		replayed := apitest.Decode[struct {
			ID int64 `json:"id"`
		}](t, again, http.StatusCreated)
		if replayed.ID != got.ID || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay %s", again)
		}
		before := withdrawalRows(t, a)
		apitest.CheckProblem(t, applyRetirement(t, c, "gov-retire-1", "YW2026-0001", wang, "6222020200001299"),
			http.StatusConflict, "withdrawal.idempotency_conflict")
		if withdrawalRows(t, a) != before {
			t.Error("a conflicting replay created an application")
		}
		// The core files for an agency only with that signed agency as the
		// actor on channel gov.
		for _, ctx := range []context.Context{ctx, reqctx.WithActor(ctx, reqctx.Actor{ID: "agency:ZW-02", Channel: "gov"}),
			reqctx.WithActor(ctx, reqctx.Actor{ID: "agency:ZW-01", Channel: "app"})} {
			_, err := a.Withdrawal.FileForAgency(ctx, "core-direct", withdrawal.AgencyApplication{AccountNo: wang.AccountNo,
				AgencyID: "ZW-01", AuthorizationRef: "YW2026-0001", Input: withdrawal.Input{Reason: "retire", BankCard: demo.BankCard(wang)}})
			if errs.E(err).Code != withdrawal.ErrNotAgency.Code {
				t.Errorf("FileForAgency as %+v: %v", reqctx.ActorOf(ctx), err)
			}
		}
		apitest.VerifyClean(t, a)
	}, quiet)
}
