package webhall_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
)

// linPassword is the password 林静 registers with in these tests.
const linPassword = "Lin#Jing2026"

// TestRegisterOnWebLoginOnApp: 林静 registers on the web hall (wrong code,
// weak and mismatched passwords answered on the page), is logged in, and the
// same password logs her in on the app.
func TestRegisterOnWebLoginOnApp(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		ctx := context.Background()
		srv := hallServer(t, a)
		u := newUser(t, srv)
		halltest.HTML(t, u.Get(t, "/web/register"), http.StatusOK)
		step1 := url.Values{"action": {"send"}, "step": {"1"}, "name": {lin.Name}, "id_number": {lin.IDNumber}, "phone": {lin.Mobile}}

		p := halltest.HTML(t, u.Post(t, "/web/register", step1), http.StatusOK)
		halltest.Contains(t, p, "验证码已发送至 138****0005", `name="sms_code"`, `value="`+lin.IDNumber+`"`)
		code := in.Code(t, lin.Mobile, "otp.register")

		// Asking again within the minute is refused with Retry-After.
		p = u.Post(t, "/web/register", url.Values{"action": {"send"}, "step": {"2"}, "name": {lin.Name}, "id_number": {lin.IDNumber}, "phone": {lin.Mobile}})
		refused(t, p, http.StatusTooManyRequests, "identity.otp_too_frequent", "验证码发送过于频繁")
		if p.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After on a too-frequent code request")
		}

		step2 := func(code, pw, pw2 string) halltest.Page {
			return u.Post(t, "/web/register", url.Values{"action": {"register"}, "step": {"2"}, "name": {lin.Name},
				"id_number": {lin.IDNumber}, "phone": {lin.Mobile}, "sms_code": {code}, "password": {pw}, "password2": {pw2}})
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		p = step2(wrong, linPassword, linPassword)
		refused(t, p, http.StatusBadRequest, "identity.otp_wrong", "验证码不正确")
		halltest.Contains(t, p, `id="sms_code" required`, `aria-invalid="true"`)
		refused(t, step2(code, "password", "password"), http.StatusBadRequest, "identity.weak_password", "密码至少 8 位")
		refused(t, step2(code, "lin"+lin.Mobile, "lin"+lin.Mobile), http.StatusBadRequest, "identity.weak_password", "不能包含证件号码或手机号")
		refused(t, step2(code, linPassword, linPassword+"x"), http.StatusBadRequest, "webhall.password_mismatch", "两次输入的密码不一致")
		if u.session() != "" {
			t.Fatal("a refused registration set a session")
		}

		halltest.Redirect(t, step2(code, linPassword, linPassword), "/web/?ok=registered")
		home := halltest.HTML(t, u.Get(t, "/web/?ok=registered"), http.StatusOK)
		halltest.Contains(t, home, "注册成功", lin.Name, lin.AccountNo)

		// The same password on the app channel.
		tok := appSession(t, a, lin.IDNumber, linPassword)
		if p, err := a.Identity.Session(ctx, tok, "app"); err != nil || p.Name != lin.Name {
			t.Fatalf("app session = %+v %v", p, err)
		}
		// A second registration is refused once the factors match.
		v := newUser(t, srv)
		v.Get(t, "/web/register")
		refused(t, v.Post(t, "/web/register", step1), http.StatusConflict, "identity.already_registered", "您已注册，请直接登录")
	})
}

// TestRegisterOnAppLoginOnWeb: a person registered through the identity
// service (as the app API does) logs in on the web hall with that password.
func TestRegisterOnAppLoginOnWeb(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		ctx := context.Background()
		if err := a.Identity.SendCode(ctx, identity.PurposeRegister, lin.Mobile, "10.9.9.9"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Identity.Register(ctx, identity.Registration{IDNumber: lin.IDNumber, Name: lin.Name, Phone: lin.Mobile,
			Code: in.Code(t, lin.Mobile, "otp.register"), Password: linPassword}); err != nil {
			t.Fatal(err)
		}
		u := newUser(t, hallServer(t, a))
		u.login(t, lin.IDNumber, linPassword)
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/"), http.StatusOK), lin.Name, lin.AccountNo)
	})
}

