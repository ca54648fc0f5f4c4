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
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// TestLoanPrepayPage: on the hall the borrower prepays part of a disbursed
// loan (shorten the term) and then settles it: each needs the step-up SMS
// code (a wrong one is refused and nothing moves), a form sent twice repays
// once, and settlement offers the certificate. Someone else cannot open the
// form; the ledger verifies.
func TestLoanPrepayPage(t *testing.T) {
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
		in := apitest.CaptureSMS(a)
		li := demo.Employees[1]
		b := loanBrowser(t, a, srv, li, true)
		form := url.Values{"house_price": {"500000"}, "term_months": {"240"}, "method": {"equal_installment"}, "home": {"first"},
			"amount": {"300000"}, "action": {"apply"}, "key": {"web-loan-p"}, "house_address": {"福州市鼓楼区示例路 8 号"},
			"seller_name": {"示例房地产开发有限公司"}, "seller_account": {"6222999900001111"}, "seller_bank": {"示例银行"}}
		b.Get(t, "/web/loans/quote")
		if p := b.Post(t, "/web/loans/quote", form); p.Status != http.StatusSeeOther {
			t.Fatalf("apply: %d %s", p.Status, halltest.Excerpt(p.Body))
		}
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
		if _, err := a.Loan.SignContract(staff, apps[0].ID, "闽(2026)福州市不动产证明第0000019号"); err != nil {
			t.Fatal(err)
		}
		l, err := a.Loan.Disburse(staff, apps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		path := "/web/loans/" + l.LoanNo + "/prepay"
		halltest.Contains(t, halltest.HTML(t, b.Get(t, "/web/loans/"+l.LoanNo), http.StatusOK), `href="`+path+`"`)
		p := halltest.HTML(t, b.Get(t, path), http.StatusOK)
		halltest.Contains(t, p, "prepay-send", `value="shorten"`, `value="reduce"`, `value="full"`, "300,000.00")
		key := regexpValue(t, p.Body, "key")

		partial := url.Values{"key": {key}, "kind": {"shorten"}, "source": {"bank"}, "amount": {"20000"}}
		send := func(f url.Values) string {
			t.Helper()
			// The one-a-minute sending limit: this test asks for several codes.
			if err := a.KV.Del(ctx, "otpmin:"+li.Mobile); err != nil {
				t.Fatal(err)
			}
			f = cloneValues(f)
			f.Set("action", "send")
			halltest.Contains(t, halltest.HTML(t, b.Post(t, path, f), http.StatusOK), `id="sms_code"`, "prepay-submit")
			return in.Code(t, li.Mobile, "otp.step_up")
		}
		code := send(partial)
		wrong := cloneValues(partial)
		wrong.Set("action", "confirm")
		wrong.Set("sms_code", map[bool]string{true: "000001", false: "000000"}[code == "000000"])
		halltest.Contains(t, b.Post(t, path, wrong), `data-code="identity.otp_wrong"`, `value="20000"`)
		if got, _ := a.Loan.Loan(ctx, l.PersonID, l.LoanNo); got.Balance != l.Balance {
			t.Fatalf("balance moved after a wrong code: %v", got.Balance)
		}
		ok := cloneValues(partial)
		ok.Set("action", "confirm")
		ok.Set("sms_code", code)
		p = b.Post(t, path, ok)
		if p.Status != http.StatusSeeOther || p.Location() != "/web/loans/"+l.LoanNo+"?ok=loan_prepaid" {
			t.Fatalf("prepay: %d %q %s", p.Status, p.Location(), halltest.Excerpt(p.Body))
		}
		after, err := a.Loan.Loan(ctx, l.PersonID, l.LoanNo)
		if err != nil || after.Balance >= l.Balance || l.Balance-after.Balance > money.Yuan(20_000) || after.Fixed != l.Fixed {
			t.Fatalf("after the prepayment: %+v %v (before %v)", after, err, l.Balance)
		}
		halltest.Contains(t, halltest.HTML(t, b.Get(t, p.Location()), http.StatusOK), "提前还款已办理")
		// The same form again (same key, a fresh code): repaid once.
		ok.Set("sms_code", send(partial))
		if p := b.Post(t, path, ok); p.Status != http.StatusSeeOther {
			t.Fatalf("resent form: %d %s", p.Status, halltest.Excerpt(p.Body))
		}
		if again, _ := a.Loan.Loan(ctx, l.PersonID, l.LoanNo); again.Balance != after.Balance {
			t.Errorf("a resent form repaid again: %v → %v", after.Balance, again.Balance)
		}

		other := loanBrowser(t, a, srv, demo.Employees[2], true)
		halltest.HTML(t, other.Get(t, path), http.StatusNotFound)

		full := url.Values{"key": {"web-full-1"}, "kind": {"full"}, "source": {"bank"}}
		full.Set("sms_code", send(full))
		full.Set("action", "confirm")
		p = b.Post(t, path, full)
		if p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location(), "ok=loan_settled") {
			t.Fatalf("settle: %d %q %s", p.Status, p.Location(), halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, halltest.HTML(t, b.Get(t, p.Location()), http.StatusOK), "贷款已提前结清", "loan-certificate")
		if done, _ := a.Loan.Loan(ctx, l.PersonID, l.LoanNo); done.Balance != 0 || done.Status != "settled" {
			t.Errorf("after settlement: %+v", done)
		}
		apitest.VerifyClean(t, a)
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// regexpValue is the value attribute of the input named name.
func regexpValue(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no input %s", name)
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}
