package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/notify"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// smsLimits are the page sizes the outbox offers.
var smsLimits = []int{20, 50, 100, notify.MaxLimit}

type smsData struct {
	Phone   string
	Limit   int
	Limits  []int
	Gateway string
	Rows    []notify.Message
}

// sms is the SMS outbox (短信发件箱): the recorded messages, newest first,
// for one mobile number or all. Staff whose role grants the page see the
// phone and the text as stored — with the outbox driver the only delivery of
// a code (the same rule as GET /api/admin/v1/sms-outbox).
func (h *handler) sms(c echo.Context) error {
	d := &smsData{Phone: strings.TrimSpace(c.QueryParam("phone")), Limit: smsLimits[0], Limits: smsLimits,
		Gateway: h.d.Notify.Gateway()}
	if n, err := strconv.Atoi(c.QueryParam("limit")); err == nil {
		for _, l := range smsLimits {
			if n == l {
				d.Limit = n
			}
		}
	}
	v := view{Title: "短信发件箱", Menu: "/admin/sms", Data: d}
	rows, err := h.d.Notify.Outbox(c.Request().Context(), notify.Filter{Phone: d.Phone, Limit: d.Limit})
	if err != nil {
		return h.formError(c, err, "sms", v)
	}
	d.Rows = rows
	return h.render(c, http.StatusOK, "sms", v)
}

// runRow is the interest settlement of one fund year, or its absence.
type runRow struct {
	Year     int
	From, To date.Date
	Run      *deposit.InterestRun
	Ended    bool // the fund year ended on or before the business date
}

type batchData struct {
	BizDate date.Date
	Runs    []runRow
	// Jobs are the batch jobs started from this instance's console, newest
	// first (batch_jobs.go); CanRun shows the start forms; Poll makes the
	// page refresh its progress while a job or a settlement runs.
	Jobs      []job
	CanRun    bool
	Poll      bool
	FormError string
}

// batch shows the business date (营业日期), the day-end job (日终) and the
// annual interest settlement (结息) of the last fund years. Staff allowed to
// (reviewer, as seeded) start the day-end job and a settlement here; they
// run in the background through the same core functions as `gjj eod` and
// `gjj interest settle` (audited there as eod.run and the settlement's
// records, with the staff member as actor), and the page polls their
// progress. Setting the business date stays a `gjj date` operation.
func (h *handler) batch(c echo.Context) error {
	d, err := h.batchData(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "batch", view{Title: "营业日期与批处理", Menu: "/admin/batch", Data: d})
}

func (h *handler) batchData(c echo.Context) (*batchData, error) {
	ctx := c.Request().Context()
	biz, err := h.d.Dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	// The fund year Y runs from 1 July Y-1 to 30 June Y.
	current := biz.Year()
	if biz.Month() >= 7 {
		current++
	}
	d := &batchData{BizDate: biz, Jobs: h.jobs.snapshot(), CanRun: h.canRunBatch(c)}
	for _, j := range d.Jobs {
		d.Poll = d.Poll || j.Running()
	}
	for _, y := range []int{current, current - 1, current - 2} {
		from, to := deposit.FundYear(y)
		row := runRow{Year: y, From: from, To: to, Ended: !biz.Before(to)}
		run, err := h.d.Deposit.InterestRunStatus(ctx, y)
		switch {
		case err == nil:
			row.Run = run
			d.Poll = d.Poll || run.Status == deposit.RunRunning
		case errs.KindOf(err) != errs.NotFound:
			return nil, err
		}
		d.Runs = append(d.Runs, row)
	}
	return d, nil
}