// TestFactorsMismatch: an unknown ID number, a wrong name and a wrong phone
// get the same page; ten mismatches of one ID number in an hour stop further tries.
func TestFactorsMismatch(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		u := newUser(t, hallServer(t, a))
		u.Get(t, "/web/register")
		unknownID := apitest.ResidentID("35010219800101003")
		cases := []struct{ name, id, phone string }{
			{lin.Name, unknownID, lin.Mobile},   // unknown ID number
			{"林某", lin.IDNumber, lin.Mobile},    // wrong name
			{lin.Name, lin.IDNumber, li.Mobile}, // another person's mobile
		}
		var first string
		for i, c := range cases {
			p := u.Post(t, "/web/register", url.Values{"action": {"send"}, "step": {"1"}, "name": {c.name}, "id_number": {c.id}, "phone": {c.phone}})
			refused(t, p, http.StatusBadRequest, "identity.factors_mismatch", "姓名、证件号码与预留手机号不匹配")
			// The page differs only in the typed values.
			body := strings.NewReplacer(`value="`+c.name+`"`, `value="NAME"`, `value="`+c.id+`"`, `value="ID"`,
				`value="`+c.phone+`"`, `value="PHONE"`).Replace(p.Body)
			if i == 0 {
				first = body
			} else if body != first {
				t.Errorf("case %d: the mismatch page differs from the unknown-ID page", i)
			}
		}
		if n := in.Count(lin.Mobile) + in.Count(li.Mobile); n != 0 {
			t.Errorf("%d SMS sent for mismatched factors", n)
		}
		// 林静's ID has two mismatches; eight more reach the limit of ten.
		for range 8 {
			u.Post(t, "/web/register", url.Values{"action": {"send"}, "step": {"1"}, "name": {"林某"}, "id_number": {lin.IDNumber}, "phone": {lin.Mobile}})
		}
		p := u.Post(t, "/web/register", url.Values{"action": {"send"}, "step": {"1"}, "name": {lin.Name}, "id_number": {lin.IDNumber}, "phone": {lin.Mobile}})
		refused(t, p, http.StatusTooManyRequests, "identity.too_many_attempts", "核验失败次数过多")
		// A malformed ID number is a format answer, not a lookup.
		refused(t, u.Post(t, "/web/register", url.Values{"action": {"send"}, "step": {"1"}, "name": {lin.Name}, "id_number": {"35010219870923006X"}, "phone": {lin.Mobile}}),
			http.StatusBadRequest, "ident.id_checksum", "")
	})
}

