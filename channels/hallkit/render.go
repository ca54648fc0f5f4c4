package hallkit

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/errs"
)

//go:embed templates/kit.html
var kitTemplates embed.FS

//go:embed static
var kitStaticFS embed.FS

// kitStatic is the kit's static files (base.css, htmx), served by Mount.
var kitStatic, _ = fs.Sub(kitStaticFS, "static")

// ContentSecurityPolicy is the policy of every hall page: only the hall's
// own scripts, styles, images and form targets; no plugins, no framing.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// Pages are a hall's parsed pages by name (Parse).
type Pages map[string]*template.Template

// Parse parses each named page of a hall into its own template set: the
// kit's fragments (templates/kit.html), then the hall's common files (e.g.
// "templates/layout.html") and "templates/<name>.html" from fsys, all with
// funcs. It panics on a template error: the templates are embedded, so that
// is a bug found when the program starts.
func Parse(fsys fs.FS, funcs template.FuncMap, common []string, names ...string) Pages {
	out := make(Pages, len(names))
	for _, n := range names {
		t := template.Must(template.New(n).Funcs(funcs).ParseFS(kitTemplates, "templates/kit.html"))
		files := append(append([]string(nil), common...), "templates/"+n+".html")
		out[n] = template.Must(t.ParseFS(fsys, files...))
	}
	return out
}

// Render renders the page name with data (the package function Render); a
// name that was not parsed is an error.
func (p Pages) Render(c echo.Context, status int, name string, data any) error {
	t, ok := p[name]
	if !ok {
		return fmt.Errorf("hallkit: no page %q", name)
	}
	return Render(c, status, t, data)
}

// Render executes the template "layout" of t with data fully before writing
// anything, so a template error is a clean error (500 from the platform's
// handler) and never half a page; then it answers the page with the status
// under ContentSecurityPolicy.
func Render(c echo.Context, status int, t *template.Template, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", ContentSecurityPolicy)
	return c.HTMLBlob(status, buf.Bytes())
}

// Refusal is the error a page shows with its Chinese message and the status
// of its kind, or nil when err is nil or belongs to the platform's error
// handler instead (internal, unavailable or unclassified errors: logged there
// and shown as a generic page).
func Refusal(err error) *errs.Error {
	e := errs.E(err)
	if e == nil || e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
		return nil
	}
	return e
}

// InShell wraps a page handler so that an error it returns before answering
// is shown by show (the hall's error page with the refusal's message);
// show decides, usually with Refusal, what goes to the platform instead.
func InShell(next echo.HandlerFunc, show func(c echo.Context, err error) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return show(c, err)
	}
}

// Done answers a successful form with 303 to path?ok=code (POST → redirect →
// GET); the page there shows the flash message of code (Flash). n, when
// given, is passed as &n= for a message with "%d".
func Done(c echo.Context, path, code string, n ...int) error {
	q := url.Values{"ok": {code}}
	if len(n) > 0 {
		q.Set("n", strconv.Itoa(n[0]))
	}
	return c.Redirect(http.StatusSeeOther, path+"?"+q.Encode())
}

// Flash is the success message named by the request's ?ok= (see Done), with
// ?n= put into a message with "%d"; "" for none, an unknown code or a
// missing number.
func (k *Hall) Flash(c echo.Context) string {
	msg, ok := k.Flashes[c.QueryParam("ok")]
	if !ok || !strings.Contains(msg, "%d") {
		return msg
	}
	n, err := strconv.Atoi(c.QueryParam("n"))
	if err != nil {
		return ""
	}
	return fmt.Sprintf(msg, n)
}
