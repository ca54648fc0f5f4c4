package identity_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

// clock is a settable clock for the identity service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

var u = demo.Unregistered

func TestRegisterAndLoginEverywhere(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := apitest.CaptureSMS(a)
		// Mismatched factors answer alike, whichever factor is wrong, and send nothing.
		for _, c := range []struct{ name, id, phone string }{
			{"林晶", u.IDNumber, u.Mobile},
			{u.Name, u.IDNumber, "13900000000"},
			{u.Name, "110101199003074477", u.Mobile}, // valid but unknown ID
		} {
			wantCode(t, a.Identity.CheckFactors(ctx, c.name, c.id, c.phone, ""), "identity.factors_mismatch")
		}
		wantCode(t, a.Identity.CheckFactors(ctx, u.Name, "12345", u.Mobile, ""), "ident.id_length")
		if in.Len() != 0 {
			t.Fatalf("SMS sent on mismatched factors: %d", in.Len())
		}
		// Registered people are told so only after the factors match.
		wantCode(t, a.Identity.CheckFactors(ctx, demo.Employees[1].Name, demo.Employees[1].IDNumber, demo.Employees[1].Mobile, ""), "identity.already_registered")

		if err := a.Identity.CheckFactors(ctx, u.Name, u.IDNumber, u.Mobile, ""); err != nil {
			t.Fatal(err)
		}
		code := in.Code(t, u.Mobile, "otp.register")
		reg := identity.Registration{IDNumber: u.IDNumber, Name: u.Name, Phone: u.Mobile, Code: code}
		for _, weak := range []string{"short1a", "abcdefgh", "12345678", "x" + u.IDNumber + "1", "a" + u.Mobile} {
			reg.Password = weak
			wantCode(t, func() error { _, err := a.Identity.Register(ctx, reg); return err }(), "identity.weak_password")
		}
		reg.Password = "Spring2026x"
		reg.Code = "000000"
		if code == "000000" {
			reg.Code = "000001"
		}
		_, err := a.Identity.Register(ctx, reg)
		wantCode(t, err, "identity.otp_wrong")
		reg.Code = code
		id, err := a.Identity.Register(ctx, reg)
		if err != nil || id == 0 {
			t.Fatalf("Register = %d, %v", id, err)
		}
		_, err = a.Identity.Register(ctx, reg)
		wantCode(t, err, "identity.already_registered")

		// One credential, every channel: by ID number and by reserved mobile.
		for _, login := range []string{u.IDNumber, strings.ToLower(u.IDNumber), u.Mobile} {
			p, err := a.Identity.LoginPerson(ctx, login, "Spring2026x")
			if err != nil || p.SubjectID != id || p.Level != 1 || p.Kind != "person" {
				t.Fatalf("LoginPerson(%s) = %+v, %v", login, p, err)
			}
		}
		for _, ch := range []string{"app", "web", "wechat", "kiosk"} {
			p, _ := a.Identity.LoginPerson(ctx, u.IDNumber, "Spring2026x")
			tok, _, err := a.Identity.NewSession(ctx, *p, ch)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := a.Identity.Session(ctx, tok, ch); err != nil || got.SubjectID != id {
				t.Fatalf("%s session = %+v, %v", ch, got, err)
			}
		}
		if in.Code(t, u.Mobile, "identity.registered") != "" {
			t.Fatal("registration notice carries a code")
		}
	})
}

