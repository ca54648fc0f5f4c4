package console

import (
	"maps"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access/change"
	"gjj/internal/notify"
	"gjj/internal/platform/errs"
)

func init() {
	changeKindNames[string(change.KindSMSBatch)] = "短信群发"
	changeKindNames[string(change.KindSMSTemplate)] = "短信模板"
	maps.Copy(pages, parsePages("sms_batch"))
}

// registerSMS mounts the 短信群发 page and the propose forms of batch SMS
// and template texts when the change requests are wired. Proposals are
// approved on the change-request pages like every other kind.
func (h *handler) registerSMS(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/sms/batch", h.smsBatch)
	page(http.MethodPost, "/admin/sms/batch/changes", h.proposeSMSBatch)
	page(http.MethodPost, "/admin/sms/templates/changes", h.proposeSMSTemplate)
}

// smsBatchForm is the batch propose form as typed.
type smsBatchForm struct {
	Body, Audience, Unit, Reason string
}

type smsBatchData struct {
	Form         smsBatchForm
	FormError    string
	CanPropose   bool
	Pending      []change.Request
	Audiences    []wdOption
	Suffix       string
	MaxBroadcast int
}

func (h *handler) smsBatch(c echo.Context) error {
	return h.renderSMSBatch(c, smsBatchForm{Audience: change.AudienceUnit}, nil)
}

func (h *handler) renderSMSBatch(c echo.Context, f smsBatchForm, formErr error) error {
	d := &smsBatchData{Form: f, CanPropose: h.canSubmit(c, change.KindSMSBatch), Suffix: notify.BroadcastSuffix,
		MaxBroadcast: notify.MaxBroadcast}
	for _, a := range []string{change.AudienceOpenAccount, change.AudienceUnit, change.AudienceOpenLoan} {
		name := change.AudienceName(a, "")
		if a == change.AudienceUnit {
			name = "某单位的职工（填写单位账号）"
		}
		d.Audiences = append(d.Audiences, wdOption{a, name})
	}
	var err error
	if d.Pending, err = h.pendingFor(c, change.KindSMSBatch, ""); err != nil {
		return err
	}
	v := view{Title: "短信群发", Menu: "/admin/sms/batch", Data: d}
	if formErr != nil {
		e := errs.E(formErr)
		if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
			return formErr
		}
		d.FormError = e.Message
		return h.render(c, e.Kind.Status(), "sms_batch", v)
	}
	return h.render(c, http.StatusOK, "sms_batch", v)
}

// proposeSMSBatch submits an sms_batch change request; a param_checker
// approves it on /admin/changes/:id, which queues the messages.
func (h *handler) proposeSMSBatch(c echo.Context) error {
	f := smsBatchForm{Body: strings.TrimSpace(c.FormValue("body")), Audience: c.FormValue("audience"),
		Unit: strings.TrimSpace(c.FormValue("unit")), Reason: strings.TrimSpace(c.FormValue("reason"))}
	in := change.Input{Kind: change.KindSMSBatch, Body: f.Body, Audience: f.Audience, Reason: f.Reason}
	if f.Audience == change.AudienceUnit {
		in.Unit = f.Unit
	}
	r, err := h.d.Changes.Submit(c.Request().Context(), principal(c).Subject, in)
	if err != nil {
		return h.renderSMSBatch(c, f, err)
	}
	return submitted(c, r)
}

// proposeSMSTemplate submits an sms_template change request (a new text for
// one template); refusals are shown at the form on the templates page.
func (h *handler) proposeSMSTemplate(c echo.Context) error {
	key, body := strings.TrimSpace(c.FormValue("key")), strings.TrimSpace(c.FormValue("body"))
	r, err := h.d.Changes.Submit(c.Request().Context(), principal(c).Subject, change.Input{Kind: change.KindSMSTemplate,
		Key: key, Body: body, Reason: strings.TrimSpace(c.FormValue("reason"))})
	if err != nil {
		return h.renderSMSTemplates(c, smsTemplateForm{Key: key, Body: body}, err)
	}
	return submitted(c, r)
}
