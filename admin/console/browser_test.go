package console_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gjj/internal/apitest"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/testenv"
)

// chromiumPath is Debian's chromium (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// browser is a headless Chromium tab at 1366×768 with the steps the tests
// use; newBrowser skips without Chromium unless GJJ_TEST_REQUIRE names
// "browser". With GJJ_CONSOLE_SHOTS=<dir> shot saves screenshots there.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if testenv.Required("browser") {
			t.Fatalf("GJJ_TEST_REQUIRE names browser but %s is missing (apt-get install -y chromium fonts-wqy-microhei): %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install -y chromium fonts-wqy-microhei); set GJJ_TEST_REQUIRE=browser to make this a failure", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1366, 768),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: ctx}
	b.do("viewport", chromedp.EmulateViewport(1366, 768))
	return b
}

func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// waitFor evaluates js until it is true; errors while a page loads count as
// "not yet".
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: %v (page: %s)", what, err, b.text("body"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.waitFor(want+" in "+sel,
		`(() => { const e = document.querySelector(`+jsString(sel)+`); return !!e && e.textContent.includes(`+jsString(want)+`); })()`)
}

func (b *browser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("GJJ_CONSOLE_SHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// login signs username in from the login page with a fresh TOTP code and
// waits for the page of the menu (the staff name in the header).
func (b *browser) login(base string, otp *apitest.OTP, username string) {
	b.t.Helper()
	b.do("open the login page", chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("username")))
	b.do("sign in "+username,
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.SendKeys(chromedp.ID("totp"), otp.Code(b.t, username)),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("staff-name")))
}

// logout signs out through the header button.
func (b *browser) logout() {
	b.t.Helper()
	b.do("sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("username")))
}

// TestBrowserReviewer: the reviewer signs in with a fresh TOTP code, sees
// the pending pre-registration on the dashboard, opens the queue from the
// menu, approves it with a comment and finds the new unit number in the
// confirmation, the queue empty and the unit opened; then searches an
// account through the htmx lookup.
func TestBrowserReviewer(t *testing.T) {
	b := newBrowser(t)
	a := apitest.OpenApp(t, apitest.SQLite(t), options()...)
	srv := server(t, a)
	pr, err := a.Deposit.SubmitPreregistration(context.Background(),
		prereg("91350104M00080001", "福州示例电子有限公司", "35010419860606001", "黄蓉", "13900000081"))
	if err != nil {
		t.Fatal(err)
	}

	b.do("open the console", chromedp.Navigate(srv.URL+"/admin/"), chromedp.WaitVisible(chromedp.ID("username")))
	b.shot("login")
	b.login(srv.URL, apitest.NewOTP(), "reviewer")
	b.do("dashboard", chromedp.WaitVisible(chromedp.ID("pending-preregs")))
	if got := b.text("#staff-name"); got != "业务审核" {
		t.Fatalf("header staff name = %q", got)
	}
	if got := b.text("#staff-roles"); got != "业务审核" {
		t.Errorf("header roles = %q", got)
	}
	if got := b.text("#pending-preregs"); got != "1" {
		t.Errorf("pending pre-registrations on the dashboard = %q", got)
	}
	b.shot("dashboard")

	b.do("open the queue from the menu", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/reviews/preregistrations"]`)),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("prereg-%d", pr.ID))))
	b.waitText(fmt.Sprintf("#prereg-%d", pr.ID), "福州示例电子有限公司")
	if body := b.text("#prereg-table"); strings.Contains(body, "13900000081") {
		t.Error("the queue shows the agent's full mobile")
	}
	b.shot("queue")
	b.do("approve",
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#prereg-%d input[name=comment]", pr.ID)), "材料齐全，同意开户"),
		chromedp.Click(chromedp.ID(fmt.Sprintf("approve-%d", pr.ID))))
	b.waitText("#flash", "已通过开户预约")
	got, err := a.Deposit.Preregistration(context.Background(), pr.ID)
	if err != nil || got.Status != deposit.PreregApproved || got.ReviewComment != "材料齐全，同意开户" {
		t.Fatalf("pre-registration after approval: %+v %v", got, err)
	}
	if flash := b.text("#flash"); !strings.Contains(flash, got.UnitNo) {
		t.Errorf("flash %q lacks the unit number %s", flash, got.UnitNo)
	}
	b.waitText("#prereg-table", "暂无待审核的开户预约")
	b.shot("approved")

	b.do("account lookup", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/accounts"]`)), chromedp.WaitVisible(chromedp.ID("q-name")))
	b.do("search", chromedp.SendKeys(chromedp.ID("q-name"), "李明\n"))
	b.waitFor("the htmx lookup", `!!document.querySelector('#account-table') && location.search.includes('name=')`)
	b.waitText("#account-table", "201000000002")
	b.shot("lookup")
}

// TestBrowserCapacityChange is issue 6's scenario: the maker proposes
// lowering the app channel's query capacity on the channels page and sees
// the diff and impact; the checker approves it in the 变更复核 queue; the
// gate diverts at the new capacity and the dashboard shows the diversions.
func TestBrowserCapacityChange(t *testing.T) {
	b := newBrowser(t)
	a := apitest.OpenApp(t, apitest.SQLite(t), options()...)
	srv := server(t, a)
	otp := apitest.NewOTP()

	b.login(srv.URL, otp, "maker")
	b.do("channels page", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/channels"]`)), chromedp.WaitVisible(chromedp.ID("capacity-form")))
	b.do("propose",
		chromedp.SetValue(chromedp.ID("c-channel"), "app"),
		chromedp.SetValue(chromedp.ID("c-class"), "query"),
		chromedp.SendKeys(chromedp.ID("c-rate"), "1"),
		chromedp.SendKeys(chromedp.ID("c-burst"), "1"),
		chromedp.SendKeys(chromedp.ID("c-reason"), "演练：高峰分流"),
		chromedp.Click(chromedp.ID("capacity-submit")),
		chromedp.WaitVisible(chromedp.ID("change-diff")))
	b.waitText("#flash", "变更申请已提交")
	b.waitText("#change-diff", "300")
	if impact := b.text("#change-impact"); impact == "" {
		t.Error("no impact preview")
	}
	b.shot("proposed")
	b.logout()

	b.login(srv.URL, otp, "checker")
	b.do("queue", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/changes"]`)), chromedp.WaitVisible(chromedp.ID("change-table")))
	b.waitText("#change-table", "渠道容量：手机APP查询类事项")
	b.do("open the request", chromedp.Click(chromedp.CSS(`#change-table a`)), chromedp.WaitVisible(chromedp.ID("decide-form")))
	b.do("approve", chromedp.SendKeys(chromedp.ID("comment"), "同意"), chromedp.Click(chromedp.ID("approve")))
	b.waitText("#flash", "已批准变更申请")
	b.waitText("#change-status", "已批准")

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
	b.do("dashboard", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/"]`)), chromedp.WaitVisible(chromedp.ID("total-diverted")))
	if got := b.text("#total-diverted"); got != strconv.Itoa(diverted) {
		t.Errorf("diverted on the dashboard = %q, want %d", got, diverted)
	}
	b.waitText("#alerts", "超出容量，分流")
	b.waitText("#ch-app", "/ 1（突发 1）")
	b.shot("diverted")
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}
