package kiosk_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/channels/kiosk"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/signing/signtest"
)

var quiet = apitest.WithConfig(func(c *config.Config) { c.LogLevel = "error" })

// newKiosk registers kiosk K-TEST-01 and returns a client signing as it.
func newKiosk(t *testing.T, a *app.App) *signtest.Client {
	t.Helper()
	key, err := a.Kiosk.Devices.Register(context.Background(), "K-TEST-01", "鼓楼网点", "大厅 1 号机", "staff:maker")
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return &signtest.Client{E: e, IDHeader: kiosk.HeaderKiosk, ID: "K-TEST-01", Key: []byte(key)}
}

// login signs a person in on the kiosk and returns the client with the
// session token.
func login(t *testing.T, k *signtest.Client, idNumber, password string) *signtest.Client {
	t.Helper()
	r := k.Do(t, http.MethodPost, kiosk.Base+"/sessions", map[string]string{"id_number": idNumber, "password": password})
	got := apitest.Decode[map[string]string](t, r, http.StatusCreated)
	c := *k
	c.Token = got["token"]
	return &c
}

// TestSignatures: a signed request passes once; the same request again (a
// replay), an unsigned, a stale, a tampered one and one of an unknown kiosk
// are refused with their codes, audited, and the heartbeat of the good one
// is what staff see.
func TestSignatures(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		k := newKiosk(t, a)
		req := k.NewRequest(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{"state": "ok"})
		apitest.Decode[map[string]string](t, k.Send(t, req, apitest.SpecValid), http.StatusOK)

		before := apitest.Snapshot(t, a)
		apitest.CheckProblem(t, k.Send(t, req, apitest.SpecValid), http.StatusUnauthorized, "signature.replayed")
		if last := apitest.LastAudit(t, a); last.Action != "kiosk.request_refused" || last.Result != "refused" || last.Actor != "kiosk:K-TEST-01" {
			t.Errorf("refusal audit %+v", last.Record)
		}

		unsigned := k.NewRequest(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{"state": "ok"})
		unsigned.Header.Del("X-Signature")
		apitest.CheckProblem(t, k.Send(t, unsigned, apitest.SpecInvalid), http.StatusUnauthorized, "signature.missing")

		tampered := k.NewRequest(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{"state": "ok"})
		tampered.Body = []byte(`{"state":"hacked"}`)
		apitest.CheckProblem(t, k.Send(t, tampered, apitest.SpecValid), http.StatusUnauthorized, "signature.invalid")

		old := *k
		old.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
		apitest.CheckProblem(t, old.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{}), http.StatusUnauthorized, "signature.stale")

		stranger := *k
		stranger.ID = "K-UNKNOWN"
		apitest.CheckProblem(t, stranger.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{}), http.StatusUnauthorized, "signature.invalid")

		wrongKey := *k
		wrongKey.Key = []byte("not-the-key")
		apitest.CheckProblem(t, wrongKey.Do(t, http.MethodPost, kiosk.Base+"/sessions",
			map[string]string{"id_number": demo.Employees[1].IDNumber, "password": demo.Password}), http.StatusUnauthorized, "signature.invalid")
		// Refusals change nothing but the audit trail.
		if d := apitest.Delta(before, apitest.Snapshot(t, a)); len(d) != 1 || d["audit_log"] != 6 {
			t.Errorf("refused requests wrote %v", d)
		}

		list, err := a.Kiosk.Devices.List(context.Background())
		if err != nil || len(list) != 1 || list[0].LastSeenAt == nil || list[0].LastState != "ok" {
			t.Fatalf("kiosks %+v, %v", list, err)
		}
	}, quiet)
}

// TestAppRegistrationLogsInOnKiosk: 林静 registers on the app (SMS code,
// password) and logs in on a kiosk with the ID number and the same password;
// she reads her account and a wrong password is refused.
func TestAppRegistrationLogsInOnKiosk(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		appc := apitest.Server(t, a, []string{"appSession"})
		e := demo.Unregistered
		const password = "Lin2026kiosk"
		r := appc.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/sms-codes", Body: map[string]string{"phone": e.Mobile, "purpose": "register"}})
		if r.Status != http.StatusAccepted {
			t.Fatalf("sms code: %s", r)
		}
		r = appc.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/registrations", Body: map[string]string{
			"id_number": e.IDNumber, "name": e.Name, "phone": e.Mobile, "sms_code": in.Code(t, e.Mobile, "otp.register"), "password": password}})
		apitest.Decode[map[string]int64](t, r, http.StatusCreated)

		k := newKiosk(t, a)
		r = k.Do(t, http.MethodPost, kiosk.Base+"/sessions", map[string]string{"id_number": e.IDNumber, "password": "Wrong2026pw"})
		apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.bad_credentials")

		p := login(t, k, e.IDNumber, password)
		acc := apitest.Decode[map[string]any](t, p.Do(t, http.MethodGet, kiosk.Base+"/account", nil), http.StatusOK)
		if acc["account_no"] != e.AccountNo || acc["name"] != e.Name || acc["balance_fen"] != float64(e.Opening) {
			t.Errorf("account %v", acc)
		}
		st := apitest.Decode[map[string][]map[string]any](t, p.Do(t, http.MethodGet, kiosk.Base+"/statement", nil), http.StatusOK)
		if len(st["items"]) == 0 {
			t.Error("no statement lines")
		}
		// The session is a kiosk session: the app does not take it.
		r = appc.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/account", Auth: apitest.Bearer(p.Token)})
		apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.no_session")
		// Logged out, the token is dead.
		if r := p.Do(t, http.MethodDelete, kiosk.Base+"/sessions/current", nil); r.Status != http.StatusNoContent {
			t.Fatalf("logout %s", r)
		}
		apitest.CheckProblem(t, p.Do(t, http.MethodGet, kiosk.Base+"/account", nil), http.StatusUnauthorized, "identity.no_session")
	}, quiet)
}

