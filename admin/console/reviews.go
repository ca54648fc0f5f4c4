package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/core/deposit"
	"gjj/internal/platform/errs"
)

// errNoRecord answers a review of an id that cannot exist.
var errNoRecord = errs.New(errs.NotFound, "request.not_found", "记录不存在")

func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoRecord
	}
	return id, nil
}

// reviewer is the staff subject recorded as the reviewer ("staff:<username>").
func reviewer(c echo.Context) string { return principal(c).Subject }

func comment(c echo.Context) string { return strings.TrimSpace(c.FormValue("comment")) }

// preregs is the queue of unit pre-registrations (开户预约) waiting for
// review, oldest first, with the agent's ID number and mobile masked.
func (h *handler) preregs(c echo.Context) error { return h.renderPreregs(c, nil) }

func (h *handler) renderPreregs(c echo.Context, err error) error {
	list, lerr := h.d.Deposit.PendingPreregistrations(c.Request().Context())
	if lerr != nil {
		return lerr
	}
	v := view{Title: "单位开户预约审核", Menu: "/admin/reviews/preregistrations", Data: list}
	if err != nil {
		return h.formError(c, err, "preregs", v)
	}
	return h.render(c, http.StatusOK, "preregs", v)
}

// approvePrereg opens the unit of a pending pre-registration
// (deposit.ApprovePreregistration; the comment is optional).
func (h *handler) approvePrereg(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return h.renderPreregs(c, err)
	}
	u, err := h.d.Deposit.ApprovePreregistration(c.Request().Context(), id, reviewer(c), comment(c))
	if err != nil {
		return h.renderPreregs(c, err)
	}
	return done(c, "/admin/reviews/preregistrations", "prereg_approved", u.UnitNo)
}

// rejectPrereg rejects a pending pre-registration; the comment (the reason
// the applicant sees) is required by the core.
func (h *handler) rejectPrereg(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return h.renderPreregs(c, err)
	}
	p, err := h.d.Deposit.RejectPreregistration(c.Request().Context(), id, reviewer(c), comment(c))
	if err != nil {
		return h.renderPreregs(c, err)
	}
	return done(c, "/admin/reviews/preregistrations", "prereg_rejected", strconv.FormatInt(p.ID, 10))
}

// deferralRow is a pending deferral with its unit's name.
type deferralRow struct {
	deposit.Deferral
	UnitName string
}

// maxQueue bounds a review queue page.
const maxQueue = 200

type deferralsData struct {
	Rows  []deferralRow
	Total int // pending in all (the page shows at most maxQueue)
}

// deferrals is the queue of pending deferral applications (缓缴) of every
// unit, oldest first.
func (h *handler) deferrals(c echo.Context) error { return h.renderDeferrals(c, nil) }

func (h *handler) renderDeferrals(c echo.Context, err error) error {
	ctx := c.Request().Context()
	list, total, lerr := h.d.Deposit.PendingDeferrals(ctx, maxQueue)
	if lerr != nil {
		return lerr
	}
	d := deferralsData{Total: total}
	names := map[string]string{}
	sc := h.scopeOf(c)
	for i := range list {
		df := &list[i]
		if !sc.Center { // branch staff: their branches' units only (scope.go)
			b, berr := access.UnitBranch(ctx, h.d.DB, df.UnitNo)
			if berr != nil {
				return berr
			}
			if !sc.Sees(b) {
				d.Total--
				continue
			}
		}
		if _, ok := names[df.UnitNo]; !ok {
			u, uerr := h.d.Deposit.Unit(ctx, df.UnitNo)
			if uerr != nil {
				return uerr
			}
			names[df.UnitNo] = u.Name
		}
		d.Rows = append(d.Rows, deferralRow{Deferral: *df, UnitName: names[df.UnitNo]})
	}
	v := view{Title: "缓缴申请审核", Menu: "/admin/reviews/deferrals", Data: d}
	if err != nil {
		return h.formError(c, err, "deferrals", v)
	}
	return h.render(c, http.StatusOK, "deferrals", v)
}

func (h *handler) approveDeferral(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return h.renderDeferrals(c, err)
	}
	if ok, err := h.checkDeferral(c, id); !ok || err != nil {
		return err
	}
	if _, err := h.d.Deposit.ApproveDeferral(c.Request().Context(), id, reviewer(c), comment(c)); err != nil {
		return h.renderDeferrals(c, err)
	}
	return done(c, "/admin/reviews/deferrals", "deferral_approved", strconv.FormatInt(id, 10))
}

func (h *handler) rejectDeferral(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return h.renderDeferrals(c, err)
	}
	if ok, err := h.checkDeferral(c, id); !ok || err != nil {
		return err
	}
	if _, err := h.d.Deposit.RejectDeferral(c.Request().Context(), id, reviewer(c), comment(c)); err != nil {
		return h.renderDeferrals(c, err)
	}
	return done(c, "/admin/reviews/deferrals", "deferral_rejected", strconv.FormatInt(id, 10))
}

// pendingCore describes a review queue whose core is not wired.
type pendingCore struct {
	What, Items string
}
