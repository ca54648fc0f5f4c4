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
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// wdStepUp accepts the code "246810" for an L2 session (identity's step-up
// check is tested with the personal channels).
type wdStepUp struct{}

func (wdStepUp) StepUp(_ context.Context, p *identity.Principal, code string) error {
	if p.Level < 2 || code != "246810" {
		return identity.ErrOTPWrong
	}
	return nil
}

// wdSubmit files an application for a demo employee through a second
// withdrawal service on the same store (the console serves a.Withdrawal).
func wdSubmit(t *testing.T, a *app.App, emp demo.Employee, in withdrawal.Input) *withdrawal.Receipt {
	t.Helper()
	svc := withdrawal.New(withdrawal.Deps{DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Deposit: a.Deposit,
		StepUp: wdStepUp{}, Contracts: a.Housing, Property: a.Housing, Payments: a.Payments, BankCode: app.SettlementBank})
	ctx := context.Background()
	var id int64
	if err := a.DB.GetContext(ctx, &id, `SELECT id FROM person WHERE id_number = ?`, emp.IDNumber); err != nil {
		t.Fatal(err)
	}
	p := &identity.Principal{Kind: "person", SubjectID: id, Subject: fmt.Sprintf("person:%d", id), Level: 2}
	in.BankCard, in.SMSCode = demo.BankCard(emp), "246810"
	r, err := svc.Submit(reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: "web"}), p, "k-"+emp.AccountNo+"-"+in.Reason+in.ProofNo, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestWithdrawalQueue: the reviewer lists the applications awaiting a
