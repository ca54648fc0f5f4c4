package wechat

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"gjj/channels/webhall"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the H5 pages of this package, each with the phone layout (the
// web hall's stylesheet).
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, n := range []string{"bind", "bindings", "error"} {
		out[n] = template.Must(template.New(n).Funcs(template.FuncMap{"time": timeText}).ParseFS(templateFS,
			"templates/layout.html", "templates/"+n+".html"))
	}
	return out
}()

// page is what every template gets.
type page struct {
	Title string
	CSRF  string
	Flash string
	Error string
	Code  string
	Data  any
}

// errCSRF answers a form without a valid CSRF token, or one a browser marks
// as coming from another site.
var errCSRF = errs.New(errs.Forbidden, "wechat.csrf", "页面已失效或请求来源不明，请刷新页面后重新提交")

// csrf is echo's CSRF protection with the token in a cookie scoped to path
// (double submit: cookie + form field _csrf); browsers that send
// Sec-Fetch-Site are checked by it (cross-site refused).
func csrf(path, cookie string) echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup: "form:_csrf", CookieName: cookie, CookiePath: path, CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
		ErrorHandler:   func(error, echo.Context) error { return errCSRF },
		AllowSecFetchSiteFunc: func(c echo.Context) (bool, error) {
			if c.Request().Header.Get(echo.HeaderSecFetchSite) == "same-site" {
				return false, nil
			}
			return false, errCSRF
		},
	})
}

// contentSecurityPolicy allows only the site's own styles and forms.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

func (s *Service) render(c echo.Context, status int, name string, v page) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("wechat: no template %q", name)
	}
	v.CSRF, _ = c.Get("csrf").(string)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", contentSecurityPolicy)
	return c.HTMLBlob(status, buf.Bytes())
}

// formError re-renders a page with the refusal's message and the status of
// its kind; internal and unavailable errors go to the web kit.
func (s *Service) formError(c echo.Context, err error, name string, v page) error {
	e := errs.E(err)
	if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
		return err
	}
	v.Error, v.Code = e.Message, e.Code
	return s.render(c, e.Kind.Status(), name, v)
}

// inPage shows a refusal that is not a form's on the error page.
func (s *Service) inPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return s.formError(c, err, "error", page{Title: "无法办理"})
	}
}

const principalKey = "wechat.principal"

// requirePerson admits requests with a live web-hall session of a person
// (the hall's cookie); others go to the hall's login page.
func (s *Service) requirePerson(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ck, err := c.Cookie(webhall.SessionCookie)
		var p *identity.Principal
		if err == nil {
			p, err = s.d.Identity.Session(req.Context(), ck.Value, webhall.Channel)
		}
		if err != nil || p == nil || p.Kind != "person" {
			if err != nil && errs.KindOf(err) != errs.Unauthenticated && ck != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/web/login?next=/web/wechat")
		}
		c.SetRequest(req.WithContext(reqctx.WithActor(req.Context(), reqctx.Actor{ID: p.Subject, Channel: webhall.Channel})))
		c.Set(principalKey, p)
		return next(c)
	}
}

// bindingView is one WeChat binding as its owner sees it (never the openid).
type bindingView struct {
	Ref       string // a hash of the openid, naming it in the unbind form
	CreatedAt time.Time
}

// bindings lists the signed-in person's bindings to this official account.
func (s *Service) bindings(c echo.Context) error {
	p := c.Get(principalKey).(*identity.Principal)
	list, err := s.own(c, p)
	if err != nil {
		return err
	}
	views := make([]bindingView, len(list))
	for i, b := range list {
		views[i] = bindingView{Ref: refOf(b.Subject), CreatedAt: b.CreatedAt}
	}
	v := page{Title: "微信绑定", Data: views}
	if c.QueryParam("ok") == "unbound" {
		v.Flash = "已解除微信绑定。该微信再次进入时需重新登录绑定。"
	}
	return s.render(c, http.StatusOK, "bindings", v)
}

// errNoBinding answers an unbind of a binding the person does not have.
var errNoBinding = errs.New(errs.NotFound, "wechat.no_binding", "未找到该微信绑定")

// unbind removes one of the signed-in person's bindings (identity.Unbind,
// audited) named by its reference.
func (s *Service) unbind(c echo.Context) error {
	p := c.Get(principalKey).(*identity.Principal)
	list, err := s.own(c, p)
	if err != nil {
		return err
	}
	ref := c.FormValue("ref")
	for _, b := range list {
		if refOf(b.Subject) == ref {
			if err := s.d.Identity.Unbind(c.Request().Context(), p.PersonID(), Channel, s.cfg.AppID, b.Subject); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/web/wechat?ok=unbound")
		}
	}
	return errNoBinding
}

// own is the person's bindings to this official account.
func (s *Service) own(c echo.Context, p *identity.Principal) ([]identity.Binding, error) {
	all, err := s.d.Identity.Bindings(c.Request().Context(), p.PersonID())
	if err != nil {
		return nil, err
	}
	var out []identity.Binding
	for _, b := range all {
		if b.Channel == Channel && b.AppID == s.cfg.AppID {
			out = append(out, b)
		}
	}
	return out, nil
}

// refOf names a binding in a form without showing its openid.
func refOf(openID string) string { return hashHex("wechat-binding|" + openID)[:16] }

// beijing is the time zone pages show wall-clock times in.
var beijing = time.FixedZone("CST", 8*3600)

func timeText(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04") }
