package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
)

// waitJobs polls the batch page's progress part (as the page does) until no
// job of this console runs, and returns the last part.
func waitJobs(t *testing.T, u *user) page {
	t.Helper()
	for range 600 {
		p := html(t, u.htmx(t, "/admin/batch"), http.StatusOK)
		if !strings.Contains(p.body, "进行中") {
			return p
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("batch jobs still running after a minute")
	return page{}
}

var firstYear = regexp.MustCompile(`<option value="(\d{4})">`)

// TestBatchJobs: a reviewer runs the day-end job and an interest settlement
// from the console; they run in the background through the cores (the
// business date advances once, the settlement's run completes), the page
// polls the progress, the runs are audited with the reviewer as actor; a page
// showing a closed date cannot close the next one; the auditor sees no forms
// and is refused; a CSRF-less post is refused.
func TestBatchJobs(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		otp := apitest.NewOTP()
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		auditor := newUser(t, srv)
		auditor.login(t, otp, "auditor")
		p := html(t, auditor.get(t, "/admin/batch"), http.StatusOK)
		lacks(t, p, `id="eod-form"`, `id="interest-form"`)
		html(t, auditor.post(t, "/admin/batch/eod", url.Values{"date": {today.String()}}), http.StatusForbidden)

		u := newUser(t, srv)
		u.login(t, otp, "reviewer")
		p = html(t, u.get(t, "/admin/batch"), http.StatusOK)
		contains(t, p, `id="eod-form"`, `id="interest-form"`, `name="date" value="`+today.String()+`"`)
		lacks(t, p, `hx-trigger="every 2s"`)
		html(t, u.postRaw(t, "/admin/batch/eod", url.Values{"date": {today.String()}}, nil), http.StatusForbidden)
		contains(t, html(t, u.post(t, "/admin/batch/eod", url.Values{"date": {"昨天"}}), http.StatusBadRequest), errBadBizDateMsg)

		p = u.post(t, "/admin/batch/eod", url.Values{"date": {today.String()}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("start eod = %d: %s", p.status, excerpt(p.body))
		}
		p = waitJobs(t, u)
		contains(t, p, "日终处理", "已关闭营业日期 "+today.String(), "staff:reviewer")
		next, _ := a.Dates.Today(ctx)
		if next != today.AddDays(1) {
			t.Fatalf("business date %s after eod of %s", next, today)
		}
		es, err := a.Audit.List(ctx, audit.Filter{Action: "eod.run", Limit: 1})
		if err != nil || len(es) != 1 || es[0].Actor != "staff:reviewer" {
			t.Errorf("eod audit %+v %v", es, err)
		}
		// The old page again: the date is closed, nothing moves.
		u.get(t, "/admin/batch")
		if p := u.post(t, "/admin/batch/eod", url.Values{"date": {today.String()}}); p.status != http.StatusSeeOther {
			t.Fatalf("stale eod = %d: %s", p.status, excerpt(p.body))
		}
		waitJobs(t, u)
		if d, _ := a.Dates.Today(ctx); d != next {
			t.Errorf("a stale page moved the date to %s", d)
		}

		// Interest settlement of the last fund year that ended.
		p = html(t, u.get(t, "/admin/batch"), http.StatusOK)
		m := firstYear.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no fund year to settle: %s", excerpt(p.body))
		}
		year, _ := strconv.Atoi(m[1])
		p = u.post(t, "/admin/batch/interest", url.Values{"year": {m[1]}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("start interest = %d: %s", p.status, excerpt(p.body))
		}
		p = waitJobs(t, u)
		contains(t, p, m[1]+" 年度结息完成")
		run, err := a.Deposit.InterestRunStatus(ctx, year)
		if err != nil || run.Status != deposit.RunDone || run.StartedBy != "staff:reviewer" || run.Done == 0 {
			t.Fatalf("interest run %+v %v", run, err)
		}
		contains(t, p, `id="run-`+m[1]+`"`, "已完成")
		apitest.VerifyClean(t, a)
	})
}

const errBadBizDateMsg = "请刷新页面后，按页面显示的营业日期启动日终处理"
