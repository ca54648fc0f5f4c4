package gov_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gjj/channels/gov"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/signing"
	"gjj/internal/signing/signtest"
)

// TestStaffManagesAgency: the agency's secret is stored sealed; a disabled
// agency is refused, enabled again it works; a rotated key is answered once
// and the old one stops; the overview counts its authorizations; a reviewer
// may do none of it.
func TestStaffManagesAgency(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := agency(t, a, "basic")
		var stored string
		if err := a.DB.GetContext(ctx, &stored, `SELECT secret FROM gov_agency WHERE id = ?`, c.ID); err != nil {
			t.Fatal(err)
		}
		if !signing.Sealed(stored) || strings.Contains(stored, string(c.Key)) {
			t.Fatalf("secret stored as %q", stored)
		}
		auth := func(cl *signtest.Client, ref string) apitest.Result {
			return cl.Do(t, http.MethodPost, gov.Base+"/authorizations", map[string]any{"ref": ref, "purpose": "低保审核",
				"members": []string{demo.Employees[1].IDNumber}, "kinds": []string{"basic"}, "valid_until": today(t, a)})
		}
		if r := auth(c, "SQ-M-1"); r.Status != http.StatusCreated {
			t.Fatalf("authorization: %s", r)
		}
		api := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		token := func(user string) string {
			r := api.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/sessions", Auth: "-",
				Body: map[string]string{"username": user, "password": demo.Password, "totp": otp.Code(t, user)}})
			return apitest.Decode[map[string]any](t, r, http.StatusCreated)["token"].(string)
		}
		maker, reviewer := token("maker"), token("reviewer")
		act := func(tok, action string) apitest.Result {
			return api.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/gov-agencies/" + c.ID + "/" + action, Auth: apitest.Bearer(tok)})
		}
		apitest.CheckProblem(t, act(reviewer, "disable"), http.StatusForbidden, "access.forbidden")
		apitest.CheckProblem(t, api.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/gov-agencies/NOPE-1/rotate-key", Auth: apitest.Bearer(maker)}),
			http.StatusNotFound, "gov.not_found")

		if got := apitest.Decode[map[string]map[string]any](t, act(maker, "disable"), http.StatusOK); got["agency"]["status"] != "disabled" {
			t.Fatalf("disable %v", got)
		}
		if e := apitest.LastAudit(t, a); e.Action != "gov.agency_disable" || e.Actor != "staff:maker" {
			t.Errorf("audit %+v", e.Record)
		}
		apitest.CheckProblem(t, auth(c, "SQ-M-2"), http.StatusUnauthorized, "signature.invalid")
		apitest.Decode[map[string]map[string]any](t, act(maker, "enable"), http.StatusOK)
		if r := auth(c, "SQ-M-3"); r.Status != http.StatusCreated {
			t.Fatalf("enabled again: %s", r)
		}
		rot := apitest.Decode[map[string]any](t, act(maker, "rotate-key"), http.StatusOK)
		key, _ := rot["key"].(string)
		if key == "" || key == string(c.Key) {
			t.Fatalf("rotated key %q", key)
		}
		apitest.CheckProblem(t, auth(c, "SQ-M-4"), http.StatusUnauthorized, "signature.invalid")
		fresh := *c
		fresh.Key = []byte(key)
		if r := auth(&fresh, "SQ-M-5"); r.Status != http.StatusCreated {
			t.Fatalf("new key: %s", r)
		}
		ov, err := a.Gov.Agencies.Overviews(ctx)
		if err != nil || len(ov) != 1 || ov[0].Authorizations != 3 || len(ov[0].Kinds) != 1 || ov[0].Kinds[0] != "basic" {
			t.Errorf("overview %+v %v", ov, err)
		}
		apitest.VerifyClean(t, a)
	}, quiet)
}
