package console

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access/change"
	"gjj/internal/channel/catalog"
	"gjj/internal/kb"
	"gjj/internal/platform/errs"
)

// KBPageSize is how many articles a page of the 知识库 list shows.
const KBPageSize = 20

func init() {
	changeKindNames[string(change.KindKBArticle)] = "知识库文章"
	funcs["kbCat"] = kb.CategoryName
	funcs["kbStatus"] = kb.StatusName
	maps.Copy(pages, parsePages("kb"))
}

// registerKB mounts the 知识库 page when the knowledge base and the change
// requests are wired: the articles of every status with filters and paging,
// the pending kb_article requests, and the propose forms (publish a new
// article, revise or withdraw one). Proposals are approved on the
// change-request pages like every other kind.
func (h *handler) registerKB(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/kb", h.kbList)
	page(http.MethodPost, "/admin/kb/changes", h.proposeKB)
}

// kbForm is the propose form as typed; Keywords are separated by spaces,
// commas or 、.
type kbForm struct {
	Action, Title, Category, Body, Keywords, Reason string
	Article                                         int64
	Channels                                        []string
}

type kbData struct {
	Status, Category, Q string
	Page, Pages, Total  int
	PrevURL, NextURL    string
	Rows                []kb.Article
	Pending             []change.Request
	CanPropose          bool
	Form                kbForm
	FormError           string // the refusal of a proposal, shown at the form
	Categories          []wdOption
	Statuses            []wdOption
	Channels            []noticeChannel
}

func (h *handler) kbList(c echo.Context) error {
	f := kbForm{Action: change.KBPublish, Category: kb.CategoryGeneral}
	if id, err := strconv.ParseInt(c.QueryParam("edit"), 10, 64); err == nil && id > 0 {
		a, err := h.d.KB.Article(c.Request().Context(), id)
		if err != nil {
			return err
		}
		f = kbForm{Action: change.KBRevise, Article: a.ID, Title: a.Title, Category: a.Category, Body: a.Body,
			Keywords: strings.Join(a.Keywords, " "), Channels: a.Channels}
	}
	return h.renderKB(c, f, nil)
}

// renderKB lists one page of articles (kb.Service.List) with the pending
// kb_article requests and the form.
func (h *handler) renderKB(c echo.Context, f kbForm, formErr error) error {
	ctx := c.Request().Context()
	d := &kbData{Status: c.QueryParam("status"), Category: c.QueryParam("category"), Q: strings.TrimSpace(c.QueryParam("q")),
		Form: f, CanPropose: h.canSubmit(c, change.KindKBArticle)}
	d.Page, _ = strconv.Atoi(c.QueryParam("page"))
	d.Page = max(d.Page, 1)
	for _, k := range kb.Categories() {
		d.Categories = append(d.Categories, wdOption{k, kb.CategoryName(k)})
	}
	for _, s := range []string{kb.StatusPublished, kb.StatusWithdrawn} {
		d.Statuses = append(d.Statuses, wdOption{s, kb.StatusName(s)})
	}
	for _, ch := range catalog.Channels() {
		d.Channels = append(d.Channels, noticeChannel{ch.Code, ch.Name, slices.Contains(f.Channels, ch.Code)})
	}
	v := view{Title: "知识库", Menu: "/admin/kb", Data: d}
	rows, total, err := h.d.KB.List(ctx, kb.Filter{Status: d.Status, Category: d.Category, Q: d.Q,
		Limit: KBPageSize, Offset: (d.Page - 1) * KBPageSize})
	if err != nil {
		return h.formError(c, err, "kb", v)
	}
	d.Rows, d.Total = rows, total
	d.Pages = max((total+KBPageSize-1)/KBPageSize, 1)
	pageURL := func(n int) string {
		q := url.Values{"status": {d.Status}, "category": {d.Category}, "q": {d.Q}, "page": {strconv.Itoa(n)}}
		return "/admin/kb?" + q.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = pageURL(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = pageURL(d.Page + 1)
	}
	if d.Pending, err = h.pendingFor(c, change.KindKBArticle, ""); err != nil {
		return err
	}
	if formErr != nil {
		e := errs.E(formErr)
		if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
			return formErr
		}
		d.FormError = e.Message
		return h.render(c, e.Kind.Status(), "kb", v)
	}
	return h.render(c, http.StatusOK, "kb", v)
}

// proposeKB submits a kb_article change request (publish, revise or
// withdraw); a param_checker approves it on /admin/changes/:id.
func (h *handler) proposeKB(c echo.Context) error {
	form, _ := c.FormParams()
	f := kbForm{Action: c.FormValue("action"), Title: strings.TrimSpace(c.FormValue("title")),
		Category: c.FormValue("category"), Body: strings.TrimSpace(c.FormValue("body")),
		Keywords: strings.TrimSpace(c.FormValue("keywords")), Reason: strings.TrimSpace(c.FormValue("reason")),
		Channels: form["channels"]}
	f.Article, _ = strconv.ParseInt(c.FormValue("article"), 10, 64)
	in := change.Input{Kind: change.KindKBArticle, Action: f.Action, Article: f.Article, Reason: f.Reason}
	if f.Action != change.KBWithdraw {
		in.Title, in.Category, in.Body, in.Channels = f.Title, f.Category, f.Body, f.Channels
		in.Keywords = strings.FieldsFunc(f.Keywords, func(r rune) bool {
			return r == ' ' || r == ',' || r == '，' || r == '、' || r == '　'
		})
		if in.Keywords == nil {
			in.Keywords = []string{}
		}
	}
	r, err := h.d.Changes.Submit(c.Request().Context(), principal(c).Subject, in)
	if err != nil {
		if f.Action == change.KBWithdraw {
			f = kbForm{Action: change.KBPublish, Category: kb.CategoryGeneral}
		}
		return h.renderKB(c, f, err)
	}
	return submitted(c, r)
}
