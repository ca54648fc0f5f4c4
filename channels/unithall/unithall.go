// Package unithall is the unit online hall (单位网上业务大厅) at /unit/: the
// server-rendered pages (html/template, with htmx for partial updates) through
// which a unit agent (单位经办人) logs in and runs the unit's deposit business —
// overview, employees, ratios, remittance bills and payment, 补缴, 缓缴,
// statements and the unit's own operation log.
//
// It is a thin adapter like channels/unitapi: it parses forms, calls the same
// deposit core services and renders the answer; it holds no business rules and
// never touches the database. Every page and form error shows the core's
// Chinese message (errs.E(err).Message) next to the user's input. Templates,
// the stylesheet and the vendored htmx are embedded, so the hall needs no CDN.
//
// Security: a session cookie (HttpOnly, SameSite=Lax, Path=/unit) holds the
// opaque token of an identity session on the "unit" channel; every page asks
// access control about (subject, unit:<unit_no>, route template, method);
// every state-changing form carries a CSRF token (hidden field _csrf, and the
// X-CSRF-Token header for htmx requests). Lists show masked ID numbers only;
// phones and bank cards are never shown.
package unithall

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/channel/catalog"
	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
)

// Deps are the services the hall calls.
type Deps struct {
	Identity *identity.Service
	Access   *access.Enforcer
	Deposit  *deposit.Service
	Audit    *audit.Log
	// Bank is the simulated settlement bank; the hall uses it only when Demo
	// is set, for the "模拟银行转账" button of a bill.
	Bank *exchange.Simulator
	// Demo shows the demo-only helpers (simulated bank transfer).
	Demo bool
	// Gate admits each page as its service item on the "unit" channel; nil
	// admits everything.
	Gate *channel.Gate
}

// Channel is the identity and audit channel of the hall.
const Channel = "unit"

