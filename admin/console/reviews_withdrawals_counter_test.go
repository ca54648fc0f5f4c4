package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
)

// TestCounterWithdrawalForm: the reviewer opens the counter filing form
// from the queue, picks 大病医疗 (marked 仅柜面) and sees its fields and
// materials; a missing material re-renders the form with the material named
// and the values kept, nothing stored; with every material ticked it files
// the application for review, shown with the filer and the materials; the
// filer's own approval is refused, the approver's pays.
func TestCounterWithdrawalForm(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		li := demo.Employees[1]
		srv := server(t, a)
		otp := apitest.NewOTP()
		rev := newUser(t, srv)
		rev.login(t, otp, "reviewer")

		contains(t, html(t, rev.get(t, "/admin/reviews/withdrawals"), http.StatusOK), `href="/admin/reviews/withdrawals/new"`)
		p := html(t, rev.get(t, "/admin/reviews/withdrawals/new?reason=medical"), http.StatusOK)
		contains(t, p, "大病医疗（TQ-12，部分提取）【仅柜面】", "租房提取（TQ-05，部分提取）</option>", `name="cost"`, `name="proof_no"`,
			`value="诊断证明"`, `value="医疗费用票据"`, `value="医保结算单"`, `id="ctr-form"`)
		lacks(t, p, `name="heir_name"`, "租房提取（TQ-05，部分提取）【仅柜面】")
		form := url.Values{"reason": {"medical"}, "key": {"ctr-form-1"}, "account_no": {li.AccountNo}, "amount": {"8000"},
			"bank_card": {demo.BankCard(li)}, "proof_no": {"ZD-77"}, "cost": {"12,000.50"}, "material": {"诊断证明", "医保结算单"}}
		p = html(t, rev.post(t, "/admin/reviews/withdrawals/new", form), http.StatusBadRequest)
		contains(t, p, "缺少必需材料：医疗费用票据", `value="ZD-77"`, `value="12,000.50"`)
		var n int
		if err := a.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM withdrawal_application`); err != nil || n != 0 {
			t.Fatalf("%d applications after a refused filing (%v)", n, err)
		}
		form["material"] = append(form["material"], "医疗费用票据")
		p = rev.post(t, "/admin/reviews/withdrawals/new", form)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/admin/reviews/withdrawals/") {
			t.Fatalf("filing = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		list, err := a.Withdrawal.Queue(ctx, withdrawal.QueueFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("queue %v %v", list, err)
		}
		got := list[0]
		if got.Reason != "medical" || got.Amount != 800_000 || got.Fields.CostFen != 1_200_050 || got.Channel != "counter" {
			t.Errorf("filed %+v", got)
		}
		path := fmt.Sprintf("/admin/reviews/withdrawals/%d", got.ID)
		p = html(t, rev.get(t, p.location()), http.StatusOK)
		contains(t, p, fmt.Sprintf("柜面代办申请已受理（申请编号 %d）", got.ID), `id="wd-filer">staff:reviewer`, "医保结算单、医疗费用票据、诊断证明",
			"柜面代办受理")
		// The same form sent again (a double click) files nothing new.
		if p := rev.post(t, "/admin/reviews/withdrawals/new", form); p.status != http.StatusSeeOther || p.location() != path+"?ok=wd_filed&ref="+fmt.Sprint(got.ID) {
			t.Errorf("resent form = %d %q", p.status, p.location())
		}
		p = html(t, rev.post(t, path+"/approve", url.Values{"comment": {"已核"}}), http.StatusForbidden)
		contains(t, p, "受理人以外")
		appr := newUser(t, srv)
		appr.login(t, otp, "approver")
		if p := appr.post(t, path+"/approve", url.Values{"comment": {"同意"}}); p.status != http.StatusSeeOther {
			t.Fatalf("approval = %d: %s", p.status, excerpt(p.body))
		}
		if a2, _ := a.Withdrawal.Get(ctx, got.ID); a2.Status != withdrawal.StatusPaid && a2.Status != withdrawal.StatusPaying {
			t.Errorf("after approval %s", a2.Status)
		}
		apitest.VerifyClean(t, a)
	})
}

// TestCounterWithdrawalCorrection: a counter filing the approver returned
// shows the correction form (柜面补正) with its values and the materials
// unticked; a material not ticked again re-renders the page with the core's
// message and the values entered, the application still returned; with
// every material it goes back to 待初审 naming the corrector; neither the
// filer (clerk) nor the corrector (reviewer) may approve it, the approver
// does. An online application that was returned shows no such form.
func TestCounterWithdrawalCorrection(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		li := demo.Employees[1]
		addStaff(t, a, "clerk", "柜员", access.RoleReviewer)
		srv := server(t, a)
		otp := apitest.NewOTP()
		clerk, rev, appr := newUser(t, srv), newUser(t, srv), newUser(t, srv)
		clerk.login(t, otp, "clerk")
		rev.login(t, otp, "reviewer")
		appr.login(t, otp, "approver")

		clerk.get(t, "/admin/reviews/withdrawals/new?reason=medical")
		form := url.Values{"reason": {"medical"}, "key": {"ctr-cor-1"}, "account_no": {li.AccountNo}, "amount": {"8000"},
			"bank_card": {demo.BankCard(li)}, "proof_no": {"ZD-77"}, "cost": {"12000"}, "material": {"诊断证明", "医保结算单", "医疗费用票据"}}
		p := clerk.post(t, "/admin/reviews/withdrawals/new", form)
		if p.status != http.StatusSeeOther {
			t.Fatalf("filing = %d: %s", p.status, excerpt(p.body))
		}
		list, err := a.Withdrawal.Queue(ctx, withdrawal.QueueFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("queue %v %v", list, err)
		}
		path := fmt.Sprintf("/admin/reviews/withdrawals/%d", list[0].ID)
		lacks(t, html(t, rev.get(t, path), http.StatusOK), `id="correct-form"`)
		if p := appr.post(t, path+"/return", url.Values{"comment": {"医疗费用票据金额不符"}}); p.status != http.StatusSeeOther {
			t.Fatalf("return = %d: %s", p.status, excerpt(p.body))
		}

		p = html(t, rev.get(t, path), http.StatusOK)
		contains(t, p, `id="correct-form"`, `value="8,000.00"`, `value="ZD-77"`, `value="12,000.00"`, "尾号 "+demo.BankCard(li)[len(demo.BankCard(li))-4:],
			`value="医疗费用票据">`)
		lacks(t, p, " checked>", `id="decide-form"`)
		cor := url.Values{"amount": {"6000"}, "proof_no": {"ZD-78"}, "cost": {"9,500.00"}, "material": {"诊断证明", "医保结算单"}}
		p = html(t, rev.post(t, path+"/resubmit", cor), http.StatusBadRequest)
		contains(t, p, "缺少必需材料：医疗费用票据", `value="ZD-78"`, `value="9,500.00"`, `value="诊断证明" checked>`)
		if got, _ := a.Withdrawal.Get(ctx, list[0].ID); got.Status != withdrawal.StatusReturned || got.Amount != 800_000 {
			t.Fatalf("after a refused correction: %s %v", got.Status, got.Amount)
		}
		cor["material"] = append(cor["material"], "医疗费用票据")
		p = rev.post(t, path+"/resubmit", cor)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), path+"?ok=wd_resubmitted") {
			t.Fatalf("correction = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		p = html(t, rev.get(t, p.location()), http.StatusOK)
		contains(t, p, "已在柜面补正并重新提交", "柜面补正后重新提交", `id="decide-form"`)
		lacks(t, p, `id="correct-form"`)
		got, err := a.Withdrawal.Get(ctx, list[0].ID)
		if err != nil || got.Status != withdrawal.StatusPendingReview || got.Amount != 600_000 || got.Fields.CostFen != 950_000 ||
			got.BankCard != demo.BankCard(li) || got.Fields.Counter == nil || strings.Join(got.Fields.Counter.CorrectedBy, ",") != "staff:reviewer" {
			t.Fatalf("corrected %+v %v", got, err)
		}
		if p := rev.post(t, path+"/resubmit", cor); p.status != http.StatusConflict {
			t.Errorf("second correction = %d", p.status)
		}
		for _, u := range []*user{clerk, rev} {
			contains(t, html(t, u.post(t, path+"/approve", url.Values{"comment": {"已核"}}), http.StatusForbidden), "受理人以外")
		}
		if p := appr.post(t, path+"/approve", url.Values{"comment": {"同意"}}); p.status != http.StatusSeeOther {
			t.Fatalf("approval = %d: %s", p.status, excerpt(p.body))
		}
		if a2, _ := a.Withdrawal.Get(ctx, got.ID); a2.Status != withdrawal.StatusPaid && a2.Status != withdrawal.StatusPaying {
			t.Errorf("after approval %s", a2.Status)
		}
		apitest.VerifyClean(t, a)
	})
}
