// Package unitapi is the unit JSON API (/api/unit/v1) that employers' payroll
// systems and the unit online hall's scripts call: a thin adapter that
// authenticates the unit agent (单位经办人), parses JSON and calls the deposit
// core. It holds no business rules. Routes are documented in openapi.yaml.
package unitapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/core/deposit"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/web"
)

// Deps are the services the API calls.
type Deps struct {
	Identity *identity.Service
	Access   *access.Enforcer
	Deposit  *deposit.Service
}

// Register mounts the API.
func Register(e *echo.Echo, d Deps) {
	h := &handler{d}
	e.POST("/api/unit/v1/sessions", h.login)
	e.POST("/api/unit/v1/preregistrations", h.preregister)
	g := e.Group("/api/unit/v1", guard.Middleware(guard.Config{Identity: d.Identity, Access: d.Access, Channel: "unit",
		Domain: func(p *identity.Principal) string { return "unit:" + p.UnitNo }}))
	g.DELETE("/sessions/current", h.logout)
	g.GET("/account", h.account)
	g.GET("/employees", h.employees)
	g.GET("/employees/:account_no/statement", h.statement)
	g.POST("/employees", h.openEmployee)
	g.POST("/employees/:account_no/seal", h.seal)
	g.POST("/employees/:account_no/unseal", h.unseal)
	g.POST("/employees/:account_no/transfer-in", h.transfer)
	g.POST("/employees/:account_no/certificate", h.certificate)
	g.PUT("/employees/:account_no/base", h.base)
	g.PUT("/ratios", h.ratios)
	g.POST("/remittances", h.generateBill)
	g.POST("/supplements", h.generateSupplement)
	g.GET("/remittances", h.bills)
	g.GET("/remittances/:id", h.bill)
	g.POST("/remittances/:id/payment", h.pay)
}

type handler struct{ d Deps }

// unitNo is the unit the caller acts for.
func unitNo(c echo.Context) string { return guard.Principal(c).UnitNo }

type loginBody struct {
	UnitCode      string `json:"unit_code"`
	AgentIDNumber string `json:"agent_id_number"`
	Password      string `json:"password"`
	TOTP          string `json:"totp"`
}

func (h *handler) login(c echo.Context) error {
	var b loginBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := h.d.Identity.LoginAgent(ctx, b.UnitCode, b.AgentIDNumber, b.Password, b.TOTP)
	if err != nil {
		return err
	}
	token, exp, err := h.d.Identity.NewSession(ctx, *p, "unit")
	if err != nil {
		return err
	}
	u, err := h.d.Deposit.Unit(ctx, p.UnitNo)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "expires_at": exp.Format(time.RFC3339),
		"unit": map[string]string{"account_no": u.UnitNo, "name": u.Name}})
}

func (h *handler) logout(c echo.Context) error {
	token, _ := guard.BearerToken(c) // present: the guard admitted the request
	if err := h.d.Identity.EndSession(c.Request().Context(), token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
