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
	"gjj/internal/core/loan"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// branchUnit imports a second unit with one employee (who gets the personal
// record the demo employees have) and puts it under branch.
func branchUnit(t *testing.T, a *app.App, branch string) demo.Employee {
	t.Helper()
	ctx := context.Background()
	today, err := a.Dates.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	emp := demo.Employee{IDNumber: apitest.ResidentID("35010219900101001"), Name: "周八", Mobile: "13900000021", AccountNo: "202000000001",
		Base: 800_000, Opening: 6_000_000}
	paid, first := today.MonthOf().Add(-1), date.MustParseMonth("2020-01")
	in := deposit.ImportUnit{UnitNo: "100000000002", USCC: apitest.USCC("91350100M00020001"), Name: "另一家贸易有限公司", Address: "福州市台江区示例路 2 号",
		LegalRep: "周强", Payday: 15, UnitBps: 1200, PersonBps: 1200, FirstMonth: first, PaidThrough: paid,
		Employees: []deposit.ImportEmployee{{ImportPerson: deposit.ImportPerson{IDNumber: emp.IDNumber, Name: emp.Name, Mobile: emp.Mobile},
			AccountNo: emp.AccountNo, BankCard: demo.BankCard(emp), Base: emp.Base, StartMonth: first, PaidThrough: paid, Opening: emp.Opening}}}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := a.Deposit.ImportUnitTx(ctx, tx, in)
		return err
	}); err != nil {
		t.Fatalf("import the second unit: %v", err)
	}
	if err := access.AssignUnitBranch(ctx, a.DB, a.Audit, in.UnitNo, branch); err != nil {
		t.Fatal(err)
	}
	return emp
}

// branchLoan files a loan application for emp (person channel).
func branchLoan(t *testing.T, a *app.App, emp demo.Employee, amount money.Fen) *loan.Application {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := a.DB.GetContext(ctx, &id, `SELECT id FROM person WHERE id_number = ?`, emp.IDNumber); err != nil {
		t.Fatal(err)
	}
	in := loan.ApplicationInput{QuoteInput: loan.QuoteInput{HousePrice: money.Yuan(500_000), TermMonths: 240, Method: "equal_installment",
		Home: loan.HomeFirst, Amount: amount}, HouseAddress: "福州市鼓楼区示例路 8 号 1-101", SellerName: "示例房地产开发有限公司",
		SellerAccount: "6222999900001111", SellerBank: "示例银行鼓楼支行"}
	ap, err := a.Loan.Apply(reqctx.WithActor(ctx, reqctx.Actor{ID: "person:test", Channel: "app"}), id, in)
	if err != nil {
		t.Fatalf("loan for %s: %v", emp.Name, err)
	}
	return ap
}