// decision and filters them by status, reason and deadline; opens one with
// its rule results, materials and history; a large one needs two people:
// the reviewer's 初审 passes, the same reviewer's 终审 is refused with the
// core's message and the page names who did the 初审, and the second
// reviewer (approver) approves it, which pays. Return and reject need a
// reason; a decided application cannot be decided again.
func TestWithdrawalQueue(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lin, li, zhang := demo.Unregistered, demo.Employees[1], demo.Employees[3]
		a.Housing.AddPurchase(exchange.PurchaseContract{ContractNo: "HT-C-1", BuyerIDs: []string{lin.IDNumber}, Price: money.Yuan(500_000),
			Loan: money.Yuan(200_000), SignedOn: today.AddDays(-5)})
		big := wdSubmit(t, a, lin, withdrawal.Input{Reason: "purchase", Amount: money.Yuan(110_000), ContractNo: "HT-C-1"})
		med := wdSubmit(t, a, li, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(500), ProofNo: "SY-1"})
		third := wdSubmit(t, a, zhang, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(300), ProofNo: "SY-2"})
		for _, r := range []*withdrawal.Receipt{big, med, third} {
			if r.Status != withdrawal.StatusPendingReview {
				t.Fatalf("receipt %+v", r)
			}
		}
		srv := server(t, a)
		otp := apitest.NewOTP()
		rev := newUser(t, srv)
		rev.login(t, otp, "reviewer")
		row := func(id int64) string { return fmt.Sprintf(`id="wd-%d"`, id) }

		p := html(t, rev.get(t, "/admin/reviews/withdrawals"), http.StatusOK)
		contains(t, p, row(big.ID), row(med.ID), row(third.ID), "110,000.00", "购买住房", "林静", "共 3 件")
		p = html(t, rev.get(t, "/admin/reviews/withdrawals?reason=unemployment"), http.StatusOK)
		contains(t, p, row(med.ID), row(third.ID), "共 2 件")
		lacks(t, p, row(big.ID))
		p = html(t, rev.get(t, "/admin/reviews/withdrawals?overdue=1"), http.StatusOK)
		contains(t, p, "没有符合条件的提取申请")
		html(t, rev.get(t, "/admin/reviews/withdrawals?status=lost"), http.StatusBadRequest)

		// One application: every rule result, the materials, the history.
		path := func(id int64) string { return fmt.Sprintf("/admin/reviews/withdrawals/%d", id) }
		got, err := a.Withdrawal.Get(ctx, big.ID)
		if err != nil || got.ReviewLevel != 2 || len(got.Checks) == 0 {
			t.Fatalf("application %+v %v", got, err)
		}
		p = html(t, rev.get(t, path(big.ID)), http.StatusOK)
		contains(t, p, "初审 + 终审", "提交申请", "初审通过</button>", "HT-C-1")
		for _, c := range got.Checks {
			contains(t, p, c.Rule, c.Detail)
		}
		for _, m := range got.Materials {
			contains(t, p, m)
		}
		lacks(t, p, demo.BankCard(lin))

		// 初审 by the reviewer.
		p = rev.post(t, path(big.ID)+"/approve", url.Values{"comment": {"材料齐全"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), path(big.ID)+"?") {
			t.Fatalf("first approval = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		p = html(t, rev.get(t, p.location()), http.StatusOK)
		contains(t, p, fmt.Sprintf("初审已通过（申请编号 %d）", big.ID), "待终审", "初审已由 <span class=\"mono\">staff:reviewer</span> 通过",
			"您是本笔的初审人，不能终审", "初审通过")
		// The same reviewer's 终审: the core's four-eyes refusal, nothing changed.
		p = html(t, rev.post(t, path(big.ID)+"/approve", url.Values{"comment": {"再审"}}), http.StatusForbidden)
		contains(t, p, withdrawal.ErrFourEyes.Message, "再审")
		if got, _ := a.Withdrawal.Get(ctx, big.ID); got.Status != withdrawal.StatusPendingFinal || got.FinalReviewer != "" {
			t.Fatalf("after the refused 终审: %+v", got)
		}
		// The second reviewer sees who did the 初审 and approves.
		app2 := newUser(t, srv)
		app2.login(t, otp, "approver")
		p = html(t, app2.get(t, path(big.ID)), http.StatusOK)
		contains(t, p, `id="four-eyes"`, "staff:reviewer", "终审通过</button>")
		lacks(t, p, "您是本笔的初审人")
		p = app2.post(t, path(big.ID)+"/approve", url.Values{"comment": {"同意"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("final approval = %d: %s", p.status, excerpt(p.body))
		}
		contains(t, html(t, app2.get(t, p.location()), http.StatusOK), fmt.Sprintf("已审核通过（申请编号 %d）", big.ID), "终审通过")
		got, err = a.Withdrawal.Get(ctx, big.ID)
		if err != nil || (got.Status != withdrawal.StatusPaying && got.Status != withdrawal.StatusPaid) ||
			got.FirstReviewer != "staff:reviewer" || got.FinalReviewer != "staff:approver" {
			t.Fatalf("after 终审: %+v %v", got, err)
		}
		final := false
		for _, e := range got.Events {
			final = final || (e.Action == "final_approve" && e.Actor == "staff:approver" && e.Channel == "counter")
		}
		if !final {
			t.Errorf("events %+v", got.Events)
		}

		// Return needs a reason; with one the application goes back.
		p = html(t, rev.post(t, path(med.ID)+"/return", url.Values{"comment": {" "}}), http.StatusBadRequest)
		contains(t, p, withdrawal.ErrCommentRequired.Message)
		p = rev.post(t, path(med.ID)+"/return", url.Values{"comment": {"请补充失业证明"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("return = %d: %s", p.status, excerpt(p.body))
		}
		if got, _ := a.Withdrawal.Get(ctx, med.ID); got.Status != withdrawal.StatusReturned || got.Comment != "请补充失业证明" {
			t.Fatalf("returned %+v", got)
		}
		p = rev.post(t, path(third.ID)+"/reject", url.Values{"comment": {"不符合提取条件"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("reject = %d: %s", p.status, excerpt(p.body))
		}
		p = html(t, rev.get(t, p.location()), http.StatusOK)
		contains(t, p, "审核不通过", "不符合提取条件")
		lacks(t, p, `id="decide-form"`)
		contains(t, html(t, rev.post(t, path(third.ID)+"/approve", nil), http.StatusConflict), withdrawal.ErrStatus.Message)
		html(t, rev.get(t, path(99999)), http.StatusNotFound)

		// Filters by status; an application past its deadline is 超期.
		p = html(t, rev.get(t, "/admin/reviews/withdrawals?status=returned"), http.StatusOK)
		contains(t, p, row(med.ID), "共 1 件")
		lacks(t, p, row(third.ID))
		contains(t, html(t, rev.get(t, "/admin/reviews/withdrawals"), http.StatusOK), "没有符合条件的提取申请")
		again := wdSubmit(t, a, zhang, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(200), ProofNo: "SY-3"})
		late, err := a.Withdrawal.Get(ctx, again.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Dates.Set(ctx, late.DeadlineOn.AddDays(1), false); err != nil {
			t.Fatal(err)
		}
		p = html(t, rev.get(t, "/admin/reviews/withdrawals?overdue=1"), http.StatusOK)
		contains(t, p, row(again.ID), "超期")
	})
}
