package deposit_test

import (
	"testing"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
)

func TestUnitSummaryNextMonth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 2)
		sum, err := e.svc.UnitSummary(e.ctx, u.UnitNo)
		if err != nil || sum.NextMonth.String() != "2026-11" || !sum.NextDue || sum.ArrearsMonths != 0 || sum.Headcount != 2 {
			t.Fatalf("summary on 2026-11-21 = %+v, %v", sum, err)
		}
		// Earlier in October the unit, paid through 2026-10, has nothing to bill yet.
		if _, err := e.dates.Set(e.ctx, date.MustParse("2026-10-15"), true); err != nil {
			t.Fatal(err)
		}
		sum, _ = e.svc.UnitSummary(e.ctx, u.UnitNo)
		if sum.NextMonth.String() != "2026-11" || sum.NextDue {
			t.Fatalf("summary on 2026-10-15 = %+v", sum)
		}
		// Two months later it is in arrears for November.
		if _, err := e.dates.Set(e.ctx, date.MustParse("2027-01-05"), false); err != nil {
			t.Fatal(err)
		}
		sum, _ = e.svc.UnitSummary(e.ctx, u.UnitNo)
		if !sum.NextDue || sum.ArrearsMonths != 2 {
			t.Fatalf("summary on 2027-01-05 = %+v", sum)
		}
	})
}