// TestPrintLimit: prints are PDFs, logged and counted; past the daily limit
// a print is refused and nothing is issued.
func TestPrintLimit(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		k := newKiosk(t, a)
		emp := demo.Employees[1]
		p := login(t, k, emp.IDNumber, demo.Password)
		paths := []string{"/prints/deposit-certificate", "/prints/statement"}
		for i := range kiosk.DefaultPrintLimit {
			r := p.Do(t, http.MethodPost, kiosk.Base+paths[i%2], nil)
			if r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "%PDF-") || r.Header.Get("X-Document-No") == "" {
				t.Fatalf("print %d: %d %.100s", i, r.Status, r.Body)
			}
			if cd := r.Header.Get(echo.HeaderContentDisposition); !strings.HasPrefix(cd, "attachment;") {
				t.Errorf("Content-Disposition %q", cd)
			}
		}
		before := apitest.Snapshot(t, a)
		r := p.Do(t, http.MethodPost, kiosk.Base+"/prints/deposit-certificate", nil)
		apitest.CheckProblem(t, r, http.StatusForbidden, "kiosk.print_limit")
		apitest.Unchanged(t, a, before)

		var n int
		if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM kiosk_print WHERE kiosk_id = 'K-TEST-01'`); err != nil || n != kiosk.DefaultPrintLimit {
			t.Errorf("print log has %d rows (%v)", n, err)
		}
		// Another person still prints.
		other := login(t, k, demo.Employees[2].IDNumber, demo.Password)
		if r := other.Do(t, http.MethodPost, kiosk.Base+"/prints/deposit-certificate", nil); r.Status != http.StatusOK {
			t.Errorf("other person's print: %d", r.Status)
		}
	}, quiet)
}

// TestStaffRegistersKiosk: a channel admin registers a kiosk through the
// staff API and gets its key once; the kiosk signs with it and its heartbeat
// shows in the list; a reviewer may not register kiosks.
func TestStaffRegistersKiosk(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		staff := func(user string) string {
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/sessions", Auth: "-",
				Body: map[string]string{"username": user, "password": demo.Password, "totp": otp.Code(t, user)}})
			return apitest.Decode[map[string]any](t, r, http.StatusCreated)["token"].(string)
		}
		maker, reviewer := staff("maker"), staff("reviewer")
		body := map[string]string{"id": "K-GL-02", "branch": "鼓楼网点", "name": "2 号机"}
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/kiosks", Auth: apitest.Bearer(reviewer), Body: body})
		apitest.CheckProblem(t, r, http.StatusForbidden, "access.forbidden")
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/kiosks", Auth: apitest.Bearer(maker), Body: body})
		got := apitest.Decode[map[string]any](t, r, http.StatusCreated)
		key, _ := got["key"].(string)
		if len(key) != 43 {
			t.Fatalf("key %q", key)
		}
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/kiosks", Auth: apitest.Bearer(maker), Body: body})
		apitest.CheckProblem(t, r, http.StatusConflict, "kiosk.exists")

		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		k := &signtest.Client{E: e, IDHeader: kiosk.HeaderKiosk, ID: "K-GL-02", Key: []byte(key)}
		apitest.Decode[map[string]string](t, k.Do(t, http.MethodPost, kiosk.Base+"/heartbeat", map[string]string{"state": "printer:paper_low"}), http.StatusOK)
		r = c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/admin/v1/kiosks", Auth: apitest.Bearer(maker)})
		list := apitest.Decode[map[string][]map[string]any](t, r, http.StatusOK)["items"]
		if len(list) != 1 || list[0]["last_state"] != "printer:paper_low" || list[0]["last_seen_at"] == nil {
			t.Errorf("kiosks %v", list)
		}
	}, quiet)
}
