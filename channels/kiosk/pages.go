package kiosk

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// Cookies of the touch pages (Path=/kiosk).
const (
	// DeviceCookie names the kiosk the pages run on (set by /kiosk/start).
	DeviceCookie = "gjj_kiosk_dev"
	// SessionCookie holds the person's kiosk session token.
	SessionCookie = "gjj_kiosk"
	csrfCookie    = "gjj_kiosk_csrf"
)

// IdleTimeout ends a person's page session after this long without a page
// request (the page's script ends it after the same time without input).
const IdleTimeout = 60 * time.Second

// Errors of the pages.
var (
	errCSRF     = errs.New(errs.Forbidden, "kiosk.csrf", "页面已失效，请返回首页重新操作")
	errNoDevice = errs.New(errs.Unauthenticated, "kiosk.device", "本终端尚未激活或激活已过期，请联系网点工作人员")
	errBadBoot  = errs.New(errs.Unauthenticated, "kiosk.bootstrap", "终端激活码无效或已使用，请联系网点工作人员")
)

const deviceCtxKey = "kiosk.device"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// yuan shows an amount in fen (the views carry int64 fen) as yuan.
var pages = hallkit.Parse(templateFS, hallkit.Funcs(template.FuncMap{"yuan": func(f int64) string { return money.Fen(f).Format() }}), []string{"templates/layout.html"},
	"login", "home", "statement", "loans", "error")

var flashes = map[string]string{
	"logout": "您已退出，欢迎再次使用。",
	"idle":   "长时间未操作，已自动退出。",
}

// view is what every page template gets.
type view struct {
	Title  string
	CSRF   string
	Person *identity.Principal
	Kiosk  string
	Flash  string
	Error  string
	Code   string
	Data   any
}

func (s *Service) kit() *hallkit.Hall {
	return &hallkit.Hall{Root: "/kiosk", Channel: Channel, SessionCookie: SessionCookie, CSRFCookie: csrfCookie, ErrCSRF: errCSRF,
		Identity: s.d.Identity, Member: func(p *identity.Principal) bool { return p.Kind == "person" }, Flashes: flashes}
}

func (s *Service) registerPages(e *echo.Echo) {
	k := s.kit()
	static, _ := fs.Sub(staticFS, "static")
	k.Mount(e, static)
	csrf := k.CSRF()
	shell := func(fn echo.HandlerFunc) echo.HandlerFunc {
		return hallkit.InShell(fn, func(c echo.Context, err error) error { return s.showError(c, k, err) })
	}
	e.GET("/kiosk/start", shell(s.start))
	dev := s.device
	e.GET("/kiosk/login", shell(s.loginForm(k)), dev, csrf, s.gate(itemLogin))
	e.POST("/kiosk/login", shell(s.loginPage(k)), dev, csrf, s.gate(itemLogin))
	e.POST("/kiosk/logout", shell(s.logoutPage(k)), dev, csrf)

	person := k.Require(nil)
	idle := s.idle(k)
	page := func(method, path, item string, fn echo.HandlerFunc) {
		e.Add(method, path, shell(fn), dev, csrf, person, idle, s.gate(item))
	}
	page(http.MethodGet, "/kiosk/", itemAccount, s.home(k))
	page(http.MethodGet, "/kiosk/statement", itemAccount, s.statementPage(k))
	page(http.MethodGet, "/kiosk/loans", itemLoanQuery, s.loansPage(k))
	page(http.MethodPost, "/kiosk/print/statement", itemCertificate, s.printPage(KindStatement))
	page(http.MethodPost, "/kiosk/print/certificate", itemCertificate, s.printPage(KindCertificate))
	page(http.MethodPost, "/kiosk/print/settlement", itemSettlement, s.printPage(KindSettlement))
}

