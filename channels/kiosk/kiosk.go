// Package kiosk is the self-service kiosk channel (自助终端, channel "kiosk"):
// a thin adapter in front of the same core as every other channel, for
// employees standing at a kiosk in a branch or a bank.
//
// Kiosks are registered by staff (id, branch, key; internal/kiosk, staff API
// /api/admin/v1/kiosks). Every request of the kiosk's shell to /api/kiosk/v1
// is signed with the kiosk's key (internal/signing:
// X-Kiosk-Id, X-Timestamp, X-Nonce, X-Signature; stale or replayed requests
// are refused). The shell sends heartbeats (staff see the last one), logs a
// person in with the ID number read from the ID card reader and the password
// the person registered on any channel (identity.LoginPerson; a "kiosk"
// session of 3 minutes, Authorization: Bearer), and reads the account,
// statement and loans and prints (downloads as PDF) the statement, a deposit
// certificate or a loan settlement certificate — each print logged, at most
// PrintLimit a business day per person on all kiosks together.
//
// The touch pages at /kiosk/ (large fonts) are for the kiosk's browser. A
// browser cannot sign requests, so the shell opens them with a one-time
// bootstrap: it asks for a page session with a signed POST
// /api/kiosk/v1/page-sessions and opens the returned /kiosk/start?code=…
// (single use, 60 s), which sets the device cookie (HttpOnly,
// SameSite=Strict, Path=/kiosk, 12 hours) naming the kiosk. Every page needs
// a live device cookie of an active kiosk; a person's session cookie on top
// of it, ended after 60 s without input (the page's script and the server's
// idle mark both end it) and by the 3-minute session lifetime.
//
// Every route sits behind the channel gate (channel kiosk).
package kiosk

import (
	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/identity"
	kioskdev "gjj/internal/kiosk"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/kv"
	"gjj/internal/platform/reqctx"
	"gjj/internal/signing"
)

// Channel is the kiosk channel code (sessions, gate, audit).
const Channel = "kiosk"

// Base is the path prefix of the kiosk shell's API.
const Base = "/api/kiosk/v1"

// HeaderKiosk carries the kiosk id of a signed request.
const HeaderKiosk = "X-Kiosk-Id"

// DefaultPrintLimit is the number of documents a person may print a business
// day on all kiosks together when Deps.PrintLimit is 0.
const DefaultPrintLimit = 5

// Service items of the channel gate.
const (
	itemLogin       = "ZH-01" // login, page sessions, heartbeat
	itemAccount     = "GR-01" // account and statement
	itemCertificate = "GR-03" // printed statement and deposit certificate
	itemLoanQuery   = "DK-02" // loans
	itemSettlement  = "DK-05" // loan settlement certificate
)

// Deps are the services the channel calls.
type Deps struct {
	// Devices is the kiosk registry and print log.
	Devices *kioskdev.Registry
	// Nonces keeps the nonces of signed requests.
	Nonces   *signing.Nonces
	KV       kv.Store
	Audit    *audit.Log
	Identity *identity.Service
	Access   *access.Enforcer
	Deposit  *deposit.Service
	Loan     *loan.Service
	Dates    *bizdate.Service
	// Gate admits each route on the kiosk channel; nil admits everything.
	Gate *channel.Gate
	// PrintLimit is the daily print limit per person (0: DefaultPrintLimit).
	PrintLimit int
}

// Service is the kiosk channel.
type Service struct {
	d       Deps
	Devices *kioskdev.Registry
	verify  *signing.Verifier
}

// New returns the kiosk channel.
func New(d Deps) *Service {
	if d.PrintLimit <= 0 {
		d.PrintLimit = DefaultPrintLimit
	}
	s := &Service{d: d, Devices: d.Devices}
	s.verify = &signing.Verifier{Nonces: d.Nonces, Scope: Channel, IDHeader: HeaderKiosk, Key: s.Devices.Key,
		Refused: func(c echo.Context, id string, e *errs.Error) {
			if len(id) > 32 {
				id = id[:32]
			}
			ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "kiosk:" + id, Channel: Channel})
			_, _ = d.Audit.Write(ctx, audit.Record{Action: "kiosk.request_refused", Object: c.Request().Method + " " + clip(c.Path(), 100),
				Result: audit.ResultRefused, After: e.Code})
		}}
	return s
}

// Register mounts the shell's API, the touch pages and the staff routes.
func (s *Service) Register(e *echo.Echo) {
	s.registerAPI(e)
	s.registerPages(e)
	s.registerAdmin(e)
}

// gate is the gate middleware for item on the kiosk channel.
func (s *Service) gate(item string) echo.MiddlewareFunc { return s.d.Gate.Middleware(Channel, item) }

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
