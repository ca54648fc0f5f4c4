package webhall_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"gjj/internal/apitest"
	"gjj/internal/platform/testenv"
)

// chromiumPath is Debian's chromium (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// TestBrowserHall drives the hall in headless Chromium: 林静 registers (the
// code read from the SMS outbox), logs out and in again with her new
// password, opens her statement and filters it (htmx), downloads her deposit
// certificate as a PDF, and the overview fits a phone screen. It skips
// without Chromium unless GJJ_TEST_REQUIRE names "browser". With
// GJJ_WEBHALL_SHOTS=<dir> it saves screenshots there.
func TestBrowserHall(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if testenv.Required("browser") {
			t.Fatalf("GJJ_TEST_REQUIRE names browser but %s is missing (apt-get install -y chromium fonts-wqy-microhei): %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install -y chromium fonts-wqy-microhei); set GJJ_TEST_REQUIRE=browser to make this a failure", chromiumPath)
	}
	a := apitest.OpenApp(t, apitest.SQLite(t), quiet)
	srv := hallServer(t, a)
	downloads := t.TempDir()

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
		if err := os.WriteFile(filepath.Join(dir, "web-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Register: the three factors, then the code from the SMS and a password.
	do("open the registration", chromedp.EmulateViewport(1366, 768), chromedp.Navigate(srv.URL+"/web/login"),
		chromedp.WaitVisible(chromedp.ID("to-register")), chromedp.Click(chromedp.ID("to-register")),
		chromedp.WaitVisible(chromedp.ID("register-send")))
	shot("register")
	do("step 1",
		chromedp.SendKeys(chromedp.ID("name"), lin.Name),
		chromedp.SendKeys(chromedp.ID("id_number"), lin.IDNumber),
		chromedp.SendKeys(chromedp.ID("phone"), lin.Mobile),
		chromedp.Click(chromedp.ID("register-send")),
		chromedp.WaitVisible(chromedp.ID("sms_code")))
	waitText("#flash", "验证码已发送至 138****0005")
	do("step 2",
		chromedp.SendKeys(chromedp.ID("sms_code"), otp(t, a, lin.Mobile, "otp.register")),
		chromedp.SendKeys(chromedp.ID("password"), linPassword),
		chromedp.SendKeys(chromedp.ID("password2"), linPassword),
		chromedp.Click(chromedp.ID("register-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	waitText("#flash", "注册成功")
	if got := text("#account-no"); got != lin.AccountNo {
		t.Fatalf("account number = %q", got)
	}
	shot("overview")

	// Log out and in again with the new password.
	do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-submit")))
	waitText("#flash", "您已安全退出")
	do("log in",
		chromedp.SendKeys(chromedp.ID("login"), lin.IDNumber),
		chromedp.SendKeys(chromedp.ID("password"), linPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	if got := text("#person-name"); got != lin.Name {
		t.Fatalf("header name = %q", got)
	}
	if got := text("#balance"); got != "120,000.00" {
		t.Fatalf("balance = %q", got)
	}

	// The statement, then a filter swapped in by htmx.
	do("statement", chromedp.Click(chromedp.CSS(`nav.menu a[href="/web/statement"]`)), chromedp.WaitVisible(chromedp.ID("statement-lines")))
	waitText("#statement-lines", "120,000.00")
	shot("statement")
	do("filter", chromedp.SetValue(chromedp.ID("from"), "2000-01-01"), chromedp.SetValue(chromedp.ID("to"), "2000-12-31"),
		chromedp.Click(chromedp.ID("statement-submit")))
	waitFor("the htmx filter", `!!document.getElementById('statement-empty') && location.search.includes('from=2000-01-01')`)

	// The certificate: a PDF download.
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	do("certificate", chromedp.Navigate(srv.URL+"/web/certificate"), chromedp.WaitVisible(chromedp.ID("certificate")),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			enabled := true
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &enabled})
			return err
		}),
		chromedp.Click(chromedp.ID("certificate")))
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the certificate download was canceled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(downloads, ev.GUID)
			break
		}
	}
	pdf, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("the download is no PDF: %.20q", pdf)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		for _, want := range []string{lin.Name, lin.AccountNo, "住房公积金缴存证明"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the certificate lacks %q", want)
			}
		}
	} else if testenv.Required("pdf") {
		t.Fatal("GJJ_TEST_REQUIRE names pdf but pdftotext is missing (apt-get install -y poppler-utils)")
	}

	do("profile", chromedp.Navigate(srv.URL+"/web/profile"), chromedp.WaitVisible(chromedp.ID("profile")))
	if got := text("#p-mobile"); got != "138****0005" {
		t.Errorf("profile mobile = %q", got)
	}
	shot("profile")
	do("sessions", chromedp.Navigate(srv.URL+"/web/sessions"), chromedp.WaitVisible(chromedp.ID("session-list")))
	waitText("#session-list", "本机")
	shot("sessions")

	// On a phone the overview fits the screen: no sideways scrolling.
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+"/web/"),
		chromedp.WaitVisible(chromedp.ID("balance")))
	waitFor("the overview to fit 390 px", `document.documentElement.scrollWidth <= window.innerWidth`)
	shot("phone")
	if body := text("body"); strings.Contains(body, lin.IDNumber) || strings.Contains(body, lin.Mobile) {
		t.Error("the overview shows a full ID number or mobile")
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}
