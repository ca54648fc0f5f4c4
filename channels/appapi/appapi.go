// Package appapi is the mobile app's JSON API (/api/app/v1, channel "app"): a
// thin adapter that registers and logs in employees through internal/identity
// (one registration for every channel), reads their own deposit account,
// statement and certificate from the deposit core, and lists the public
// notices. Every route sits behind the channel gate. A person only ever sees
// their own data: the account routes take no account number and use the
// session's person. Routes are documented in openapi.yaml.
package appapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/notice"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// Channel is the app's channel code (sessions, gate, audit).
const Channel = "app"

// Base is the path prefix of the API.
const Base = "/api/app/v1"

// Service items of the channel gate (internal/channel/catalog) the routes
// belong to.
const (
	itemLogin       = "ZH-01" // registration, login, sessions, password, real-name, query PIN, profile
	itemAccount     = "GR-01" // account and statement
	itemCertificate = "GR-03" // deposit certificate
	itemNotices     = "GG-01" // public notices
)

// Deps are the services the API calls.
type Deps struct {
	Identity *identity.Service
	Deposit  *deposit.Service
	Policy   *policy.Store
	Dates    *bizdate.Service
	Notices  *notice.Service
	// Gate admits each request for its service item on the app channel;
	// nil admits everything (a nil *channel.Gate's middleware only passes on).
	Gate *channel.Gate
}

// Register mounts the API on e.
func Register(e *echo.Echo, d Deps) {
	h := &handler{d: d}
	gate := func(item string) echo.MiddlewareFunc { return d.Gate.Middleware(Channel, item) }
	login, account, cert, notices := gate(itemLogin), gate(itemAccount), gate(itemCertificate), gate(itemNotices)
	person := guard.Person(d.Identity, Channel, 1)

	e.GET(Base+"/notices", h.notices, notices, anonymous)
	e.POST(Base+"/sms-codes", h.smsCode, login, anonymous)
	e.POST(Base+"/registrations", h.register, login, anonymous)
	e.POST(Base+"/sessions", h.login, login, anonymous)
	e.POST(Base+"/password-resets", h.resetPassword, login, anonymous)

	e.GET(Base+"/sessions", h.sessions, login, person)
	e.DELETE(Base+"/sessions/current", h.logout, login, person)
	e.DELETE(Base+"/sessions/:id", h.revoke, login, person)
	e.GET(Base+"/profile", h.profile, login, person)
	e.PUT(Base+"/password", h.changePassword, login, person)
	e.PUT(Base+"/query-pin", h.setQueryPIN, login, person)
	e.POST(Base+"/real-name", h.realName, login, person)

	e.GET(Base+"/account", h.account, account, person)
	e.GET(Base+"/statement", h.statement, account, person)
	e.GET(Base+"/certificates/deposit", h.certificate, cert, person)
}

type handler struct{ d Deps }

// anonymous records the app channel as where an unauthenticated request came
// from, for the audit trail (registration, login, reset).
func anonymous(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "anonymous", Channel: Channel})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// client is where the request comes from, for OTP limits and the session list.
// RealIP honours X-Forwarded-For only from the trusted proxies the web kit
// configures.
func client(c echo.Context) identity.Client {
	return identity.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}

// sessionView is a new session as the app receives it.
type sessionView struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	Level     int    `json:"level"`
}

// startSession opens an app session for p and answers it with status.
func (h *handler) startSession(c echo.Context, p *identity.Principal, status int) error {
	token, exp, err := h.d.Identity.NewSessionFrom(c.Request().Context(), *p, Channel, client(c))
	if err != nil {
		return err
	}
	return c.JSON(status, sessionView{Token: token, ExpiresAt: exp.UTC().Format(time.RFC3339), Level: max(1, p.Level)})
}

// me is the person of the request's session (guard.Person admitted it).
func me(c echo.Context) *identity.Principal { return guard.Principal(c) }

// noContent answers 204.
func noContent(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
