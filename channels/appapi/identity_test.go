package appapi_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
)

// newPassword is a password that meets the policy.
const newPassword = "Spring2026app"

func registration(e demo.Employee, code, password string) map[string]string {
	return map[string]string{"id_number": e.IDNumber, "name": e.Name, "phone": e.Mobile, "sms_code": code, "password": password}
}

// otherCode is a 6-digit code different from code.
func otherCode(code string) string {
	n := 0
	fmt.Sscan(code, &n)
	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

func credentials(t *testing.T, a *app.App, personID int64) int {
	t.Helper()
	var n int
	if err := a.DB.GetContext(t.Context(), &n, `SELECT COUNT(*) FROM credential WHERE subject_type = 'person' AND subject_id = ?`, personID); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRegisterOnAppLoginEverywhere: registration on the app, then the same
// password logs in on the app and, through the identity calls the web hall
// makes, on the web channel; tokens never cross channels.
func TestRegisterOnAppLoginEverywhere(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := t.Context()
		in := capture(a)
		c := server(t, a)
		e := demo.Unregistered

		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: map[string]string{"id_number": e.IDNumber, "password": newPassword}})
		apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.bad_credentials")

		requestCode(t, c, e.Mobile, "register")
		code := in.code(t, e.Mobile, "otp.register")

		before := apitest.Snapshot(t, a)
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/registrations", Body: registration(e, otherCode(code), newPassword)})
		p := apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.otp_wrong")
		if p["field"] != "sms_code" || p["tries_left"] != float64(identity.OTPMaxTries-1) {
			t.Errorf("wrong code problem %v", p)
		}
		apitest.Unchanged(t, a, before)

		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/registrations", Body: registration(e, code, newPassword)})
		got := apitest.Decode[map[string]int64](t, r, http.StatusCreated)
		personID := got["person_id"]
		if personID == 0 || credentials(t, a, personID) != 1 {
			t.Fatalf("registered %v, credentials %d", got, credentials(t, a, personID))
		}
		if last := apitest.LastAudit(t, a); last.Action != "identity.register" || last.Channel != "app" || last.Object != fmt.Sprintf("person:%d", personID) {
			t.Errorf("audit %+v", last.Record)
		}
		// Registering again, even with the same code, is a conflict.
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/registrations", Body: registration(e, code, newPassword)})
		apitest.CheckProblem(t, r, http.StatusConflict, "identity.already_registered")

		// The same password on the app, by ID number and by reserved mobile.
		auth := login(t, c, e.IDNumber, newPassword)
		if acct := account(t, c, auth); acct.AccountNo != e.AccountNo || acct.Name != e.Name {
			t.Errorf("account %+v, want %s", acct, e.AccountNo)
		}
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: map[string]string{"phone": e.Mobile, "password": newPassword}})
		apitest.Decode[sessionJSON](t, r, http.StatusCreated)

		// The web hall's login is the same identity call with channel "web".
		pr, err := a.Identity.LoginPerson(ctx, e.IDNumber, newPassword)
		if err != nil || pr.PersonID() != personID {
			t.Fatalf("web login = %+v, %v", pr, err)
		}
		web, _, err := a.Identity.NewSessionFrom(ctx, *pr, "web", identity.Client{IP: "198.51.100.1"})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := a.Identity.Session(ctx, web, "web"); err != nil || s.PersonID() != personID {
			t.Fatalf("web session = %+v, %v", s, err)
		}
		// Tokens are per channel.
		apitest.CheckProblem(t, get(t, c, "/account", apitest.Bearer(web)), http.StatusUnauthorized, "identity.no_session")
		if _, err := a.Identity.Session(ctx, bearerToken(auth), "web"); errs.CodeOf(err) != "identity.no_session" {
			t.Errorf("app token on the web channel: %v", err)
		}
		apitest.VerifyClean(t, a)
	})
}