// Cookie names; both are scoped to Path=/unit.
const (
	SessionCookie = "gjj_unit_session"
	csrfCookie    = "gjj_unit_csrf"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// errCSRF answers a state-changing request without a valid CSRF token, or one
// a browser marks as coming from another site.
var errCSRF = errs.New(errs.Forbidden, "unithall.csrf", "页面已失效或请求来源不明，请刷新页面后重新提交")

// Register mounts the hall on e. Register it after channels/portal (echo keeps
// the last handler registered for a path) or remove the portal's /unit/
// placeholder. Every page except the static files passes the channel gate
// first, as its service item: a closed item or a busy channel shows the
// gate's page with the channels that can take the business now.
func Register(e *echo.Echo, d Deps) {
	h := newHall(d)
	csrf := h.kit.CSRF()
	static, _ := fs.Sub(staticFS, "static")
	h.kit.Mount(e, static)
	item := func(code string) echo.MiddlewareFunc { return d.Gate.Middleware(catalog.Unit, code) }
	e.GET("/unit/login", h.loginForm, item("ZH-01"), csrf)
	e.POST("/unit/login", h.login, item("ZH-01"), csrf)

	requireAgent := h.kit.Require(h.mayCall)
	page := func(method, path, code string, fn echo.HandlerFunc) {
		e.Add(method, path, h.inShell(fn), item(code), csrf, requireAgent)
	}
	page(http.MethodPost, "/unit/logout", "ZH-01", h.logout)
	page(http.MethodGet, "/unit/", "DW-11", h.overview)

	page(http.MethodGet, "/unit/employees", "DW-11", h.employees)
	page(http.MethodGet, "/unit/employees/new", "DW-04", h.openForm)
	page(http.MethodPost, "/unit/employees", "DW-04", h.openEmployee)
	page(http.MethodGet, "/unit/employees/transfer", "DW-06", h.transferForm)
	page(http.MethodPost, "/unit/employees/transfer", "DW-06", h.transfer)
	page(http.MethodGet, "/unit/employees/import", "DW-09", h.importForm)
	page(http.MethodPost, "/unit/employees/import", "DW-09", h.importBases)
	page(http.MethodGet, "/unit/employees/export.xlsx", "DW-11", h.exportEmployees)
	page(http.MethodGet, "/unit/employees/:account_no", "DW-11", h.employee)
	page(http.MethodPost, "/unit/employees/:account_no/seal", "DW-05", h.seal)
	page(http.MethodPost, "/unit/employees/:account_no/unseal", "DW-05", h.unseal)
	page(http.MethodPost, "/unit/employees/:account_no/base", "DW-09", h.adjustBase)
	page(http.MethodPost, "/unit/employees/:account_no/certificate", "DW-11", h.certificate)

	page(http.MethodGet, "/unit/ratios", "DW-09", h.ratiosForm)
	page(http.MethodPost, "/unit/ratios", "DW-09", h.adjustRatios)

	page(http.MethodGet, "/unit/remittances", "DW-11", h.remittances)
	page(http.MethodPost, "/unit/remittances", "DW-07", h.generateBill)
	page(http.MethodGet, "/unit/remittances/:id", "DW-11", h.bill)
	page(http.MethodGet, "/unit/remittances/:id/bill.xlsx", "DW-11", h.billXLSX)
	page(http.MethodPost, "/unit/remittances/:id/payment", "DW-07", h.pay)
	page(http.MethodPost, "/unit/remittances/:id/allocation", "DW-07", h.allocate)
	if d.Demo && d.Bank != nil {
		page(http.MethodPost, "/unit/remittances/:id/simulated-transfer", "DW-07", h.simulateTransfer)
	}

	page(http.MethodGet, "/unit/supplements", "DW-08", h.supplementForm)
	page(http.MethodPost, "/unit/supplements", "DW-08", h.generateSupplement)
	page(http.MethodGet, "/unit/deferrals", "DW-10", h.deferrals)
	page(http.MethodPost, "/unit/deferrals", "DW-10", h.applyDeferral)
	page(http.MethodGet, "/unit/statements", "DW-11", h.unitStatement)
	page(http.MethodGet, "/unit/statements/employee", "DW-11", h.employeeStatement)
	page(http.MethodGet, "/unit/logs", "DW-11", h.logs)
}

type hall struct {
	d   Deps
	kit *hallkit.Hall
}

// newHall describes the hall to the page kit: a live unit-channel session of
// a unit agent signs in.
func newHall(d Deps) *hall {
	return &hall{d: d, kit: &hallkit.Hall{Root: "/unit", Channel: Channel, SessionCookie: SessionCookie, CSRFCookie: csrfCookie,
		ErrCSRF: errCSRF, Identity: d.Identity, Member: func(p *identity.Principal) bool { return p.UnitNo != "" }, Flashes: flashes}}
}

// mayCall asks access control whether the agent may call the route for
// their unit (subject, unit:<unit_no>, route template, method); a refusal is
// access.forbidden. Requests without a live unit-channel session of an agent
// never get here: they are sent to the login page (htmx requests get
// HX-Redirect).
func (h *hall) mayCall(c echo.Context, p *identity.Principal) error {
	return h.d.Access.Check(p.Subject, "unit:"+p.UnitNo, c.Path(), c.Request().Method)
}

// principal is the signed-in agent of a page behind Require (nil on the
// login page).
func principal(c echo.Context) *identity.Principal { return hallkit.Principal(c) }

// unitNo is the unit the signed-in agent acts for.
func unitNo(c echo.Context) string { return principal(c).UnitNo }

// view is what every page template gets.
type view struct {
	Title string
	Menu  string // the active menu entry
	CSRF  string
	Agent *identity.Principal
	Unit  *deposit.Unit
	Demo  bool
	Flash string // a success message after a redirect
	Error string // the Chinese message of a refused form
	Data  any    // the page's own data
}

// render renders a page with the layout (hallkit.Render: all or nothing,
// under the halls' Content-Security-Policy). For signed-in pages it adds the
// unit (for the header) unless the handler already read it.
func (h *hall) render(c echo.Context, status int, name string, v view) error {
	v.CSRF = hallkit.CSRFToken(c)
	v.Demo = h.d.Demo && h.d.Bank != nil
	if p := principal(c); p != nil {
		v.Agent = p
		if v.Unit == nil {
			u, err := h.d.Deposit.Unit(c.Request().Context(), p.UnitNo)
			if err != nil {
				return err
			}
			v.Unit = u
		}
	}
	if v.Flash == "" {
		v.Flash = h.kit.Flash(c)
	}
	return pages.Render(c, status, name, v)
}

// inShell shows a refusal that is not a form's (an unknown bill, an employee
// of another unit) inside the hall with its Chinese message; internal and
// unavailable errors go to the platform's error handler.
func (h *hall) inShell(next echo.HandlerFunc) echo.HandlerFunc {
	return hallkit.InShell(next, func(c echo.Context, err error) error {
		return h.formError(c, err, "error", view{Title: "无法办理"})
	})
}

// formError re-renders a form with the message of err and the status of its
// kind. Internal and unavailable errors go to the platform's error handler
// (logged there, shown as a generic page).
func (h *hall) formError(c echo.Context, err error, name string, v view) error {
	e := hallkit.Refusal(err)
	if e == nil {
		return err
	}
	v.Error = e.Message
	return h.render(c, e.Kind.Status(), name, v)
}

// done redirects after a successful form (POST → 303 → GET) with a flash code
// and, for a message with %d, its number.
func done(c echo.Context, path, code string, n ...int) error {
	return hallkit.Done(c, path, code, n...)
}

// flashes are the success messages a redirect may name; %d takes "n".
var flashes = map[string]string{
	"opened":      "职工开户成功。",
	"sealed":      "已办理封存。",
	"unsealed":    "已办理启封。",
	"transferred": "同城转移（转入本单位）已办理。",
	"base":        "缴存基数已调整。",
	"imported":    "已按表格调整 %d 名职工的缴存基数。",
	"ratios":      "缴存比例已调整。",
	"generated":   "汇缴清册已生成，请核对明细后缴款。",
	"supplement":  "补缴清册已生成，请核对明细后缴款。",
	"paid":        "缴款已到账，清册已入账。",
	"allocated":   "已使用暂收未分摊款缴纳该清册。",
	"deferral":    "缓缴申请已提交，请等待管理中心审核。",
}

// pages are the parsed templates, each with the layout.
var pages = parsePages(
	"login", "overview", "employees", "employee", "employee_new", "transfer", "import", "ratios",
	"remittances", "bill", "supplements", "deferrals", "statements", "statement", "logs", "error",
)

func parsePages(names ...string) hallkit.Pages {
	return hallkit.Parse(templateFS, funcs, []string{"templates/layout.html", "templates/partials.html"}, names...)
}
