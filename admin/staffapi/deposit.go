package staffapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/guard"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/web"
)

func (h *handler) registerDeposit(g *echo.Group) {
	g.GET("/preregistrations", h.preregistrations)
	g.POST("/preregistrations/:id/approve", h.approvePrereg)
	g.POST("/preregistrations/:id/reject", h.rejectPrereg)
	g.GET("/deferrals", h.deferrals)
	g.POST("/deferrals/:id/approve", h.approveDeferral)
	g.POST("/deferrals/:id/reject", h.rejectDeferral)
	g.POST("/accounts/:account_no/freeze", h.freeze)
	g.POST("/accounts/:account_no/unfreeze", h.unfreeze)
	g.POST("/interest-runs", h.startInterest)
	g.GET("/interest-runs/:year", h.interestStatus)
}

var errID = errs.New(errs.NotFound, "request.not_found", "记录不存在")

func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errID
	}
	return id, nil
}

type reviewBody struct {
	Comment string `json:"comment"`
}

// review decodes the id and the optional comment of an approve/reject call.
func review(c echo.Context) (int64, string, error) {
	id, err := idParam(c)
	if err != nil {
		return 0, "", err
	}
	var b reviewBody
	if c.Request().ContentLength != 0 {
		if err := web.BindJSON(c, &b); err != nil {
			return 0, "", err
		}
	}
	return id, b.Comment, nil
}

func reviewer(c echo.Context) string { return guard.Principal(c).Subject }

func (h *handler) preregistrations(c echo.Context) error {
	list, err := h.d.Deposit.PendingPreregistrations(c.Request().Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []deposit.Prereg{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

func (h *handler) approvePrereg(c echo.Context) error {
	id, comment, err := review(c)
	if err != nil {
		return err
	}
	u, err := h.d.Deposit.ApprovePreregistration(c.Request().Context(), id, reviewer(c), comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "approved", "unit": u})
}

func (h *handler) rejectPrereg(c echo.Context) error {
	id, comment, err := review(c)
	if err != nil {
		return err
	}
	p, err := h.d.Deposit.RejectPreregistration(c.Request().Context(), id, reviewer(c), comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

var errUnitNoQuery = errs.New(errs.Invalid, "request.invalid_query", "请指定单位账号（unit_no）").With("parameter", "unit_no")

func (h *handler) deferrals(c echo.Context) error {
	unitNo := c.QueryParam("unit_no")
	if unitNo == "" {
		return errUnitNoQuery
	}
	list, err := h.d.Deposit.Deferrals(c.Request().Context(), unitNo)
	if err != nil {
		return err
	}
	if list == nil {
		list = []deposit.Deferral{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

func (h *handler) approveDeferral(c echo.Context) error {
	id, comment, err := review(c)
	if err != nil {
		return err
	}
	d, err := h.d.Deposit.ApproveDeferral(c.Request().Context(), id, reviewer(c), comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (h *handler) rejectDeferral(c echo.Context) error {
	id, comment, err := review(c)
	if err != nil {
		return err
	}
	d, err := h.d.Deposit.RejectDeferral(c.Request().Context(), id, reviewer(c), comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (h *handler) freeze(c echo.Context) error {
	var b reasonBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	e, err := h.d.Deposit.FreezeEmployee(c.Request().Context(), c.Param("account_no"), b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"account_no": e.AccountNo, "status": e.Status})
}

func (h *handler) unfreeze(c echo.Context) error {
	var b reasonBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	e, err := h.d.Deposit.UnfreezeEmployee(c.Request().Context(), c.Param("account_no"), b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"account_no": e.AccountNo, "status": e.Status})
}

type interestBody struct {
	Year int `json:"year"`
}

func (h *handler) startInterest(c echo.Context) error {
	var b interestBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if run, err := h.d.Deposit.InterestRunStatus(ctx, b.Year); err == nil && run.Status == deposit.RunDone {
		return c.JSON(http.StatusOK, run)
	}
	if _, busy := h.runners.LoadOrStore(b.Year, true); !busy {
		// The run outlives the request; it keeps the actor for its audit
		// records. Refusals (too early, out of order…) come back at once; a
		// long run answers 202 after its first batch or two seconds.
		bg := context.WithoutCancel(ctx)
		started := make(chan error, 1)
		go func() {
			defer h.runners.Delete(b.Year)
			_, err := h.d.Deposit.SettleYear(bg, b.Year, func(deposit.Progress) {
				select {
				case started <- nil:
				default:
				}
			})
			switch k := errs.KindOf(err); {
			case err == nil:
			case k == errs.Invalid || k == errs.Conflict:
				// A refusal (bad year, too early…): the caller gets it as a 4xx.
				slog.Info("interest settlement refused", "year", b.Year, "code", errs.CodeOf(err))
			default:
				slog.Error("interest settlement failed", "year", b.Year, "err", err)
			}
			select {
			case started <- err:
			default:
			}
		}()
		select {
		case err := <-started:
			if err != nil {
				return err
			}
		case <-time.After(2 * time.Second):
		}
		if run, err := h.d.Deposit.InterestRunStatus(ctx, b.Year); err == nil && run.Status == deposit.RunDone {
			return c.JSON(http.StatusOK, run)
		}
	}
	return c.JSON(http.StatusAccepted, map[string]any{"year": b.Year, "status": deposit.RunRunning,
		"progress": "/api/admin/v1/interest-runs/" + strconv.Itoa(b.Year)})
}

func (h *handler) interestStatus(c echo.Context) error {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return errID
	}
	run, err := h.d.Deposit.InterestRunStatus(c.Request().Context(), year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, run)
}
