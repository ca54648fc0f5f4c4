package withdrawal_test

import (
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// TestDeadlineSpringFestival: the decision deadline (3 working days) counts
// the working-day calendar: filed on Thursday 2026-02-12 it runs over the
// make-up Saturday 2月14日 and the Spring Festival holiday (2月15日–23日) to
// Tuesday 2026-02-24 (Monday to Friday alone would give 2026-02-17, 初一).
// A new calendar version (a center's own extra holiday) moves the deadline
// of applications filed after it.
func TestDeadlineSpringFestival(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		day := func(s string) date.Date {
			d, err := date.Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		if _, err := a.Dates.Set(e.ctx, day("2026-02-12"), true); err != nil {
			t.Fatal(err)
		}
		file := func(emp demo.Employee, proof string) *withdrawal.Application {
			t.Helper()
			p, ctx := e.person(emp, "app")
			r, err := e.svc.Submit(ctx, p, "cal-"+proof, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(100),
				BankCard: demo.BankCard(emp), ProofNo: proof, SMSCode: goodCode})
			if err != nil || r.Status != withdrawal.StatusPendingReview {
				t.Fatalf("%+v %v", r, err)
			}
			got, err := e.svc.Get(e.ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := file(li, "SY-1"); got.DeadlineOn != day("2026-02-24") {
			t.Errorf("deadline %s, want 2026-02-24", got.DeadlineOn)
		}
		// From 2026-02-12 the center also closes on 2026-02-24 and 25.
		if err := a.DB.InTx(e.ctx, func(tx *db.Tx) error {
			return a.Policy.AddVersion(e.ctx, tx, policy.Version{Key: policy.CalendarWorkingDays, EffectiveFrom: day("2026-02-12"),
				Value: `{"holidays":["2026-02-15","2026-02-16","2026-02-17","2026-02-18","2026-02-19","2026-02-20","2026-02-21",
					"2026-02-22","2026-02-23","2026-02-24","2026-02-25"],"workdays":["2026-02-14"]}`,
				CreatedBy: "staff:maker", ApprovedBy: "staff:checker"})
		}); err != nil {
			t.Fatal(err)
		}
		if got := file(chen, "SY-2"); got.DeadlineOn != day("2026-02-26") {
			t.Errorf("deadline under the new calendar %s, want 2026-02-26", got.DeadlineOn)
		}
		// The queue marks an application overdue only after its deadline.
		if _, err := a.Dates.Set(e.ctx, day("2026-02-24"), false); err != nil {
			t.Fatal(err)
		}
		q, err := e.svc.Queue(e.ctx, withdrawal.QueueFilter{})
		if err != nil || len(q) != 2 || q[0].Overdue || q[1].Overdue {
			t.Errorf("queue on the first deadline %+v %v", q, err)
		}
		if _, err := a.Dates.Set(e.ctx, day("2026-02-25"), false); err != nil {
			t.Fatal(err)
		}
		if q, err = e.svc.Queue(e.ctx, withdrawal.QueueFilter{}); err != nil || len(q) != 2 || !q[0].Overdue || q[1].Overdue {
			t.Errorf("queue the day after %+v %v", q, err)
		}
	})
}
