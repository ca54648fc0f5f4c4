package console

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/identity"
	"gjj/internal/platform/reqctx"
)

// loginInput is the login form as typed (password and code are never echoed).
type loginInput struct {
	Username string
	Next     string
	// Expired: the browser was sent here because its session ended after
	// the idle timeout (idle.go); the page says so.
	Expired bool
}

func (h *handler) loginForm(c echo.Context) error {
	if ck, err := c.Cookie(SessionCookie); err == nil {
		if p, err := h.d.Identity.Session(c.Request().Context(), ck.Value, Channel); err == nil && p.Kind == "staff" {
			c.Set(principalKey, p)
			if home := h.home(c); home != "" {
				return c.Redirect(http.StatusSeeOther, home)
			}
		}
	}
	c.Set(principalKey, nil)
	c.Set(navKey, nil)
	return h.render(c, http.StatusOK, "login", view{Title: "工作人员登录", Data: loginInput{Next: safeNext(c.QueryParam("next")),
		Expired: c.QueryParam("expired") == "1"}})
}

// login checks the staff member's username, password and TOTP code. Any wrong
// factor gives the same message (identity.ErrBadCredentials); success starts a
// counter-channel session, sets the session cookie and goes to the page asked
// for, or to the first page the staff member's roles allow.
func (h *handler) login(c echo.Context) error {
	in := loginInput{Username: strings.TrimSpace(c.FormValue("username")), Next: safeNext(c.FormValue("next"))}
	v := view{Title: "工作人员登录", Data: in}
	// The login's audit record names the channel it came through.
	ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "anonymous", Channel: Channel})
	p, err := h.d.Identity.LoginStaff(ctx, in.Username, c.FormValue("password"), strings.TrimSpace(c.FormValue("totp")))
	if err != nil {
		return h.formError(c, err, "login", v)
	}
	token, _, err := h.d.Identity.NewSessionFrom(ctx, *p, Channel,
		identity.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent()})
	if err != nil {
		return err
	}
	setSessionCookie(c, token, 0)
	c.Set(principalKey, p)
	target := h.home(c)
	if in.Next != "" {
		target = in.Next
	}
	if target == "" {
		target = "/admin/" // no page allowed: the 403 page says so
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// logout ends the session (if any) and returns to the login page.
func (h *handler) logout(c echo.Context) error {
	if ck, err := c.Cookie(SessionCookie); err == nil {
		if err := h.d.Identity.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	setSessionCookie(c, "", -1)
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

// setSessionCookie sets (maxAge 0: for the browser session) or deletes
// (maxAge < 0) the session cookie. It is Secure when the request came over
// HTTPS (directly or through the proxy).
func setSessionCookie(c echo.Context, token string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: token, Path: cookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
}

// safeNext keeps a post-login target only when it is a page of the console.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/admin/") || strings.HasPrefix(s, "/admin/login") || strings.HasPrefix(s, "/admin/static/") ||
		strings.ContainsAny(s, "\\\r\n") || strings.HasPrefix(s, "//") {
		return ""
	}
	return s
}
