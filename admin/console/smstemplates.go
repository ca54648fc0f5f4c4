package console

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/notify"
)

func init() {
	maps.Copy(pages, parsePages("sms_templates"))
}

// smsTemplateRow is one SMS template as the page shows it.
type smsTemplateRow struct {
	ID, Text string
	Vars     []string
	Secret   []string
}

type smsTemplatesData struct {
	Q    string
	Rows []smsTemplateRow
}

// smsTemplates lists the SMS templates of internal/notify (短信模板): id,
// text, the variables each fills and which are secret (never stored in the
// clear), filtered by a word of the id or text. The texts are part of the
// release (notify.Templates), so the page is read-only.
func (h *handler) smsTemplates(c echo.Context) error {
	d := &smsTemplatesData{Q: strings.TrimSpace(c.QueryParam("q"))}
	for _, t := range notify.Templates() {
		if d.Q != "" && !strings.Contains(t.ID, d.Q) && !strings.Contains(t.Text, d.Q) {
			continue
		}
		d.Rows = append(d.Rows, smsTemplateRow{ID: t.ID, Text: t.Text, Vars: t.Vars(), Secret: t.Secret})
	}
	slices.SortStableFunc(d.Rows, func(a, b smsTemplateRow) int { return strings.Compare(a.ID, b.ID) })
	return h.render(c, http.StatusOK, "sms_templates", view{Title: "短信模板", Menu: "/admin/sms/templates", Data: d})
}
