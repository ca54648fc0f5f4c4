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
	"gjj/internal/channel"
	"gjj/internal/channel/catalog"
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
	// Gate admits each route as its service item on the "unit" channel; nil
	// admits everything (tests of the API alone).
	Gate *channel.Gate
}

// Register mounts the API. Every route passes the channel gate as its service
// item (DESIGN §7): 429 channel.busy or 503 channel.closed with alternatives
// when the unit channel is over capacity or the item is switched off.
func Register(e *echo.Echo, d Deps) {
	h := &handler{d}
	item := func(code string) echo.MiddlewareFunc { return d.Gate.Middleware(catalog.Unit, code) }
	e.POST("/api/unit/v1/sessions", h.login, item("ZH-01"))
	e.POST("/api/unit/v1/preregistrations", h.preregister, item("DW-01"))
	g := e.Group("/api/unit/v1", guard.Middleware(guard.Config{Identity: d.Identity, Access: d.Access, Channel: "unit",
		Domain: func(p *identity.Principal) string { return "unit:" + p.UnitNo }}))
	g.DELETE("/sessions/current", h.logout, item("ZH-01"))
	g.GET("/account", h.account, item("DW-11"))
	g.GET("/employees", h.employees, item("DW-11"))
	g.GET("/employees/:account_no/statement", h.statement, item("DW-11"))
	g.POST("/employees", h.openEmployee, item("DW-04"))
	g.POST("/employees/:account_no/seal", h.seal, item("DW-05"))
	g.POST("/employees/:account_no/unseal", h.unseal, item("DW-05"))
	g.POST("/employees/:account_no/transfer-in", h.transfer, item("DW-06"))
	g.POST("/employees/:account_no/certificate", h.certificate, item("DW-11"))
	g.PUT("/employees/:account_no/base", h.base, item("DW-09"))
	g.PUT("/ratios", h.ratios, item("DW-09"))
	g.POST("/remittances", h.generateBill, item("DW-07"))
	g.POST("/supplements", h.generateSupplement, item("DW-08"))
	g.GET("/remittances", h.bills, item("DW-11"))
	g.GET("/remittances/:id", h.bill, item("DW-11"))
	g.POST("/remittances/:id/payment", h.pay, item("DW-07"))
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
