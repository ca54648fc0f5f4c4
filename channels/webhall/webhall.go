// Package webhall is the personal web hall (网上业务大厅·个人) at /web/: the
// server-rendered pages (html/template, with htmx for partial updates) through
// which an employee (缴存职工) registers, logs in with the same credential as
// on every other channel, and reads their account, statement and deposit
// certificate, changes their reserved mobile and bank card, sets the query PIN
// for the hotline and SMS, and manages their sessions on every channel.
//
// It is a thin adapter like channels/unithall: it parses forms, calls the
// identity and deposit services and renders the answer; it holds no business
// rules and never touches the database. Every refusal shows the service's
// Chinese message (errs.E(err).Message) and code next to the form that caused
// it, with the status of its kind (4xx); internal errors go to the web kit.
// A person only ever sees their own data: every read uses the person of the
// session, never an identifier from the request.
//
// Security: a session cookie (HttpOnly, SameSite=Lax, Path=/web, Secure when
// the request came over HTTPS) holds the opaque token of an identity session
// on the "web" channel (a token of another channel is refused); every
// state-changing form carries a CSRF token (hidden field _csrf, or the
// X-CSRF-Token header for htmx), and browsers that mark a request cross-site
// are refused. Pages carry a Content-Security-Policy that allows only the
// hall's own scripts and styles. ID numbers, phones and bank cards are shown
// masked. Templates, the stylesheet and the vendored htmx are embedded, so the
// hall needs no CDN.
package webhall

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/core/deposit"
	"gjj/internal/identity"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// Gate is the channel gate (internal/channel's *Gate satisfies it): it admits
// or refuses each route as a service item of the channel.
type Gate interface {
	Middleware(channel, item string) echo.MiddlewareFunc
}

// Deps are the services the hall calls.
type Deps struct {
	Identity *identity.Service
	Deposit  *deposit.Service
	// Policy and Dates supply the rounding mode in force for the monthly
	// amount on the overview (deposit.Contribution, as certificates show it).
	Policy *policy.Store
	Dates  *bizdate.Service
	// Gate puts every route behind the channel gate; nil admits everything.
	Gate Gate
	// WeChat says the WeChat channel is on: the profile links to the
	// person's WeChat bindings (/web/wechat, served by channels/wechat).
	WeChat bool
}

// Channel is the identity, gate and audit channel of the hall.
const Channel = "web"

// Service items of the channel gate (internal/channel/catalog).
const (
	itemLogin       = "ZH-01" // registration, login, password, sessions, query PIN
	itemAccount     = "GR-01" // account overview, statement, profile
	itemChange      = "GR-02" // reserved mobile, real-name check, bank card
	itemCertificate = "GR-03" // deposit certificate
)

