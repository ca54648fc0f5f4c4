package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/access/change"
	"gjj/internal/platform/errs"
)

// registerChanges mounts the maker-checker pages when the change-request
// service is wired: the queue (变更复核) and one request with its diff and
// impact, approve and reject, and the propose forms of the parameter,
// channel and user pages. Who may submit or decide which kind is the change
// service's casbin check (access.ChangeObject); the routes are guarded like
// every page.
func (h *handler) registerChanges(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/changes", h.changes)
	page(http.MethodGet, "/admin/changes/:id", h.changeRequest)
	page(http.MethodPost, "/admin/changes/:id/approve", h.approveChange)
	page(http.MethodPost, "/admin/changes/:id/reject", h.rejectChange)
	page(http.MethodPost, "/admin/params/:key/changes", h.proposeParam)
	page(http.MethodPost, "/admin/channels/changes", h.proposeChannel)
	page(http.MethodPost, "/admin/users/changes", h.proposeGrant)
}

// Chinese names of the change kinds and statuses.
var (
	changeKindNames = map[string]string{
		string(change.KindParam): "参数", string(change.KindChannelState): "渠道启停", string(change.KindItemSwitch): "事项开关",
		string(change.KindCapacity): "渠道容量", string(change.KindNotice): "公告发布", string(change.KindRoleGrant): "角色授权",
	}
	changeStatusNames = map[string]string{
		string(change.StatusPending): "待复核", string(change.StatusApproved): "已批准", string(change.StatusRejected): "已驳回",
		string(change.StatusExpired): "已过期", string(change.StatusStale): "已失效",
	}
)

// canSubmit reports whether the signed-in staff member may submit changes of
// the kind (the change service checks again).
func (h *handler) canSubmit(c echo.Context, kind change.Kind) bool {
	p := principal(c)
	if h.d.Changes == nil || p == nil {
		return false
	}
	ok, err := h.d.Access.Allowed(p.Subject, access.Center, access.ChangeObject(string(kind)), access.ActSubmit)
	return err == nil && ok
}

type changesData struct {
	Status, Kind string
	Statuses     []string
	Kinds        []string
	Rows         []change.Request
	MoreURL      string
}

// changes is the change-request queue (变更复核): pending requests by
// default, newest first, filtered by status and kind, a page at a time.
func (h *handler) changes(c echo.Context) error {
	d := &changesData{Status: c.QueryParam("status"), Kind: c.QueryParam("kind")}
	if _, set := c.QueryParams()["status"]; !set {
		d.Status = string(change.StatusPending)
	}
	for _, s := range []change.Status{change.StatusPending, change.StatusApproved, change.StatusRejected, change.StatusExpired, change.StatusStale} {
		d.Statuses = append(d.Statuses, string(s))
	}
	for _, k := range change.Kinds() {
		d.Kinds = append(d.Kinds, string(k))
	}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	v := view{Title: "变更复核", Menu: "/admin/changes", Data: d}
	rows, err := h.d.Changes.List(c.Request().Context(), change.Filter{Status: change.Status(d.Status), Kind: change.Kind(d.Kind),
		Limit: change.DefaultLimit, Before: before})
	if err != nil {
		return h.formError(c, err, "changes", v)
	}
	d.Rows = rows
	if len(rows) == change.DefaultLimit {
		q := c.QueryParams()
		q.Set("status", d.Status)
		q.Set("before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		d.MoreURL = "/admin/changes?" + q.Encode()
	}
	return h.render(c, http.StatusOK, "changes", v)
}

type changeData struct {
	R *change.Request
	// CanDecide: pending, and the staff member may approve this kind and is
	// not its maker.
	CanDecide bool
	Own       bool // the staff member made it
	Comment   string
}

func (h *handler) changeRequest(c echo.Context) error { return h.renderChange(c, "", nil) }

func (h *handler) renderChange(c echo.Context, comment string, formErr error) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := h.d.Changes.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	p := principal(c)
	d := changeData{R: r, Own: strings.EqualFold(r.Maker, p.Subject), Comment: comment}
	if r.Status == change.StatusPending && !d.Own {
		ok, err := h.d.Access.Allowed(p.Subject, access.Center, access.ChangeObject(string(r.Kind)), access.ActApprove)
		d.CanDecide = err == nil && ok
	}
	v := view{Title: "变更申请 " + strconv.FormatInt(r.ID, 10), Menu: "/admin/changes", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "change", v)
	}
	return h.render(c, http.StatusOK, "change", v)
}

func (h *handler) approveChange(c echo.Context) error { return h.decideChange(c, true) }

func (h *handler) rejectChange(c echo.Context) error { return h.decideChange(c, false) }

