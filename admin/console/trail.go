package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// TrailPageSize is how many audit entries a page of the trail shows.
const TrailPageSize = 50

var errTrailRange = errs.New(errs.Invalid, "console.trail_range", "日期范围不正确：请按 YYYY-MM-DD 填写，结束日期不能早于开始日期")

// trailInput is the filter form as typed.
type trailInput struct {
	Action, Object, Actor, From, To string
	Before                          int64
}

type trailData struct {
	In      trailInput
	Rows    []audit.Entry
	MoreURL string
	Verify  *audit.Report
	// Actions are suggestions for the action filter.
	Actions []string
}

// knownActions are offered in the action filter (any action may be typed).
var knownActions = []string{
	"identity.login", "staff.read", "staff.reveal", "console.refused", "deposit.prereg_submit", "deposit.prereg_approve",
	"deposit.prereg_reject", "deposit.deferral_apply", "deposit.deferral_approve", "deposit.deferral_reject",
	"deposit.employee_open", "deposit.employee_freeze", "deposit.employee_unfreeze", "deposit.remittance_post",
	"deposit.certificate_issue", "bizdate.set", "notify.sms", "demo.seed",
}

// trail is the audit trail (审计日志): entries newest first, filtered by
// action, object and actor (exact) and a date range (Asia/Shanghai calendar
// days of the wall-clock time), a page at a time.
func (h *handler) trail(c echo.Context) error {
	in := trailInput{Action: strings.TrimSpace(c.QueryParam("action")), Object: strings.TrimSpace(c.QueryParam("object")),
		Actor: strings.TrimSpace(c.QueryParam("actor")), From: strings.TrimSpace(c.QueryParam("from")),
		To: strings.TrimSpace(c.QueryParam("to"))}
	in.Before, _ = strconv.ParseInt(c.QueryParam("before"), 10, 64)
	d := &trailData{In: in, Actions: knownActions}
	v := view{Title: "审计日志", Menu: "/admin/audit", Data: d}
	if err := h.listTrail(c.Request().Context(), d); err != nil {
		return h.formError(c, err, "trail", v)
	}
	return h.render(c, http.StatusOK, "trail", v)
}

// verify recomputes the hash chain (audit.Log.Verify) and shows the report
// above the trail.
func (h *handler) verify(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.d.Audit.Verify(ctx, h.d.DB)
	if err != nil {
		return err
	}
	d := &trailData{Verify: &r, Actions: knownActions}
	if err := h.listTrail(ctx, d); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "trail", view{Title: "审计日志", Menu: "/admin/audit", Data: d})
}

// listTrail reads one page of the trail. The log's seq order is its time
// order (Append stamps rows after locking the chain head), so a date range is
// a seq range: its bounds are found by binary search over seq.
func (h *handler) listTrail(ctx context.Context, d *trailData) error {
	in := d.In
	var from, to date.Date
	var err error
	if in.From != "" {
		if from, err = date.Parse(in.From); err != nil {
			return errTrailRange
		}
	}
	if in.To != "" {
		if to, err = date.Parse(in.To); err != nil {
			return errTrailRange
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return errTrailRange
	}
	before := in.Before
	var lowSeq int64
	if !from.IsZero() || !to.IsZero() {
		head, err := h.headSeq(ctx)
		if err != nil {
			return err
		}
		if !to.IsZero() {
			end, err := h.firstSeqAt(ctx, midnight(to.AddDays(1)), head)
			if err != nil {
				return err
			}
			if before <= 0 || end < before {
				before = end
			}
		}
		if !from.IsZero() {
			if lowSeq, err = h.firstSeqAt(ctx, midnight(from), head); err != nil {
				return err
			}
		}
		if before > 0 && before <= lowSeq {
			return nil // nothing in the range
		}
		if before <= 0 {
			before = head + 1
		}
	}
	rows, err := h.d.Audit.List(ctx, audit.Filter{Action: in.Action, Object: in.Object, Actor: in.Actor,
		Limit: TrailPageSize, BeforeSeq: before})
	if err != nil {
		return err
	}
	full := len(rows) == TrailPageSize
	for _, e := range rows {
		if e.Seq < lowSeq {
			full = false
			break
		}
		d.Rows = append(d.Rows, e)
	}
	if full && len(d.Rows) > 0 {
		q := url.Values{}
		for k, v := range map[string]string{"action": in.Action, "object": in.Object, "actor": in.Actor, "from": in.From, "to": in.To} {
			if v != "" {
				q.Set(k, v)
			}
		}
		q.Set("before", strconv.FormatInt(d.Rows[len(d.Rows)-1].Seq, 10))
		d.MoreURL = "/admin/audit?" + q.Encode()
	}
	return nil
}

// midnight is the start of the day in Asia/Shanghai.
func midnight(d date.Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, date.Shanghai)
}

// headSeq is the seq of the newest entry (0 for an empty log).
func (h *handler) headSeq(ctx context.Context) (int64, error) {
	rows, err := h.d.Audit.List(ctx, audit.Filter{Limit: 1})
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	return rows[0].Seq, nil
}

// firstSeqAt returns the smallest seq whose time is at or after t (head+1
// when none is), by binary search over 1..head.
func (h *handler) firstSeqAt(ctx context.Context, t time.Time, head int64) (int64, error) {
	lo, hi := int64(1), head+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		rows, err := h.d.Audit.List(ctx, audit.Filter{Limit: 1, BeforeSeq: mid + 1})
		if err != nil {
			return 0, err
		}
		if len(rows) > 0 && !rows[0].At.Before(t) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}