// TestWebRegisteredLogsInOnApp: a person registered through the identity
// calls of another channel logs in on the app with the password and with an
// SMS code (single use).
func TestWebRegisteredLogsInOnApp(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := t.Context()
		in := capture(a)
		c := server(t, a)
		e := demo.Unregistered
		if err := a.Identity.SendCode(ctx, identity.PurposeRegister, e.Mobile, "198.51.100.7"); err != nil {
			t.Fatal(err)
		}
		id, err := a.Identity.Register(ctx, identity.Registration{IDNumber: e.IDNumber, Name: e.Name, Phone: e.Mobile,
			Code: in.code(t, e.Mobile, "otp.register"), Password: newPassword})
		if err != nil {
			t.Fatal(err)
		}
		auth := login(t, c, e.IDNumber, newPassword)
		if acct := account(t, c, auth); acct.AccountNo != e.AccountNo {
			t.Fatalf("account %+v", acct)
		}
		// The one-a-minute guard of the phone lapses, as a minute passing would.
		if err := a.KV.Del(ctx, "otpmin:"+e.Mobile); err != nil {
			t.Fatal(err)
		}
		requestCode(t, c, e.Mobile, "login")
		code := in.code(t, e.Mobile, "otp.login")
		body := map[string]string{"phone": e.Mobile, "sms_code": code}
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: body})
		s := apitest.Decode[sessionJSON](t, r, http.StatusCreated)
		if p, err := a.Identity.Session(ctx, s.Token, "app"); err != nil || p.PersonID() != id {
			t.Fatalf("session by code = %+v, %v", p, err)
		}
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: body})
		apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.otp_used")
	})
}

// TestLoginMethod: a login is either a login name + password or a phone + code.
func TestLoginMethod(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		e := demo.Employees[1]
		for _, body := range []map[string]string{
			{"password": demo.Password},
			{"id_number": e.IDNumber, "phone": e.Mobile, "password": demo.Password},
			{"id_number": e.IDNumber, "sms_code": "123456"},
			{"phone": e.Mobile, "sms_code": "123456", "password": demo.Password},
			{},
		} {
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: body})
			apitest.CheckProblem(t, r, http.StatusBadRequest, "app.login_method")
		}
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: `{"id_number":"` + e.IDNumber + `","pass":"x"}`, Spec: apitest.SpecInvalid})
		apitest.CheckProblem(t, r, http.StatusBadRequest, "request.unknown_field")

		// An unknown ID number, an unregistered one and a wrong password look
		// alike; so do codes for an unknown phone and for a known one never sent.
		var refused []apitest.Result
		for _, body := range []map[string]string{
			{"id_number": apitest.ResidentID("11010519800101123"), "password": demo.Password},
			{"id_number": demo.Unregistered.IDNumber, "password": demo.Password},
			{"id_number": e.IDNumber, "password": "Wrong2026x"},
		} {
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: body})
			apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.bad_credentials")
			refused = append(refused, r)
		}
		for _, phone := range []string{"13900000099", e.Mobile} {
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: map[string]string{"phone": phone, "sms_code": "123456"}})
			apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.otp_expired")
			refused = append(refused, r)
		}
		for i := 1; i < 3; i++ {
			if !reflect.DeepEqual(problemBody(t, refused[i]), problemBody(t, refused[0])) {
				t.Errorf("login refusal %d differs: %s vs %s", i, refused[i].Body, refused[0].Body)
			}
		}
		if !reflect.DeepEqual(problemBody(t, refused[3]), problemBody(t, refused[4])) {
			t.Errorf("code refusals differ: %s vs %s", refused[3].Body, refused[4].Body)
		}
	})
}

