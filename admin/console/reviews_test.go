package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/reqctx"
)

// TestPreregQueue: the reviewer sees the pending pre-registrations masked,
// approves one (POST → 303 → the queue with the new unit number), cannot
// reject without a reason (the core's message, 400, nothing written) nor
// decide twice (409), and rejects another with a reason. Every decision is
// audited by the core with the reviewer as actor on the counter channel.
func TestPreregQueue(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "reviewer")

		p := html(t, u.get(t, "/admin/reviews/preregistrations"), http.StatusOK)
		contains(t, p, "暂无待审核的开户预约")

		in := prereg("91350104M00060001", "福州示例食品有限公司", "35010419820303001", "孙丽", "13900000061")
		first, err := a.Deposit.SubmitPreregistration(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		second, err := a.Deposit.SubmitPreregistration(ctx, prereg("91350104M00060002", "福州示例印刷有限公司", "35010419830404001", "周全", "13900000062"))
		if err != nil {
			t.Fatal(err)
		}
		p = html(t, u.get(t, "/admin/reviews/preregistrations"), http.StatusOK)
		contains(t, p, "福州示例食品有限公司", "福州示例印刷有限公司", "孙丽", "139****0061", in.USCC, "12%")
		lacks(t, p, in.AgentIDNumber, in.AgentMobile)

		approve := fmt.Sprintf("/admin/reviews/preregistrations/%d/approve", first.ID)
		p = u.post(t, approve, url.Values{"comment": {"材料齐全"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/admin/reviews/preregistrations?") {
			t.Fatalf("approve = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		got, err := a.Deposit.Preregistration(ctx, first.ID)
		if err != nil || got.Status != deposit.PreregApproved || got.UnitNo == "" || got.ReviewedBy != "staff:reviewer" {
			t.Fatalf("approved pre-registration %+v %v", got, err)
		}
		p = html(t, u.get(t, p.location()), http.StatusOK)
		contains(t, p, "已通过开户预约，单位账号 "+got.UnitNo)
		lacks(t, p, "福州示例食品有限公司")
		if e, ok := lastAudit(t, a, "deposit.prereg_approve"); !ok || e.Actor != "staff:reviewer" || e.Channel != "counter" || e.Object != "unit:"+got.UnitNo {
			t.Errorf("approval audit %+v", e.Record)
		}

		reject := fmt.Sprintf("/admin/reviews/preregistrations/%d/reject", second.ID)
		before := apitest.Snapshot(t, a)
		p = html(t, u.post(t, reject, url.Values{"comment": {""}}), http.StatusBadRequest)
		contains(t, p, `id="form-error"`, "福州示例印刷有限公司")
		apitest.Unchanged(t, a, before)

		p = html(t, u.post(t, approve, url.Values{"comment": {"再次"}}), http.StatusConflict)
		contains(t, p, `id="form-error"`)
		html(t, u.post(t, "/admin/reviews/preregistrations/999999/approve", nil), http.StatusNotFound)
		html(t, u.post(t, "/admin/reviews/preregistrations/abc/approve", nil), http.StatusNotFound)

		p = u.post(t, reject, url.Values{"comment": {"营业执照已注销"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("reject = %d: %s", p.status, excerpt(p.body))
		}
		p = html(t, u.get(t, p.location()), http.StatusOK)
		contains(t, p, fmt.Sprintf("已驳回开户预约（编号 %d）", second.ID), "暂无待审核的开户预约")
		if got, _ := a.Deposit.Preregistration(ctx, second.ID); got.Status != deposit.PreregRejected || got.ReviewComment != "营业执照已注销" {
			t.Errorf("rejected %+v", got)
		}
		apitest.VerifyClean(t, a)
	})
}

// TestDeferralQueue: pending deferrals of every unit are listed with the
// unit's name; approving and rejecting go through the deposit core.
func TestDeferralQueue(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "person:1", Channel: "unit"})
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "reviewer")
		html(t, u.get(t, "/admin/reviews/deferrals"), http.StatusOK)

		sum, err := a.Deposit.UnitSummary(ctx, demo.UnitNo)
		if err != nil {
			t.Fatal(err)
		}
		m := sum.NextMonth
		d1, err := a.Deposit.ApplyDeferral(ctx, demo.UnitNo, m, m.Add(2), "职代会决议〔2026〕1号")
		if err != nil {
			t.Fatal(err)
		}
		p := html(t, u.get(t, "/admin/reviews/deferrals"), http.StatusOK)
		contains(t, p, "待审核的缓缴申请（共 1 件）", demo.UnitName, demo.UnitNo, "职代会决议〔2026〕1号", m.String()+" 至 "+m.Add(2).String())

		html(t, u.post(t, fmt.Sprintf("/admin/reviews/deferrals/%d/reject", d1.ID), nil), http.StatusBadRequest)
		p = u.post(t, fmt.Sprintf("/admin/reviews/deferrals/%d/approve", d1.ID), url.Values{"comment": {"同意缓缴"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("approve = %d: %s", p.status, excerpt(p.body))
		}
		p = html(t, u.get(t, p.location()), http.StatusOK)
		contains(t, p, fmt.Sprintf("已批准缓缴申请（编号 %d）", d1.ID), "暂无待审核的缓缴申请")
		got, err := a.Deposit.Deferral(ctx, d1.ID)
		if err != nil || got.Status != deposit.DeferralApproved || got.ReviewedBy != "staff:reviewer" {
			t.Fatalf("deferral %+v %v", got, err)
		}
		if e, ok := lastAudit(t, a, "deposit.deferral_approve"); !ok || e.Actor != "staff:reviewer" || e.Channel != "counter" {
			t.Errorf("audit %+v", e.Record)
		}
		html(t, u.post(t, fmt.Sprintf("/admin/reviews/deferrals/%d/reject", d1.ID), url.Values{"comment": {"撤回"}}), http.StatusConflict)

		// The withdrawal and loan queues are empty on the demo.
		contains(t, html(t, u.get(t, "/admin/reviews/withdrawals"), http.StatusOK), "没有符合条件的提取申请")
		contains(t, html(t, u.get(t, "/admin/reviews/loans"), http.StatusOK), "没有该状态的贷款申请")
	})
}