// Cookie names; both are scoped to Path=/web.
const (
	SessionCookie = "gjj_web_session"
	csrfCookie    = "gjj_web_csrf"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Register mounts the hall on e. Register it after channels/portal.
func Register(e *echo.Echo, d Deps) {
	h := newHall(d)
	csrf := h.kit.CSRF()
	static, _ := fs.Sub(staticFS, "static")
	h.kit.Mount(e, static)

	// Pages for anyone (the front door): login, registration, password reset.
	open := func(method, path string, fn echo.HandlerFunc) {
		e.Add(method, path, h.inShell(fn), csrf, h.gate(itemLogin), h.anonymous)
	}
	open(http.MethodGet, "/web/login", h.loginForm)
	open(http.MethodPost, "/web/login", h.login)
	open(http.MethodGet, "/web/login/sms", h.smsLoginForm)
	open(http.MethodPost, "/web/login/sms", h.smsLogin)
	open(http.MethodGet, "/web/register", h.registerForm)
	open(http.MethodPost, "/web/register", h.register)
	open(http.MethodGet, "/web/reset", h.resetForm)
	open(http.MethodPost, "/web/reset", h.reset)
	// Logout is never refused by the gate: a person can always end a session.
	e.POST("/web/logout", h.logout, csrf)

	// Pages of a signed-in person (no session: the login page).
	requirePerson := h.kit.Require(nil)
	page := func(method, path, item string, fn echo.HandlerFunc) {
		e.Add(method, path, h.inShell(fn), csrf, requirePerson, h.gate(item))
	}
	page(http.MethodGet, "/web/", itemAccount, h.overview)
	page(http.MethodGet, "/web/statement", itemAccount, h.statement)
	page(http.MethodGet, "/web/certificate", itemCertificate, h.certificateForm)
	page(http.MethodPost, "/web/certificate", itemCertificate, h.certificate)
	page(http.MethodGet, "/web/profile", itemAccount, h.profile)
	page(http.MethodPost, "/web/profile/mobile", itemChange, h.changeMobile)
	page(http.MethodPost, "/web/profile/realname", itemChange, h.realName)
	page(http.MethodPost, "/web/profile/bankcard", itemChange, h.changeBankCard)
	page(http.MethodPost, "/web/profile/pin", itemLogin, h.setPIN)
	page(http.MethodPost, "/web/profile/password", itemLogin, h.changePassword)
	page(http.MethodGet, "/web/sessions", itemLogin, h.sessions)
	page(http.MethodPost, "/web/sessions/revoke", itemLogin, h.revokeSession)
}

type hall struct {
	d   Deps
	kit *hallkit.Hall
}

// newHall describes the hall to the page kit: a live web-channel session of
// a person signs in (a token of another channel is refused).
func newHall(d Deps) *hall {
	return &hall{d: d, kit: &hallkit.Hall{Root: "/web", Channel: Channel, SessionCookie: SessionCookie, CSRFCookie: csrfCookie,
		ErrCSRF: errCSRF, Identity: d.Identity, Member: func(p *identity.Principal) bool { return p.Kind == "person" }, Flashes: flashes}}
}

// gate is the channel gate's middleware for item, or a pass-through without a gate.
func (h *hall) gate(item string) echo.MiddlewareFunc {
	if h.d.Gate == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return h.d.Gate.Middleware(Channel, item)
}

// errCSRF answers a state-changing request without a valid CSRF token, or one
// a browser marks as coming from another site.
var errCSRF = errs.New(errs.Forbidden, "webhall.csrf", "页面已失效或请求来源不明，请刷新页面后重新提交")

// anonymous marks the front-door pages: the audit trail names the channel of
// a login or registration, and the pages are not cached.
func (h *hall) anonymous(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ctx := reqctx.WithActor(req.Context(), reqctx.Actor{ID: "anonymous", Channel: Channel})
		c.SetRequest(req.WithContext(ctx))
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// principal is the signed-in person of a page behind Require (nil on the
// front-door pages).
func principal(c echo.Context) *identity.Principal { return hallkit.Principal(c) }

// client is where the request came from, for sessions and OTP limits.
func client(c echo.Context) identity.Client {
	return identity.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}

// view is what every page template gets.
type view struct {
	Title  string
	Menu   string // the active menu entry
	CSRF   string
	Person *identity.Principal
	Flash  string // a success message after a redirect
	// Form names the form a refusal belongs to (pages with several forms);
	// Error, Code and Field are the refusal's message, code and input field.
	Form  string
	Error string
	Code  string
	Field string
	Data  any // the page's own data
}

// Bad reports whether the refused input is field of form (for aria-invalid).
func (v view) Bad(form, field string) bool {
	return v.Error != "" && v.Form == form && v.Field == field
}

// ErrorOf returns the refusal's message when it belongs to form.
func (v view) ErrorOf(form string) string {
	if v.Form != form {
		return ""
	}
	return v.Error
}

// render renders a page with the layout (hallkit.Render: all or nothing,
// under the halls' Content-Security-Policy).
func (h *hall) render(c echo.Context, status int, name string, v view) error {
	v.CSRF = hallkit.CSRFToken(c)
	v.Person = principal(c)
	if v.Flash == "" {
		v.Flash = h.kit.Flash(c)
	}
	return pages.Render(c, status, name, v)
}

// inShell shows a refusal that is not a form's inside the hall with its
// Chinese message; internal and unavailable errors go to the platform's error
// handler.
func (h *hall) inShell(next echo.HandlerFunc) echo.HandlerFunc {
	return hallkit.InShell(next, func(c echo.Context, err error) error {
		return h.formError(c, err, "error", view{Title: "无法办理"})
	})
}

// formError re-renders a page with the message, code and field of err and the
// status of its kind (Retry-After for busy answers that name a wait). Internal
// and unavailable errors go to the platform's error handler (logged there,
// shown as a generic page).
func (h *hall) formError(c echo.Context, err error, name string, v view) error {
	e := hallkit.Refusal(err)
	if e == nil {
		return err
	}
	v.Error, v.Code = e.Message, e.Code
	v.Field, _ = e.Details["field"].(string)
	if secs := retryAfter(e); secs > 0 {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(secs))
		if e.Kind == errs.Busy {
			v.Error += fmt.Sprintf("（约 %d 秒后可重试）", secs)
		}
	}
	return h.render(c, e.Kind.Status(), name, v)
}

// retryAfter is the retry_after_s detail of an error, in seconds (0 = none).
func retryAfter(e *errs.Error) int {
	switch v := e.Details["retry_after_s"].(type) {
	case int:
		return v
	case int64:
		return int(v)
	}
	return 0
}

// done redirects after a successful form (POST → 303 → GET) with a flash code.
func done(c echo.Context, path, code string) error { return hallkit.Done(c, path, code) }

// flashes are the success messages a redirect may name.
var flashes = map[string]string{
	"registered":  "注册成功，已为您登录。同一密码可登录手机APP、微信等各服务渠道。",
	"reset":       "密码已重置，请使用新密码登录。",
	"password":    "密码已修改，所有渠道的登录均已退出，请使用新密码重新登录。",
	"logout":      "您已安全退出。",
	"mobile":      "预留手机号已变更。",
	"realname":    "实名认证已完成，可办理信息变更等业务。",
	"bankcard":    "银行卡已变更。",
	"pin":         "查询密码已设置，可用于 12329 热线和短信查询。",
	"revoked":     "已退出该设备的登录。",
	"revoked_all": "已退出其他所有设备的登录。",
}

// pages are the parsed templates, each with the layout.
var pages = parsePages("login", "login_sms", "register", "reset", "overview", "statement", "certificate",
	"profile", "sessions", "error")

func parsePages(names ...string) hallkit.Pages {
	return hallkit.Parse(templateFS, funcs, []string{"templates/layout.html"}, names...)
}
