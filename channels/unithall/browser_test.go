package unithall_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/demo"
)

// TestBrowserHall drives the hall in headless Chromium at 1366×768: the agent
// logs in with a fresh TOTP code, opens an employee through the form,
// generates the next bill, pays it with the demo's simulated bank transfer,
// and finds the new paid-through month on the overview and the new employee
// in the roster (through the htmx search). It skips without Chromium unless
// GJJ_TEST_REQUIRE names "browser". With GJJ_WEBHALL_SHOTS=<dir> it saves
// screenshots of the overview and the bill page there.
func TestBrowserHall(t *testing.T) {
	a := openApp(t, sqliteSpec(t), true)
	srv := hallServer(t, a, true)
	next := nextOf(t, a, demo.UnitNo).String()

	tab := halltest.Chromium(t)

	tab.Do("open the login page", chromedp.EmulateViewport(1366, 768), chromedp.Navigate(srv.URL+"/unit/login"),
		chromedp.WaitVisible(chromedp.ID("unit_code")))
	tab.Shot("login")
	tab.Do("log in",
		chromedp.SendKeys(chromedp.ID("unit_code"), demo.UnitNo),
		chromedp.SendKeys(chromedp.ID("id_number"), demo.AgentID),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.SendKeys(chromedp.ID("totp"), (&otpSteps{}).code(t)),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("paid-through")))
	if got := tab.Text("#unit-name"); got != demo.UnitName {
		t.Fatalf("header unit name = %q", got)
	}
	tab.Shot("overview")

	newID := residentID("35010219930615002")
	tab.Do("open an employee",
		chromedp.Navigate(srv.URL+"/unit/employees/new"), chromedp.WaitVisible(chromedp.ID("open-form")),
		chromedp.SendKeys(chromedp.ID("name"), "赵六"),
		chromedp.SendKeys(chromedp.ID("id_number"), newID),
		chromedp.SendKeys(chromedp.ID("phone"), "13900000066"),
		chromedp.SendKeys(chromedp.ID("bank_card"), "6222020200006666"),
		chromedp.SendKeys(chromedp.ID("base"), "8800"),
		chromedp.Click(chromedp.ID("open-submit")),
		chromedp.WaitVisible(chromedp.ID("emp-account")))
	tab.WaitText("#flash", "职工开户成功")

	tab.Do("generate the next bill from the overview",
		chromedp.Navigate(srv.URL+"/unit/"), chromedp.WaitVisible(chromedp.ID("next-action")))
	if got := tab.Text("#next-action"); got != "生成 "+next+" 汇缴清册" {
		t.Fatalf("next action = %q", got)
	}
	tab.Do("open the remittance page", chromedp.Click(chromedp.ID("next-action")), chromedp.WaitVisible(chromedp.ID("generate")))
	if v, err := chromedp.Run(tab.Ctx, chromedp.Value(chromedp.ID("bill-month"))); err != nil || v != next {
		t.Fatalf("prefilled month = %q %v, want %s", v, err, next)
	}
	tab.Do("generate", chromedp.Click(chromedp.ID("generate")), chromedp.WaitVisible(chromedp.ID("bill-lines")))
	tab.WaitText("#flash", "汇缴清册已生成")
	lines := tab.Text("#bill-lines")
	for _, want := range []string{"个人账号", "姓名", "缴存基数", "单位部分", "个人部分", "赵六", "王建国"} {
		if !strings.Contains(lines, want) {
			t.Errorf("bill lines lack %q", want)
		}
	}
	tab.Shot("bill")

	tab.Do("pay with the simulated transfer", chromedp.Click(chromedp.ID("simulate-transfer")))
	tab.WaitText("#flash", "缴款已到账")
	if got := tab.Text("#bill-status"); got != "已入账" {
		t.Fatalf("bill status = %q", got)
	}

	tab.Do("overview", chromedp.Navigate(srv.URL+"/unit/"), chromedp.WaitVisible(chromedp.ID("paid-through")))
	if got := tab.Text("#paid-through"); got != next {
		t.Fatalf("paid through = %q, want %s", got, next)
	}
	if got := tab.Text("#headcount"); got != "6" {
		t.Fatalf("headcount = %q, want 6", got)
	}
	tab.Shot("overview-paid")

	tab.Do("roster", chromedp.Navigate(srv.URL+"/unit/employees"), chromedp.WaitVisible(chromedp.ID("employee-table")))
	tab.WaitText("#employee-table", "赵六")
	// The search swaps the roster in place (htmx) and keeps the query in the URL.
	tab.Do("search", chromedp.SendKeys(chromedp.ID("q"), "赵六\n"))
	tab.WaitFor("the htmx search", `document.querySelectorAll('#employee-table tbody tr').length === 1 && location.search.includes('q=')`)
	tab.WaitText("#employee-table", "赵六")
	tab.Shot("employees")
	if body := tab.Text("body"); strings.Contains(body, newID) {
		t.Error("the roster shows a full ID number")
	}
}
