// Package staffapi is the minimal staff JSON API (/api/admin/v1) until the
// admin console lands: staff login (password + TOTP), approving unit
// pre-registrations and deferrals, reading statements, starting interest
// settlement. Every route but login is guarded by casbin roles; every change
// is audited by the core it calls.
package staffapi

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/notify"
	"gjj/internal/platform/web"
)

// Deps are the services the API calls.
type Deps struct {
	Identity *identity.Service
	Access   *access.Enforcer
	Deposit  *deposit.Service
	Audit    *audit.Log
	Notify   *notify.Service
}

// Register mounts the API.
func Register(e *echo.Echo, d Deps) {
	h := &handler{d: d}
	e.POST("/api/admin/v1/sessions", h.login)
	g := e.Group("/api/admin/v1", guard.Middleware(guard.Config{Identity: d.Identity, Access: d.Access, Channel: "counter",
		Domain: func(*identity.Principal) string { return access.Center }}), h.auditReads)
	g.GET("/accounts/:account_no/statement", h.statement)
	h.registerDeposit(g)
	h.registerSMS(g)
}

type handler struct {
	d Deps
	// runners keeps one background interest settlement per year for this
	// server (not per process: every app.Server in a process has its own
	// store); the run itself is exactly-once per account-year across
	// instances (deposit.SettleYear).
	runners sync.Map
}

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

func (h *handler) login(c echo.Context) error {
	var b loginBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := h.d.Identity.LoginStaff(ctx, b.Username, b.Password, b.TOTP)
	if err != nil {
		return err
	}
	token, exp, err := h.d.Identity.NewSession(ctx, *p, "counter")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "expires_at": exp.Format(time.RFC3339),
		"roles": h.d.Access.Roles(p.Subject, access.Center)})
}

func (h *handler) statement(c echo.Context) error {
	st, err := h.d.Deposit.Statement(c.Request().Context(), "", c.Param("account_no"), deposit.StatementQuery{Limit: 200})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// auditReads records every successful staff read (who looked at which
// account, list or run); writes are audited by the core in their own
// transactions.
func (h *handler) auditReads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil || c.Request().Method != http.MethodGet {
			return err
		}
		object := c.Path()
		for _, name := range c.ParamNames() {
			object = strings.Replace(object, ":"+name, c.Param(name), 1)
		}
		if len(object) > audit.MaxObject {
			object = object[:audit.MaxObject]
		}
		_, aerr := h.d.Audit.Write(c.Request().Context(), audit.Record{Action: "staff.read", Object: object})
		return aerr
	}
}
