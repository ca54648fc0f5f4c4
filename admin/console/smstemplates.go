package console

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access/change"
	"gjj/internal/notify"
	"gjj/internal/platform/errs"
)

func init() {
	maps.Copy(pages, parsePages("sms_templates"))
}

// smsTemplateRow is one SMS template as the page shows it: Text is the text
// in force (Approved when an approved text replaces the built-in one).
type smsTemplateRow struct {
	ID, Text, Builtin string
	Approved          bool
	Vars              []string
	Secret            []string
}

// smsTemplateForm is the propose form of a template text as typed.
type smsTemplateForm struct {
	Key, Body string
}

type smsTemplatesData struct {
	Q          string
	Rows       []smsTemplateRow
	CanPropose bool
	Pending    []change.Request
	Form       smsTemplateForm
	FormError  string
}

// smsTemplates lists the SMS templates of internal/notify (短信模板): id,
// the text in force (the built-in one or an approved replacement), the
// variables each fills and which are secret (never stored in the clear),
// filtered by a word of the id or text; with the change requests wired, the
// pending sms_template requests and a form proposing a new text (?edit=id
// fills it).
func (h *handler) smsTemplates(c echo.Context) error {
	f := smsTemplateForm{Key: c.QueryParam("edit")}
	return h.renderSMSTemplates(c, f, nil)
}

func (h *handler) renderSMSTemplates(c echo.Context, f smsTemplateForm, formErr error) error {
	ctx := c.Request().Context()
	d := &smsTemplatesData{Q: strings.TrimSpace(c.QueryParam("q")), Form: f, CanPropose: h.canSubmit(c, change.KindSMSTemplate)}
	approved, err := notify.ApprovedTexts(ctx, h.d.DB)
	if err != nil {
		return err
	}
	for _, t := range notify.Templates() {
		if t.ID == notify.Broadcast {
			continue // the batch SMS carrier: its text is the batch's
		}
		text, ok := approved[t.ID]
		if !ok {
			text = t.Text
		}
		if t.ID == f.Key && f.Body == "" {
			d.Form.Body = text
		}
		if d.Q != "" && !strings.Contains(t.ID, d.Q) && !strings.Contains(text, d.Q) {
			continue
		}
		d.Rows = append(d.Rows, smsTemplateRow{ID: t.ID, Text: text, Builtin: t.Text, Approved: ok, Vars: t.Vars(), Secret: t.Secret})
	}
	slices.SortStableFunc(d.Rows, func(a, b smsTemplateRow) int { return strings.Compare(a.ID, b.ID) })
	if d.Pending, err = h.pendingFor(c, change.KindSMSTemplate, ""); err != nil {
		return err
	}
	v := view{Title: "短信模板", Menu: "/admin/sms/templates", Data: d}
	if formErr != nil {
		e := errs.E(formErr)
		if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
			return formErr
		}
		d.FormError = e.Message
		return h.render(c, e.Kind.Status(), "sms_templates", v)
	}
	return h.render(c, http.StatusOK, "sms_templates", v)
}