// TestFactorsMismatchIndistinguishable: an unknown ID number, a wrong name
// and a wrong phone get the same answer, byte for byte but the request id;
// code requests for known and unknown phones too; too many mismatches lock
// the ID number the same way whether or not it exists.
func TestFactorsMismatchIndistinguishable(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		in := capture(a)
		c := server(t, a)
		e := demo.Unregistered
		unknownID := apitest.ResidentID("11010519800101123")

		// Code requests: same answer for a reserved mobile and an unknown phone.
		const unknownPhone = "13900000099"
		var answers [][]byte
		for _, phone := range []string{e.Mobile, unknownPhone} {
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Body: map[string]string{"phone": phone, "purpose": "register"}})
			if r.Status != http.StatusAccepted {
				t.Fatalf("%s: %s", phone, r)
			}
			answers = append(answers, r.Body)
		}
		if string(answers[0]) != string(answers[1]) {
			t.Errorf("code answers differ: %s vs %s", answers[0], answers[1])
		}
		if in.count(e.Mobile) != 1 || in.count(unknownPhone) != 0 {
			t.Errorf("SMS sent: known %d, unknown %d", in.count(e.Mobile), in.count(unknownPhone))
		}
		code := in.code(t, e.Mobile, "otp.register")

		reg := func(id, name, phone string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/registrations",
				Body: map[string]string{"id_number": id, "name": name, "phone": phone, "sms_code": code, "password": newPassword}})
		}
		before := apitest.Snapshot(t, a)
		var first map[string]any
		for name, r := range map[string]apitest.Result{
			"unknown ID":  reg(unknownID, e.Name, e.Mobile),
			"wrong name":  reg(e.IDNumber, "林晶", e.Mobile),
			"wrong phone": reg(e.IDNumber, e.Name, demo.Employees[1].Mobile),
		} {
			apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.factors_mismatch")
			p := problemBody(t, r)
			if first == nil {
				first = p
			} else if !reflect.DeepEqual(p, first) {
				t.Errorf("%s: answer %v differs from %v", name, p, first)
			}
		}
		apitest.Unchanged(t, a, before)

		// Password reset: unknown ID, registered ID with another phone, and an
		// unregistered ID with its own phone all look alike.
		reset := func(id, phone string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/password-resets",
				Body: map[string]string{"id_number": id, "phone": phone, "sms_code": "123456", "password": newPassword}})
		}
		rs := []apitest.Result{reset(unknownID, e.Mobile), reset(demo.Employees[1].IDNumber, demo.Employees[2].Mobile), reset(e.IDNumber, e.Mobile)}
		for i, r := range rs {
			apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.factors_mismatch")
			if !reflect.DeepEqual(problemBody(t, r), problemBody(t, rs[0])) {
				t.Errorf("reset %d: %s differs from %s", i, r.Body, rs[0].Body)
			}
		}

		// Too many mismatches for one ID number: the unknown one and the known
		// one lock alike (each has 2 so far: registration and reset).
		var locked []apitest.Result
		for _, id := range []string{unknownID, e.IDNumber} {
			var r apitest.Result
			for range 20 {
				if r = reg(id, "某某", e.Mobile); r.Status != http.StatusBadRequest {
					break
				}
			}
			apitest.CheckProblem(t, r, http.StatusTooManyRequests, "identity.too_many_attempts")
			locked = append(locked, r)
		}
		if !reflect.DeepEqual(problemBody(t, locked[0]), problemBody(t, locked[1])) {
			t.Errorf("lock answers differ: %s vs %s", locked[0].Body, locked[1].Body)
		}
		// Locked out even with the right factors.
		apitest.CheckProblem(t, reg(e.IDNumber, e.Name, e.Mobile), http.StatusTooManyRequests, "identity.too_many_attempts")
	})
}

// TestWeakPassword: registration, change and reset refuse weak passwords.
func TestWeakPassword(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		e := demo.Unregistered
		for _, pw := range []string{"short1", "onlyletters", "1234567890", "x" + e.IDNumber + "a1", "ab" + e.Mobile} {
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/registrations", Body: registration(e, "123456", pw)})
			if p := apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.weak_password"); p["field"] != "password" {
				t.Errorf("%q: field %v", pw, p["field"])
			}
		}
		auth := login(t, c, demo.Employees[1].IDNumber, demo.Password)
		r := c.Do(t, apitest.Call{Method: http.MethodPut, Path: base + "/password", Auth: auth,
			Body: map[string]string{"old_password": demo.Password, "new_password": "weakweak"}})
		apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.weak_password")
		// The session survives a refused change.
		account(t, c, auth)
	})
}