func TestOTPRules(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := apitest.CaptureSMS(a)
		e := demo.Employees[2]
		// Unknown and known phones get the same answer; only the known one gets an SMS.
		if err := a.Identity.SendCode(ctx, identity.PurposeLogin, "13912345678", ""); err != nil {
			t.Fatal(err)
		}
		if err := a.Identity.SendCode(ctx, identity.PurposeLogin, e.Mobile, ""); err != nil {
			t.Fatal(err)
		}
		if in.Len() != 1 {
			t.Fatalf("sent %d SMS, want 1 (known phone only)", in.Len())
		}
		// One a minute per phone.
		wantCode(t, a.Identity.SendCode(ctx, identity.PurposeLogin, e.Mobile, ""), "identity.otp_too_frequent")
		wantCode(t, a.Identity.SendCode(ctx, identity.PurposeLogin, "12345", ""), "ident.mobile_syntax")
		wantCode(t, a.Identity.SendCode(ctx, "spend", e.Mobile, ""), "identity.bad_purpose")

		// Single use: the second login with the same code is a replay.
		code := in.Code(t, e.Mobile, "otp.login")
		if p, err := a.Identity.LoginPersonByCode(ctx, e.Mobile, code); err != nil || p.Name != e.Name {
			t.Fatalf("login by code = %+v, %v", p, err)
		}
		_, err := a.Identity.LoginPersonByCode(ctx, e.Mobile, code)
		wantCode(t, err, "identity.otp_used")
		// A code never sent (or expired: the same absent record).
		_, err = a.Identity.LoginPersonByCode(ctx, demo.Employees[3].Mobile, "123456")
		wantCode(t, err, "identity.otp_expired")

		// Five wrong tries burn the code.
		p3 := demo.Employees[3].Mobile
		if err := a.Identity.SendCode(ctx, identity.PurposeLogin, p3, ""); err != nil {
			t.Fatal(err)
		}
		good := in.Code(t, p3, "otp.login")
		bad := fmt.Sprintf("%06d", (atoi(good)+1)%1_000_000)
		for i := 1; i <= identity.OTPMaxTries; i++ {
			_, err := a.Identity.LoginPersonByCode(ctx, p3, bad)
			want := "identity.otp_wrong"
			if i == identity.OTPMaxTries {
				want = "identity.otp_locked"
			}
			wantCode(t, err, want)
		}
		_, err = a.Identity.LoginPersonByCode(ctx, p3, good)
		wantCode(t, err, "identity.otp_expired")

		// Per-IP limit across many phones.
		var last error
		for i := range identity.OTPPerIPHour + 1 {
			last = a.Identity.SendCode(ctx, identity.PurposeRegister, fmt.Sprintf("1370000%04d", i), "192.0.2.7")
			if i < identity.OTPPerIPHour && last != nil {
				t.Fatalf("send %d: %v", i, last)
			}
		}
		wantCode(t, last, "identity.otp_ip_limit")

		// Per-phone daily limit (the one-a-minute guard is cleared between sends).
		phone := "13611112222"
		for i := range identity.OTPPerPhoneDay + 1 {
			if err := a.KV.Del(ctx, "otpmin:"+phone); err != nil {
				t.Fatal(err)
			}
			last = a.Identity.SendCode(ctx, identity.PurposeRegister, phone, "")
			if i < identity.OTPPerPhoneDay && last != nil {
				t.Fatalf("send %d: %v", i, last)
			}
		}
		wantCode(t, last, "identity.otp_daily_limit")
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestPersonLockout(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		clk := &clock{t: time.Now()}
		a.Identity.SetClock(clk.now)
		e := demo.Employees[1]
		for range identity.SlowAfter {
			_, err := a.Identity.LoginPerson(ctx, e.IDNumber, "wrong-pass1")
			wantCode(t, err, "identity.bad_credentials")
		}
		// After three failures each try waits; an early try is not counted.
		_, err := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		wantCode(t, err, "identity.retry_later")
		clk.add(identity.SlowDelay + time.Second)
		_, err = a.Identity.LoginPerson(ctx, e.Mobile, "wrong-pass1")
		wantCode(t, err, "identity.bad_credentials")
		clk.add(identity.SlowDelay + time.Second)
		_, err = a.Identity.LoginPerson(ctx, e.IDNumber, "wrong-pass1")
		wantCode(t, err, "identity.locked")
		clk.add(identity.SlowDelay + time.Second)
		_, err = a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		wantCode(t, err, "identity.locked")
		clk.add(identity.LockFor)
		if _, err := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// An unknown login costs the same and says the same.
		_, err = a.Identity.LoginPerson(ctx, "110101199003074477", demo.Password)
		wantCode(t, err, "identity.bad_credentials")
		_, err = a.Identity.LoginPerson(ctx, "not-an-id", demo.Password)
		wantCode(t, err, "identity.bad_credentials")
	})
}

