package console

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel/catalog"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/workorder"
)

func init() {
	funcs["woKind"] = workorder.KindName
	funcs["woStatus"] = workorder.StatusName
	funcs["woSat"] = workorder.SatisfactionName
	maps.Copy(pages, parsePages("workorders", "workorder"))
	flashes["wo_assigned"] = "工单 %s 已分派。"
	flashes["wo_replied"] = "工单 %s 已答复。"
	flashes["wo_closed"] = "工单 %s 已办结。"
}

// registerWorkOrders mounts the 工单管理 pages: the work orders of every
// channel (the 12329 hotline creates most) with filters and paging, one
// order with its assign, reply and close forms and the caller's satisfaction.
// The rules (which status allows what) are internal/workorder's.
func (h *handler) registerWorkOrders(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/workorders", h.workOrders)
	page(http.MethodGet, "/admin/workorders/:id", h.workOrder)
	page(http.MethodPost, "/admin/workorders/:id/assign", h.assignWorkOrder)
	page(http.MethodPost, "/admin/workorders/:id/reply", h.replyWorkOrder)
	page(http.MethodPost, "/admin/workorders/:id/close", h.closeWorkOrder)
}

// WorkOrderPageSize is how many work orders a page of the list shows.
const WorkOrderPageSize = 20

type woData struct {
	Status, Kind, Channel string
	Page, Pages, Total    int
	PrevURL, NextURL      string
	Rows                  []workorder.Order
	Statuses, Kinds       []wdOption
	Channels              []wdOption
}

func (h *handler) workOrders(c echo.Context) error {
	d := &woData{Status: c.QueryParam("status"), Kind: c.QueryParam("kind"), Channel: c.QueryParam("channel")}
	d.Page, _ = strconv.Atoi(c.QueryParam("page"))
	d.Page = max(d.Page, 1)
	for _, s := range []string{workorder.StatusOpen, workorder.StatusAssigned, workorder.StatusReplied, workorder.StatusClosed} {
		d.Statuses = append(d.Statuses, wdOption{s, workorder.StatusName(s)})
	}
	for _, k := range []string{workorder.Consultation, workorder.Complaint, workorder.Suggestion, workorder.Callback} {
		d.Kinds = append(d.Kinds, wdOption{k, workorder.KindName(k)})
	}
	for _, ch := range catalog.Channels() {
		d.Channels = append(d.Channels, wdOption{ch.Code, ch.Name})
	}
	v := view{Title: "工单管理", Menu: "/admin/workorders", Data: d}
	rows, total, err := h.d.WorkOrders.Search(c.Request().Context(), workorder.Filter{Status: d.Status, Kind: d.Kind,
		Channel: d.Channel, Limit: WorkOrderPageSize, Offset: (d.Page - 1) * WorkOrderPageSize})
	if err != nil {
		return h.formError(c, err, "workorders", v)
	}
	d.Rows, d.Total = rows, total
	d.Pages = max((total+WorkOrderPageSize-1)/WorkOrderPageSize, 1)
	pageURL := func(n int) string {
		q := url.Values{"status": {d.Status}, "kind": {d.Kind}, "channel": {d.Channel}, "page": {strconv.Itoa(n)}}
		return "/admin/workorders?" + q.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = pageURL(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = pageURL(d.Page + 1)
	}
	return h.render(c, http.StatusOK, "workorders", v)
}

type woOneData struct {
	O         *workorder.Order
	Staff     []identity.StaffUser
	CanHandle bool // the staff member may assign, reply and close
	Reply     string
	FormError string
}

func (h *handler) workOrder(c echo.Context) error { return h.renderWorkOrder(c, "", nil) }

func (h *handler) renderWorkOrder(c echo.Context, reply string, formErr error) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	o, err := h.d.WorkOrders.Get(ctx, id)
	if err != nil {
		return err
	}
	d := &woOneData{O: o, Reply: reply}
	p := principal(c)
	if ok, err := h.d.Access.Allowed(p.Subject, "*", "/admin/workorders/:id/*", http.MethodPost); err == nil && ok {
		d.CanHandle = true
		if d.Staff, err = h.d.Identity.StaffUsers(ctx); err != nil {
			return err
		}
	}
	v := view{Title: "工单 " + strconv.FormatInt(id, 10), Menu: "/admin/workorders", Data: d}
	if formErr != nil {
		e := errs.E(formErr)
		if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
			return formErr
		}
		d.FormError = e.Message
		return h.render(c, e.Kind.Status(), "workorder", v)
	}
	return h.render(c, http.StatusOK, "workorder", v)
}

// assignWorkOrder gives the order to a staff member (the form's assignee,
// the signed-in one when empty).
func (h *handler) assignWorkOrder(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	who := strings.TrimSpace(c.FormValue("assignee"))
	if who == "" {
		who = strings.TrimPrefix(principal(c).Subject, "staff:")
	}
	if _, err := h.d.WorkOrders.Assign(c.Request().Context(), id, who); err != nil {
		return h.renderWorkOrder(c, "", err)
	}
	return done(c, "/admin/workorders/"+strconv.FormatInt(id, 10), "wo_assigned", strconv.FormatInt(id, 10))
}

func (h *handler) replyWorkOrder(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	reply := c.FormValue("reply")
	if _, err := h.d.WorkOrders.Reply(c.Request().Context(), id, reply); err != nil {
		return h.renderWorkOrder(c, reply, err)
	}
	return done(c, "/admin/workorders/"+strconv.FormatInt(id, 10), "wo_replied", strconv.FormatInt(id, 10))
}

func (h *handler) closeWorkOrder(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if _, err := h.d.WorkOrders.Close(c.Request().Context(), id); err != nil {
		return h.renderWorkOrder(c, "", err)
	}
	return done(c, "/admin/workorders/"+strconv.FormatInt(id, 10), "wo_closed", strconv.FormatInt(id, 10))
}
