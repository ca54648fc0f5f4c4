// Package console is the 综合管理系统 (admin console) at /admin/: the
// server-rendered pages (html/template, with htmx for partial updates) through
// which center staff sign in and run the platform — the dashboard (today's
// volume per channel × item, diversions, load against capacity, pending
// reviews, 离柜率, alerts), the review queues (unit pre-registrations and
// deferrals; withdrawals and loans once their cores land), account lookup,
// the audit trail with chain verification, the SMS outbox, the business date
// and interest runs, parameters, channels, and users and roles.
//
// It is an adapter like the halls: it parses forms, calls the core services
// (deposit, policy, audit, notify, the channel gate, identity, access) and
// renders the answer; it holds no business rules and no queries of its own.
// Every refusal shows the service's Chinese message next to
// the form that caused it, with the status of its kind; internal errors go to
// the web kit's error page.
//
// Security: staff sign in with username, password and TOTP
// (identity.LoginStaff); the session lives on the "counter" channel (30
// minutes idle, identity.SessionTTL) and its opaque token is in a cookie
// (HttpOnly, SameSite=Lax, Path=/admin, Secure over HTTPS). Every page asks
// access control about (staff subject, center domain, route template, method)
// — the grants are casbin policies in internal/access — and a refused page is
// a 403 page inside the console, audited as console.refused. Every
// state-changing form carries a CSRF token (hidden field _csrf, header
// X-CSRF-Token for htmx); browsers that mark a request cross-site are
// refused. Lists show ID numbers, phones and cards masked; the full record of
// an account is shown only after the staff member gives a reason, which is
// audited (staff.reveal) before anything unmasked is rendered. Templates, the
// stylesheet and the vendored htmx are embedded: no CDN.
package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"gjj/internal/access"
	"gjj/internal/access/change"
	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/core/withdrawal"
	"gjj/internal/identity"
	"gjj/internal/kb"
	"gjj/internal/notice"
	"gjj/internal/notify"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
	"gjj/internal/workorder"
)

// Deps are the services the console calls.
type Deps struct {
	Identity *identity.Service
	Access   *access.Enforcer
	Deposit  *deposit.Service
	Audit    *audit.Log
	Policy   *policy.Store
	Dates    *bizdate.Service
	// Gate supplies today's statistics per channel × item (Stats); nil shows
	// an empty dashboard.
	Gate   *channel.Gate
	Notify *notify.Service
	// Changes are the maker-checker change requests: with them the
	// parameter, channel and user pages get propose forms and the console a
	// 变更复核 queue; nil leaves those pages read-only.
	Changes *change.Service
	// Withdrawal and Loan are the cores behind the 提取审核 and 贷款审批
	// queues (reviews_withdrawals.go, reviews_loans.go); nil shows the
	// placeholder page.
	Withdrawal *withdrawal.Service
	Loan       *loan.Service
	// Notices lists the published notices on the 公告管理 page (notices.go,
	// with Changes for the propose form); nil leaves the page out.
	Notices *notice.Service
	// DB is read by the audit chain verification (audit.Log.Verify); the
	// console never writes it.
	DB *db.DB
	// KB lists the knowledge-base articles on the 知识库 page (kb.go, with
	// Changes for the propose forms); nil leaves the page out.
	KB *kb.Service
	// WorkOrders are the 工单 of the hotline and other channels
	// (workorders.go); nil leaves the page out.
	WorkOrders *workorder.Service
	// Devices are the kiosks, agencies and WeChat menu of the 终端与机构
	// page (devices.go); a nil Devices.Kiosks leaves the page out.
	Devices DevicesDeps
}

// Channel is the identity and audit channel of the console (柜面: staff).
const Channel = "counter"

