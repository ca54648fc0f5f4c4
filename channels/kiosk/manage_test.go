package kiosk_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gjj/channels/kiosk"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	kioskdev "gjj/internal/kiosk"
	"gjj/internal/platform/date"
	"gjj/internal/signing"
	"gjj/internal/signing/signtest"
)

func staffToken(t *testing.T, c *apitest.Client, otp *apitest.OTP, user string) string {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/sessions", Auth: "-",
		Body: map[string]string{"username": user, "password": demo.Password, "totp": otp.Code(t, user)}})
	return apitest.Decode[map[string]any](t, r, http.StatusCreated)["token"].(string)
}

// TestStaffDisablesAndRotatesKiosk: the key is stored sealed (never as
// issued); a disabled kiosk's signed requests are refused and its session
// with them; enabled again it works; a rotated key is answered once, the old
// one stops at once; every action is audited; a reviewer may do none of it.
func TestStaffDisablesAndRotatesKiosk(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		k := newKiosk(t, a)
		var stored string
		if err := a.DB.GetContext(ctx, &stored, `SELECT secret FROM kiosk_device WHERE id = ?`, k.ID); err != nil {
			t.Fatal(err)
		}
		if !signing.Sealed(stored) || strings.Contains(stored, string(k.Key)) {
			t.Fatalf("key stored as %q", stored)
		}
		p := login(t, k, demo.Employees[1].IDNumber, demo.Password)
		apitest.Decode[map[string]any](t, p.Do(t, http.MethodGet, kiosk.Base+"/account", nil), http.StatusOK)

		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		maker, reviewer := staffToken(t, c, otp, "maker"), staffToken(t, c, otp, "reviewer")
		act := func(token, action string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/kiosks/" + k.ID + "/" + action, Auth: apitest.Bearer(token)})
		}
		for _, action := range []string{"disable", "enable", "rotate-key"} {
			apitest.CheckProblem(t, act(reviewer, action), http.StatusForbidden, "access.forbidden")
		}
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/kiosks/K-NONE/disable", Auth: apitest.Bearer(maker)}),
			http.StatusNotFound, "kiosk.not_found")

		got := apitest.Decode[map[string]map[string]any](t, act(maker, "disable"), http.StatusOK)
		if got["kiosk"]["status"] != kioskdev.StatusDisabled {
			t.Fatalf("disable answered %v", got)
		}
		if e := apitest.LastAudit(t, a); e.Action != "kiosk.disable" || e.Object != "kiosk:"+k.ID || e.Actor != "staff:maker" {
			t.Errorf("audit %+v", e.Record)
		}
		apitest.CheckProblem(t, k.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{}), http.StatusUnauthorized, "signature.invalid")
		apitest.CheckProblem(t, p.Do(t, http.MethodGet, kiosk.Base+"/account", nil), http.StatusUnauthorized, "signature.invalid")

		apitest.Decode[map[string]map[string]any](t, act(maker, "enable"), http.StatusOK)
		apitest.Decode[map[string]any](t, p.Do(t, http.MethodGet, kiosk.Base+"/account", nil), http.StatusOK)

		rot := apitest.Decode[map[string]any](t, act(maker, "rotate-key"), http.StatusOK)
		key, _ := rot["key"].(string)
		if len(key) != 43 || key == string(k.Key) {
			t.Fatalf("rotated key %q", key)
		}
		if e := apitest.LastAudit(t, a); e.Action != "kiosk.rotate_key" || strings.Contains(e.After, key) {
			t.Errorf("rotate audit %+v", e.Record)
		}
		apitest.CheckProblem(t, k.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{}), http.StatusUnauthorized, "signature.invalid")
		fresh := &signtest.Client{E: k.E, IDHeader: kiosk.HeaderKiosk, ID: k.ID, Key: []byte(key)}
		apitest.Decode[map[string]string](t, fresh.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{"state": "ok"}), http.StatusOK)
		// The list (and nothing else) never shows a key.
		r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/admin/v1/kiosks", Auth: apitest.Bearer(maker)})
		if strings.Contains(string(r.Body), key) || r.Status != http.StatusOK {
			t.Errorf("list %s", r)
		}

		ov, err := a.Kiosk.Devices.Overviews(ctx, mustToday(t, a))
		if err != nil || len(ov) != 1 || ov[0].ID != k.ID || ov[0].PrintsToday != 0 || ov[0].LastSeenAt == nil {
			t.Errorf("overview %+v %v", ov, err)
		}
		apitest.VerifyClean(t, a)
	}, quiet)
}

// TestPlaintextKeysSealedAtStart: a key an earlier version stored in plain
// text still signs, and SealPlaintext (run at every start) seals it once.
func TestPlaintextKeysSealedAtStart(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		const legacy = "legacy-plain-kiosk-key-0123456789abcdefghij"
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO kiosk_device (id, branch, name, secret, status, created_by, created_at)
			VALUES ('K-OLD-01', '老网点', '', ?, 'active', 'staff:maker', CURRENT_TIMESTAMP)`, legacy); err != nil {
			t.Fatal(err)
		}
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		old := &signtest.Client{E: e, IDHeader: kiosk.HeaderKiosk, ID: "K-OLD-01", Key: []byte(legacy)}
		apitest.Decode[map[string]string](t, old.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{"state": "ok"}), http.StatusOK)
		n, err := a.Kiosk.Devices.SealPlaintext(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sealed %d %v", n, err)
		}
		if n, _ := a.Kiosk.Devices.SealPlaintext(ctx); n != 0 {
			t.Errorf("sealed again: %d", n)
		}
		var stored string
		if err := a.DB.GetContext(ctx, &stored, `SELECT secret FROM kiosk_device WHERE id = 'K-OLD-01'`); err != nil || !signing.Sealed(stored) {
			t.Fatalf("stored %q %v", stored, err)
		}
		apitest.Decode[map[string]string](t, old.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{"state": "ok"}), http.StatusOK)
		// A sealed value copied to another row does not open there.
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO kiosk_device (id, branch, name, secret, status, created_by, created_at)
			VALUES ('K-COPY-01', '老网点', '', ?, 'active', 'staff:maker', CURRENT_TIMESTAMP)`, stored); err != nil {
			t.Fatal(err)
		}
		cp := &signtest.Client{E: e, IDHeader: kiosk.HeaderKiosk, ID: "K-COPY-01", Key: []byte(legacy)}
		if r := cp.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{}); r.Status == http.StatusOK {
			t.Error("a copied sealed key opened for another kiosk")
		}
	}, quiet)
}

func mustToday(t *testing.T, a *app.App) date.Date {
	t.Helper()
	d, err := a.Dates.Today(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