// TestOTPThroughAPI: wrong, used, expired and burnt codes, and the sending
// limits per phone.
func TestOTPThroughAPI(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := t.Context()
		in := capture(a)
		c := server(t, a)
		phone := demo.Employees[1].Mobile
		lapse := func(phone string) { // the one-a-minute guard lapses, as a minute passing would
			t.Helper()
			if err := a.KV.Del(ctx, "otpmin:"+phone); err != nil {
				t.Fatal(err)
			}
		}
		loginByCode := func(code string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: map[string]string{"phone": phone, "sms_code": code}})
		}

		requestCode(t, c, phone, "login")
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Body: map[string]string{"phone": phone, "purpose": "login"}})
		apitest.CheckProblem(t, r, http.StatusTooManyRequests, "identity.otp_too_frequent")
		if r.Header.Get("Retry-After") != "60" {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		code := in.code(t, phone, "otp.login")
		p := apitest.CheckProblem(t, loginByCode(otherCode(code)), http.StatusBadRequest, "identity.otp_wrong")
		if p["tries_left"] != float64(identity.OTPMaxTries-1) {
			t.Errorf("tries_left %v", p["tries_left"])
		}
		apitest.Decode[sessionJSON](t, loginByCode(code), http.StatusCreated)
		apitest.CheckProblem(t, loginByCode(code), http.StatusBadRequest, "identity.otp_used")

		// Expired: the code's record lapses with its 5-minute life.
		lapse(phone)
		requestCode(t, c, phone, "login")
		code = in.code(t, phone, "otp.login")
		if err := a.KV.Del(ctx, "otp:login:"+phone); err != nil {
			t.Fatal(err)
		}
		apitest.CheckProblem(t, loginByCode(code), http.StatusBadRequest, "identity.otp_expired")

		// Five wrong tries burn the code.
		lapse(phone)
		requestCode(t, c, phone, "login")
		code = in.code(t, phone, "otp.login")
		for i := 1; i <= identity.OTPMaxTries; i++ {
			want := "identity.otp_wrong"
			if i == identity.OTPMaxTries {
				want = "identity.otp_locked"
			}
			apitest.CheckProblem(t, loginByCode(otherCode(code)), http.StatusBadRequest, want)
		}
		apitest.CheckProblem(t, loginByCode(code), http.StatusBadRequest, "identity.otp_expired")

		// A code of one purpose does not work for another.
		lapse(phone)
		requestCode(t, c, phone, "reset")
		apitest.CheckProblem(t, loginByCode(in.code(t, phone, "otp.reset")), http.StatusBadRequest, "identity.otp_expired")

		// Bad requests.
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Body: map[string]string{"phone": phone, "purpose": "spend"}, Spec: apitest.SpecInvalid})
		apitest.CheckProblem(t, r, http.StatusBadRequest, "identity.bad_purpose")
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Body: map[string]string{"phone": "12345", "purpose": "login"}, Spec: apitest.SpecInvalid})
		apitest.CheckProblem(t, r, http.StatusBadRequest, "ident.mobile_syntax")

		// Ten codes a day per phone, known or not.
		other := "13711112222"
		for range identity.OTPPerPhoneDay {
			lapse(other)
			requestCode(t, c, other, "register")
		}
		lapse(other)
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Body: map[string]string{"phone": other, "purpose": "register"}})
		apitest.CheckProblem(t, r, http.StatusTooManyRequests, "identity.otp_daily_limit")
	})
}

// TestOTPIPLimit: one client IP gets OTPPerIPHour code requests an hour,
// whatever the phones.
func TestOTPIPLimit(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		capture(a)
		c := server(t, a)
		for i := range identity.OTPPerIPHour {
			requestCode(t, c, fmt.Sprintf("1370000%04d", i), "register")
		}
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Body: map[string]string{"phone": "13799999999", "purpose": "register"}})
		p := apitest.CheckProblem(t, r, http.StatusTooManyRequests, "identity.otp_ip_limit")
		if s, ok := p["retry_after_s"].(float64); !ok || s < 1 || s > 3600 || r.Header.Get("Retry-After") == "" {
			t.Errorf("retry_after_s %v, Retry-After %q", p["retry_after_s"], r.Header.Get("Retry-After"))
		}
	})
}

