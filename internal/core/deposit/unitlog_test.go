package deposit_test

import (
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/reqctx"
)

func TestUnitLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 2)
		b := e.importUnit(1, 1)
		emps, _, _ := e.svc.Employees(e.ctx, a.UnitNo, deposit.EmployeeFilter{})
		// Staff freeze one of A's employees; B's unit is changed by someone else.
		staff := reqctx.WithActor(e.ctx, reqctx.Actor{ID: "staff:reviewer", Channel: "counter"})
		if _, err := e.svc.FreezeEmployee(staff, emps[0].AccountNo, "法院冻结"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SealUnit(e.ctx, b.UnitNo, "停业"); err != nil {
			t.Fatal(err)
		}
		log, err := e.svc.UnitLog(e.ctx, a.UnitNo, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		var objects []string
		for _, r := range log {
			objects = append(objects, r.Action+" "+r.Object)
			if r.Object == "unit:"+b.UnitNo {
				t.Fatalf("unit A's log shows unit B's record: %+v", r)
			}
		}
		if len(log) != 2 || log[0].Action != "deposit.employee_freeze" || log[0].Actor != "staff:reviewer" || log[1].Action != "deposit.import_unit" {
			t.Fatalf("unit A's log = %v", objects)
		}
		// Paging back from the newest entry leaves the older one.
		older, err := e.svc.UnitLog(e.ctx, a.UnitNo, log[0].Seq, 50)
		if err != nil || len(older) != 1 || older[0].Seq != log[1].Seq {
			t.Fatalf("older page = %+v, %v", older, err)
		}
	})
}
