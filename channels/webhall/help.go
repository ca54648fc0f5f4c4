package webhall

import (
	"html/template"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/kb"
)

// itemPublish is the gate item of the help pages (GG-01 信息发布).
const itemPublish = "GG-01"

// RegisterHelp mounts the help pages (帮助中心) of the hall: /web/help lists
// and searches (?q=, ?category=) the knowledge-base articles published on the
// web channel, /web/help/:id shows one. Anyone may read them, signed in or
// not. Register it after Register (which mounts the static files).
func RegisterHelp(e *echo.Echo, d Deps, k *kb.Service) {
	h := &helpPages{hall: newHall(d), kb: k}
	csrf := h.kit.CSRF()
	e.GET("/web/help", h.inShell(h.list), csrf, h.gate(itemPublish), h.anonymous)
	e.GET("/web/help/:id", h.inShell(h.article), csrf, h.gate(itemPublish), h.anonymous)
}

type helpPages struct {
	*hall
	kb *kb.Service
}

// helpPagesT are the help templates (parsed apart from the hall's list).
var helpPagesT = hallkit.Parse(templateFS, helpFuncs(), []string{"templates/layout.html"}, "help", "help_article")

// helpFuncs are the hall's template functions plus catName and lines (a body
// cut into paragraphs).
func helpFuncs() template.FuncMap {
	out := template.FuncMap{}
	maps.Copy(out, funcs)
	out["catName"] = kb.CategoryName
	out["lines"] = func(s string) []string {
		var ps []string
		for p := range strings.SplitSeq(s, "\n") {
			if p = strings.TrimSpace(p); p != "" {
				ps = append(ps, p)
			}
		}
		return ps
	}
	return out
}

type helpCategory struct{ Code, Name string }

type helpData struct {
	Q, Category string
	Categories  []helpCategory
	Hits        []kb.Hit
	Article     *kb.Article
}

func categories() []helpCategory {
	var out []helpCategory
	for _, c := range kb.Categories() {
		out = append(out, helpCategory{c, kb.CategoryName(c)})
	}
	return out
}

func (h *helpPages) list(c echo.Context) error {
	d := &helpData{Q: c.QueryParam("q"), Category: c.QueryParam("category"), Categories: categories()}
	v := view{Title: "帮助中心", Menu: "help", Data: d}
	hits, err := h.kb.Search(c.Request().Context(), Channel, d.Q, d.Category, kb.MaxLimit)
	if err != nil {
		return h.helpError(c, err, "help", v)
	}
	d.Hits = hits
	return h.helpRender(c, http.StatusOK, "help", v)
}

func (h *helpPages) article(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return kb.ErrNotFound.With("id", c.Param("id"))
	}
	a, err := h.kb.Get(c.Request().Context(), Channel, id)
	if err != nil {
		return err
	}
	return h.helpRender(c, http.StatusOK, "help_article", view{Title: a.Title, Menu: "help",
		Data: &helpData{Article: a, Categories: categories()}})
}

func (h *helpPages) helpRender(c echo.Context, status int, name string, v view) error {
	v.CSRF = hallkit.CSRFToken(c)
	if v.Flash == "" {
		v.Flash = h.kit.Flash(c)
	}
	return helpPagesT.Render(c, status, name, v)
}

// helpError shows a refused search (a query too long, an unknown category)
// on the help page with its message.
func (h *helpPages) helpError(c echo.Context, err error, name string, v view) error {
	e := hallkit.Refusal(err)
	if e == nil {
		return err
	}
	v.Error, v.Code = e.Message, e.Code
	return h.helpRender(c, e.Kind.Status(), name, v)
}
