package kiosk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"gjj/channels/hallkit/halltest"
	"gjj/channels/kiosk"
	"gjj/internal/apitest"
	"gjj/internal/demo"
	"gjj/internal/platform/testenv"
)

// TestBrowserKiosk drives the touch pages in headless Chromium as the kiosk's
// shell would: a signed page-session request gives the one-time start
// address, the browser opens it (device cookie), the person logs in with the
// ID number and password, sees the balance and prints (downloads) a deposit
// certificate, then logs out. The start address works only once, and pages
// without the device cookie are refused.
func TestBrowserKiosk(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t), quiet)
	k := newKiosk(t, a)
	srv := httptest.NewServer(k.E)
	t.Cleanup(srv.Close)
	emp := demo.Employees[1]

	// Without the device cookie the pages are refused.
	b := halltest.NewBrowser(t, srv.URL)
	p := halltest.HTML(t, b.Get(t, "/kiosk/login"), http.StatusUnauthorized)
	halltest.Contains(t, p, `data-code="kiosk.device"`)

	r := k.Do(t, http.MethodPost, kiosk.Base+"/page-sessions", nil)
	var boot struct{ URL string }
	if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &boot) != nil || !strings.HasPrefix(boot.URL, "/kiosk/start?code=") {
		t.Fatalf("page session: %s", r)
	}
	downloads := t.TempDir()
	tab := halltest.Chromium(t)
	tab.Do("start", chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(srv.URL+boot.URL), chromedp.WaitVisible(chromedp.ID("login-submit")))
	tab.Shot("kiosk-login")
	tab.Do("log in",
		chromedp.SendKeys(chromedp.ID("id_number"), emp.IDNumber),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	if got := tab.Text("#account-no"); got != emp.AccountNo {
		t.Fatalf("account number %q", got)
	}
	if got := tab.Text("#person-name"); got != emp.Name {
		t.Errorf("name %q", got)
	}
	tab.Shot("kiosk-home")

	progress := chromedp.Events(tab.Ctx, browser.DownloadProgress)
	tab.Do("print", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		enabled := true
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &enabled})
		return err
	}), chromedp.Click(chromedp.ID("print-certificate")))
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
		for _, want := range []string{emp.Name, emp.AccountNo, "住房公积金缴存证明"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the certificate lacks %q", want)
			}
		}
	} else if testenv.Required("pdf") {
		t.Fatal("GJJ_TEST_REQUIRE names pdf but pdftotext is missing (apt-get install -y poppler-utils)")
	}
	var n int
	if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM kiosk_print WHERE kind = 'deposit_certificate'`); err != nil || n != 1 {
		t.Errorf("print log %d (%v)", n, err)
	}

	tab.Do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-submit")))
	tab.WaitText("#flash", "您已退出")

	// The start address was single use.
	p = halltest.HTML(t, b.Get(t, boot.URL), http.StatusUnauthorized)
	halltest.Contains(t, p, `data-code="kiosk.bootstrap"`)
}

// TestPagesIdleAndDevice: without the browser, a page session ends when the
// server's idle mark is gone (as after 60 s without a request), and a
// disabled device cookie is refused.
func TestPagesIdleAndDevice(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t), quiet)
	k := newKiosk(t, a)
	srv := httptest.NewServer(k.E)
	t.Cleanup(srv.Close)
	r := k.Do(t, http.MethodPost, kiosk.Base+"/page-sessions", nil)
	var boot struct{ URL string }
	if json.Unmarshal(r.Body, &boot) != nil {
		t.Fatalf("page session: %s", r)
	}
	b := halltest.NewBrowser(t, srv.URL)
	halltest.Redirect(t, b.Get(t, boot.URL), "/kiosk/login")
	halltest.HTML(t, b.Get(t, "/kiosk/login"), http.StatusOK)
	halltest.Redirect(t, b.Post(t, "/kiosk/login", url.Values{"id_number": {demo.Employees[1].IDNumber}, "password": {demo.Password}}), "/kiosk/")
	halltest.Contains(t, halltest.HTML(t, b.Get(t, "/kiosk/"), http.StatusOK), `id="balance"`)

	token := b.Cookie("/kiosk/", kiosk.SessionCookie)
	if err := a.KV.Del(context.Background(), kiosk.IdleKey(token)); err != nil { // the 60 s idle mark expired
		t.Fatal(err)
	}
	halltest.Redirect(t, b.Get(t, "/kiosk/"), "/kiosk/login?ok=idle")
	if _, err := a.Identity.Session(context.Background(), token, kiosk.Channel); err == nil {
		t.Error("the idle session still lives")
	}

	// A wrong password is shown on the login page.
	b.Get(t, "/kiosk/login")
	p := halltest.HTML(t, b.Post(t, "/kiosk/login", url.Values{"id_number": {demo.Employees[1].IDNumber}, "password": {"Wrong2026pw"}}),
		http.StatusUnauthorized)
	halltest.Contains(t, p, `data-code="identity.bad_credentials"`)

	if _, err := a.DB.ExecContext(context.Background(), `UPDATE kiosk_device SET status = 'disabled'`); err != nil {
		t.Fatal(err)
	}
	halltest.Contains(t, halltest.HTML(t, b.Get(t, "/kiosk/login"), http.StatusUnauthorized), `data-code="kiosk.device"`)
}