// render renders a page under the halls' Content-Security-Policy.
func (s *Service) render(c echo.Context, k *hallkit.Hall, status int, name string, v view) error {
	v.CSRF = hallkit.CSRFToken(c)
	v.Person = hallkit.Principal(c)
	v.Kiosk, _ = c.Get(deviceCtxKey).(string)
	if v.Flash == "" {
		v.Flash = k.Flash(c)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return pages.Render(c, status, name, v)
}

// showError shows a refusal on the error page (internal errors go to the
// platform's handler).
func (s *Service) showError(c echo.Context, k *hallkit.Hall, err error) error {
	e := hallkit.Refusal(err)
	if e == nil {
		return err
	}
	return s.render(c, k, e.Kind.Status(), "error", view{Title: "无法办理", Error: e.Message, Code: e.Code})
}

// start exchanges a bootstrap code (single use) for the device cookie.
func (s *Service) start(c echo.Context) error {
	ctx := c.Request().Context()
	code := c.QueryParam("code")
	if code == "" || len(code) > 64 {
		return errBadBoot
	}
	kioskID, ok, err := s.d.KV.Get(ctx, bootKey(code))
	if err != nil {
		return err
	}
	if !ok {
		return errBadBoot
	}
	if n, err := s.d.KV.Incr(ctx, bootKey(code)+":used", bootTTL); err != nil {
		return err
	} else if n != 1 {
		return errBadBoot
	}
	_ = s.d.KV.Del(ctx, bootKey(code))
	token, err := randomToken()
	if err != nil {
		return err
	}
	if err := s.d.KV.Set(ctx, deviceKey(token), kioskID, deviceTTL); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: DeviceCookie, Value: token, Path: "/kiosk", MaxAge: int(deviceTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https"})
	return c.Redirect(http.StatusSeeOther, "/kiosk/login")
}

// device admits page requests of a browser activated by /kiosk/start on an
// active kiosk; it records the kiosk as the actor until a person signs in.
func (s *Service) device(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(DeviceCookie)
		if err != nil || ck.Value == "" || len(ck.Value) > 100 {
			return s.showError(c, s.kit(), errNoDevice)
		}
		ctx := c.Request().Context()
		id, ok, err := s.d.KV.Get(ctx, deviceKey(ck.Value))
		if err != nil {
			return err
		}
		if !ok {
			return s.showError(c, s.kit(), errNoDevice)
		}
		if _, err := s.Devices.Key(ctx, id); err != nil { // disabled since
			return s.showError(c, s.kit(), errNoDevice)
		}
		c.Set(deviceCtxKey, id)
		ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: "kiosk:" + id, Channel: Channel})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func idleKey(token string) string { return "kiosk:idle:" + hashOf(token) }

// idle ends a person's page session that saw no request for IdleTimeout and
// otherwise marks it active again. When the key-value store fails the
// session's own 3-minute lifetime still ends it.
func (s *Service) idle(k *hallkit.Hall) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ck, err := c.Cookie(SessionCookie)
			if err != nil {
				return k.ToLogin(c)
			}
			ctx := c.Request().Context()
			if _, ok, err := s.d.KV.Get(ctx, idleKey(ck.Value)); err == nil && !ok {
				_ = k.EndSession(c)
				k.ClearSession(c)
				return hallkit.Done(c, "/kiosk/login", "idle")
			}
			_ = s.d.KV.Set(ctx, idleKey(ck.Value), "1", IdleTimeout)
			return next(c)
		}
	}
}

func (s *Service) loginForm(k *hallkit.Hall) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.render(c, k, http.StatusOK, "login", view{Title: "自助服务登录"})
	}
}

// loginPage signs a person in with the ID number from the card reader and
// the password.
func (s *Service) loginPage(k *hallkit.Hall) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		p, err := s.d.Identity.LoginPerson(ctx, c.FormValue("id_number"), c.FormValue("password"))
		if err != nil {
			if e := hallkit.Refusal(err); e != nil {
				return s.render(c, k, e.Kind.Status(), "login", view{Title: "自助服务登录", Error: e.Message, Code: e.Code})
			}
			return err
		}
		kioskID, _ := c.Get(deviceCtxKey).(string)
		token, _, err := s.d.Identity.NewSessionFrom(ctx, *p, Channel, identity.Client{IP: c.RealIP(), UserAgent: "kiosk " + kioskID})
		if err != nil {
			return err
		}
		_ = s.d.KV.Set(ctx, idleKey(token), "1", IdleTimeout)
		k.SetSession(c, token)
		return c.Redirect(http.StatusSeeOther, "/kiosk/")
	}
}

func (s *Service) logoutPage(k *hallkit.Hall) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := k.EndSession(c); err != nil {
			return err
		}
		k.ClearSession(c)
		reason := "logout"
		if c.FormValue("reason") == "idle" {
			reason = "idle"
		}
		return hallkit.Done(c, "/kiosk/login", reason)
	}
}

func (s *Service) home(k *hallkit.Hall) echo.HandlerFunc {
	return func(c echo.Context) error {
		acc, err := s.accountOf(c.Request().Context(), hallkit.Principal(c))
		if err != nil {
			return err
		}
		return s.render(c, k, http.StatusOK, "home", view{Title: "我的公积金", Data: acc})
	}
}

func (s *Service) statementPage(k *hallkit.Hall) echo.HandlerFunc {
	return func(c echo.Context) error {
		lines, err := s.statementLines(c.Request().Context(), hallkit.Principal(c), zeroDate, zeroDate, 20)
		if err != nil {
			return err
		}
		return s.render(c, k, http.StatusOK, "statement", view{Title: "缴存明细（最近 20 笔）", Data: lines})
	}
}

func (s *Service) loansPage(k *hallkit.Hall) echo.HandlerFunc {
	return func(c echo.Context) error {
		list, err := s.loansOf(c.Request().Context(), hallkit.Principal(c))
		if err != nil {
			return err
		}
		return s.render(c, k, http.StatusOK, "loans", view{Title: "我的贷款", Data: list})
	}
}

// printPage prints a document for the signed-in person and downloads it.
func (s *Service) printPage(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		kioskID, _ := c.Get(deviceCtxKey).(string)
		doc, err := s.print(c.Request().Context(), kioskID, hallkit.Principal(c), printRequest{Kind: kind, LoanNo: c.FormValue("loan_no")})
		if err != nil {
			return err
		}
		return sendPDF(c, doc)
	}
}
