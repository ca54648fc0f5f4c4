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
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/reqctx"
)

// TestBranchScope: the demo branch reviewer (roles only in branch:GL01, the
// demo unit's branch) opens only the branch pages — account lookup and the
// deferral queue — and sees and acts on their branch's units; once the unit
// belongs to another branch the accounts and deferrals disappear for them
// and opening or deciding one is refused (403, audited), while the center
// reviewer still sees and decides everything.
func TestBranchScope(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "person:1", Channel: "unit"})
		srv := server(t, a)
		otp := apitest.NewOTP()
		branch := newUser(t, srv)
		if got := branch.login(t, otp, "branch"); got != "/admin/reviews/deferrals" {
			t.Errorf("branch reviewer lands on %q", got)
		}
		center := newUser(t, srv)
		center.login(t, otp, "reviewer")
		li := demo.Employees[1]
		lookup := "/admin/accounts?name=" + url.QueryEscape(li.Name)
		account := "/admin/accounts/" + li.AccountNo

		p := html(t, branch.get(t, "/admin/accounts"), http.StatusOK)
		contains(t, p, `href="/admin/accounts"`, `href="/admin/reviews/deferrals"`, "业务审核")
		lacks(t, p, `href="/admin/"`, `href="/admin/batch"`, `href="/admin/reviews/preregistrations"`)
		for _, path := range []string{"/admin/reviews/preregistrations", "/admin/batch", "/admin/workorders"} {
			html(t, branch.get(t, path), http.StatusForbidden)
		}
		// No dashboard for branch staff: the console's home sends them to their first page.
		if p := branch.get(t, "/admin/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/reviews/deferrals" {
			t.Errorf("branch at /admin/: %d → %q", p.status, p.header.Get("Location"))
		}
		// Their branch: allowed.
		contains(t, html(t, branch.get(t, lookup), http.StatusOK), "查询结果（共 1 条）", li.AccountNo)
		contains(t, html(t, branch.get(t, account), http.StatusOK), li.Name)
		sum, err := a.Deposit.UnitSummary(ctx, demo.UnitNo)
		if err != nil {
			t.Fatal(err)
		}
		d1, err := a.Deposit.ApplyDeferral(ctx, demo.UnitNo, sum.NextMonth, sum.NextMonth.Add(1), "经营困难")
		if err != nil {
			t.Fatal(err)
		}
		contains(t, html(t, branch.get(t, "/admin/reviews/deferrals"), http.StatusOK), "待审核的缓缴申请（共 1 件）", "经营困难")

		// The unit moves to another branch: refused for the branch reviewer.
		if err := access.AssignUnitBranch(context.Background(), a.DB, a.Audit, demo.UnitNo, "CS02"); err != nil {
			t.Fatal(err)
		}
		p = html(t, branch.get(t, lookup), http.StatusOK)
		contains(t, p, "未找到符合条件的个人账户")
		lacks(t, p, li.AccountNo)
		before, _ := lastAudit(t, a, "console.refused")
		reveals, _ := lastAudit(t, a, "staff.reveal")
		for _, p := range []page{
			branch.get(t, account),
			branch.post(t, account+"/reveal", url.Values{"reason": {"核对身份信息"}}),
			branch.post(t, fmt.Sprintf("/admin/reviews/deferrals/%d/approve", d1.ID), url.Values{"comment": {"同意"}}),
		} {
			html(t, p, http.StatusForbidden)
			contains(t, p, access.ErrOtherBranch.Message)
			lacks(t, p, li.Mobile)
		}
		if e, ok := lastAudit(t, a, "console.refused"); !ok || e.Seq == before.Seq || e.Actor != "staff:branch" || !strings.Contains(e.After, "other_branch") {
			t.Errorf("refusal audit %+v", e.Record)
		}
		if e, _ := lastAudit(t, a, "staff.reveal"); e.Seq != reveals.Seq {
			t.Errorf("a refused reveal was recorded as a reveal: %+v", e.Record)
		}
		p = html(t, branch.get(t, "/admin/reviews/deferrals"), http.StatusOK)
		lacks(t, p, "经营困难")
		if got, _ := a.Deposit.Deferral(ctx, d1.ID); got.Status != deposit.DeferralPending {
			t.Fatalf("deferral decided by another branch: %+v", got)
		}

		// The center reviewer sees and decides everything.
		contains(t, html(t, center.get(t, lookup), http.StatusOK), "查询结果（共 1 条）")
		contains(t, html(t, center.get(t, account), http.StatusOK), li.Name)
		contains(t, html(t, center.get(t, "/admin/reviews/deferrals"), http.StatusOK), "经营困难")
		if p := center.post(t, fmt.Sprintf("/admin/reviews/deferrals/%d/approve", d1.ID), url.Values{"comment": {"同意"}}); p.status != http.StatusSeeOther {
			t.Fatalf("center approve = %d: %s", p.status, excerpt(p.body))
		}
	})
}
