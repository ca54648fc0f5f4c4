package webhall_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/apitest"
	"gjj/internal/demo"
	"gjj/internal/platform/money"
)

// TestBrowserRentWithdrawal drives the hall in headless Chromium: 李明 logs
// in, passes the bank-card check (L2), applies for a rent withdrawal
// (租房提取) with the SMS code read from the capture, and sees it approved
// automatically and paid on the progress page, with the balance lowered on
// the overview. It skips without Chromium unless GJJ_TEST_REQUIRE names
// "browser".
func TestBrowserRentWithdrawal(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t), quiet)
	in := apitest.CaptureSMS(a)
	srv := hallServer(t, a)
	li := demo.Employees[1]
	tab := halltest.Chromium(t)

	tab.Do("log in", chromedp.EmulateViewport(1366, 768), chromedp.Navigate(srv.URL+"/web/login"),
		chromedp.WaitVisible(chromedp.ID("login-submit")),
		chromedp.SendKeys(chromedp.ID("login"), li.IDNumber),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	tab.Do("real-name check", chromedp.Navigate(srv.URL+"/web/profile"), chromedp.WaitVisible(chromedp.ID("realname-submit")),
		chromedp.SendKeys(chromedp.ID("card_no"), demo.BankCard(li)),
		chromedp.SendKeys(chromedp.ID("bank_mobile"), li.Mobile),
		chromedp.Click(chromedp.ID("realname-submit")))
	tab.WaitText("#flash", "实名认证已完成")

	tab.Do("withdrawals", chromedp.Click(chromedp.CSS(`nav.menu a[href="/web/withdrawals"]`)), chromedp.WaitVisible(chromedp.ID("apply-rent")))
	if body := tab.Text("#withdrawal-reasons"); strings.Contains(body, "大病医疗") {
		t.Error("a counter-only reason is offered on the hall")
	}
	tab.Shot("web-withdrawals")
	tab.Do("rent form", chromedp.Click(chromedp.ID("apply-rent")), chromedp.WaitVisible(chromedp.ID("withdrawal-send")))
	if got := tab.Text("#wd-card"); got != "****1202" {
		t.Errorf("payout card %q", got)
	}
	tab.Do("send the code", chromedp.SendKeys(chromedp.ID("amount"), "4500"), chromedp.Click(chromedp.ID("withdrawal-send")),
		chromedp.WaitVisible(chromedp.ID("sms_code")))
	tab.WaitText("#flash", "验证码已发送")
	tab.Do("apply", chromedp.SendKeys(chromedp.ID("sms_code"), in.Code(t, li.Mobile, "otp.step_up")),
		chromedp.Click(chromedp.ID("withdrawal-submit")), chromedp.WaitVisible(chromedp.ID("wd-status")))
	tab.WaitText("#flash", "提取申请已提交")
	tab.Shot("web-withdrawal-paid")
	if got := tab.Text("#wd-status"); got != "已到账" {
		t.Fatalf("status %q (page: %s)", got, tab.Text("body"))
	}
	steps := tab.Text("#wd-steps")
	for _, want := range []string{"提交申请", "系统自动审批通过", "银行付款成功"} {
		if !strings.Contains(steps, want) {
			t.Errorf("progress lacks %q: %s", want, steps)
		}
	}
	if got := tab.Text("#wd-amount"); got != "4,500.00" {
		t.Errorf("amount %q", got)
	}
	tab.Do("overview", chromedp.Navigate(srv.URL+"/web/"), chromedp.WaitVisible(chromedp.ID("balance")))
	if got, want := tab.Text("#balance"), (li.Opening - money.Yuan(4_500)).Format(); got != want {
		t.Errorf("balance %q, want %q", got, want)
	}
	apitest.VerifyClean(t, a)
}
