package unithall

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/reqctx"
)

// loginInput is the login form as typed (password and code are never echoed).
type loginInput struct {
	UnitCode string
	IDNumber string
	Next     string
}

func (h *hall) loginForm(c echo.Context) error {
	if h.kit.SignedIn(c) {
		return c.Redirect(http.StatusSeeOther, "/unit/")
	}
	return h.render(c, http.StatusOK, "login", view{Title: "单位经办人登录", Data: loginInput{Next: h.kit.SafeNext(c.QueryParam("next"))}})
}

// login checks the agent's four factors. Any wrong factor gives the same
// message (identity.ErrBadCredentials); success starts a unit-channel session,
// sets the session cookie and goes to the overview (or the page asked for).
func (h *hall) login(c echo.Context) error {
	in := loginInput{
		UnitCode: strings.TrimSpace(c.FormValue("unit_code")),
		IDNumber: strings.TrimSpace(c.FormValue("id_number")),
		Next:     h.kit.SafeNext(c.FormValue("next")),
	}
	v := view{Title: "单位经办人登录", Data: in}
	// The login's audit record names the channel it came through.
	ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "anonymous", Channel: Channel})
	p, err := h.d.Identity.LoginAgent(ctx, in.UnitCode, in.IDNumber, c.FormValue("password"), strings.TrimSpace(c.FormValue("totp")))
	if err != nil {
		return h.formError(c, err, "login", v)
	}
	token, _, err := h.d.Identity.NewSession(ctx, *p, Channel)
	if err != nil {
		return err
	}
	h.kit.SetSession(c, token)
	target := "/unit/"
	if in.Next != "" {
		target = in.Next
	}
	return c.Redirect(http.StatusSeeOther, target)
}

func (h *hall) logout(c echo.Context) error {
	if err := h.kit.EndSession(c); err != nil {
		return err
	}
	h.kit.ClearSession(c)
	return c.Redirect(http.StatusSeeOther, "/unit/login")
}