// TestLockout: three failures slow logins down, five lock the credential for
// LockFor; the lock holds against the right password until it ends.
func TestLockout(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		clk := &clock{t: time.Now()}
		a.Identity.SetClock(clk.now)
		c := server(t, a)
		e := demo.Employees[1]
		try := func(pw string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: map[string]string{"id_number": e.IDNumber, "password": pw}})
		}
		for range identity.SlowAfter {
			apitest.CheckProblem(t, try("Wrong2026x"), http.StatusUnauthorized, "identity.bad_credentials")
		}
		r := try(demo.Password)
		apitest.CheckProblem(t, r, http.StatusTooManyRequests, "identity.retry_later")
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		clk.add(identity.SlowDelay + time.Second)
		apitest.CheckProblem(t, try("Wrong2026x"), http.StatusUnauthorized, "identity.bad_credentials")
		clk.add(identity.SlowDelay + time.Second)
		apitest.CheckProblem(t, try("Wrong2026x"), http.StatusUnauthorized, "identity.locked")
		clk.add(identity.SlowDelay + time.Second)
		apitest.CheckProblem(t, try(demo.Password), http.StatusUnauthorized, "identity.locked")
		// The web hall is locked out too: one credential for every channel.
		if _, err := a.Identity.LoginPerson(t.Context(), e.IDNumber, demo.Password); errs.CodeOf(err) != "identity.locked" {
			t.Errorf("web login while locked: %v", err)
		}
		clk.add(identity.LockFor)
		apitest.Decode[sessionJSON](t, try(demo.Password), http.StatusCreated)
	})
}

// TestSessionsAcrossChannels: the app lists and revokes the person's sessions
// on every channel; a revocation by the web hall ends the app session.
func TestSessionsAcrossChannels(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := t.Context()
		c := server(t, a)
		e := demo.Employees[1]
		auth := login(t, c, e.IDNumber, demo.Password)
		pr, err := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		web, _, err := a.Identity.NewSessionFrom(ctx, *pr, "web", identity.Client{IP: "198.51.100.9", UserAgent: "Mozilla/5.0"})
		if err != nil {
			t.Fatal(err)
		}

		list := apitest.Decode[struct {
			Items []sessionInfoJSON `json:"items"`
		}](t, get(t, c, "/sessions", auth), http.StatusOK)
		var appID, webID string
		for _, s := range list.Items {
			switch {
			case s.Channel == "app" && s.Current:
				appID = s.ID
			case s.Channel == "web" && !s.Current && s.IP == "198.51.100.9":
				webID = s.ID
			}
		}
		if len(list.Items) != 2 || appID == "" || webID == "" {
			t.Fatalf("sessions %+v", list.Items)
		}

		// The web hall's session page revokes the app session.
		if err := a.Identity.RevokeSession(ctx, pr.Subject, appID); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/account", "/sessions", "/statement", "/profile"} {
			apitest.CheckProblem(t, get(t, c, path, auth), http.StatusUnauthorized, "identity.no_session")
		}

		// The app revokes the web session.
		auth = login(t, c, e.IDNumber, demo.Password)
		r := c.Do(t, apitest.Call{Method: http.MethodDelete, Path: base + "/sessions/" + webID, Auth: auth})
		if r.Status != http.StatusNoContent {
			t.Fatalf("revoke web session: %s", r)
		}
		if _, err := a.Identity.Session(ctx, web, "web"); errs.CodeOf(err) != "identity.no_session" {
			t.Errorf("web session after revoke: %v", err)
		}
		apitest.CheckProblem(t, get(t, c, "/account", apitest.Bearer(web)), http.StatusUnauthorized, "identity.no_session")
		r = c.Do(t, apitest.Call{Method: http.MethodDelete, Path: base + "/sessions/" + webID, Auth: auth})
		apitest.CheckProblem(t, r, http.StatusNotFound, "identity.session_not_found")

		// Another person's session cannot be revoked, nor seen.
		other := login(t, c, demo.Employees[2].IDNumber, demo.Password)
		otherList := apitest.Decode[struct {
			Items []sessionInfoJSON `json:"items"`
		}](t, get(t, c, "/sessions", other), http.StatusOK)
		if len(otherList.Items) != 1 {
			t.Fatalf("other's sessions %+v", otherList.Items)
		}
		r = c.Do(t, apitest.Call{Method: http.MethodDelete, Path: base + "/sessions/" + otherList.Items[0].ID, Auth: auth})
		apitest.CheckProblem(t, r, http.StatusNotFound, "identity.session_not_found")
		account(t, c, other)

		// Logout ends the token.
		r = c.Do(t, apitest.Call{Method: http.MethodDelete, Path: base + "/sessions/current", Auth: auth})
		if r.Status != http.StatusNoContent {
			t.Fatalf("logout: %s", r)
		}
		apitest.CheckProblem(t, get(t, c, "/account", auth), http.StatusUnauthorized, "identity.no_session")

		// No token, a made-up one, and a staff principal's session on the app channel.
		r = c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/account", Auth: "-", Spec: apitest.SpecInvalid})
		apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.no_session")
		apitest.CheckProblem(t, get(t, c, "/account", apitest.Bearer("not-a-token")), http.StatusUnauthorized, "identity.no_session")
		staff, _, err := a.Identity.NewSession(ctx, identity.Principal{Kind: "staff", SubjectID: 1, Subject: "staff:admin", Name: "系统管理员"}, "app")
		if err != nil {
			t.Fatal(err)
		}
		apitest.CheckProblem(t, get(t, c, "/account", apitest.Bearer(staff)), http.StatusUnauthorized, "identity.no_session")
	})
}