// decideChange approves or rejects a request through the change service,
// which refuses self-approval, a missing permission, a decided, expired or
// stale request; the refusal shows on the request's page.
func (h *handler) decideChange(c echo.Context, approve bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cm := comment(c)
	if approve {
		_, err = h.d.Changes.Approve(ctx, principal(c).Subject, id, cm)
	} else {
		_, err = h.d.Changes.Reject(ctx, principal(c).Subject, id, cm)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return h.renderChange(c, cm, err)
	}
	code := "change_rejected"
	if approve {
		code = "change_approved"
	}
	return done(c, "/admin/changes/"+strconv.FormatInt(id, 10), code, strconv.FormatInt(id, 10))
}

// submitted redirects to the new request's page, which shows its diff and
// impact.
func submitted(c echo.Context, r *change.Request) error {
	id := strconv.FormatInt(r.ID, 10)
	return done(c, "/admin/changes/"+id, "change_submitted", id)
}

// paramForm is the propose form of a parameter as typed.
type paramForm struct {
	Value, EffectiveFrom, Reason string
}

// proposeParam submits a new version of the parameter (kind param).
func (h *handler) proposeParam(c echo.Context) error {
	f := paramForm{Value: strings.TrimSpace(c.FormValue("value")), EffectiveFrom: strings.TrimSpace(c.FormValue("effective_from")),
		Reason: strings.TrimSpace(c.FormValue("reason"))}
	r, err := h.d.Changes.Submit(c.Request().Context(), principal(c).Subject, change.Input{Kind: change.KindParam,
		Key: c.Param("key"), Value: f.Value, EffectiveFrom: f.EffectiveFrom, Reason: f.Reason})
	if err != nil {
		return h.renderParam(c, f, err)
	}
	return submitted(c, r)
}

// channelForm is one of the channel page's propose forms as typed.
type channelForm struct {
	Kind, Channel, Item, Enabled, Class, Rate, Burst, EffectiveFrom, Reason string
}

var errNumber = errs.New(errs.Invalid, "console.bad_number", "每秒受理数和瞬时最多受理数应为数字")

// proposeChannel submits a channel switch, an item switch or a capacity.
func (h *handler) proposeChannel(c echo.Context) error {
	f := channelForm{Kind: c.FormValue("kind"), Channel: strings.TrimSpace(c.FormValue("channel")),
		Item: strings.TrimSpace(c.FormValue("item")), Enabled: c.FormValue("enabled"), Class: c.FormValue("item_class"),
		Rate: strings.TrimSpace(c.FormValue("rate_per_s")), Burst: strings.TrimSpace(c.FormValue("burst")),
		EffectiveFrom: strings.TrimSpace(c.FormValue("effective_from")), Reason: strings.TrimSpace(c.FormValue("reason"))}
	in := change.Input{Kind: change.Kind(f.Kind), Channel: f.Channel, EffectiveFrom: f.EffectiveFrom, Reason: f.Reason}
	switch in.Kind {
	case change.KindChannelState, change.KindItemSwitch:
		if f.Enabled != "" {
			on := f.Enabled == "true"
			in.Enabled = &on
		}
		if in.Kind == change.KindItemSwitch {
			in.Item = f.Item
		}
	case change.KindCapacity:
		in.ItemClass = f.Class
		if f.Rate != "" {
			r, err := strconv.ParseFloat(f.Rate, 64)
			if err != nil {
				return h.renderChannels(c, f, errNumber)
			}
			in.RatePerS = &r
		}
		if f.Burst != "" {
			b, err := strconv.ParseInt(f.Burst, 10, 64)
			if err != nil {
				return h.renderChannels(c, f, errNumber)
			}
			in.Burst = &b
		}
	}
	r, err := h.d.Changes.Submit(c.Request().Context(), principal(c).Subject, in)
	if err != nil {
		return h.renderChannels(c, f, err)
	}
	return submitted(c, r)
}

// grantForm is the role grant form as typed.
type grantForm struct {
	Subject, Role, Action, Reason string
}

// proposeGrant submits granting or revoking a staff member's role.
func (h *handler) proposeGrant(c echo.Context) error {
	f := grantForm{Subject: strings.TrimSpace(c.FormValue("subject")), Role: c.FormValue("role"), Action: c.FormValue("action"),
		Reason: strings.TrimSpace(c.FormValue("reason"))}
	r, err := h.d.Changes.Submit(c.Request().Context(), principal(c).Subject, change.Input{Kind: change.KindRoleGrant,
		Subject: f.Subject, Role: f.Role, Action: f.Action, Reason: f.Reason})
	if err != nil {
		return h.renderUsers(c, f, err)
	}
	return submitted(c, r)
}

// pendingFor lists the pending requests of a kind whose target is target.
func (h *handler) pendingFor(c echo.Context, kind change.Kind, target string) ([]change.Request, error) {
	if h.d.Changes == nil {
		return nil, nil
	}
	rows, err := h.d.Changes.List(c.Request().Context(), change.Filter{Status: change.StatusPending, Kind: kind, Limit: change.MaxLimit})
	if err != nil {
		return nil, err
	}
	var out []change.Request
	for _, r := range rows {
		if target == "" || r.Target == target {
			out = append(out, r)
		}
	}
	return out, nil
}
