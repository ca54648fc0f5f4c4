package appapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel"
	"gjj/internal/kb"
)

// KBDeps are the services of the knowledge-base routes.
type KBDeps struct {
	KB *kb.Service
	// Gate admits each request as GG-01 (信息发布) on the app channel; nil
	// admits everything.
	Gate *channel.Gate
}

// RegisterKB mounts the knowledge base (知识库) of the app: GET /kb?q= searches
// the published articles shown on the app channel (empty q lists them newest
// first; category narrows, limit 1–100), GET /kb/{id} opens one. No login:
// articles are public. Behind the channel gate as GG-01.
func RegisterKB(e *echo.Echo, d KBDeps) {
	h := &kbHandler{d: d}
	item := d.Gate.Middleware(Channel, itemNotices)
	e.GET(Base+"/kb", h.search, item, anonymous)
	e.GET(Base+"/kb/:id", h.article, item, anonymous)
}

type kbHandler struct{ d KBDeps }

// kbView is an article as the app shows it.
type kbView struct {
	ID           int64    `json:"id"`
	Title        string   `json:"title"`
	Category     string   `json:"category"`
	CategoryName string   `json:"category_name"`
	Keywords     []string `json:"keywords"`
	Version      int      `json:"version"`
	UpdatedAt    string   `json:"updated_at"`
	Snippet      string   `json:"snippet,omitempty"`
	Body         string   `json:"body,omitempty"`
}

func kbViewOf(a kb.Article) kbView {
	return kbView{ID: a.ID, Title: a.Title, Category: a.Category, CategoryName: kb.CategoryName(a.Category),
		Keywords: a.Keywords, Version: a.Version, UpdatedAt: a.UpdatedAt.Format("2006-01-02T15:04:05Z07:00")}
}

func (h *kbHandler) search(c echo.Context) error {
	limit, err := noticeLimit(c.QueryParam("limit"), kb.MaxLimit)
	if err != nil {
		return err
	}
	hits, err := h.d.KB.Search(c.Request().Context(), Channel, c.QueryParam("q"), c.QueryParam("category"), limit)
	if err != nil {
		return err
	}
	items := make([]kbView, 0, len(hits))
	for _, hit := range hits {
		v := kbViewOf(hit.Article)
		v.Snippet = hit.Snippet
		items = append(items, v)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (h *kbHandler) article(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return kb.ErrNotFound.With("id", c.Param("id"))
	}
	a, err := h.d.KB.Get(c.Request().Context(), Channel, id)
	if err != nil {
		return err
	}
	v := kbViewOf(*a)
	v.Body = a.Body
	return c.JSON(http.StatusOK, v)
}