// TestPasswordAndPIN: changing the password ends every session on every
// channel and answers a fresh app session; a reset does the same after a
// reset code; the query PIN needs the password.
func TestPasswordAndPIN(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := t.Context()
		in := capture(a)
		c := server(t, a)
		e := demo.Employees[1]
		auth := login(t, c, e.IDNumber, demo.Password)
		pr, err := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		web, _, err := a.Identity.NewSession(ctx, *pr, "web")
		if err != nil {
			t.Fatal(err)
		}

		// Query PIN.
		pin := func(password, pin string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPut, Path: base + "/query-pin", Auth: auth, Body: map[string]string{"password": password, "pin": pin}})
		}
		apitest.CheckProblem(t, pin(demo.Password, "123456"), http.StatusBadRequest, "identity.bad_pin")
		apitest.CheckProblem(t, pin("Wrong2026x", "246802"), http.StatusUnauthorized, "identity.bad_credentials")
		if r := pin(demo.Password, "246802"); r.Status != http.StatusNoContent {
			t.Fatalf("set pin: %s", r)
		}
		if p, err := a.Identity.CheckQueryPIN(ctx, e.Mobile, "246802"); err != nil || p.PersonID() != pr.PersonID() {
			t.Fatalf("hotline PIN check = %+v, %v", p, err)
		}
		prof := apitest.Decode[map[string]any](t, get(t, c, "/profile", auth), http.StatusOK)
		if prof["pin_set"] != true || prof["name"] != e.Name || prof["id_number"] == e.IDNumber || prof["mobile"] == e.Mobile || prof["level"] != float64(1) {
			t.Errorf("profile %v", prof)
		}

		// Password change.
		change := func(old, new string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPut, Path: base + "/password", Auth: auth, Body: map[string]string{"old_password": old, "new_password": new}})
		}
		apitest.CheckProblem(t, change("Wrong2026x", newPassword), http.StatusUnauthorized, "identity.bad_credentials")
		apitest.CheckProblem(t, change(demo.Password, demo.Password), http.StatusBadRequest, "identity.password_unchanged")
		s := apitest.Decode[sessionJSON](t, change(demo.Password, newPassword), http.StatusOK)
		apitest.CheckProblem(t, get(t, c, "/account", auth), http.StatusUnauthorized, "identity.no_session")
		if _, err := a.Identity.Session(ctx, web, "web"); errs.CodeOf(err) != "identity.no_session" {
			t.Errorf("web session after a password change: %v", err)
		}
		auth = apitest.Bearer(s.Token)
		account(t, c, auth)
		login(t, c, e.IDNumber, newPassword)

		// Reset with a reset code.
		requestCode(t, c, e.Mobile, "reset")
		code := in.code(t, e.Mobile, "otp.reset")
		const resetPassword = "Autumn2026app"
		reset := func(code string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/password-resets",
				Body: map[string]string{"id_number": e.IDNumber, "phone": e.Mobile, "sms_code": code, "password": resetPassword}})
		}
		apitest.CheckProblem(t, reset(otherCode(code)), http.StatusBadRequest, "identity.otp_wrong")
		if r := reset(code); r.Status != http.StatusNoContent {
			t.Fatalf("reset: %s", r)
		}
		apitest.CheckProblem(t, reset(code), http.StatusBadRequest, "identity.otp_used")
		apitest.CheckProblem(t, get(t, c, "/account", auth), http.StatusUnauthorized, "identity.no_session")
		login(t, c, e.IDNumber, resetPassword)
	})
}

