package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/loan"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// TestLoanQueue: a loan application with a co-borrower is listed and opened
// with both parties (ID numbers masked), the quote's limits and checks; the
// reviewer decides level 1 and is refused level 2 (the core's message), the
// second reviewer (approver) approves the last level, the contract needs the
// mortgage reference, and the disbursement opens the loan. A rejection
// needs a reason.
func TestLoanQueue(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		if _, err := a.Dates.Set(ctx, date.MustParse("2026-03-10"), true); err != nil {
			t.Fatal(err)
		}
		li, chen, zhang := demo.Employees[1], demo.Employees[2], demo.Employees[3]
		personOf := func(e demo.Employee) int64 {
			var id int64
			if err := a.DB.GetContext(ctx, &id, `SELECT id FROM person WHERE id_number = ?`, e.IDNumber); err != nil {
				t.Fatal(err)
			}
			return id
		}
		in := func(amount money.Fen, co *demo.Employee) loan.ApplicationInput {
			q := loan.QuoteInput{HousePrice: money.Yuan(500_000), TermMonths: 240, Method: "equal_installment", Home: loan.HomeFirst, Amount: amount}
			if co != nil {
				q.CoBorrower = &loan.CoBorrower{AccountNo: co.AccountNo, IDNumber: co.IDNumber}
			}
			return loan.ApplicationInput{QuoteInput: q, HouseAddress: "福州市鼓楼区示例路 8 号 1-101", SellerName: "示例房地产开发有限公司",
				SellerAccount: "6222999900001111", SellerBank: "示例银行鼓楼支行"}
		}
		personCtx := reqctx.WithActor(ctx, reqctx.Actor{ID: "person:test", Channel: "app"})
		ap, err := a.Loan.Apply(personCtx, personOf(li), in(money.Yuan(300_000), &chen))
		if err != nil {
			t.Fatal(err)
		}
		other, err := a.Loan.Apply(personCtx, personOf(zhang), in(money.Yuan(100_000), nil))
		if err != nil {
			t.Fatal(err)
		}
		srv := server(t, a)
		otp := apitest.NewOTP()
		rev := newUser(t, srv)
		rev.login(t, otp, "reviewer")
		path := func(id int64) string { return fmt.Sprintf("/admin/reviews/loans/%d", id) }

		p := html(t, rev.get(t, "/admin/reviews/loans"), http.StatusOK)
		contains(t, p, fmt.Sprintf(`id="loan-%d"`, ap.ID), fmt.Sprintf(`id="loan-%d"`, other.ID), "300,000.00", "共同借款人 "+chen.AccountNo, "共 2 件")
		contains(t, html(t, rev.get(t, "/admin/reviews/loans?status=disbursed"), http.StatusOK), "没有该状态的贷款申请")

		p = html(t, rev.get(t, path(ap.ID)), http.StatusOK)
		contains(t, p, li.Name, chen.Name, ident.MaskIDNumber(li.IDNumber), ident.MaskIDNumber(chen.IDNumber), `id="loan-co"`,
			"尚无审批记录", "第 1 级审批", "示例房地产开发有限公司")
		lacks(t, p, li.IDNumber, chen.IDNumber, "6222999900001111")
		for _, l := range ap.Limits {
			contains(t, p, l.Name)
		}
		for _, c := range ap.Checks {
			contains(t, p, c.Rule, c.Detail)
		}

		// Level 1 by the reviewer; level 2 by the same reviewer is refused.
		p = rev.post(t, path(ap.ID)+"/approve", url.Values{"comment": {"同意"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("level 1 = %d: %s", p.status, excerpt(p.body))
		}
		p = html(t, rev.get(t, p.location()), http.StatusOK)
		contains(t, p, fmt.Sprintf("已通过本级审批（申请编号 %d）", ap.ID), "第 2 级审批", "staff:reviewer", `id="loan-same"`)
		p = html(t, rev.post(t, path(ap.ID)+"/approve", url.Values{"comment": {"再次同意"}}), http.StatusForbidden)
		contains(t, p, loan.ErrSameReviewer.Message, "再次同意")
		if got, _ := a.Loan.Application(ctx, 0, ap.ID); got.Status != loan.AppReviewing || got.ReviewLevel != 2 || len(got.Reviews) != 1 {
			t.Fatalf("after the refused decision: %+v", got)
		}

		// The second reviewer approves the last level.
		sec := newUser(t, srv)
		sec.login(t, otp, "approver")
		lacks(t, html(t, sec.get(t, path(ap.ID)), http.StatusOK), `id="loan-same"`)
		p = sec.post(t, path(ap.ID)+"/approve", url.Values{"comment": {"同意放贷"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("level 2 = %d: %s", p.status, excerpt(p.body))
		}
		p = html(t, sec.get(t, p.location()), http.StatusOK)
		contains(t, p, fmt.Sprintf("贷款申请已审批通过（申请编号 %d）", ap.ID), "staff:approver", "同意放贷", `id="contract-form"`)
		got, err := a.Loan.Application(ctx, 0, ap.ID)
		if err != nil || got.Status != loan.AppApproved || len(got.Reviews) != 2 || got.Reviews[1].Reviewer != "staff:approver" {
			t.Fatalf("approved %+v %v", got, err)
		}

		// The contract needs the mortgage reference.
		html(t, sec.post(t, path(ap.ID)+"/contract", url.Values{"mortgage_ref": {" "}}), http.StatusBadRequest)
		p = sec.post(t, path(ap.ID)+"/contract", url.Values{"mortgage_ref": {"闽(2026)福州市不动产证明第0000009号"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("contract = %d: %s", p.status, excerpt(p.body))
		}
		contains(t, html(t, sec.get(t, p.location()), http.StatusOK), "已签订借款合同", `id="loan-contract"`, `id="disburse-form"`)
		p = sec.post(t, path(ap.ID)+"/disburse", nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("disburse = %d: %s", p.status, excerpt(p.body))
		}
		got, err = a.Loan.Application(ctx, 0, ap.ID)
		if err != nil || got.Status != loan.AppDisbursed || got.LoanNo == nil {
			t.Fatalf("disbursed %+v %v", got, err)
		}
		p = html(t, sec.get(t, p.location()), http.StatusOK)
		contains(t, p, "已放款，贷款账号 "+*got.LoanNo, `id="loan-no"`)
		lacks(t, p, `id="disburse-form"`, `id="decide-form"`)
		// Disbursed already: a second disbursement answers the same loan, a
		// decision is refused.
		contains(t, html(t, sec.post(t, path(ap.ID)+"/approve", url.Values{"comment": {"x"}}), http.StatusConflict), loan.ErrStatus.Message)

		// A rejection needs a reason.
		p = html(t, rev.post(t, path(other.ID)+"/reject", url.Values{"comment": {""}}), http.StatusBadRequest)
		contains(t, p, loan.ErrCommentRequired.Message)
		p = rev.post(t, path(other.ID)+"/reject", url.Values{"comment": {"收入证明不足"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("reject = %d: %s", p.status, excerpt(p.body))
		}
		contains(t, html(t, rev.get(t, p.location()), http.StatusOK), "已作出不予通过的决定", "收入证明不足", "不同意")
		contains(t, html(t, rev.get(t, "/admin/reviews/loans"), http.StatusOK), "没有该状态的贷款申请")
		html(t, rev.get(t, path(99999)), http.StatusNotFound)
	})
}
