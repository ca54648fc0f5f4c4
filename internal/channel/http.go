package channel

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
)

//go:embed templates/refused.html
var templateFS embed.FS

var refusedPage = template.Must(template.ParseFS(templateFS, "templates/refused.html"))

// The refusal page's inline style block is admitted by the web kit's
// Content-Security-Policy by its hash.
var _ = web.AllowInlineStyles([]byte(refusedPage.Tree.Root.String()))

// Middleware gates the routes it wraps as item on channel: switch, business
// hours and admission, then counts the request and its outcome. Put it on
// each route of a channel adapter, e.g.
//
//	e.GET("/web/account", h.account, gate.Middleware("web", "GR-01"), requireLogin)
//
// A refused request is answered here: pages (not /api/, Accept preferring
// HTML) get a Chinese page listing the alternatives; everything else gets
// ErrBusy or ErrClosed as problem+json from the web kit. Both set Retry-After
// when a retry time is known. An admitted request whose handler ends in a 5xx
// counts as outcome "error". It panics at registration for an unregistered
// channel or item code. A nil Gate returns a middleware that only calls next.
func (g *Gate) Middleware(channel, item string) echo.MiddlewareFunc {
	if g == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	it := mustItem(channel, item)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if e := g.decide(c.Request().Context(), channel, it); e != nil {
				g.refused(channel, item, e)
				return refuse(c, it, e)
			}
			err := next(c)
			failed := serverError(err)
			if err == nil {
				failed = c.Response().Status >= http.StatusInternalServerError
			}
			g.finish(channel, item, start, failed)
			return err
		}
	}
}

// refuse answers a refused request: Retry-After, then a page for browsers or
// the error for the web kit's problem+json.
func refuse(c echo.Context, it catalog.Item, e *errs.Error) error {
	secs, _ := e.Details["retry_after_s"].(int64)
	if secs > 0 {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.FormatInt(secs, 10))
	}
	req := c.Request()
	if !web.WantsPage(req) {
		return e
	}
	alts, _ := e.Details["alternatives"].([]Alternative)
	data := pageData{
		Status: e.Kind.Status(), Message: e.Message, ItemName: it.Name, RetryAfter: secs,
		RequestID: reqctx.RequestID(req.Context()),
	}
	data.Heading = "该业务暂停办理"
	if e.Kind == errs.Busy {
		data.Heading = "当前办理人数较多"
	} else if e.Details["reason"] == "out_of_hours" {
		data.Heading = "当前不在办理时间"
	}
	if uri := req.URL.RequestURI(); req.Method == http.MethodGet && secs > 0 && strings.HasPrefix(uri, "/") && !strings.HasPrefix(uri, "//") {
		data.RetryURL = template.URL(uri) // this request's own same-origin path
	}
	for _, a := range alts {
		ch, _ := catalog.ChannelByCode(a.Channel)
		pct := int(a.Load*100 + 0.5)
		label := "空闲"
		switch {
		case pct >= 70:
			label = "较忙"
		case pct >= 30:
			label = "正常"
		}
		// The URLs are the registry's own constants (paths, tel:, sms:).
		data.Alternatives = append(data.Alternatives, pageAlt{Code: ch.Code, Name: ch.Name, Hint: ch.Hint,
			URL: template.URL(ch.URL), Percent: pct, Label: label})
	}
	var buf bytes.Buffer
	if err := refusedPage.Execute(&buf, data); err != nil {
		return e // the web kit's own page still tells the user
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(data.Status, buf.Bytes())
}

type pageData struct {
	Status       int
	Heading      string
	Message      string
	ItemName     string
	RetryAfter   int64
	RetryURL     template.URL
	Alternatives []pageAlt
	RequestID    string
}

type pageAlt struct {
	Code, Name, Hint string
	URL              template.URL
	Percent          int
	Label            string
}