// TestRealNameAndStepUp: a bank-card or face check raises the person and the
// session to level 2; a step-up code requested with the session goes to the
// person's own reserved mobile.
func TestRealNameAndStepUp(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := t.Context()
		in := capture(a)
		c := server(t, a)
		e := demo.Employees[1]
		auth := login(t, c, e.IDNumber, demo.Password)
		verify := func(auth string, body map[string]string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/real-name", Auth: auth, Body: body})
		}
		apitest.CheckProblem(t, verify(auth, map[string]string{"method": "bank_card", "card_no": "6222020200001299", "bank_mobile": e.Mobile}),
			http.StatusBadRequest, "exchange.realname_mismatch")
		apitest.CheckProblem(t, verify(auth, map[string]string{"method": "face", "face_image": "%%%"}), http.StatusBadRequest, "app.bad_face_image")
		got := apitest.Decode[map[string]int](t, verify(auth, map[string]string{"method": "bank_card", "card_no": demo.BankCard(e), "bank_mobile": e.Mobile}), http.StatusOK)
		if got["level"] != 2 {
			t.Fatalf("level %v", got)
		}
		p, err := a.Identity.Session(ctx, bearerToken(auth), "app")
		if err != nil || p.Level != 2 {
			t.Fatalf("session after real-name = %+v, %v", p, err)
		}
		if prof := apitest.Decode[map[string]any](t, get(t, c, "/profile", auth), http.StatusOK); prof["level"] != float64(2) || prof["bank_card"] == "" {
			t.Errorf("profile %v", prof)
		}
		// New sessions start at level 2.
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: map[string]string{"id_number": e.IDNumber, "password": demo.Password}})
		if s := apitest.Decode[sessionJSON](t, r, http.StatusCreated); s.Level != 2 {
			t.Errorf("new session level %d", s.Level)
		}

		// Face check for another person (the simulator passes ≥ 64 bytes).
		other := login(t, c, demo.Employees[2].IDNumber, demo.Password)
		img := make([]byte, 96)
		got = apitest.Decode[map[string]int](t, verify(other, map[string]string{"method": "face", "face_image": base64Std(img)}), http.StatusOK)
		if got["level"] != 2 {
			t.Errorf("face level %v", got)
		}

		// Step-up code to the own mobile, whatever phone the body names.
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Auth: auth, Body: map[string]string{"phone": demo.Employees[3].Mobile, "purpose": "step_up"}})
		apitest.Decode[map[string]int](t, r, http.StatusAccepted)
		code := in.code(t, e.Mobile, "otp.step_up")
		if in.count(demo.Employees[3].Mobile) != 0 {
			t.Error("step-up code went to the phone in the body")
		}
		if err := a.Identity.StepUp(ctx, p, code); err != nil {
			t.Errorf("step up with the code: %v", err)
		}
		r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Auth: apitest.Bearer("revoked-or-made-up"), Body: map[string]string{"purpose": "step_up"}})
		apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.no_session")
	})
}
