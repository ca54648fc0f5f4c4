package appapi

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/web"
)

// ErrLoginMethod answers a login that is neither ID number (or phone) +
// password nor phone + SMS code.
var ErrLoginMethod = errs.New(errs.Invalid, "app.login_method", "请填写身份证号码和登录密码，或手机号和短信验证码")

// ErrFaceImage answers a face image that is not base64.
var ErrFaceImage = errs.New(errs.Invalid, "app.bad_face_image", "人脸照片应为 base64 编码的图片").With("field", "face_image")

type smsCodeBody struct {
	Phone   string `json:"phone"`
	Purpose string `json:"purpose"`
}

// smsAccepted is the answer to every accepted code request, whether or not
// the phone belongs to anyone.
type smsAccepted struct {
	ExpiresInS int `json:"expires_in_s"` // how long a code sent now stays valid
}

// smsCode sends an SMS code. The answer is the same whether or not the phone
// is known; sending limits apply per phone and per client IP. A step_up code
// requested with the app session's token goes to the person's own reserved
// mobile (the phone field is then ignored).
func (h *handler) smsCode(c echo.Context) error {
	var b smsCodeBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	purpose, err := identity.ParsePurpose(b.Purpose)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ip := c.RealIP()
	if token, ok := guard.BearerToken(c); ok && purpose == identity.PurposeStepUp {
		p, err := h.d.Identity.Session(ctx, token, Channel)
		if err != nil {
			return err
		}
		if p.Kind != "person" {
			return identity.ErrNoSession
		}
		err = h.d.Identity.SendStepUp(ctx, p.PersonID(), ip)
		if err != nil {
			return err
		}
	} else if err := h.d.Identity.SendCode(ctx, purpose, b.Phone, ip); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, smsAccepted{ExpiresInS: int(identity.OTPLife.Seconds())})
}

type registrationBody struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	SMSCode  string `json:"sms_code"`
	Password string `json:"password"`
}

// register creates the person's credential (three factors + register code +
// password); the same password then logs in on every channel.
func (h *handler) register(c echo.Context) error {
	var b registrationBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	id, err := h.d.Identity.Register(c.Request().Context(), identity.Registration{IDNumber: b.IDNumber, Name: b.Name,
		Phone: b.Phone, Code: b.SMSCode, Password: b.Password})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]int64{"person_id": id})
}

type loginBody struct {
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
	SMSCode  string `json:"sms_code"`
}

// login starts an app session: ID number (or reserved mobile) + password, or
// reserved mobile + login code.
func (h *handler) login(c echo.Context) error {
	var b loginBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var p *identity.Principal
	var err error
	switch {
	case b.Password != "" && b.SMSCode == "" && (b.IDNumber == "") != (b.Phone == ""):
		p, err = h.d.Identity.LoginPerson(ctx, b.IDNumber+b.Phone, b.Password)
	case b.SMSCode != "" && b.Password == "" && b.IDNumber == "" && b.Phone != "":
		p, err = h.d.Identity.LoginPersonByCode(ctx, b.Phone, b.SMSCode)
	default:
		return ErrLoginMethod
	}
	if err != nil {
		return err
	}
	return h.startSession(c, p, http.StatusCreated)
}

// logout revokes the request's session.
func (h *handler) logout(c echo.Context) error {
	token, _ := guard.BearerToken(c) // present: the guard admitted the request
	if err := h.d.Identity.EndSession(c.Request().Context(), token); err != nil {
		return err
	}
	return noContent(c)
}

// sessions lists the person's live sessions on every channel, the request's
// own marked current.
func (h *handler) sessions(c echo.Context) error {
	token, _ := guard.BearerToken(c)
	list, err := h.d.Identity.Sessions(c.Request().Context(), me(c).Subject, token)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

// revoke ends one of the person's sessions (any channel) by its id.
func (h *handler) revoke(c echo.Context) error {
	if err := h.d.Identity.RevokeSession(c.Request().Context(), me(c).Subject, c.Param("id")); err != nil {
		return err
	}
	return noContent(c)
}

// profile is the person's own identity profile, masked.
func (h *handler) profile(c echo.Context) error {
	p, err := h.d.Identity.Profile(c.Request().Context(), me(c).PersonID())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

type passwordBody struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changePassword changes the password; identity revokes every session of the
// person on every channel, so the app gets a fresh session in the answer.
func (h *handler) changePassword(c echo.Context) error {
	var b passwordBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := me(c)
	if err := h.d.Identity.ChangePassword(ctx, p.PersonID(), b.OldPassword, b.NewPassword); err != nil {
		return err
	}
	fresh, err := h.d.Identity.PersonPrincipal(ctx, p.PersonID())
	if err != nil {
		return err
	}
	return h.startSession(c, fresh, http.StatusOK)
}

type resetBody struct {
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	SMSCode  string `json:"sms_code"`
	Password string `json:"password"`
}

// resetPassword sets a new password after a reset code; every session of the
// person on every channel ends.
func (h *handler) resetPassword(c echo.Context) error {
	var b resetBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	if err := h.d.Identity.ResetPassword(c.Request().Context(), identity.Reset{IDNumber: b.IDNumber, Phone: b.Phone,
		Code: b.SMSCode, Password: b.Password}); err != nil {
		return err
	}
	return noContent(c)
}

type pinBody struct {
	Password string `json:"password"`
	PIN      string `json:"pin"`
}

// setQueryPIN sets the 6-digit query PIN of the hotline and SMS channels.
func (h *handler) setQueryPIN(c echo.Context) error {
	var b pinBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	if err := h.d.Identity.SetQueryPIN(c.Request().Context(), me(c).PersonID(), b.Password, b.PIN); err != nil {
		return err
	}
	return noContent(c)
}

type realNameBody struct {
	Method     string `json:"method"`
	CardNo     string `json:"card_no"`
	BankMobile string `json:"bank_mobile"`
	FaceImage  string `json:"face_image"` // standard base64
}

// realName verifies the person's real name (bank card 4 elements or face) and
// raises the person and this session to level 2.
func (h *handler) realName(c echo.Context) error {
	var b realNameBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	proof := identity.RealNameProof{Method: b.Method, CardNo: b.CardNo, BankMobile: b.BankMobile}
	if b.Method == "face" {
		img, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b.FaceImage))
		if err != nil {
			return ErrFaceImage
		}
		proof.FaceImage = img
	}
	ctx := c.Request().Context()
	level, err := h.d.Identity.VerifyRealName(ctx, me(c).PersonID(), proof)
	if err != nil {
		return err
	}
	token, _ := guard.BearerToken(c)
	if err := h.d.Identity.SetSessionLevel(ctx, token, Channel, level); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"level": level})
}
