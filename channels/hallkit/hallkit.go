// Package hallkit is the page kit both online halls share — the unit hall
// (channels/unithall, /unit/) and the personal hall (channels/webhall, /web/):
// the session cookie and the session check, CSRF protection, the login
// redirect and its safe "next" target, rendering a whole page under a
// Content-Security-Policy, flash messages after a redirect, refusals shown
// inside the page, the format functions of the templates, the shared layout
// fragments (templates/kit.html) and the shared static files (base.css and
// the vendored htmx), served under each hall's own /static/ path.
//
// Each hall keeps its own routes, templates, look, view data and messages;
// the kit holds no business rules and never touches the database. Only the
// halls call it.
package hallkit

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// Hall describes one online hall to the kit. A hall builds one at start and
// never changes it.
type Hall struct {
	// Root is the hall's path without the trailing slash, e.g. "/unit"; the
	// cookies are scoped to it.
	Root string
	// Channel is the identity and audit channel of the hall's sessions.
	Channel string
	// SessionCookie and CSRFCookie are the names of the two cookies.
	SessionCookie, CSRFCookie string
	// ErrCSRF answers a state-changing request that fails the CSRF check.
	ErrCSRF *errs.Error
	// Identity checks and ends the sessions.
	Identity *identity.Service
	// Member reports whether a live session's principal is a user of the
	// hall (a unit agent, a person); others are sent to the login page.
	Member func(*identity.Principal) bool
	// Flashes are the success messages a redirect may name (Done); "%d" in
	// a message takes the redirect's number.
	Flashes map[string]string
}

// Mount serves the hall's static files at Root/static/ — the hall's own
// (static) first, then the kit's (base.css, htmx.min.js) — cached for an
// hour and without directory listings, and redirects Root to Root/.
func (k *Hall) Mount(e *echo.Echo, static fs.FS) {
	prefix := k.Root + "/static/"
	files := http.StripPrefix(prefix, http.FileServerFS(overlay{static, kitStatic}))
	e.GET(prefix+"*", func(c echo.Context) error {
		if strings.HasSuffix(c.Request().URL.Path, "/") {
			return echo.ErrNotFound // no directory listings
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=3600")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	})
	e.GET(k.Root, func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, k.Root+"/") })
}

// overlay opens a name in the first file system that has it.
type overlay []fs.FS

func (o overlay) Open(name string) (fs.File, error) {
	var err error
	for _, fsys := range o {
		var f fs.File
		if f, err = fsys.Open(name); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return nil, err
}

// CSRF is echo's CSRF protection for the hall: browsers that send
// Sec-Fetch-Site are checked by it (same-origin passes, same-site falls back
// to the token, cross-site is refused), others by the double-submit token
// (the CSRF cookie, HttpOnly and SameSite=Strict, plus the form field _csrf
// or the X-CSRF-Token header). A refusal is ErrCSRF.
func (k *Hall) CSRF() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:" + echo.HeaderXCSRFToken,
		CookieName:     k.CSRFCookie,
		CookiePath:     k.Root,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
		ErrorHandler:   func(error, echo.Context) error { return k.ErrCSRF },
		AllowSecFetchSiteFunc: func(c echo.Context) (bool, error) {
			if c.Request().Header.Get(echo.HeaderSecFetchSite) == "same-site" {
				return false, nil // a sibling host: the token decides
			}
			return false, k.ErrCSRF
		},
	})
}

// CSRFToken is the CSRF token of the request (set by CSRF), for the pages'
// hidden _csrf fields and the htmx header; "" outside CSRF.
func CSRFToken(c echo.Context) string {
	s, _ := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	return s
}

const principalKey = "hallkit.principal"

// Require admits requests with a live session of the hall's channel whose
// principal is a Member: no session sends the browser to the login page
// (ToLogin); a session store failure is returned as it is. check (may be
// nil) then decides on the principal, e.g. access control; its error is
// returned. An admitted request carries the actor on its context for the
// audit trail and the principal for Principal, and is not cached.
func (k *Hall) Require(check func(c echo.Context, p *identity.Principal) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx := req.Context()
			var p *identity.Principal
			ck, err := c.Cookie(k.SessionCookie)
			if err == nil {
				p, err = k.Identity.Session(ctx, ck.Value, k.Channel)
			}
			if err != nil || p == nil || !k.Member(p) {
				if err != nil && errs.KindOf(err) != errs.Unauthenticated && ck != nil {
					return err // the session store failed: not a reason to log in again
				}
				return k.ToLogin(c)
			}
			if check != nil {
				if err := check(c, p); err != nil {
					return err
				}
			}
			ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: k.Channel})
			c.SetRequest(req.WithContext(ctx))
			c.Set(principalKey, p)
			c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
			return next(c)
		}
	}
}

// Principal is the signed-in principal of a request that passed Require, or
// nil.
func Principal(c echo.Context) *identity.Principal {
	p, _ := c.Get(principalKey).(*identity.Principal)
	return p
}

// SignedIn reports whether the request carries a live session of a Member
// (for login pages that send a signed-in user on). Any error counts as no.
func (k *Hall) SignedIn(c echo.Context) bool {
	ck, err := c.Cookie(k.SessionCookie)
	if err != nil {
		return false
	}
	p, err := k.Identity.Session(c.Request().Context(), ck.Value, k.Channel)
	return err == nil && p != nil && k.Member(p)
}

// EndSession ends the session the request's cookie names, if any (the
// cookie stays; see ClearSession). Errors are the identity service's.
func (k *Hall) EndSession(c echo.Context) error {
	ck, err := c.Cookie(k.SessionCookie)
	if err != nil {
		return nil
	}
	return k.Identity.EndSession(c.Request().Context(), ck.Value)
}

// SetSession sets the session cookie to token for the browser session:
// HttpOnly, SameSite=Lax, Path=Root, Secure when the request came over HTTPS
// (directly or through the proxy).
func (k *Hall) SetSession(c echo.Context, token string) { k.sessionCookie(c, token, 0) }

// ClearSession deletes the session cookie.
func (k *Hall) ClearSession(c echo.Context) { k.sessionCookie(c, "", -1) }

func (k *Hall) sessionCookie(c echo.Context, token string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: k.SessionCookie, Value: token, Path: k.Root, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
}

// ToLogin sends the browser to Root/login (303), remembering a GET page other
// than the hall's home as ?next=; an htmx request gets 204 with HX-Redirect
// instead, so the login page is not swapped into the page.
func (k *Hall) ToLogin(c echo.Context) error {
	target := k.Root + "/login"
	if req := c.Request(); req.Method == http.MethodGet && req.URL.Path != k.Root+"/" {
		target += "?next=" + url.QueryEscape(req.URL.RequestURI())
	}
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// SafeNext keeps a post-login target only when it is a page of the hall other
// than the login pages; anything else (another site, "//host", a backslash
// or a line break) is "".
func (k *Hall) SafeNext(s string) string {
	if !strings.HasPrefix(s, k.Root+"/") || strings.HasPrefix(s, k.Root+"/login") || strings.ContainsAny(s, "\\\r\n") ||
		strings.HasPrefix(s, "//") {
		return ""
	}
	return s
}
