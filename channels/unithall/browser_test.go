package unithall_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gjj/internal/demo"
	"gjj/internal/platform/testenv"
)

// chromiumPath is Debian's chromium (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// TestBrowserHall drives the hall in headless Chromium at 1366×768: the agent
// logs in with a fresh TOTP code, opens an employee through the form,
// generates the next bill, pays it with the demo's simulated bank transfer,
// and finds the new paid-through month on the overview and the new employee
// in the roster (through the htmx search). It skips without Chromium unless
// GJJ_TEST_REQUIRE names "browser". With GJJ_WEBHALL_SHOTS=<dir> it saves
// screenshots of the overview and the bill page there.
func TestBrowserHall(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if testenv.Required("browser") {
			t.Fatalf("GJJ_TEST_REQUIRE names browser but %s is missing (apt-get install -y chromium fonts-wqy-microhei): %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install -y chromium fonts-wqy-microhei); set GJJ_TEST_REQUIRE=browser to make this a failure", chromiumPath)
	}
	a := openApp(t, sqliteSpec(t), true)
	srv := hallServer(t, a, true)
	next := nextOf(t, a, demo.UnitNo).String()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1366, 768),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	// waitFor evaluates js until it is true. A click that navigates may
	// interrupt an evaluation or leave the previous page for a moment, so
	// errors count as "not yet".
	waitFor := func(what, js string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %v (page: %s)", what, err, text("body"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitText := func(sel, want string) {
		t.Helper()
		waitFor(want+" in "+sel,
			`(() => { const e = document.querySelector(`+jsString(sel)+`); return !!e && e.textContent.includes(`+jsString(want)+`); })()`)
	}
	shot := func(name string) {
		t.Helper()
		dir := os.Getenv("GJJ_WEBHALL_SHOTS")
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	do("open the login page", chromedp.EmulateViewport(1366, 768), chromedp.Navigate(srv.URL+"/unit/login"),
		chromedp.WaitVisible(chromedp.ID("unit_code")))
	shot("login")
	do("log in",
		chromedp.SendKeys(chromedp.ID("unit_code"), demo.UnitNo),
		chromedp.SendKeys(chromedp.ID("id_number"), demo.AgentID),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.SendKeys(chromedp.ID("totp"), (&otpSteps{}).code(t)),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("paid-through")))
	if got := text("#unit-name"); got != demo.UnitName {
		t.Fatalf("header unit name = %q", got)
	}
	shot("overview")

	newID := residentID("35010219930615002")
	do("open an employee",
		chromedp.Navigate(srv.URL+"/unit/employees/new"), chromedp.WaitVisible(chromedp.ID("open-form")),
		chromedp.SendKeys(chromedp.ID("name"), "赵六"),
		chromedp.SendKeys(chromedp.ID("id_number"), newID),
		chromedp.SendKeys(chromedp.ID("phone"), "13900000066"),
		chromedp.SendKeys(chromedp.ID("bank_card"), "6222020200006666"),
		chromedp.SendKeys(chromedp.ID("base"), "8800"),
		chromedp.Click(chromedp.ID("open-submit")),
		chromedp.WaitVisible(chromedp.ID("emp-account")))
	waitText("#flash", "职工开户成功")

	do("generate the next bill from the overview",
		chromedp.Navigate(srv.URL+"/unit/"), chromedp.WaitVisible(chromedp.ID("next-action")))
	if got := text("#next-action"); got != "生成 "+next+" 汇缴清册" {
		t.Fatalf("next action = %q", got)
	}
	do("open the remittance page", chromedp.Click(chromedp.ID("next-action")), chromedp.WaitVisible(chromedp.ID("generate")))
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("bill-month"))); err != nil || v != next {
		t.Fatalf("prefilled month = %q %v, want %s", v, err, next)
	}
	do("generate", chromedp.Click(chromedp.ID("generate")), chromedp.WaitVisible(chromedp.ID("bill-lines")))
	waitText("#flash", "汇缴清册已生成")
	lines := text("#bill-lines")
	for _, want := range []string{"个人账号", "姓名", "缴存基数", "单位部分", "个人部分", "赵六", "王建国"} {
		if !strings.Contains(lines, want) {
			t.Errorf("bill lines lack %q", want)
		}
	}
	shot("bill")

	do("pay with the simulated transfer", chromedp.Click(chromedp.ID("simulate-transfer")))
	waitText("#flash", "缴款已到账")
	if got := text("#bill-status"); got != "已入账" {
		t.Fatalf("bill status = %q", got)
	}

	do("overview", chromedp.Navigate(srv.URL+"/unit/"), chromedp.WaitVisible(chromedp.ID("paid-through")))
	if got := text("#paid-through"); got != next {
		t.Fatalf("paid through = %q, want %s", got, next)
	}
	if got := text("#headcount"); got != "6" {
		t.Fatalf("headcount = %q, want 6", got)
	}
	shot("overview-paid")

	do("roster", chromedp.Navigate(srv.URL+"/unit/employees"), chromedp.WaitVisible(chromedp.ID("employee-table")))
	waitText("#employee-table", "赵六")
	// The search swaps the roster in place (htmx) and keeps the query in the URL.
	do("search", chromedp.SendKeys(chromedp.ID("q"), "赵六\n"))
	waitFor("the htmx search", `document.querySelectorAll('#employee-table tbody tr').length === 1 && location.search.includes('q=')`)
	waitText("#employee-table", "赵六")
	shot("employees")
	if body := text("body"); strings.Contains(body, newID) {
		t.Error("the roster shows a full ID number")
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}