// TestSMSLogin: login by reserved mobile and code; the same answer for an
// unknown phone; a used code, an expired one and too many wrong ones.
func TestSMSLogin(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		srv := hallServer(t, a)
		u := newUser(t, srv)
		halltest.HTML(t, u.Get(t, "/web/login/sms"), http.StatusOK)
		send := func(phone string) halltest.Page {
			return u.Post(t, "/web/login/sms", url.Values{"action": {"send"}, "phone": {phone}})
		}
		known := halltest.HTML(t, send(li.Mobile), http.StatusOK)
		unknown := halltest.HTML(t, send("13999999999"), http.StatusOK)
		for _, p := range []halltest.Page{known, unknown} {
			halltest.Contains(t, p, "如该手机号已在本中心注册，验证码已发送", `name="sms_code"`)
		}
		if n := in.Count("13999999999"); n != 0 {
			t.Errorf("%d SMS sent to an unknown phone", n)
		}
		// 林静 is not registered: the same answer, and no code.
		halltest.HTML(t, send(lin.Mobile), http.StatusOK)
		if n := in.Count(lin.Mobile); n != 0 {
			t.Errorf("%d SMS sent to an unregistered person", n)
		}

		code := in.Code(t, li.Mobile, "otp.login")
		login := func(u *user, phone, code string) halltest.Page {
			return u.Post(t, "/web/login/sms", url.Values{"action": {"login"}, "phone": {phone}, "sms_code": {code}})
		}
		halltest.Redirect(t, login(u, li.Mobile, code), "/web/")
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/"), http.StatusOK), li.Name, li.AccountNo)

		v := newUser(t, srv)
		v.Get(t, "/web/login/sms")
		refused(t, login(v, li.Mobile, code), http.StatusBadRequest, "identity.otp_used", "验证码已使用过")
		// No code was sent to 陈芳: any code has expired.
		refused(t, login(v, chen.Mobile, "123456"), http.StatusBadRequest, "identity.otp_expired", "验证码已失效")

		// Five wrong codes end the code; the right one then no longer works.
		halltest.HTML(t, v.Post(t, "/web/login/sms", url.Values{"action": {"send"}, "phone": {chen.Mobile}}), http.StatusOK)
		good := in.Code(t, chen.Mobile, "otp.login")
		bad := "000000"
		if good == bad {
			bad = "111111"
		}
		for range 4 {
			refused(t, login(v, chen.Mobile, bad), http.StatusBadRequest, "identity.otp_wrong", "验证码不正确")
		}
		refused(t, login(v, chen.Mobile, bad), http.StatusBadRequest, "identity.otp_locked", "验证码输错次数过多")
		refused(t, login(v, chen.Mobile, good), http.StatusBadRequest, "identity.otp_expired", "验证码已失效")
		if v.session() != "" {
			t.Fatal("a refused code login set a session")
		}
	})
}

// TestReset: a password reset by ID number, mobile and code ends every
// session; the code cannot be replayed; the new password logs in everywhere.
func TestReset(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		ctx := context.Background()
		srv := hallServer(t, a)
		appTok := appSession(t, a, zhang.IDNumber, demo.Password)
		u := newUser(t, srv)
		halltest.HTML(t, u.Get(t, "/web/reset"), http.StatusOK)
		refused(t, u.Post(t, "/web/reset", url.Values{"action": {"send"}, "id_number": {"123"}, "phone": {zhang.Mobile}}),
			http.StatusBadRequest, "ident.id_length", "")
		p := halltest.HTML(t, u.Post(t, "/web/reset", url.Values{"action": {"send"}, "id_number": {zhang.IDNumber}, "phone": {zhang.Mobile}}), http.StatusOK)
		halltest.Contains(t, p, "验证码已发送至 138****0004", `name="sms_code"`)
		code := in.Code(t, zhang.Mobile, "otp.reset")
		reset := func(id, code, pw string) halltest.Page {
			return u.Post(t, "/web/reset", url.Values{"action": {"reset"}, "step": {"2"}, "id_number": {id}, "phone": {zhang.Mobile},
				"sms_code": {code}, "password": {pw}, "password2": {pw}})
		}
		// Another person's ID with this phone is a mismatch, and the code stays usable.
		refused(t, reset(li.IDNumber, code, "Zhang#New2026"), http.StatusBadRequest, "identity.factors_mismatch", "不匹配")
		refused(t, reset(zhang.IDNumber, code, "short1"), http.StatusBadRequest, "identity.weak_password", "密码至少 8 位")
		halltest.Redirect(t, reset(zhang.IDNumber, code, "Zhang#New2026"), "/web/login?ok=reset")
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/login?ok=reset"), http.StatusOK), "密码已重置")
		refused(t, reset(zhang.IDNumber, code, "Zhang#Other2026"), http.StatusBadRequest, "identity.otp_used", "验证码已使用过")

		if _, err := a.Identity.Session(ctx, appTok, "app"); err == nil {
			t.Error("the app session survived the reset")
		}
		refused(t, u.Post(t, "/web/login", url.Values{"login": {zhang.IDNumber}, "password": {demo.Password}}),
			http.StatusUnauthorized, "identity.bad_credentials", "")
		u.login(t, zhang.Mobile, "Zhang#New2026")
		appSession(t, a, zhang.IDNumber, "Zhang#New2026")
	})
}