func TestSessionsAcrossChannels(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := apitest.CaptureSMS(a)
		e := demo.Employees[1]
		p, err := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		appTok, _, err := a.Identity.NewSessionFrom(ctx, *p, "app", identity.Client{IP: "10.1.1.1", UserAgent: "gjj-app/1.0"})
		if err != nil {
			t.Fatal(err)
		}
		webTok, exp, err := a.Identity.NewSessionFrom(ctx, *p, "web", identity.Client{IP: "10.1.1.2", UserAgent: "Mozilla/5.0"})
		if err != nil || time.Until(exp) > 31*time.Minute {
			t.Fatalf("web session expires %v, %v", exp, err)
		}
		// A token is good on its own channel only.
		if _, err := a.Identity.Session(ctx, appTok, "web"); !errors.Is(err, identity.ErrNoSession) {
			t.Fatalf("app token on web: %v", err)
		}
		list, err := a.Identity.Sessions(ctx, p.Subject, webTok)
		if err != nil || len(list) != 2 || !list[0].Current || list[0].Channel != "web" || list[1].UserAgent != "gjj-app/1.0" {
			t.Fatalf("Sessions = %+v, %v", list, err)
		}
		// Revoke the app session from the web hall.
		if err := a.Identity.RevokeSession(ctx, "person:999999", list[1].ID); !errors.Is(err, identity.ErrSessionNotFound) {
			t.Fatalf("revoking someone else's session: %v", err)
		}
		if err := a.Identity.RevokeSession(ctx, p.Subject, list[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Identity.Session(ctx, appTok, "app"); !errors.Is(err, identity.ErrNoSession) {
			t.Fatalf("revoked app session: %v", err)
		}
		if _, err := a.Identity.Session(ctx, webTok, "web"); err != nil {
			t.Fatalf("web session after revoking the app one: %v", err)
		}
		// A password change ends every session; the new password works everywhere.
		appTok, _, _ = a.Identity.NewSession(ctx, *p, "app")
		if err := a.Identity.ChangePassword(ctx, p.SubjectID, "wrong-pass1", "Autumn2026y"); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("change with a wrong old password: %v", err)
		}
		wantCode(t, a.Identity.ChangePassword(ctx, p.SubjectID, demo.Password, "weak"), "identity.weak_password")
		if err := a.Identity.ChangePassword(ctx, p.SubjectID, demo.Password, "Autumn2026y"); err != nil {
			t.Fatal(err)
		}
		for tok, ch := range map[string]string{appTok: "app", webTok: "web"} {
			if _, err := a.Identity.Session(ctx, tok, ch); !errors.Is(err, identity.ErrNoSession) {
				t.Fatalf("%s session after password change: %v", ch, err)
			}
		}
		if _, err := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("old password: %v", err)
		}
		if _, err := a.Identity.LoginPerson(ctx, e.Mobile, "Autumn2026y"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		in.Code(t, e.Mobile, "identity.password_changed")
	})
}

