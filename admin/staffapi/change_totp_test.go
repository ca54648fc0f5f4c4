package staffapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/demo"
)

type enrolmentJSON struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Secret    string `json:"secret"`
	URL       string `json:"otpauth_url"`
	QR        string `json:"qr_png"`
	ExpiresAt string `json:"expires_at"`
}

func startEnrolment(t *testing.T, c *apitest.Client, auth string, body any) apitest.Result {
	t.Helper()
	return c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/totp-enrolments", Auth: auth, Body: body})
}

func confirmEnrolment(t *testing.T, c *apitest.Client, auth, id, code string) apitest.Result {
	t.Helper()
	return c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/totp-enrolments/" + id + "/confirm", Auth: auth,
		Body: map[string]string{"code": code}})
}

// codeAt is the code of secret for the 30-second step containing t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func totpSecret(t *testing.T, a *app.App, username string) string {
	t.Helper()
	var s string
	if err := a.DB.GetContext(context.Background(), &s, `SELECT c.totp_secret FROM credential c JOIN staff_user u
		ON c.subject_type = 'staff' AND c.subject_id = u.id WHERE u.username = ?`, username); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTOTPEnrolment: a staff member enrols a new TOTP secret (otpauth URL
// and QR code), which replaces the old one only when a code of it is
// confirmed; wrong, replayed and foreign confirmations are refused and
// audited; a sysadmin enrols a colleague, nobody else may.
func TestTOTPEnrolment(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, apitest.SessionSchemes)
		reviewer := staffAuth(t, a, "reviewer")

		en := apitest.Decode[enrolmentJSON](t, startEnrolment(t, c, reviewer, nil), http.StatusCreated)
		u, err := url.Parse(en.URL)
		if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") != en.Secret || !strings.Contains(u.Path, "reviewer") || en.Username != "reviewer" {
			t.Fatalf("enrolment %+v", en)
		}
		img, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(en.QR, "data:image/png;base64,"))
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width < 200 {
			t.Fatalf("QR code: %v %+v", err, cfg)
		}
		if totpSecret(t, a, "reviewer") != demo.TOTPSecret {
			t.Fatal("secret replaced before confirmation")
		}
		if e := apitest.LastAudit(t, a); e.Action != "totp.enrol_start" || strings.Contains(e.After+e.Before, en.Secret) {
			t.Errorf("start audited as %+v", e)
		}

		// Wrong code, someone else's confirmation, an unknown enrolment.
		p := apitest.CheckProblem(t, confirmEnrolment(t, c, reviewer, en.ID, "000000"), http.StatusBadRequest, "totp.code_wrong")
		if p["tries_left"] != float64(4) {
			t.Errorf("problem %v", p)
		}
		now := time.Now()
		apitest.CheckProblem(t, confirmEnrolment(t, c, staffAuth(t, a, "admin"), en.ID, codeAt(t, en.Secret, now)), http.StatusNotFound, "totp.enrolment_not_found")
		apitest.CheckProblem(t, confirmEnrolment(t, c, reviewer, strings.Repeat("0", 32), codeAt(t, en.Secret, now)), http.StatusNotFound, "totp.enrolment_not_found")
		if totpSecret(t, a, "reviewer") != demo.TOTPSecret {
			t.Fatal("secret replaced by a refused confirmation")
		}

		// The code of the previous step (within the allowed skew): login
		// codes handed out by apitest.OTP are of this step or the next.
		code := codeAt(t, en.Secret, now.Add(-30*time.Second))
		r := confirmEnrolment(t, c, reviewer, en.ID, code)
		if got := apitest.Decode[map[string]string](t, r, http.StatusOK); got["username"] != "reviewer" || got["status"] != "enrolled" {
			t.Fatalf("confirmed %s", r)
		}
		if totpSecret(t, a, "reviewer") != en.Secret {
			t.Fatal("secret not replaced")
		}
		if e := apitest.LastAudit(t, a); e.Action != "totp.enrol" || e.Result != audit.ResultOK || e.Object != "staff:reviewer" ||
			strings.Contains(e.After, en.Secret) {
			t.Errorf("enrolment audited as %+v", e)
		}
		apitest.CheckProblem(t, confirmEnrolment(t, c, reviewer, en.ID, code), http.StatusNotFound, "totp.enrolment_not_found")
		// The confirmed code is spent for login too; the old secret no longer logs in; a fresh code does.
		login := func(code string) apitest.Result {
			return c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/sessions", Auth: "-", Body: staffLoginBody("reviewer", demo.Password, code)})
		}
		apitest.CheckProblem(t, login(code), http.StatusUnauthorized, "identity.bad_credentials")
		apitest.CheckProblem(t, login(codeAt(t, demo.TOTPSecret, time.Now())), http.StatusUnauthorized, "identity.bad_credentials")
		loginAt := time.Now().Add(30 * time.Second)
		apitest.Decode[staffSessionJSON](t, login(codeAt(t, en.Secret, loginAt)), http.StatusCreated)

		// A time step already used by this credential (the login above) is
		// refused on the next enrolment's confirmation too.
		en2 := apitest.Decode[enrolmentJSON](t, startEnrolment(t, c, reviewer, map[string]string{}), http.StatusCreated)
		apitest.CheckProblem(t, confirmEnrolment(t, c, reviewer, en2.ID, codeAt(t, en2.Secret, loginAt)), http.StatusBadRequest, "totp.code_used")

		// Five wrong codes void an enrolment.
		en3 := apitest.Decode[enrolmentJSON](t, startEnrolment(t, c, reviewer, nil), http.StatusCreated)
		for i := 0; i < 5; i++ {
			apitest.CheckProblem(t, confirmEnrolment(t, c, reviewer, en3.ID, "abcdef"), http.StatusBadRequest, "totp.code_wrong")
		}
		apitest.CheckProblem(t, confirmEnrolment(t, c, reviewer, en3.ID, codeAt(t, en3.Secret, time.Now())), http.StatusNotFound, "totp.enrolment_not_found")

		// Enrolling a colleague: sysadmin only.
		st := apitest.Snapshot(t, a)
		apitest.CheckProblem(t, startEnrolment(t, c, staffAuth(t, a, "checker"), map[string]string{"username": "maker"}), http.StatusForbidden, "access.forbidden")
		apitest.Wrote(t, a, st, map[string]int64{"audit_log": 1, "user_session": 1})
		apitest.CheckProblem(t, startEnrolment(t, c, staffAuth(t, a, "admin"), map[string]string{"username": "nobody"}), http.StatusNotFound, "totp.unknown_staff")
		admin := staffAuth(t, a, "admin")
		en4 := apitest.Decode[enrolmentJSON](t, startEnrolment(t, c, admin, map[string]string{"username": "Maker"}), http.StatusCreated)
		if en4.Username != "maker" {
			t.Fatalf("enrolment for %q", en4.Username)
		}
		apitest.Decode[map[string]string](t, confirmEnrolment(t, c, admin, en4.ID, codeAt(t, en4.Secret, time.Now().Add(-30*time.Second))), http.StatusOK)
		if totpSecret(t, a, "maker") != en4.Secret || totpSecret(t, a, "admin") != demo.TOTPSecret {
			t.Fatal("wrong credential replaced")
		}
		apitest.VerifyClean(t, a)
	})
}