// Cookie names; both are scoped to Path=/admin.
const (
	SessionCookie = "gjj_admin_session"
	csrfCookie    = "gjj_admin_csrf"
	cookiePath    = "/admin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Register mounts the console on e under /admin/. Called once by the wiring
// (admin.Register).
func Register(e *echo.Echo, d Deps) {
	h := &handler{d: d, jobs: newJobs()}
	csrf := csrfMiddleware()
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/admin/static/", http.FileServerFS(static))
	e.GET("/admin/static/*", func(c echo.Context) error {
		if strings.HasSuffix(c.Request().URL.Path, "/") {
			return echo.ErrNotFound // no directory listings
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=3600")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	})
	e.GET("/admin", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/admin/") })
	e.GET("/admin/login", h.loginForm, csrf)
	e.POST("/admin/login", h.login, csrf)
	e.POST("/admin/logout", h.logout, csrf)

	// Signed-in pages: the session and the casbin check come first, so a
	// refused or CSRF-less request is answered (and audited) for a known actor.
	page := func(method, path string, fn echo.HandlerFunc) {
		e.Add(method, path, h.inShell(fn), h.requireStaff, csrf)
	}
	page(http.MethodGet, "/admin/", h.dashboard)

	page(http.MethodGet, "/admin/reviews/preregistrations", h.preregs)
	page(http.MethodPost, "/admin/reviews/preregistrations/:id/approve", h.approvePrereg)
	page(http.MethodPost, "/admin/reviews/preregistrations/:id/reject", h.rejectPrereg)
	page(http.MethodGet, "/admin/reviews/deferrals", h.deferrals)
	page(http.MethodPost, "/admin/reviews/deferrals/:id/approve", h.approveDeferral)
	page(http.MethodPost, "/admin/reviews/deferrals/:id/reject", h.rejectDeferral)
	h.registerCounterWithdrawal(page) // before /admin/reviews/withdrawals/:id
	h.registerWithdrawals(page)
	h.registerLoans(page)

	page(http.MethodGet, "/admin/accounts", h.accounts)
	page(http.MethodGet, "/admin/accounts/:account_no", h.account)
	page(http.MethodPost, "/admin/accounts/:account_no/reveal", h.reveal)

	page(http.MethodGet, "/admin/audit", h.trail)
	page(http.MethodPost, "/admin/audit/verify", h.verify)

	page(http.MethodGet, "/admin/sms", h.sms)
	page(http.MethodGet, "/admin/sms/templates", h.smsTemplates)
	page(http.MethodGet, "/admin/batch", h.batch)
	page(http.MethodPost, "/admin/batch/eod", h.startEOD)
	page(http.MethodPost, "/admin/batch/interest", h.startInterest)

	page(http.MethodGet, "/admin/params", h.params)
	page(http.MethodGet, "/admin/params/:key", h.param)
	page(http.MethodGet, "/admin/channels", h.channels)
	page(http.MethodGet, "/admin/users", h.users)
	h.registerAnalytics(page) // analytics.go
	if d.Changes != nil {
		h.registerChanges(page)
	}
	if d.Notices != nil && d.Changes != nil {
		h.registerNotices(page)
	}
	if d.KB != nil && d.Changes != nil {
		h.registerKB(page)
	}
	if d.Changes != nil {
		h.registerSMS(page) // sms_batch.go
	}
	if d.WorkOrders != nil {
		h.registerWorkOrders(page)
	}
	if d.Devices.Kiosks != nil {
		h.registerDevices(page) // devices.go
	}
}

type handler struct {
	d    Deps
	jobs *jobs // batch jobs started here (batch_jobs.go)
}

// errCSRF answers a state-changing request without a valid CSRF token, or one
// a browser marks as coming from another site.
var errCSRF = errs.New(errs.Forbidden, "console.csrf", "页面已失效或请求来源不明，请刷新页面后重新提交")

// csrfMiddleware is echo's CSRF protection: browsers that send Sec-Fetch-Site
// are checked by it (same-origin passes, cross-site is refused), others by the
// double-submit token (cookie + form field _csrf or header X-CSRF-Token).
func csrfMiddleware() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:" + echo.HeaderXCSRFToken,
		CookieName:     csrfCookie,
		CookiePath:     cookiePath,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
		ErrorHandler:   func(error, echo.Context) error { return errCSRF },
		AllowSecFetchSiteFunc: func(c echo.Context) (bool, error) {
			if c.Request().Header.Get(echo.HeaderSecFetchSite) == "same-site" {
				return false, nil // a sibling host: the token decides
			}
			return false, errCSRF
		},
	})
}

const (
	principalKey = "console.principal"
	navKey       = "console.nav"
)

// requireStaff admits requests with a live staff session on the counter
// channel whose subject may call the route (casbin, center domain). No
// session sends the browser to the login page (htmx requests get
// HX-Redirect). A refused route, and a CSRF refusal further in, render the
// 403 page inside the console and are audited as console.refused. It puts the
// actor on the request context for the audit trail.
func (h *handler) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ctx := req.Context()
		var p *identity.Principal
		ck, err := c.Cookie(SessionCookie)
		if err == nil {
			p, err = h.d.Identity.Session(ctx, ck.Value, Channel)
		}
		if err != nil || p == nil || p.Kind != "staff" {
			if err != nil && errs.KindOf(err) != errs.Unauthenticated && ck != nil {
				return err // the session store failed: not a reason to sign in again
			}
			if ck != nil && ck.Value != "" {
				// The session ended while the browser kept its cookie: idle
				// past identity.SessionTTL["counter"], or ended elsewhere.
				setSessionCookie(c, "", -1)
				return toLoginExpired(c, true)
			}
			return toLogin(c)
		}
		ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: Channel})
		c.SetRequest(req.WithContext(ctx))
		c.Set(principalKey, p)
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		ok, err := h.allowedPage(c, c.Path(), req.Method) // scope.go
		if err != nil {
			return fmt.Errorf("access check: %w", err)
		}
		if !ok {
			// The console's home is the dashboard; staff without it (sysadmin,
			// hotline agents) are sent to the first page their menu offers.
			if home := h.home(c); c.Path() == "/admin/" && req.Method == http.MethodGet && home != "" && home != "/admin/" {
				return c.Redirect(http.StatusSeeOther, home)
			}
			return h.refuse(c, access.ErrForbidden, "forbidden")
		}
		err = next(c)
		if errors.Is(err, errCSRF) && !c.Response().Committed {
			return h.refuse(c, errCSRF, "csrf")
		}
		return err
	}
}