func TestPasswordReset(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := apitest.CaptureSMS(a)
		e := demo.Employees[3]
		p, _ := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		tok, _, _ := a.Identity.NewSession(ctx, *p, "app")
		if err := a.Identity.SendCode(ctx, identity.PurposeReset, e.Mobile, ""); err != nil {
			t.Fatal(err)
		}
		code := in.Code(t, e.Mobile, "otp.reset")
		wantCode(t, a.Identity.ResetPassword(ctx, identity.Reset{IDNumber: e.IDNumber, Phone: demo.Employees[2].Mobile, Code: code, Password: "Winter2026z"}),
			"identity.factors_mismatch")
		if err := a.Identity.ResetPassword(ctx, identity.Reset{IDNumber: e.IDNumber, Phone: e.Mobile, Code: code, Password: "Winter2026z"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, a.Identity.ResetPassword(ctx, identity.Reset{IDNumber: e.IDNumber, Phone: e.Mobile, Code: code, Password: "Winter2026q"}),
			"identity.otp_used")
		if _, err := a.Identity.Session(ctx, tok, "app"); !errors.Is(err, identity.ErrNoSession) {
			t.Fatalf("session after reset: %v", err)
		}
		if _, err := a.Identity.LoginPerson(ctx, e.IDNumber, "Winter2026z"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRealNameStepUpAndProfile(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := apitest.CaptureSMS(a)
		e := demo.Employees[2]
		p, _ := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		tok, _, _ := a.Identity.NewSession(ctx, *p, "web")
		wantCode(t, a.Identity.StepUp(ctx, p, "123456"), "identity.level_required")
		// A wrong bank mobile fails without saying which element is wrong.
		_, err := a.Identity.VerifyRealName(ctx, p.SubjectID, identity.RealNameProof{Method: "bank_card", CardNo: demo.BankCard(e), BankMobile: "13999999999"})
		wantCode(t, err, "exchange.realname_mismatch")
		_, err = a.Identity.VerifyRealName(ctx, p.SubjectID, identity.RealNameProof{Method: "face", FaceImage: []byte("tiny")})
		wantCode(t, err, "exchange.realname_mismatch")
		_, err = a.Identity.VerifyRealName(ctx, p.SubjectID, identity.RealNameProof{Method: "palm"})
		wantCode(t, err, "identity.bad_method")
		lvl, err := a.Identity.VerifyRealName(ctx, p.SubjectID, identity.RealNameProof{Method: "bank_card", CardNo: demo.BankCard(e), BankMobile: e.Mobile})
		if err != nil || lvl != 2 {
			t.Fatalf("VerifyRealName = %d, %v", lvl, err)
		}
		if err := a.Identity.SetSessionLevel(ctx, tok, "web", lvl); err != nil {
			t.Fatal(err)
		}
		p2, err := a.Identity.Session(ctx, tok, "web")
		if err != nil || p2.Level != 2 {
			t.Fatalf("session after real-name = %+v, %v", p2, err)
		}
		// L3: a fresh code for the operation, once.
		if err := a.Identity.SendStepUp(ctx, p2.SubjectID, ""); err != nil {
			t.Fatal(err)
		}
		code := in.Code(t, e.Mobile, "otp.step_up")
		if err := a.Identity.StepUp(ctx, p2, code); err != nil {
			t.Fatal(err)
		}
		wantCode(t, a.Identity.StepUp(ctx, p2, code), "identity.otp_used")

		prof, err := a.Identity.Profile(ctx, p.SubjectID)
		if err != nil || prof.Level != 2 || prof.Mobile != "138****0003" || !strings.HasSuffix(prof.BankCard, demo.BankCard(e)[len(demo.BankCard(e))-4:]) ||
			strings.Contains(prof.IDNumber, e.IDNumber[6:14]) || prof.PINSet {
			t.Fatalf("Profile = %+v, %v", prof, err)
		}
	})
}

func TestChangeMobileAndQueryPIN(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := apitest.CaptureSMS(a)
		e := demo.Employees[4-1]
		p, _ := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
		newPhone := "13712340000"
		wantCode(t, a.Identity.SendChangeMobileCodes(ctx, p.SubjectID, e.Mobile, ""), "identity.same_mobile")
		if err := a.Identity.SendChangeMobileCodes(ctx, p.SubjectID, newPhone, ""); err != nil {
			t.Fatal(err)
		}
		oldCode, newCode := in.Code(t, e.Mobile, "otp.change_mobile"), in.Code(t, newPhone, "otp.change_mobile")
		err := a.Identity.ChangeMobile(ctx, p.SubjectID, newPhone, newCode, oldCode)
		if err == nil {
			t.Fatal("codes swapped between the numbers were accepted")
		}
		// A typo in the new number's code does not use up the old number's.
		wrong := fmt.Sprintf("%06d", (atoi(newCode)+1)%1_000_000)
		if err := a.Identity.ChangeMobile(ctx, p.SubjectID, newPhone, oldCode, wrong); errs.CodeOf(err) != "identity.otp_wrong" || errs.E(err).Details["field"] != "new_code" {
			t.Fatalf("wrong new code: %v", err)
		}
		if err := a.Identity.ChangeMobile(ctx, p.SubjectID, newPhone, oldCode, newCode); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Identity.LoginPerson(ctx, newPhone, demo.Password); err != nil {
			t.Fatalf("login by the new mobile: %v", err)
		}
		if _, err := a.Identity.LoginPerson(ctx, e.Mobile, demo.Password); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("login by the old mobile: %v", err)
		}

		// Query PIN for the hotline and SMS.
		_, err = a.Identity.CheckQueryPIN(ctx, newPhone, "135790")
		wantCode(t, err, "identity.pin_not_set")
		for _, bad := range []string{"111111", "123456", "654321", "12345", "abcdef"} {
			wantCode(t, a.Identity.SetQueryPIN(ctx, p.SubjectID, demo.Password, bad), "identity.bad_pin")
		}
		if err := a.Identity.SetQueryPIN(ctx, p.SubjectID, "wrong-pass1", "135790"); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("PIN with a wrong password: %v", err)
		}
		if err := a.Identity.SetQueryPIN(ctx, p.SubjectID, demo.Password, "135790"); err != nil {
			t.Fatal(err)
		}
		if got, err := a.Identity.CheckQueryPIN(ctx, newPhone, "135790"); err != nil || got.SubjectID != p.SubjectID {
			t.Fatalf("CheckQueryPIN = %+v, %v", got, err)
		}
		for i := 1; i <= identity.MaxFailures; i++ {
			_, err := a.Identity.CheckQueryPIN(ctx, e.IDNumber, "246802")
			want := "identity.wrong_pin"
			if i == identity.MaxFailures {
				want = "identity.pin_locked"
			}
			wantCode(t, err, want)
		}
		_, err = a.Identity.CheckQueryPIN(ctx, e.IDNumber, "135790")
		wantCode(t, err, "identity.pin_locked")
		_, err = a.Identity.CheckQueryPIN(ctx, "13000000000", "135790")
		wantCode(t, err, "identity.wrong_pin")
	})
}

