package webhall_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/loan"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/reqctx"
)

// loanBrowser signs the demo employee in on the hall (real-name level 2 when
// l2) and returns the browser.
func loanBrowser(t *testing.T, a *app.App, srv *httptest.Server, e demo.Employee, l2 bool) *halltest.Browser {
	t.Helper()
	if l2 {
		if _, err := a.DB.ExecContext(context.Background(), `UPDATE person SET real_name_level = 2 WHERE id_number = ?`, e.IDNumber); err != nil {
			t.Fatal(err)
		}
	}
	b := halltest.NewBrowser(t, srv.URL)
	b.Get(t, "/web/login")
	p := b.Post(t, "/web/login", url.Values{"login": {e.IDNumber}, "password": {demo.Password}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("login %d %s", p.Status, halltest.Excerpt(p.Body))
	}
	return b
}

// TestLoanPages: the quote page shows every limit and check, the
// application goes in from it and its progress shows; after staff approve
// and disburse, the loan page shows the plan and the offset agreement is
// signed there. Another person's loan is not found; a borrower past the age
// rule sees the failed check.
func TestLoanPages(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		if _, err := a.Dates.Set(ctx, date.MustParse("2026-03-10"), true); err != nil {
			t.Fatal(err)
		}
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(e)
		t.Cleanup(srv.Close)
		b := loanBrowser(t, a, srv, demo.Employees[1], true)
		halltest.Contains(t, halltest.HTML(t, b.Get(t, "/web/loans"), http.StatusOK), "loan-empty", "贷款业务")

		form := url.Values{"house_price": {"500000"}, "term_months": {"240"}, "method": {"equal_installment"}, "home": {"first"},
			"amount": {"300000"}, "action": {"quote"}}
		b.Get(t, "/web/loans/quote")
		form.Set("key", "web-loan-1")
		q := halltest.HTML(t, b.Post(t, "/web/loans/quote", form), http.StatusOK)
		halltest.Contains(t, q, `id="quote-limit">400,000.00`, "起决定作用", "2.6%", "loan-apply-submit", "连续缴存")

		form.Set("action", "apply")
		for k, v := range map[string]string{"house_address": "福州市鼓楼区示例路 8 号", "seller_name": "示例房地产开发有限公司",
			"seller_account": "6222999900001111", "seller_bank": "示例银行"} {
			form.Set(k, v)
		}
		p := b.Post(t, "/web/loans/quote", form)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location(), "/web/loans/applications/") {
			t.Fatalf("apply: %d %q %s", p.Status, p.Location(), halltest.Excerpt(p.Body))
		}
		progress := halltest.HTML(t, b.Get(t, p.Location()), http.StatusOK)
		halltest.Contains(t, progress, `data-status="reviewing"`, "待初审", "loan-withdraw")

		apps, err := a.Loan.Applications(ctx, loan.ApplicationFilter{Status: loan.AppReviewing})
		if err != nil || len(apps) != 1 {
			t.Fatalf("queue %v %v", apps, err)
		}
		staff := reqctx.WithActor(ctx, reqctx.Actor{ID: "staff:r", Channel: "counter"})
		for _, r := range []string{"staff:r1", "staff:r2"} {
			if _, err := a.Loan.Decide(staff, apps[0].ID, r, loan.DecisionApprove, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Loan.SignContract(staff, apps[0].ID, "闽(2026)福州市不动产证明第0000009号"); err != nil {
			t.Fatal(err)
		}
		l, err := a.Loan.Disburse(staff, apps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		halltest.Contains(t, halltest.HTML(t, b.Get(t, "/web/loans"), http.StatusOK), l.LoanNo, "300,000.00")
		page := halltest.HTML(t, b.Get(t, "/web/loans/"+l.LoanNo), http.StatusOK)
		halltest.Contains(t, page, `id="loan-plan"`, "2026-04-10", "offset-sign", `data-status="normal"`)
		if n := strings.Count(page.Body, `<tr data-status="scheduled">`); n != 240 {
			t.Errorf("plan rows %d", n)
		}
		p = b.Post(t, "/web/loans/"+l.LoanNo+"/offset", url.Values{"action": {"sign"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("offset %d %s", p.Status, halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, halltest.HTML(t, b.Get(t, p.Location()), http.StatusOK), "冲还贷协议已签订", "offset-cancel")

		other := loanBrowser(t, a, srv, demo.Employees[2], false)
		halltest.HTML(t, other.Get(t, "/web/loans/"+l.LoanNo), http.StatusNotFound)

		old := loanBrowser(t, a, srv, demo.Employees[0], true)
		old.Get(t, "/web/loans/quote")
		form.Set("key", "web-loan-2")
		refused := old.Post(t, "/web/loans/quote", form)
		halltest.HTML(t, refused, http.StatusConflict)
		halltest.Contains(t, refused, `data-code="loan.not_eligible"`, "refused-checks", "年龄与期限规则")
		apitest.VerifyClean(t, a)
	})
}
