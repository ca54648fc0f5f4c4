package hotline12329

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"gjj/internal/kb"
	"gjj/internal/platform/errs"
)

// Knowledge base for agents (知识库):
//
// GET /api/hotline/v1/kb?agent=<seat>&q=<words>[&category=][&limit=1–100]
//
//	→ 200 {"items": [{"id", "title", "category", "category_name", "snippet", "body", "updated_at", "link"}]}
//
// searches the published articles shown on the hotline channel
// (kb.Service.Search, channel hotline; an empty q lists the newest), best
// first, with the whole body so the agent can read it out and the public
// link /web/help/{id} to send the caller. Signed like every route; the seat
// is required as on the other agent routes; behind the gate as GG-01.
// Errors: hotline.no_agent, kb.bad_query, kb.bad_category, kb.bad_limit
// (400), the gate's refusals, hotline.disabled.

// itemPublish is the gate's service item of the knowledge base.
const itemPublish = "GG-01"

// kbDefaultLimit is how many articles an agent's search answers by default.
const kbDefaultLimit = 10

// kbItem is an article as the agent's screen shows it.
type kbItem struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	Category     string `json:"category"`
	CategoryName string `json:"category_name"`
	Snippet      string `json:"snippet"`
	Body         string `json:"body"`
	UpdatedAt    string `json:"updated_at"`
	Link         string `json:"link"`
}

func (s *Service) searchKB(c echo.Context) error {
	if s.d.KB == nil {
		return errs.New(errs.Unavailable, "hotline.kb_unavailable", "知识库暂不可用")
	}
	limit := kbDefaultLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > kb.MaxLimit {
			return kb.ErrLimit.With("field", "limit")
		}
		limit = n
	}
	hits, err := s.d.KB.Search(c.Request().Context(), Channel, c.QueryParam("q"), c.QueryParam("category"), limit)
	if err != nil {
		return err
	}
	items := make([]kbItem, 0, len(hits))
	for _, h := range hits {
		items = append(items, kbItem{ID: h.ID, Title: h.Title, Category: h.Category, CategoryName: h.CategoryName,
			Snippet: h.Snippet, Body: h.Body, UpdatedAt: h.UpdatedAt.Format("2006-01-02T15:04:05Z07:00"),
			Link: "/web/help/" + strconv.FormatInt(h.ID, 10)})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}