// refuse audits a refused page and renders the 403 page with its message.
func (h *handler) refuse(c echo.Context, e *errs.Error, reason string) error {
	ctx := c.Request().Context()
	if _, err := h.d.Audit.Write(ctx, audit.Record{Action: "console.refused", Object: clip(c.Path(), audit.MaxObject),
		Result: audit.ResultRefused, After: audit.Summary(map[string]string{"method": c.Request().Method, "reason": reason})}); err != nil {
		return err
	}
	return h.render(c, http.StatusForbidden, "forbidden", view{Title: "无权访问", Error: e.Message})
}

// toLogin sends the browser to the login page, remembering a page it asked for.
func toLogin(c echo.Context) error { return toLoginExpired(c, false) }

// toLoginExpired is toLogin; expired makes the login page say that the
// session ended after the idle timeout (idle.go).
func toLoginExpired(c echo.Context, expired bool) error {
	q := url.Values{}
	if expired {
		q.Set("expired", "1")
	}
	if req := c.Request(); req.Method == http.MethodGet && req.URL.Path != "/admin/" {
		q.Set("next", req.URL.RequestURI())
	}
	target := "/admin/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

func principal(c echo.Context) *identity.Principal {
	p, _ := c.Get(principalKey).(*identity.Principal)
	return p
}

// view is what every page template gets.
type view struct {
	Title string
	Menu  string // the path of the active menu entry
	CSRF  string
	Staff *identity.Principal
	Roles []string // role names in Chinese
	Nav   []navGroup
	Flash string // a success message after a redirect
	Error string // the Chinese message of a refusal
	// Inline is set for pages with a "rows" part, which shows Error itself
	// (htmx swaps only that part).
	Inline bool
	Data   any // the page's own data
	// IdleSeconds is the idle timeout of a signed-in page (idle.go): the
	// page sends the browser to the login page after that long without a
	// request.
	IdleSeconds int
}

// contentSecurityPolicy allows only the console's own scripts, styles and forms.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// render executes the page fully before writing it, so a template error is a
// clean 500 and never half a page. Signed-in pages get the staff member, their
// roles and the menu of the pages they may open. An htmx request for a page
// that defines a "rows" template gets only that part.
func (h *handler) render(c echo.Context, status int, name string, v view) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("console: no template %q", name)
	}
	v.CSRF, _ = c.Get("csrf").(string)
	if p := principal(c); p != nil {
		v.Staff = p
		v.Roles = h.rolesOf(p.Subject, h.scopeOf(c).Domain())
		v.Nav = h.nav(c)
		v.IdleSeconds = int(IdleTimeout().Seconds())
	}
	if v.Flash == "" {
		v.Flash = flash(c)
	}
	root := "layout"
	if t.Lookup("rows") != nil {
		v.Inline = true
		if c.Request().Header.Get("HX-Request") == "true" {
			root = "rows"
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, root, v); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", contentSecurityPolicy)
	return c.HTMLBlob(status, buf.Bytes())
}