func TestBindings(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		p1, _ := a.Identity.LoginPerson(ctx, demo.Employees[1].IDNumber, demo.Password)
		p2, _ := a.Identity.LoginPerson(ctx, demo.Employees[2].IDNumber, demo.Password)
		b := identity.Binding{Channel: "wechat", AppID: "wx1234567890", Subject: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"}
		if _, err := a.Identity.BoundPrincipal(ctx, b.Channel, b.AppID, b.Subject); !errors.Is(err, identity.ErrNotBound) {
			t.Fatalf("before binding: %v", err)
		}
		if err := a.Identity.Bind(ctx, b, p1.SubjectID); err != nil {
			t.Fatal(err)
		}
		if err := a.Identity.Bind(ctx, b, p1.SubjectID); err != nil {
			t.Fatalf("binding again: %v", err)
		}
		wantCode(t, a.Identity.Bind(ctx, b, p2.SubjectID), "identity.binding_taken")
		got, err := a.Identity.BoundPrincipal(ctx, b.Channel, b.AppID, b.Subject)
		if err != nil || got.SubjectID != p1.SubjectID {
			t.Fatalf("BoundPrincipal = %+v, %v", got, err)
		}
		// The same openid under another app id is another binding.
		if err := a.Identity.Bind(ctx, identity.Binding{Channel: "wechat", AppID: "wx0000000001", Subject: b.Subject}, p2.SubjectID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, a.Identity.Unbind(ctx, p2.SubjectID, b.Channel, b.AppID, b.Subject), "identity.not_bound")
		if err := a.Identity.Unbind(ctx, p1.SubjectID, b.Channel, b.AppID, b.Subject); err != nil {
			t.Fatal(err)
		}
		if list, err := a.Identity.Bindings(ctx, p1.SubjectID); err != nil || len(list) != 0 {
			t.Fatalf("bindings after unbind = %v, %v", list, err)
		}
		wantCode(t, a.Identity.Bind(ctx, identity.Binding{Channel: "wechat"}, p1.SubjectID), "identity.bad_binding")
		apitest.VerifyClean(t, a)
	})
}

// TestSessionSurvivesKVLoss: the durable session record answers when the
// key-value store lost the session (Redis restarted or flushed) or is down,
// and a revocation recorded there holds.
func TestSessionSurvivesKVLoss(t *testing.T) {
	for _, name := range []string{"sqlite", "mysql"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			database := apitest.SQLite(t)
			var opts []apitest.Option
			if name == "mysql" {
				database = "mysql:" + dbtest.MySQLDatabase(t)
				opts = append(opts, apitest.WithRedis(t))
			}
			a := apitest.OpenApp(t, database, opts...)
			p, err := a.Identity.LoginPerson(ctx, demo.Employees[1].IDNumber, demo.Password)
			if err != nil {
				t.Fatal(err)
			}
			keep, _, _ := a.Identity.NewSession(ctx, *p, "app")
			gone, _, _ := a.Identity.NewSession(ctx, *p, "app")
			if err := a.Identity.EndSession(ctx, gone); err != nil {
				t.Fatal(err)
			}
			// A second instance on the same database with an empty key-value store.
			b := apitest.OpenApp(t, database) // in-process store: nothing in it
			if got, err := b.Identity.Session(ctx, keep, "app"); err != nil || got.SubjectID != p.SubjectID {
				t.Fatalf("session on an instance with an empty store = %+v, %v", got, err)
			}
			if _, err := b.Identity.Session(ctx, gone, "app"); !errors.Is(err, identity.ErrNoSession) {
				t.Fatalf("revoked session on an instance with an empty store: %v", err)
			}
			// The store down: still answered from the database.
			if err := b.KV.Close(); err != nil {
				t.Fatal(err)
			}
			if got, err := b.Identity.Session(ctx, keep, "app"); err != nil || got.SubjectID != p.SubjectID {
				t.Fatalf("session with the store down = %+v, %v", got, err)
			}
			if _, err := b.Identity.Session(ctx, keep, "web"); !errors.Is(err, identity.ErrNoSession) {
				t.Fatalf("app token on web with the store down: %v", err)
			}
		})
	}
}
