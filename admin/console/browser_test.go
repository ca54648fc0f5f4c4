package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/apitest"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
)

// login signs username in from the login page with a fresh TOTP code and
// waits for the page of the menu (the staff name in the header).
func login(t *testing.T, b *halltest.Tab, base string, otp *apitest.OTP, username string) {
	t.Helper()
	b.Do("open the login page", chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("username")))
	b.Do("sign in "+username,
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.SendKeys(chromedp.ID("totp"), otp.Code(t, username)),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("staff-name")))
}

// logout signs out through the header button.
func logout(t *testing.T, b *halltest.Tab) {
	t.Helper()
	b.Do("sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("username")))
}

// TestBrowserReviewer: the reviewer signs in with a fresh TOTP code, sees
// the pending pre-registration on the dashboard, opens the queue from the
// menu, approves it with a comment and finds the new unit number in the
// confirmation, the queue empty and the unit opened; then searches an
// account through the htmx lookup.
func TestBrowserReviewer(t *testing.T) {
	b := halltest.Chromium(t)
	a := apitest.OpenApp(t, apitest.SQLite(t), options()...)
	srv := server(t, a)
	pr, err := a.Deposit.SubmitPreregistration(context.Background(),
		prereg("91350104M00080001", "福州示例电子有限公司", "35010419860606001", "黄蓉", "13900000081"))
	if err != nil {
		t.Fatal(err)
	}

	b.Do("open the console", chromedp.Navigate(srv.URL+"/admin/"), chromedp.WaitVisible(chromedp.ID("username")))
	b.Shot("login")
	login(t, b, srv.URL, apitest.NewOTP(), "reviewer")
	b.Do("dashboard", chromedp.WaitVisible(chromedp.ID("pending-preregs")))
	if got := b.Text("#staff-name"); got != "业务审核" {
		t.Fatalf("header staff name = %q", got)
	}
	if got := b.Text("#staff-roles"); got != "业务审核" {
		t.Errorf("header roles = %q", got)
	}
	if got := b.Text("#pending-preregs"); got != "1" {
		t.Errorf("pending pre-registrations on the dashboard = %q", got)
	}
	b.Shot("dashboard")

	b.Do("open the queue from the menu", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/reviews/preregistrations"]`)),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("prereg-%d", pr.ID))))
	b.WaitText(fmt.Sprintf("#prereg-%d", pr.ID), "福州示例电子有限公司")
	if body := b.Text("#prereg-table"); strings.Contains(body, "13900000081") {
		t.Error("the queue shows the agent's full mobile")
	}
	b.Shot("queue")
	b.Do("approve",
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#prereg-%d input[name=comment]", pr.ID)), "材料齐全，同意开户"),
		chromedp.Click(chromedp.ID(fmt.Sprintf("approve-%d", pr.ID))))
	b.WaitText("#flash", "已通过开户预约")
	got, err := a.Deposit.Preregistration(context.Background(), pr.ID)
	if err != nil || got.Status != deposit.PreregApproved || got.ReviewComment != "材料齐全，同意开户" {
		t.Fatalf("pre-registration after approval: %+v %v", got, err)
	}
	if flash := b.Text("#flash"); !strings.Contains(flash, got.UnitNo) {
		t.Errorf("flash %q lacks the unit number %s", flash, got.UnitNo)
	}
	b.WaitText("#prereg-table", "暂无待审核的开户预约")
	b.Shot("approved")

	b.Do("account lookup", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/accounts"]`)), chromedp.WaitVisible(chromedp.ID("q-name")))
	b.Do("search", chromedp.SendKeys(chromedp.ID("q-name"), "李明\n"))
	b.WaitFor("the htmx lookup", `!!document.querySelector('#account-table') && location.search.includes('name=')`)
	b.WaitText("#account-table", "201000000002")
	b.Shot("lookup")
}

// TestBrowserCapacityChange is issue 6's scenario: the maker proposes
// lowering the app channel's query capacity on the channels page and sees
// the diff and impact; the checker approves it in the 变更复核 queue; the
// gate diverts at the new capacity and the dashboard shows the diversions.
func TestBrowserCapacityChange(t *testing.T) {
	b := halltest.Chromium(t)
	a := apitest.OpenApp(t, apitest.SQLite(t), options()...)
	srv := server(t, a)
	otp := apitest.NewOTP()

	login(t, b, srv.URL, otp, "maker")
	b.Do("channels page", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/channels"]`)), chromedp.WaitVisible(chromedp.ID("capacity-form")))
	b.Do("propose",
		chromedp.SetValue(chromedp.ID("c-channel"), "app"),
		chromedp.SetValue(chromedp.ID("c-class"), "query"),
		chromedp.SendKeys(chromedp.ID("c-rate"), "1"),
		chromedp.SendKeys(chromedp.ID("c-burst"), "1"),
		chromedp.SendKeys(chromedp.ID("c-reason"), "演练：高峰分流"),
		chromedp.Click(chromedp.ID("capacity-submit")),
		chromedp.WaitVisible(chromedp.ID("change-diff")))
	b.WaitText("#flash", "变更申请已提交")
	b.WaitText("#change-diff", "300")
	if impact := b.Text("#change-impact"); impact == "" {
		t.Error("no impact preview")
	}
	b.Shot("proposed")
	logout(t, b)

	login(t, b, srv.URL, otp, "checker")
	b.Do("queue", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/changes"]`)), chromedp.WaitVisible(chromedp.ID("change-table")))
	b.WaitText("#change-table", "渠道容量：手机APP查询类事项")
	b.Do("open the request", chromedp.Click(chromedp.CSS(`#change-table a`)), chromedp.WaitVisible(chromedp.ID("decide-form")))
	b.Do("approve", chromedp.SendKeys(chromedp.ID("comment"), "同意"), chromedp.Click(chromedp.ID("approve")))
	b.WaitText("#flash", "已批准变更申请")
	b.WaitText("#change-status", "已批准")

	diverted := 0
	for range 5 {
		resp, err := http.Get(srv.URL + "/api/app/v1/notices")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			diverted++
		}
	}
	if diverted == 0 {
		t.Fatal("the gate did not divert at the new capacity")
	}
	b.Do("dashboard", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/"]`)), chromedp.WaitVisible(chromedp.ID("total-diverted")))
	if got := b.Text("#total-diverted"); got != strconv.Itoa(diverted) {
		t.Errorf("diverted on the dashboard = %q, want %d", got, diverted)
	}
	b.WaitText("#alerts", "超出容量，分流")
	b.WaitText("#ch-app", "/ 1（突发 1）")
	b.Shot("diverted")
}