// inShell shows a refusal that is not a form's (an unknown account, a
// malformed filter) inside the console with its Chinese message; internal and
// unavailable errors go to the platform's error handler.
func (h *handler) inShell(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed || errors.Is(err, errCSRF) {
			return err
		}
		return h.formError(c, err, "error", view{Title: "无法办理"})
	}
}

// formError re-renders a page with the message of err and the status of its
// kind. Internal and unavailable errors go to the platform's error handler
// (logged there, shown as a generic page).
func (h *handler) formError(c echo.Context, err error, name string, v view) error {
	e := errs.E(err)
	if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
		return err
	}
	v.Error = e.Message
	return h.render(c, e.Kind.Status(), name, v)
}

// done redirects after a successful form (POST → 303 → GET) with a flash
// code and an optional reference shown in the message.
func done(c echo.Context, path, code, ref string) error {
	q := url.Values{"ok": {code}}
	if ref != "" {
		q.Set("ref", ref)
	}
	return c.Redirect(http.StatusSeeOther, path+"?"+q.Encode())
}

// flashes are the success messages a redirect may name; %s takes "ref".
var flashes = map[string]string{
	"prereg_approved":   "已通过开户预约，单位账号 %s。",
	"prereg_rejected":   "已驳回开户预约（编号 %s）。",
	"deferral_approved": "已批准缓缴申请（编号 %s）。",
	"deferral_rejected": "已驳回缓缴申请（编号 %s）。",
	"change_submitted":  "变更申请已提交（编号 %s），请等待另一名有复核权限的人员审批。",
	"change_approved":   "已批准变更申请（编号 %s），变更已按生效日期生效。",
	"change_rejected":   "已驳回变更申请（编号 %s）。",
	"wd_first":          "初审已通过（申请编号 %s），待另一名审核人员终审。",
	"wd_approved":       "已审核通过（申请编号 %s），已发送付款指令。",
	"wd_returned":       "已退回补正（申请编号 %s），已短信通知申请人。",
	"wd_rejected":       "已作出不予通过的决定（申请编号 %s），已短信通知申请人。",
	"wd_filed":          "柜面代办申请已受理（申请编号 %s），待另一名审核人员审核。",
	"wd_resubmitted":    "已在柜面补正并重新提交（申请编号 %s），待受理人、补正经办人以外的审核人员审核。",
	"loan_level":        "已通过本级审批（申请编号 %s），待下一级审批。",
	"loan_approved":     "贷款申请已审批通过（申请编号 %s），待签订合同。",
	"loan_rejected":     "已作出不予通过的决定（申请编号 %s）。",
	"loan_signed":       "已签订借款合同并登记抵押（申请编号 %s），待放款。",
	"loan_disbursed":    "已放款，贷款账号 %s。",
}

func flash(c echo.Context) string {
	msg, ok := flashes[c.QueryParam("ok")]
	if !ok {
		return ""
	}
	ref := c.QueryParam("ref")
	if len(ref) > 40 || strings.ContainsAny(ref, "<>&\"'") {
		ref = ""
	}
	return fmt.Sprintf(msg, ref)
}

// pages are the parsed templates, each with the layout.
var pages = parsePages(
	"login", "dashboard", "preregs", "deferrals", "pending_core", "accounts", "account", "trail", "sms", "batch",
	"params", "param", "channels", "users", "changes", "change", "forbidden", "error",
	"withdrawals", "withdrawal", "loans", "loan", "notices",
	"withdrawal_counter",
)

func parsePages(names ...string) map[string]*template.Template {
	out := make(map[string]*template.Template, len(names))
	for _, n := range names {
		out[n] = template.Must(template.New(n).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", "templates/"+n+".html"))
	}
	return out
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
