package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

func init() {
	flashes["eod_started"] = "日终处理已启动（营业日期 %s），完成后营业日期自动推进一天；本页自动刷新进度。"
	flashes["eod_done"] = "日终处理已完成，营业日期已推进至 %s。"
	flashes["interest_started"] = "%s 年度结息已启动，本页自动刷新进度。"
	flashes["interest_done"] = "%s 年度结息已完成。"
}

// Errors of the batch forms.
var (
	errJobRunning = errs.New(errs.Conflict, "console.job_running", "该批处理作业正在运行，请等待完成后再启动")
	errBadYear    = errs.New(errs.Invalid, "console.bad_year", "请选择结息年度")
	errBadBizDate = errs.New(errs.Invalid, "console.bad_biz_date", "请刷新页面后，按页面显示的营业日期启动日终处理")
)

// job is a batch job this instance started from the console: the day-end job
// (loan.Service.EndOfDay, as `gjj eod`) or an interest settlement
// (deposit.Service.SettleYear, as `gjj interest settle`). The cores keep the
// durable state (eod_run, interest_run) and audit the runs; this is what the
// page shows of the run started here.
type job struct {
	Kind     string // "eod" or "interest"
	Key      string // the business date closed, or the fund year
	Actor    string
	Started  time.Time
	Finished *time.Time
	Err      string // the refusal or failure, in Chinese
	Result   string // what was done, in Chinese
	Done     int64  // interest: accounts settled so far
	Total    int64
}

// Running reports whether the job has not finished.
func (j *job) Running() bool { return j.Finished == nil }

// jobs are the console's batch jobs of this instance.
type jobs struct {
	mu   sync.Mutex
	runs map[string]*job // by Kind+":"+Key
	last []*job          // newest first, at most 10
}

func newJobs() *jobs { return &jobs{runs: map[string]*job{}} }

// start registers a job unless the same one is running here.
func (js *jobs) start(kind, key, actor string) (*job, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if j := js.runs[kind+":"+key]; j != nil && j.Running() {
		return nil, errJobRunning.With("job", kind)
	}
	if kind == "eod" {
		for _, j := range js.runs {
			if j.Kind == "eod" && j.Running() {
				return nil, errJobRunning.With("job", kind)
			}
		}
	}
	j := &job{Kind: kind, Key: key, Actor: actor, Started: time.Now().UTC()}
	js.runs[kind+":"+key] = j
	js.last = append([]*job{j}, js.last...)
	if len(js.last) > 10 {
		js.last = js.last[:10]
	}
	return j, nil
}

func (js *jobs) update(j *job, f func(j *job)) {
	js.mu.Lock()
	defer js.mu.Unlock()
	f(j)
}

// snapshot copies the recent jobs for a page.
func (js *jobs) snapshot() []job {
	js.mu.Lock()
	defer js.mu.Unlock()
	out := make([]job, 0, len(js.last))
	for _, j := range js.last {
		out = append(out, *j)
	}
	return out
}

// runJob runs fn in the background (it outlives the request, keeping the
// actor of ctx for the cores' audit records) and waits up to a second: a
// quick refusal comes back as an error, a quick success as true.
func (h *handler) runJob(ctx context.Context, j *job, fn func(ctx context.Context) (string, error)) (bool, error) {
	bg := context.WithoutCancel(ctx)
	finished := make(chan error, 1)
	go func() {
		res, err := fn(bg)
		now := time.Now().UTC()
		h.jobs.update(j, func(j *job) {
			j.Finished, j.Result = &now, res
			if err != nil {
				j.Err = errMessage(err)
				if e := errs.E(err); e.Kind == errs.Internal || e.Kind == "" {
					j.Err = "作业失败，请查看系统日志后重新启动（可断点续跑）"
					slog.Error("console batch job failed", "job", j.Kind, "key", j.Key, "err", err)
				}
			}
		})
		finished <- err
	}()
	select {
	case err := <-finished:
		return err == nil, err
	case <-time.After(time.Second):
		return false, nil
	}
}

// startEOD runs the day-end job (日终) for the business date the page showed
// (form field date: a stale page cannot close the next day too).
func (h *handler) startEOD(c echo.Context) error {
	ctx := c.Request().Context()
	expect, err := date.Parse(c.FormValue("date"))
	if err != nil {
		return h.batchError(c, errBadBizDate.With("field", "date"))
	}
	j, err := h.jobs.start("eod", expect.String(), principal(c).Subject)
	if err != nil {
		return h.batchError(c, err)
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s:%d:console", host, os.Getpid())
	ok, err := h.runJob(ctx, j, func(ctx context.Context) (string, error) {
		r, err := h.d.Loan.EndOfDay(ctx, loan.EODOptions{Holder: holder, Expect: expect})
		if err != nil {
			return "", err
		}
		res := fmt.Sprintf("已关闭营业日期 %s，当前营业日期 %s", r.Date, r.Next)
		if l := r.Loans; l != nil {
			res += fmt.Sprintf("；贷款到期 %d 笔，足额收回 %d 笔，逾期 %d 笔，结清 %d 笔", l.Due, l.Collected, l.Overdue, l.Settled)
			if len(l.Failed) > 0 {
				res += fmt.Sprintf("；%d 笔处理失败，下次日终重试", len(l.Failed))
			}
		}
		return res, nil
	})
	if err != nil {
		return h.batchError(c, err)
	}
	if ok {
		next, _ := h.d.Dates.Today(ctx)
		return done(c, "/admin/batch", "eod_done", next.String())
	}
	return done(c, "/admin/batch", "eod_started", expect.String())
}

// startInterest runs the interest settlement (结息) of a fund year; progress
// is the interest run's (InterestRunStatus), shared by every instance.
func (h *handler) startInterest(c echo.Context) error {
	year, err := strconv.Atoi(c.FormValue("year"))
	if err != nil || year < 2000 || year > 2200 {
		return h.batchError(c, errBadYear.With("field", "year"))
	}
	j, err := h.jobs.start("interest", strconv.Itoa(year), principal(c).Subject)
	if err != nil {
		return h.batchError(c, err)
	}
	ok, err := h.runJob(c.Request().Context(), j, func(ctx context.Context) (string, error) {
		run, err := h.d.Deposit.SettleYear(ctx, year, func(p deposit.Progress) {
			h.jobs.update(j, func(j *job) { j.Done, j.Total = p.Done, p.Total })
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d 年度结息完成：%d 个账户，利息合计 %s 元", year, run.Done, run.Interest.Format()), nil
	})
	if err != nil {
		return h.batchError(c, err)
	}
	code := "interest_started"
	if ok {
		code = "interest_done"
	}
	return done(c, "/admin/batch", code, strconv.Itoa(year))
}

// batchError shows a refused start on the batch page with its message.
func (h *handler) batchError(c echo.Context, err error) error {
	e := errs.E(err)
	if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
		return err
	}
	d, err2 := h.batchData(c)
	if err2 != nil {
		return err2
	}
	d.FormError = e.Message
	return h.render(c, e.Kind.Status(), "batch", view{Title: "营业日期与批处理", Menu: "/admin/batch", Data: d})
}

// canRunBatch reports whether the staff member may start batch jobs.
func (h *handler) canRunBatch(c echo.Context) bool {
	ok, err := h.d.Access.Allowed(principal(c).Subject, "*", "/admin/batch/eod", http.MethodPost)
	return err == nil && ok
}
