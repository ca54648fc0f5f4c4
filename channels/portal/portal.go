// Package portal serves the public landing page of the platform (GET /) and
// the placeholder pages of channels that are not built yet. Pages are
// server-rendered from embedded templates; nothing is loaded from a CDN.
package portal

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/web"
)

//go:embed templates/*.html
var files embed.FS

var (
	indexPage       = template.Must(template.ParseFS(files, "templates/layout.html", "templates/index.html"))
	placeholderPage = template.Must(template.ParseFS(files, "templates/layout.html", "templates/placeholder.html"))
)

// The pages' inline style blocks are admitted by the web kit's
// Content-Security-Policy by their hashes.
var _ = web.AllowInlineStyles(mustRead("templates/layout.html"), mustRead("templates/verify.html"))

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// page is the data every template gets.
type page struct {
	Title       string
	Description string
}

// placeholders are the entries linked from the landing page that other
// packages will replace; each answers "建设中" with a link back.
var placeholders = map[string]page{
	"/api/": {"接口文档", "面向手机APP、单位财务系统和政务平台的 JSON 接口说明。"},
}

// Register adds GET / and the placeholder page GET /api/ to e (the
// personal hall at /web/ is channels/webhall). Called once by the command
// wiring; a channel package that later serves one of these paths must be
// registered after portal (echo keeps the last handler for a path), or the
// placeholder removed from here.
func Register(e *echo.Echo) {
	e.GET("/", func(c echo.Context) error {
		return render(c, indexPage, page{Title: "首页"})
	})
	for path, p := range placeholders {
		e.GET(path, func(c echo.Context) error {
			return render(c, placeholderPage, page{Title: p.Title + "（建设中）", Description: p.Description})
		})
	}
}

// render executes t fully before writing, so a template error becomes a clean
// 500 instead of half a page.
func render(c echo.Context, t *template.Template, data page) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
