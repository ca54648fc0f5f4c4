package deposit_test

import (
	"fmt"
	"strings"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
)

func (e *env) regUnitStatus(unitNo string) string {
	e.t.Helper()
	u, err := e.svc.Unit(e.ctx, unitNo)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Status
}

func TestRegDeferral(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 1) // 01, paid through 2026-10
		b := e.regNewUnit(1)    // 02
		m := date.MustParseMonth

		// Applications refused.
		for _, c := range []struct {
			name       string
			unit       string
			start, end string
			reason     string
			code       string
			contains   []string
		}{
			{"02 unit", b.UnitNo, "2026-11", "2027-04", "经营困难", "deposit.unit_status", []string{"开户", "正常"}},
			{"unknown unit", "199999999999", "2026-11", "2027-04", "经营困难", "deposit.unit_not_found", nil},
			{"start not the next unpaid month", a.UnitNo, "2026-12", "2027-04", "经营困难", "deposit.deferral_months", []string{"2026-11", "2026-10"}},
			{"start in a paid month", a.UnitNo, "2026-10", "2027-04", "经营困难", "deposit.deferral_months", []string{"2026-11"}},
			{"end before start", a.UnitNo, "2026-11", "2026-10", "经营困难", "deposit.deferral_months", []string{"不能早于"}},
			{"no months", a.UnitNo, "", "", "经营困难", "deposit.deferral_months", nil},
			{"no reason", a.UnitNo, "2026-11", "2027-04", " ", "deposit.invalid_input", []string{"缓缴原因"}},
			{"reason too long", a.UnitNo, "2026-11", "2027-04", strings.Repeat("难", 201), "deposit.invalid_input", []string{"200"}},
		} {
			t.Run("apply: "+c.name, func(t *testing.T) {
				var start, end date.Month
				if c.start != "" {
					start, end = m(c.start), m(c.end)
				}
				before := e.regSnap()
				_, err := e.svc.ApplyDeferral(e.ctx, c.unit, start, end, c.reason)
				regWantErr(t, err, c.code, c.contains...)
				e.regSame(before)
			})
		}

		df, err := e.svc.ApplyDeferral(e.ctx, a.UnitNo, m("2026-11"), m("2027-04"), "职代会决议〔2026〕3号：经营困难")
		if err != nil {
			t.Fatal(err)
		}
		if df.Status != deposit.DeferralPending || df.UnitNo != a.UnitNo || df.StartMonth.String() != "2026-11" || df.EndMonth.String() != "2027-04" ||
			df.AppliedBy != "staff:test" {
			t.Fatalf("deferral = %+v", df)
		}
		if au := e.regLastAudit(); au.Action != "deposit.deferral_apply" {
			t.Fatalf("audit = %+v", au)
		}

		steps := []struct {
			name       string
			call       func() (*deposit.Deferral, error)
			code       string
			contains   []string
			want       string // deferral status on success
			unitStatus string // unit status afterwards
		}{
			{name: "apply overlapping", call: func() (*deposit.Deferral, error) {
				return e.svc.ApplyDeferral(e.ctx, a.UnitNo, m("2026-11"), m("2026-12"), "再次申请")
			}, code: "deposit.deferral_overlap"},
			{name: "approve without reviewer", call: func() (*deposit.Deferral, error) { return e.svc.ApproveDeferral(e.ctx, df.ID, "", "") },
				code: "deposit.invalid_input", contains: []string{"审核人"}},
			{name: "approve unknown", call: func() (*deposit.Deferral, error) { return e.svc.ApproveDeferral(e.ctx, 9999, "staff:r", "") },
				code: "deposit.deferral_not_found"},
			{name: "reject without comment", call: func() (*deposit.Deferral, error) { return e.svc.RejectDeferral(e.ctx, df.ID, "staff:r", "") },
				code: "deposit.invalid_input", contains: []string{"审核意见"}},
			{name: "end a pending one", call: func() (*deposit.Deferral, error) { return e.svc.EndDeferral(e.ctx, df.ID, "") },
				code: "deposit.deferral_status", contains: []string{"待审核", "已批准"}},
			{name: "approve", call: func() (*deposit.Deferral, error) {
				return e.svc.ApproveDeferral(e.ctx, df.ID, "staff:checker", "同意")
			},
				want: deposit.DeferralApproved, unitStatus: deposit.UnitDeferred},
			{name: "approve again", call: func() (*deposit.Deferral, error) { return e.svc.ApproveDeferral(e.ctx, df.ID, "staff:checker", "") },
				code: "deposit.deferral_status", contains: []string{"已批准", "待审核"}},
			{name: "reject an approved one", call: func() (*deposit.Deferral, error) { return e.svc.RejectDeferral(e.ctx, df.ID, "staff:r", "不同意") },
				code: "deposit.deferral_status"},
			{name: "apply while deferred", call: func() (*deposit.Deferral, error) {
				return e.svc.ApplyDeferral(e.ctx, a.UnitNo, m("2026-11"), m("2026-11"), "再次申请")
			}, code: "deposit.unit_status", contains: []string{"缓缴", "正常"}},
			{name: "nothing due in November", call: func() (*deposit.Deferral, error) {
				n, err := e.svc.EndDueDeferrals(e.ctx)
				if err == nil && n != 0 {
					t.Fatalf("ended %d", n)
				}
				return e.svc.Deferral(e.ctx, df.ID)
			}, want: deposit.DeferralApproved, unitStatus: deposit.UnitDeferred},
			{name: "end early", call: func() (*deposit.Deferral, error) { return e.svc.EndDeferral(e.ctx, df.ID, "经营好转") },
				want: deposit.DeferralEnded, unitStatus: deposit.UnitNormal},
			{name: "end again", call: func() (*deposit.Deferral, error) { return e.svc.EndDeferral(e.ctx, df.ID, "") },
				code: "deposit.deferral_status", contains: []string{"已结束"}},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				before := e.regSnap()
				got, err := s.call()
				if s.code != "" {
					regWantErr(t, err, s.code, s.contains...)
					e.regSame(before)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != s.want || e.regUnitStatus(a.UnitNo) != s.unitStatus {
					t.Fatalf("deferral %s unit %s, want %s %s", got.Status, e.regUnitStatus(a.UnitNo), s.want, s.unitStatus)
				}
			})
		}

		// After an ended one the unit may apply again; a rejection leaves the unit 01.
		df2, err := e.svc.ApplyDeferral(e.ctx, a.UnitNo, m("2026-11"), m("2026-12"), "再次申请")
		if err != nil {
			t.Fatal(err)
		}
		if r, err := e.svc.RejectDeferral(e.ctx, df2.ID, "staff:checker", "材料不全"); err != nil || r.Status != deposit.DeferralRejected ||
			r.ReviewComment != "材料不全" || e.regUnitStatus(a.UnitNo) != deposit.UnitNormal {
			t.Fatalf("rejected = %+v, %v", r, err)
		}

		// An application made stale by a later remittance cannot be approved.
		df3, err := e.svc.ApplyDeferral(e.ctx, a.UnitNo, m("2026-11"), m("2026-11"), "申请一个月")
		if err != nil {
			t.Fatal(err)
		}
		e.regExec(`UPDATE unit SET paid_through = '2026-11' WHERE id = ?`, a.ID)
		before := e.regSnap()
		_, err = e.svc.ApproveDeferral(e.ctx, df3.ID, "staff:checker", "")
		regWantErr(t, err, "deposit.deferral_months", "已过时")
		e.regSame(before)
		if _, err := e.svc.RejectDeferral(e.ctx, df3.ID, "staff:checker", "已过时"); err != nil {
			t.Fatal(err)
		}
		// A unit that is no longer 01 cannot be put into deferral.
		df4, err := e.svc.ApplyDeferral(e.ctx, a.UnitNo, m("2026-12"), m("2027-01"), "申请两个月")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SealUnit(e.ctx, a.UnitNo, "停业"); err != nil {
			t.Fatal(err)
		}
		before = e.regSnap()
		_, err = e.svc.ApproveDeferral(e.ctx, df4.ID, "staff:checker", "")
		regWantErr(t, err, "deposit.unit_status", "封存")
		e.regSame(before)
		if _, err := e.svc.UnsealUnit(e.ctx, a.UnitNo); err != nil {
			t.Fatal(err)
		}

		// Approved, then the day-end job ends it once its end month has passed.
		if _, err := e.svc.ApproveDeferral(e.ctx, df4.ID, "staff:checker", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.dates.Set(e.ctx, date.MustParse("2027-01-31"), false); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.EndDueDeferrals(e.ctx); err != nil || n != 0 {
			t.Fatalf("in its end month: %d, %v", n, err)
		}
		if _, err := e.dates.Set(e.ctx, date.MustParse("2027-02-01"), false); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.EndDueDeferrals(e.ctx); err != nil || n != 1 {
			t.Fatalf("after its end month: %d, %v", n, err)
		}
		got, err := e.svc.Deferral(e.ctx, df4.ID)
		if err != nil || got.Status != deposit.DeferralEnded || !strings.Contains(got.ReviewComment, "2027-01") ||
			e.regUnitStatus(a.UnitNo) != deposit.UnitNormal {
			t.Fatalf("after the job: %+v, %v, unit %s", got, err, e.regUnitStatus(a.UnitNo))
		}
		if au := e.regLastAudit(); au.Action != "deposit.deferral_end" || au.Object != fmt.Sprintf("deferral:%d", df4.ID) {
			t.Fatalf("audit = %+v", au)
		}
		before = e.regSnap()
		if n, err := e.svc.EndDueDeferrals(e.ctx); err != nil || n != 0 {
			t.Fatalf("second run: %d, %v", n, err)
		}
		e.regSame(before)

		list, err := e.svc.Deferrals(e.ctx, a.UnitNo)
		if err != nil || len(list) != 4 || list[0].ID != df4.ID || list[3].ID != df.ID {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if list, err := e.svc.Deferrals(e.ctx, b.UnitNo); err != nil || len(list) != 0 {
			t.Fatalf("list of b = %+v, %v", list, err)
		}
		_, err = e.svc.Deferrals(e.ctx, "199999999999")
		regWantErr(t, err, "deposit.unit_not_found")
		e.verifyBooks()
	})
}
