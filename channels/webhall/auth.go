package webhall

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// errPasswordMismatch answers a form whose two password entries differ.
var errPasswordMismatch = errs.New(errs.Invalid, "webhall.password_mismatch", "两次输入的密码不一致").With("field", "password2")

// loginInput is a login form as typed (passwords and codes are never echoed).
type loginInput struct {
	Login string // resident ID number or reserved mobile
	Phone string // SMS login
	Next  string
	Sent  bool // SMS login: a code was requested
}

func (h *hall) loginForm(c echo.Context) error {
	if h.kit.SignedIn(c) {
		return c.Redirect(http.StatusSeeOther, "/web/")
	}
	return h.render(c, http.StatusOK, "login", view{Title: "个人登录", Data: loginInput{Next: h.kit.SafeNext(c.QueryParam("next"))}})
}

// login checks the login (resident ID number or reserved mobile) and password
// with identity.LoginPerson: a wrong login or password gives the same message
// (identity.bad_credentials); slow-down and lockout answer with their own.
func (h *hall) login(c echo.Context) error {
	in := loginInput{Login: strings.TrimSpace(c.FormValue("login")), Next: h.kit.SafeNext(c.FormValue("next"))}
	p, err := h.d.Identity.LoginPerson(c.Request().Context(), in.Login, c.FormValue("password"))
	if err != nil {
		return h.formError(c, err, "login", view{Title: "个人登录", Data: in})
	}
	return h.startSession(c, p, in.Next)
}

func (h *hall) smsLoginForm(c echo.Context) error {
	if h.kit.SignedIn(c) {
		return c.Redirect(http.StatusSeeOther, "/web/")
	}
	return h.render(c, http.StatusOK, "login_sms", view{Title: "短信验证码登录", Data: loginInput{Next: h.kit.SafeNext(c.QueryParam("next"))}})
}

// smsLogin sends a login code to a reserved mobile (action "send": the same
// answer whether or not the phone belongs to a registered person) or logs in
// with the phone and the code.
func (h *hall) smsLogin(c echo.Context) error {
	ctx := c.Request().Context()
	in := loginInput{Phone: strings.TrimSpace(c.FormValue("phone")), Next: h.kit.SafeNext(c.FormValue("next"))}
	v := view{Title: "短信验证码登录", Data: &in}
	if c.FormValue("action") == "send" {
		if err := h.d.Identity.SendCode(ctx, identity.PurposeLogin, in.Phone, c.RealIP()); err != nil {
			return h.formError(c, err, "login_sms", v)
		}
		in.Sent = true
		v.Flash = "如该手机号已在本中心注册，验证码已发送至 " + ident.MaskMobile(in.Phone) + "，5 分钟内有效。"
		return h.render(c, http.StatusOK, "login_sms", v)
	}
	in.Sent = true
	p, err := h.d.Identity.LoginPersonByCode(ctx, in.Phone, c.FormValue("sms_code"))
	if err != nil {
		return h.formError(c, err, "login_sms", v)
	}
	return h.startSession(c, p, in.Next)
}

// startSession ends the browser's previous web session, starts a web-channel
// session for p, sets the cookie and goes to target (default the overview).
func (h *hall) startSession(c echo.Context, p *identity.Principal, target string) error {
	if err := h.kit.EndSession(c); err != nil {
		return err
	}
	token, _, err := h.d.Identity.NewSessionFrom(c.Request().Context(), *p, Channel, client(c))
	if err != nil {
		return err
	}
	h.kit.SetSession(c, token)
	if target == "" {
		target = "/web/"
	}
	return c.Redirect(http.StatusSeeOther, target)
}

func (h *hall) logout(c echo.Context) error {
	if err := h.kit.EndSession(c); err != nil {
		return err
	}
	h.kit.ClearSession(c)
	return done(c, "/web/login", "logout")
}

// registerInput is the registration form as typed. Step 1 takes the three
// factors; step 2 the SMS code and the password.
type registerInput struct {
	Name, IDNumber, Phone string
	Step                  int
}

