package webhall_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/apitest"
	"gjj/internal/platform/testenv"
)

// TestBrowserHall drives the hall in headless Chromium: 林静 registers (the
// code read from the SMS outbox), logs out and in again with her new
// password, opens her statement and filters it (htmx), downloads her deposit
// certificate as a PDF, and the overview fits a phone screen. It skips
// without Chromium unless GJJ_TEST_REQUIRE names "browser". With
// GJJ_WEBHALL_SHOTS=<dir> it saves screenshots there.
func TestBrowserHall(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t), quiet)
	in := apitest.CaptureSMS(a)
	srv := hallServer(t, a)
	downloads := t.TempDir()

	tab := halltest.Chromium(t)

	tab.Do("open the registration", chromedp.EmulateViewport(1366, 768), chromedp.Navigate(srv.URL+"/web/login"),
		chromedp.WaitVisible(chromedp.ID("to-register")), chromedp.Click(chromedp.ID("to-register")),
		chromedp.WaitVisible(chromedp.ID("register-send")))
	tab.Shot("web-register")
	tab.Do("step 1",
		chromedp.SendKeys(chromedp.ID("name"), lin.Name),
		chromedp.SendKeys(chromedp.ID("id_number"), lin.IDNumber),
		chromedp.SendKeys(chromedp.ID("phone"), lin.Mobile),
		chromedp.Click(chromedp.ID("register-send")),
		chromedp.WaitVisible(chromedp.ID("sms_code")))
	tab.WaitText("#flash", "验证码已发送至 138****0005")
	tab.Do("step 2",
		chromedp.SendKeys(chromedp.ID("sms_code"), in.Code(t, lin.Mobile, "otp.register")),
		chromedp.SendKeys(chromedp.ID("password"), linPassword),
		chromedp.SendKeys(chromedp.ID("password2"), linPassword),
		chromedp.Click(chromedp.ID("register-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	tab.WaitText("#flash", "注册成功")
	if got := tab.Text("#account-no"); got != lin.AccountNo {
		t.Fatalf("account number = %q", got)
	}
	tab.Shot("web-overview")

	// Log out and in again with the new password.
	tab.Do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-submit")))
	tab.WaitText("#flash", "您已安全退出")
	tab.Do("log in",
		chromedp.SendKeys(chromedp.ID("login"), lin.IDNumber),
		chromedp.SendKeys(chromedp.ID("password"), linPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	if got := tab.Text("#person-name"); got != lin.Name {
		t.Fatalf("header name = %q", got)
	}
	if got := tab.Text("#balance"); got != "120,000.00" {
		t.Fatalf("balance = %q", got)
	}

	// The statement, then a filter swapped in by htmx.
	tab.Do("statement", chromedp.Click(chromedp.CSS(`nav.menu a[href="/web/statement"]`)), chromedp.WaitVisible(chromedp.ID("statement-lines")))
	tab.WaitText("#statement-lines", "120,000.00")
	tab.Shot("web-statement")
	tab.Do("filter", chromedp.SetValue(chromedp.ID("from"), "2000-01-01"), chromedp.SetValue(chromedp.ID("to"), "2000-12-31"),
		chromedp.Click(chromedp.ID("statement-submit")))
	tab.WaitFor("the htmx filter", `!!document.getElementById('statement-empty') && location.search.includes('from=2000-01-01')`)

	// The certificate: a PDF download.
	progress := chromedp.Events(tab.Ctx, browser.DownloadProgress)
	tab.Do("certificate", chromedp.Navigate(srv.URL+"/web/certificate"), chromedp.WaitVisible(chromedp.ID("certificate")),
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

	tab.Do("profile", chromedp.Navigate(srv.URL+"/web/profile"), chromedp.WaitVisible(chromedp.ID("profile")))
	if got := tab.Text("#p-mobile"); got != "138****0005" {
		t.Errorf("profile mobile = %q", got)
	}
	tab.Shot("web-profile")
	tab.Do("sessions", chromedp.Navigate(srv.URL+"/web/sessions"), chromedp.WaitVisible(chromedp.ID("session-list")))
	tab.WaitText("#session-list", "本机")
	tab.Shot("web-sessions")

	// On a phone the overview fits the screen: no sideways scrolling.
	tab.Do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+"/web/"),
		chromedp.WaitVisible(chromedp.ID("balance")))
	tab.WaitFor("the overview to fit 390 px", `document.documentElement.scrollWidth <= window.innerWidth`)
	tab.Shot("web-phone")
	if body := tab.Text("body"); strings.Contains(body, lin.IDNumber) || strings.Contains(body, lin.Mobile) {
		t.Error("the overview shows a full ID number or mobile")
	}
}
