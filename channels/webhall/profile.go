package webhall

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// errPINMismatch answers a PIN form whose two entries differ.
var errPINMismatch = errs.New(errs.Invalid, "webhall.pin_mismatch", "两次输入的查询密码不一致").With("field", "pin2")

// profileData is the profile page: the masked profile and the state of the
// two-step forms (codes sent).
type profileData struct {
	P          *identity.Profile
	NewPhone   string // the change-mobile form as typed
	MobileSent bool   // codes were sent to the old and the new number
	StepUpSent bool   // a step-up code was sent for the bank-card change
	WeChat     bool   // the WeChat channel is on: link to its bindings
}

func (h *hall) profile(c echo.Context) error {
	return h.profilePage(c, http.StatusOK, view{}, &profileData{})
}

// profilePage renders the profile with d (the form state) and v (flash or
// nothing); profileError renders it with a refusal of form.
func (h *hall) profilePage(c echo.Context, status int, v view, d *profileData) error {
	p, err := h.d.Identity.Profile(c.Request().Context(), principal(c).PersonID())
	if err != nil {
		return err
	}
	d.P, d.WeChat = p, h.d.WeChat
	v.Title, v.Menu, v.Data = "个人信息", "profile", d
	return h.render(c, status, "profile", v)
}

func (h *hall) profileError(c echo.Context, err error, form string, d *profileData) error {
	e := errs.E(err)
	if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
		return err
	}
	p, perr := h.d.Identity.Profile(c.Request().Context(), principal(c).PersonID())
	if perr != nil {
		return perr
	}
	d.P, d.WeChat = p, h.d.WeChat
	return h.formError(c, err, "profile", view{Title: "个人信息", Menu: "profile", Form: form, Data: d})
}

// changeMobile replaces the reserved mobile: "send" sends change_mobile codes
// to the old and the new number; "confirm" checks both and changes it.
func (h *hall) changeMobile(c echo.Context) error {
	ctx := c.Request().Context()
	pid := principal(c).PersonID()
	d := &profileData{NewPhone: strings.TrimSpace(c.FormValue("phone"))}
	if c.FormValue("action") == "send" {
		if err := h.d.Identity.SendChangeMobileCodes(ctx, pid, d.NewPhone, c.RealIP()); err != nil {
			return h.profileError(c, err, "mobile", d)
		}
		d.MobileSent = true
		return h.profilePage(c, http.StatusOK, view{Flash: "验证码已分别发送至原预留手机号和新手机号 " + ident.MaskMobile(d.NewPhone) + "，5 分钟内有效。"}, d)
	}
	d.MobileSent = true
	if err := h.d.Identity.ChangeMobile(ctx, pid, d.NewPhone, c.FormValue("old_code"), c.FormValue("new_code")); err != nil {
		return h.profileError(c, err, "mobile", d)
	}
	return done(c, "/web/profile", "mobile")
}

// realName raises the person to level 2 with a bank-card 4-element check and
// records the level on this session.
func (h *hall) realName(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	_, err := h.d.Identity.VerifyRealName(ctx, p.PersonID(), identity.RealNameProof{Method: "bank_card",
		CardNo: c.FormValue("card_no"), BankMobile: c.FormValue("bank_mobile")})
	if err != nil {
		return h.profileError(c, err, "realname", &profileData{})
	}
	if ck, err := c.Cookie(SessionCookie); err == nil {
		if err := h.d.Identity.SetSessionLevel(ctx, ck.Value, Channel, 2); err != nil {
			return err
		}
	}
	return done(c, "/web/profile", "realname")
}

// changeBankCard replaces the account's bank card: it needs a level-2
// session; "send" sends a step-up code to the reserved mobile, "confirm"
// checks it and the new card (identity.ChangeBankCard).
func (h *hall) changeBankCard(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	d := &profileData{}
	if c.FormValue("action") == "send" {
		if p.Level < 2 {
			return h.profileError(c, identity.ErrLevelRequired, "bankcard", d)
		}
		if err := h.d.Identity.SendStepUp(ctx, p.PersonID(), c.RealIP()); err != nil {
			return h.profileError(c, err, "bankcard", d)
		}
		d.StepUpSent = true
		return h.profilePage(c, http.StatusOK, view{Flash: "验证码已发送至您的预留手机号，5 分钟内有效。"}, d)
	}
	d.StepUpSent = true
	if err := h.d.Identity.ChangeBankCard(ctx, p, c.FormValue("card_no"), c.FormValue("bank_mobile"), c.FormValue("sms_code")); err != nil {
		return h.profileError(c, err, "bankcard", d)
	}
	return done(c, "/web/profile", "bankcard")
}

// setPIN sets the 6-digit query PIN of the hotline and SMS after the login
// password is re-entered.
func (h *hall) setPIN(c echo.Context) error {
	pin := strings.TrimSpace(c.FormValue("pin"))
	if pin != strings.TrimSpace(c.FormValue("pin2")) {
		return h.profileError(c, errPINMismatch, "pin", &profileData{})
	}
	if err := h.d.Identity.SetQueryPIN(c.Request().Context(), principal(c).PersonID(), c.FormValue("password"), pin); err != nil {
		return h.profileError(c, err, "pin", &profileData{})
	}
	return done(c, "/web/profile", "pin")
}

// changePassword changes the login password; identity ends every session on
// every channel, this one too, so the person logs in again.
func (h *hall) changePassword(c echo.Context) error {
	next := c.FormValue("new_password")
	if next != c.FormValue("new_password2") {
		return h.profileError(c, errPasswordMismatch.With("field", "new_password2"), "password", &profileData{})
	}
	if err := h.d.Identity.ChangePassword(c.Request().Context(), principal(c).PersonID(), c.FormValue("old_password"), next); err != nil {
		return h.profileError(c, err, "password", &profileData{})
	}
	h.kit.ClearSession(c)
	return done(c, "/web/login", "password")
}

// sessions lists the person's live sessions on every channel, the current
// one marked.
func (h *hall) sessions(c echo.Context) error {
	list, err := h.d.Identity.Sessions(c.Request().Context(), principal(c).Subject, sessionToken(c))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "sessions", view{Title: "登录设备管理", Menu: "sessions", Data: list})
}

// revokeSession ends one of the person's sessions (id from the list), or
// every other one (id "others"). Ending the current one logs out.
func (h *hall) revokeSession(c echo.Context) error {
	ctx := c.Request().Context()
	subject := principal(c).Subject
	id := c.FormValue("id")
	list, err := h.d.Identity.Sessions(ctx, subject, sessionToken(c))
	if err != nil {
		return err
	}
	if id == "others" {
		for _, s := range list {
			if s.Current {
				continue
			}
			if err := h.d.Identity.RevokeSession(ctx, subject, s.ID); err != nil && errs.CodeOf(err) != identity.ErrSessionNotFound.Code {
				return err
			}
		}
		return done(c, "/web/sessions", "revoked_all")
	}
	if err := h.d.Identity.RevokeSession(ctx, subject, id); err != nil {
		return h.formError(c, err, "sessions", view{Title: "登录设备管理", Menu: "sessions", Data: list})
	}
	for _, s := range list {
		if s.ID == id && s.Current {
			h.kit.ClearSession(c)
			return done(c, "/web/login", "logout")
		}
	}
	return done(c, "/web/sessions", "revoked")
}

// sessionToken is the token of the request's session cookie.
func sessionToken(c echo.Context) string {
	if ck, err := c.Cookie(SessionCookie); err == nil {
		return ck.Value
	}
	return ""
}