func (h *hall) registerForm(c echo.Context) error {
	return h.render(c, http.StatusOK, "register", view{Title: "用户注册", Data: &registerInput{Step: 1}})
}

// register runs the two steps: "send" checks the three factors and sends the
// code (identity.CheckFactors: one answer for an unknown ID number and a wrong
// factor); "register" creates the credential (identity.Register) and logs the
// person in on this channel.
func (h *hall) register(c echo.Context) error {
	ctx := c.Request().Context()
	in := registerInput{Name: strings.TrimSpace(c.FormValue("name")), IDNumber: strings.ToUpper(strings.TrimSpace(c.FormValue("id_number"))),
		Phone: strings.TrimSpace(c.FormValue("phone")), Step: 1}
	v := view{Title: "用户注册", Data: &in}
	if c.FormValue("step") == "2" {
		in.Step = 2
	}
	if c.FormValue("action") == "send" {
		if err := h.d.Identity.CheckFactors(ctx, in.Name, in.IDNumber, in.Phone, c.RealIP()); err != nil {
			return h.formError(c, err, "register", v)
		}
		in.Step = 2
		v.Flash = "验证码已发送至 " + ident.MaskMobile(in.Phone) + "，5 分钟内有效。"
		return h.render(c, http.StatusOK, "register", v)
	}
	if in.Step != 2 {
		return h.render(c, http.StatusOK, "register", v)
	}
	password := c.FormValue("password")
	if password != c.FormValue("password2") {
		return h.formError(c, errPasswordMismatch, "register", v)
	}
	id, err := h.d.Identity.Register(ctx, identity.Registration{IDNumber: in.IDNumber, Name: in.Name, Phone: in.Phone,
		Code: c.FormValue("sms_code"), Password: password})
	if err != nil {
		return h.formError(c, err, "register", v)
	}
	p, err := h.d.Identity.PersonPrincipal(ctx, id)
	if err != nil {
		return err
	}
	return h.startSession(c, p, "/web/?ok=registered")
}

// resetInput is the password-reset form as typed.
type resetInput struct {
	IDNumber, Phone string
	Step            int
}

func (h *hall) resetForm(c echo.Context) error {
	return h.render(c, http.StatusOK, "reset", view{Title: "找回密码", Data: &resetInput{Step: 1}})
}

// reset sends a reset code ("send": the same answer whether or not the ID
// number and phone belong to a registered person) or sets the new password
// (identity.ResetPassword, which ends every session on every channel).
func (h *hall) reset(c echo.Context) error {
	ctx := c.Request().Context()
	in := resetInput{IDNumber: strings.ToUpper(strings.TrimSpace(c.FormValue("id_number"))), Phone: strings.TrimSpace(c.FormValue("phone")), Step: 1}
	v := view{Title: "找回密码", Data: &in}
	if c.FormValue("step") == "2" {
		in.Step = 2
	}
	if c.FormValue("action") == "send" {
		if _, err := ident.ParseResidentID(in.IDNumber); err != nil {
			return h.formError(c, errs.E(err).With("field", "id_number"), "reset", v)
		}
		if err := h.d.Identity.SendCode(ctx, identity.PurposeReset, in.Phone, c.RealIP()); err != nil {
			return h.formError(c, err, "reset", v)
		}
		in.Step = 2
		v.Flash = "如证件号码与预留手机号匹配且已注册，验证码已发送至 " + ident.MaskMobile(in.Phone) + "，5 分钟内有效。"
		return h.render(c, http.StatusOK, "reset", v)
	}
	if in.Step != 2 {
		return h.render(c, http.StatusOK, "reset", v)
	}
	password := c.FormValue("password")
	if password != c.FormValue("password2") {
		return h.formError(c, errPasswordMismatch, "reset", v)
	}
	if err := h.d.Identity.ResetPassword(ctx, identity.Reset{IDNumber: in.IDNumber, Phone: in.Phone, Code: c.FormValue("sms_code"),
		Password: password}); err != nil {
		return h.formError(c, err, "reset", v)
	}
	h.kit.ClearSession(c)
	return done(c, "/web/login", "reset")
}