// TestBranchReviewQueues: the demo branch reviewer (branch:GL01, the demo
// unit's branch) sees in the withdrawal and loan queues only the demo
// unit's applications, opens and decides those, and is refused (403
// access.other_branch, audited as console.refused) every page and decision
// of an application of a unit of branch CS02, which stays undecided; the
// center reviewer sees and opens both. Pre-registrations stay center-only.
func TestBranchReviewQueues(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		if _, err := a.Dates.Set(ctx, date.MustParse("2026-03-10"), true); err != nil {
			t.Fatal(err)
		}
		other := branchUnit(t, a, "CS02")
		li, zhang := demo.Employees[1], demo.Employees[3]
		wdOwn := wdSubmit(t, a, li, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(500), ProofNo: "SY-B1"})
		wdOther := wdSubmit(t, a, other, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(300), ProofNo: "SY-B2"})
		lnOwn := branchLoan(t, a, zhang, money.Yuan(100_000))
		lnOther := branchLoan(t, a, other, money.Yuan(100_000))

		srv := server(t, a)
		otp := apitest.NewOTP()
		branch := newUser(t, srv)
		branch.login(t, otp, "branch")
		center := newUser(t, srv)
		center.login(t, otp, "reviewer")
		wdPath := func(id int64) string { return fmt.Sprintf("/admin/reviews/withdrawals/%d", id) }
		lnPath := func(id int64) string { return fmt.Sprintf("/admin/reviews/loans/%d", id) }
		wdRow := func(id int64) string { return fmt.Sprintf(`id="wd-%d"`, id) }
		lnRow := func(id int64) string { return fmt.Sprintf(`id="loan-%d"`, id) }

		// The lists: own branch only for the branch reviewer, all for the center.
		p := html(t, branch.get(t, "/admin/reviews/withdrawals"), http.StatusOK)
		contains(t, p, wdRow(wdOwn.ID), li.AccountNo, `href="/admin/reviews/loans"`)
		lacks(t, p, wdRow(wdOther.ID), other.AccountNo)
		p = html(t, branch.get(t, "/admin/reviews/loans"), http.StatusOK)
		contains(t, p, lnRow(lnOwn.ID), "共 1 件")
		lacks(t, p, lnRow(lnOther.ID))
		contains(t, html(t, center.get(t, "/admin/reviews/withdrawals"), http.StatusOK), wdRow(wdOwn.ID), wdRow(wdOther.ID))
		contains(t, html(t, center.get(t, "/admin/reviews/loans"), http.StatusOK), lnRow(lnOwn.ID), lnRow(lnOther.ID), "共 2 件")
		html(t, branch.get(t, "/admin/reviews/preregistrations"), http.StatusForbidden)

		// Their branch's applications open.
		contains(t, html(t, branch.get(t, wdPath(wdOwn.ID)), http.StatusOK), li.AccountNo)
		contains(t, html(t, branch.get(t, lnPath(lnOwn.ID)), http.StatusOK), zhang.Name)

		// Another branch's: every page and decision refused, audited.
		for _, tc := range []struct {
			name string
			do   func() page
		}{
			{"withdrawal page", func() page { return branch.get(t, wdPath(wdOther.ID)) }},
			{"withdrawal approve", func() page { return branch.post(t, wdPath(wdOther.ID)+"/approve", url.Values{"comment": {"同意"}}) }},
			{"withdrawal return", func() page { return branch.post(t, wdPath(wdOther.ID)+"/return", url.Values{"comment": {"补材料"}}) }},
			{"withdrawal reject", func() page { return branch.post(t, wdPath(wdOther.ID)+"/reject", url.Values{"comment": {"不符"}}) }},
			{"loan page", func() page { return branch.get(t, lnPath(lnOther.ID)) }},
			{"loan approve", func() page { return branch.post(t, lnPath(lnOther.ID)+"/approve", url.Values{"comment": {"同意"}}) }},
			{"loan reject", func() page { return branch.post(t, lnPath(lnOther.ID)+"/reject", url.Values{"comment": {"不符"}}) }},
			{"loan contract", func() page {
				return branch.post(t, lnPath(lnOther.ID)+"/contract", url.Values{"mortgage_ref": {"TX-1"}})
			}},
			{"loan disburse", func() page { return branch.post(t, lnPath(lnOther.ID)+"/disburse", url.Values{}) }},
		} {
			before, _ := lastAudit(t, a, "console.refused")
			p := tc.do()
			if p.status != http.StatusForbidden || !strings.Contains(p.body, access.ErrOtherBranch.Message) {
				t.Errorf("%s: %d %s", tc.name, p.status, excerpt(p.body))
			}
			lacks(t, p, other.Name)
			if e, ok := lastAudit(t, a, "console.refused"); !ok || e.Seq == before.Seq || e.Actor != "staff:branch" || !strings.Contains(e.After, "other_branch") {
				t.Errorf("%s: refusal audit %+v", tc.name, e.Record)
			}
		}
		if got, err := a.Withdrawal.Get(ctx, wdOther.ID); err != nil || got.Status != withdrawal.StatusPendingReview {
			t.Errorf("other branch's withdrawal decided: %+v %v", got, err)
		}
		if got, err := a.Loan.Application(ctx, 0, lnOther.ID); err != nil || got.Status != loan.AppReviewing || len(got.Reviews) != 0 {
			t.Errorf("other branch's loan decided: %+v %v", got, err)
		}

		// Their own: decided.
		if p := branch.post(t, wdPath(wdOwn.ID)+"/return", url.Values{"comment": {"请补充失业证明"}}); p.status != http.StatusSeeOther {
			t.Errorf("own withdrawal return = %d: %s", p.status, excerpt(p.body))
		}
		if p := branch.post(t, lnPath(lnOwn.ID)+"/approve", url.Values{"comment": {"同意"}}); p.status != http.StatusSeeOther {
			t.Errorf("own loan approve = %d: %s", p.status, excerpt(p.body))
		}
		if got, _ := a.Loan.Application(ctx, 0, lnOwn.ID); got == nil || len(got.Reviews) != 1 || got.Reviews[0].Reviewer != "staff:branch" {
			t.Errorf("own loan after the branch approval: %+v", got)
		}

		// The center reviewer opens the other branch's.
		contains(t, html(t, center.get(t, wdPath(wdOther.ID)), http.StatusOK), other.AccountNo)
		contains(t, html(t, center.get(t, lnPath(lnOther.ID)), http.StatusOK), other.Name)
	})
}
