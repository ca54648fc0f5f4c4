// Package guard is the echo middleware that puts a session's principal on a
// request and asks access control whether the principal may call the route:
// every authenticated API of every channel goes through it.
package guard

import (
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/identity"
	"gjj/internal/platform/reqctx"
)

const principalKey = "gjj.principal"

// Config says how a channel authenticates.
type Config struct {
	Identity *identity.Service
	Access   *access.Enforcer
	// Channel is the session and audit channel code ("unit"; "counter" for staff).
	Channel string
	// Domain returns the access domain a principal acts in (a unit agent:
	// "unit:<unit_no>"; center staff: access.Center).
	Domain func(p *identity.Principal) string
}

// Middleware authenticates "Authorization: Bearer <token>" against the
// channel's sessions (401 identity.no_session otherwise), records the actor in
// the request context for audit, and enforces casbin on (subject, domain,
// route template, method) (403 access.forbidden otherwise).
func Middleware(cfg Config) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token, ok := BearerToken(c)
			if !ok {
				return identity.ErrNoSession
			}
			ctx := c.Request().Context()
			p, err := cfg.Identity.Session(ctx, token, cfg.Channel)
			if err != nil {
				return err
			}
			if err := cfg.Access.Check(p.Subject, cfg.Domain(p), c.Path(), c.Request().Method); err != nil {
				return err
			}
			ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: cfg.Channel})
			c.SetRequest(c.Request().WithContext(ctx))
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// ErrNotPerson answers a personal-channel route called with a session that is
// not a person's (staff or unit-agent sessions live on other channels anyway).
var ErrNotPerson = identity.ErrNoSession

// Person authenticates "Authorization: Bearer <token>" against the personal
// channel's sessions (app, wechat, kiosk …) and admits only persons, at least
// at minLevel (403 identity.level_required otherwise). There is no casbin
// check: a person may call every personal route, and each handler reads only
// the data of the principal's own person (Principal(c).PersonID()).
func Person(id *identity.Service, channel string, minLevel int) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token, ok := BearerToken(c)
			if !ok {
				return identity.ErrNoSession
			}
			ctx := c.Request().Context()
			p, err := id.Session(ctx, token, channel)
			if err != nil {
				return err
			}
			if p.Kind != "person" {
				return ErrNotPerson
			}
			if p.Level < minLevel {
				return identity.ErrLevelRequired
			}
			ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: channel})
			c.SetRequest(c.Request().WithContext(ctx))
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// Principal returns the principal Middleware put on the request (nil outside it).
func Principal(c echo.Context) *identity.Principal {
	p, _ := c.Get(principalKey).(*identity.Principal)
	return p
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header
// (the scheme is case-insensitive; spaces around the token are ignored).
func BearerToken(c echo.Context) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization)), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
