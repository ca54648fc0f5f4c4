package webhall_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
)

// TestWithdrawalPages: without real-name L2 the code is refused; a rent
// application above the quota is refused on the form with every rule's
// result and nothing stored; a resubmitted form (same key) files one
// application; an unemployment application waits for review and is
// cancelled; another person's application is not found; a counter-only
// reason is refused by the gate.
func TestWithdrawalPages(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		srv := hallServer(t, a)
		li, zhang := demo.Employees[1], demo.Employees[3]
		u := newUser(t, srv)
		u.loginDemo(t, li)

		list := halltest.HTML(t, u.Get(t, "/web/withdrawals"), http.StatusOK)
		halltest.Contains(t, list, `id="need-realname"`, `href="/web/withdrawals/new?reason=rent"`)
		halltest.Lacks(t, list, `reason=medical`)
		form := halltest.HTML(t, u.Get(t, "/web/withdrawals/new?reason=rent"), http.StatusOK)
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form.Body)
		if key == nil {
			t.Fatalf("no key on the form: %s", halltest.Excerpt(form.Body))
		}
		values := func(action, amount, code string) url.Values {
			return url.Values{"reason": {"rent"}, "key": {key[1]}, "amount": {amount}, "action": {action}, "sms_code": {code}}
		}
		refused(t, u.Post(t, "/web/withdrawals/new", values("send", "4500", "")), http.StatusForbidden, "identity.level_required", "实名认证")

		// Real-name L2, then the code.
		p := u.Post(t, "/web/profile/realname", url.Values{"card_no": {demo.BankCard(li)}, "bank_mobile": {li.Mobile}})
		halltest.Redirect(t, p, "/web/profile?ok=realname")
		halltest.Contains(t, halltest.HTML(t, u.Post(t, "/web/withdrawals/new", values("send", "4500", "")), http.StatusOK), `id="sms_code"`)
		code := in.Code(t, li.Mobile, "otp.step_up")

		before, rows := apitest.Snapshot(t, a), wdRows(t, a)
		p = u.Post(t, "/web/withdrawals/new", values("submit", "4500.01", code))
		refused(t, p, http.StatusBadRequest, "withdrawal.amount_cap", "超过每次可提取额度")
		halltest.Contains(t, p, `id="refused-checks"`, "连续缴存", `value="4500.01"`)
		refused(t, u.Post(t, "/web/withdrawals/new", values("submit", "45x", code)), http.StatusBadRequest, "money.syntax", "金额格式不正确")
		apitest.Unchanged(t, a, before)
		if wdRows(t, a) != rows {
			t.Error("a refused form stored an application")
		}

		p = u.Post(t, "/web/withdrawals/new", values("submit", "4500", code))
		if p.Status != http.StatusSeeOther {
			t.Fatalf("apply: %d %s", p.Status, halltest.Excerpt(p.Body))
		}
		target := p.Location()
		// The same form again (a double click): the first application, no second.
		if again := u.Post(t, "/web/withdrawals/new", values("submit", "4500", "000000")); again.Location() != target {
			t.Errorf("resubmitted form went to %q, want %q", again.Location(), target)
		}
		if wdRows(t, a) != rows+1 {
			t.Errorf("%d applications", wdRows(t, a)-rows)
		}
		page := halltest.HTML(t, u.Get(t, target), http.StatusOK)
		halltest.Contains(t, page, `data-status="paid"`, "已到账", "****1202", "系统自动审批通过", "银行付款成功")
		halltest.Lacks(t, page, `id="withdrawal-cancel"`, demo.BankCard(li))

		// An application waiting for review, then cancelled.
		if err := a.KV.Del(context.Background(), "otpmin:"+li.Mobile); err != nil {
			t.Fatal(err)
		}
		form = halltest.HTML(t, u.Get(t, "/web/withdrawals/new?reason=unemployment"), http.StatusOK)
		halltest.Contains(t, form, `id="proof_no"`, "失业登记证明")
		key = regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form.Body)
		un := url.Values{"reason": {"unemployment"}, "key": {key[1]}, "amount": {"100"}, "proof_no": {"SY-1"}, "action": {"send"}}
		halltest.HTML(t, u.Post(t, "/web/withdrawals/new", un), http.StatusOK)
		un.Set("action", "submit")
		un.Set("sms_code", in.Code(t, li.Mobile, "otp.step_up"))
		p = u.Post(t, "/web/withdrawals/new", un)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("apply: %d %s", p.Status, halltest.Excerpt(p.Body))
		}
		pending, _, _ := strings.Cut(p.Location(), "?")
		page = halltest.HTML(t, u.Get(t, pending), http.StatusOK)
		halltest.Contains(t, page, `data-status="pending_review"`, "须人工审核", `id="withdrawal-cancel"`)
		halltest.Redirect(t, u.Post(t, pending+"/cancel", url.Values{}), pending+"?ok=withdrawal_cancelled")
		halltest.Contains(t, halltest.HTML(t, u.Get(t, pending), http.StatusOK), `data-status="cancelled"`)
		refused(t, u.Post(t, pending+"/cancel", url.Values{}), http.StatusConflict, "withdrawal.status", "当前状态不能办理")
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/withdrawals"), http.StatusOK), `id="withdrawal-list"`, "已撤销", "已到账")

		// Someone else's application; a reason offered at the counter only.
		other := newUser(t, srv)
		other.loginDemo(t, zhang)
		refused(t, other.Get(t, target), http.StatusNotFound, "withdrawal.not_found", "提取申请不存在")
		counter := other.Get(t, "/web/withdrawals/new?reason=medical")
		if counter.Status != http.StatusServiceUnavailable {
			t.Errorf("counter-only reason: %d %s", counter.Status, halltest.Excerpt(counter.Body))
		}
		apitest.VerifyClean(t, a)
	})
}

func wdRows(t *testing.T, a *app.App) int {
	t.Helper()
	var n int
	if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM withdrawal_application`); err != nil {
		t.Fatal(err)
	}
	return n
}
