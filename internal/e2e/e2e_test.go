package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit/halltest"
	"gjj/channels/kiosk"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/signing/signtest"
)

// ShotsDir is where the walk saves its screenshots, under the repository
// root: test-output/screenshots/<store>/NN-<page>.png. The folder is
// gitignored; CI keeps it as the run's artifact.
const ShotsDir = "test-output/screenshots"

// repoRoot is the folder of go.mod above the working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// walker is one store's walk: the browser tab, the server and where the
// screenshots go.
type walker struct {
	t    *testing.T
	tab  *halltest.Tab
	base string
	dir  string
	n    int
	otp  *apitest.OTP
}

// shot saves a full-page PNG of the current page as NN-name.png and checks
// that it is a real image of the page (not an empty capture).
func (w *walker) shot(name string) {
	w.t.Helper()
	b, err := chromedp.Run(w.tab.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		w.t.Fatalf("screenshot %s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		w.t.Fatalf("screenshot %s is no PNG: %v", name, err)
	}
	if r := img.Bounds(); r.Dx() < 300 || r.Dy() < 300 {
		w.t.Fatalf("screenshot %s is %v", name, r)
	}
	w.n++
	if err := os.WriteFile(filepath.Join(w.dir, fmt.Sprintf("%02d-%s.png", w.n, name)), b, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// see waits until the element matching sel contains every text.
func (w *walker) see(sel string, texts ...string) {
	w.t.Helper()
	for _, s := range texts {
		w.tab.WaitText(sel, s)
	}
}

// textMatches checks the text of the element matching sel against re.
func (w *walker) textMatches(sel string, re *regexp.Regexp) {
	w.t.Helper()
	if got := w.tab.Text(sel); !re.MatchString(got) {
		w.t.Errorf("%s = %q, want %s", sel, got, re)
	}
}

// noErrorPage fails the walk when the page is one of the error pages (they
// carry the problem code in data-code) or shows a full ID number.
func (w *walker) noErrorPage(step string, ids ...string) {
	w.t.Helper()
	code, err := chromedp.Run(w.tab.Ctx, chromedp.Evaluate[string](
		`(() => { const e = document.querySelector('[data-code]'); return e ? e.getAttribute('data-code') : ''; })()`))
	if err != nil {
		w.t.Fatalf("%s: %v", step, err)
	}
	if code != "" {
		w.t.Fatalf("%s: error page %s: %s", step, code, w.tab.Text("body"))
	}
	body := w.tab.Text("body")
	for _, id := range ids {
		if strings.Contains(body, id) {
			w.t.Errorf("%s shows the full ID number %s", step, id)
		}
	}
}

var (
	number    = regexp.MustCompile(`^[0-9][0-9,]*$`)
	yearMonth = regexp.MustCompile(`^\d{4}-\d{2}$`)
)

// TestBrowserWalk walks the main pages of every face of the demo platform in
// headless Chromium — the personal hall (login, overview, statement,
// certificate, withdrawals and the rent withdrawal form), the unit hall
// (login, overview, employees, a generated remittance bill), the admin
// console (login with TOTP, dashboard, review queue, parameters, channels,
// analytics) and the kiosk pages (login, home, statement) — asserting what
// each page shows and saving a full-page screenshot of each into
// test-output/screenshots/<store>/. It runs on SQLite and on MariaDB+Redis
// (each with its own Chromium), skips without Chromium unless
// GJJ_TEST_REQUIRE names "browser", and the MariaDB walk skips without
// MariaDB unless GJJ_TEST_REQUIRE names mysql.
func TestBrowserWalk(t *testing.T) {
	root := repoRoot(t)
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		store := filepath.Base(t.Name())
		dir := filepath.Join(root, ShotsDir, store)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(e)
		t.Cleanup(srv.Close)
		w := &walker{t: t, base: srv.URL, dir: dir, otp: apitest.NewOTP()}
		w.tab = halltest.Chromium(t)
		w.tab.Do("viewport", chromedp.EmulateViewport(1366, 768))

		w.personalHall()
		w.unitHall()
		w.console(a)
		w.kiosk(a, e)
		t.Logf("%d screenshots in %s", w.n, dir)
	}, apitest.WithConfig(func(c *config.Config) { c.LogLevel = "error"; c.Demo = true }))
}

// personalHall: 李明 logs in, sees his balance, statement, the certificate
// page, passes the bank-card check and opens the rent withdrawal form.
func (w *walker) personalHall() {
	t, tab := w.t, w.tab
	li := demo.Employees[1]

	tab.Do("web login page", chromedp.Navigate(w.base+"/web/login"), chromedp.WaitVisible(chromedp.ID("login-submit")))
	w.see("h1", "个人用户登录")
	w.shot("web-login")

	tab.Do("web log in",
		chromedp.SendKeys(chromedp.ID("login"), li.IDNumber),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	if got := tab.Text("#person-name"); got != li.Name {
		t.Errorf("web header name = %q, want %s", got, li.Name)
	}
	if got := tab.Text("#account-no"); got != li.AccountNo {
		t.Errorf("web account number = %q, want %s", got, li.AccountNo)
	}
	if got := tab.Text("#balance"); got != li.Opening.Format() {
		t.Errorf("web balance = %q, want %s", got, li.Opening.Format())
	}
	w.noErrorPage("web overview", li.IDNumber)
	w.shot("web-overview")

	tab.Do("web statement", chromedp.Click(chromedp.CSS(`nav.menu a[href="/web/statement"]`)), chromedp.WaitVisible(chromedp.ID("statement-lines")))
	w.see("#statement-lines", "记账日期", "余额（元）", li.Opening.Format())
	w.shot("web-statement")

	tab.Do("web certificate", chromedp.Navigate(w.base+"/web/certificate"), chromedp.WaitVisible(chromedp.ID("certificate")))
	w.see("body", "缴存证明", li.Name)
	w.noErrorPage("web certificate", li.IDNumber)
	w.shot("web-certificate")

	tab.Do("web real-name check", chromedp.Navigate(w.base+"/web/profile"), chromedp.WaitVisible(chromedp.ID("realname-submit")),
		chromedp.SendKeys(chromedp.ID("card_no"), demo.BankCard(li)),
		chromedp.SendKeys(chromedp.ID("bank_mobile"), li.Mobile),
		chromedp.Click(chromedp.ID("realname-submit")))
	w.see("#flash", "实名认证已完成")

	tab.Do("web withdrawals", chromedp.Click(chromedp.CSS(`nav.menu a[href="/web/withdrawals"]`)), chromedp.WaitVisible(chromedp.ID("apply-rent")))
	w.see("#withdrawal-reasons", "租房")
	w.shot("web-withdrawals")

	tab.Do("web rent form", chromedp.Click(chromedp.ID("apply-rent")), chromedp.WaitVisible(chromedp.ID("withdrawal-send")))
	card := demo.BankCard(li)
	if got := tab.Text("#wd-card"); got != "****"+card[len(card)-4:] {
		t.Errorf("payout card %q", got)
	}
	w.see("#wd-balance", li.Opening.Format())
	w.noErrorPage("web rent form", li.IDNumber)
	w.shot("web-withdrawal-form")

	tab.Do("web log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-submit")))
	w.see("#flash", "您已安全退出")
}

// unitHall: the agent logs in with password and TOTP, sees the overview and
// the roster, and generates the next remittance bill.
func (w *walker) unitHall() {
	t, tab := w.t, w.tab
	tab.Do("unit login page", chromedp.Navigate(w.base+"/unit/login"), chromedp.WaitVisible(chromedp.ID("unit_code")))
	w.see("h1", "单位经办人登录")
	w.shot("unit-login")

	tab.Do("unit log in",
		chromedp.SendKeys(chromedp.ID("unit_code"), demo.UnitNo),
		chromedp.SendKeys(chromedp.ID("id_number"), demo.AgentID),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.SendKeys(chromedp.ID("totp"), w.otp.Code(t, "unit-agent")),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("paid-through")))
	if got := tab.Text("#unit-name"); got != demo.UnitName {
		t.Errorf("unit header name = %q", got)
	}
	w.textMatches("#paid-through", yearMonth)
	if got := tab.Text("#headcount"); got != fmt.Sprint(len(demo.Employees)) {
		t.Errorf("headcount = %q, want %d", got, len(demo.Employees))
	}
	w.noErrorPage("unit overview", demo.AgentID)
	w.shot("unit-overview")

	tab.Do("unit employees", chromedp.Navigate(w.base+"/unit/employees"), chromedp.WaitVisible(chromedp.ID("employee-table")))
	for _, emp := range demo.Employees {
		w.see("#employee-table", emp.Name, emp.AccountNo)
	}
	w.noErrorPage("unit employees", demo.Employees[1].IDNumber)
	w.shot("unit-employees")

	tab.Do("unit bills", chromedp.Navigate(w.base+"/unit/remittances"), chromedp.WaitVisible(chromedp.ID("generate")))
	w.see("body", "生成汇缴清册", "清册记录")
	if v, err := chromedp.Run(tab.Ctx, chromedp.Value(chromedp.ID("bill-month"))); err != nil || !yearMonth.MatchString(v) {
		t.Errorf("prefilled bill month %q (%v)", v, err)
	}
	w.shot("unit-bills")
	tab.Do("unit generate a bill", chromedp.Click(chromedp.ID("generate")), chromedp.WaitVisible(chromedp.ID("bill-lines")))
	w.see("#flash", "汇缴清册已生成")
	w.see("#bill-lines", "个人账号", "缴存基数", "王建国", "李明")
	w.shot("unit-bill")

	tab.Do("unit log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("unit_code")))
}

// console: staff sign in with password and TOTP: the reviewer sees the
// dashboard and the pre-registration queue, the maker the parameters and
// the channel matrix, the auditor the analytics.
func (w *walker) console(a *app.App) {
	t, tab := w.t, w.tab
	pr, err := a.Deposit.SubmitPreregistration(context.Background(), deposit.PreregInput{
		USCC: apitest.USCC("91350104M00080001"), Name: "福州示例电子有限公司", Address: "福州市仓山区示例路 8 号", LegalRep: "吴刚",
		Payday: 15, UnitBps: 1200, PersonBps: 1200, AgentIDNumber: apitest.ResidentID("35010419860606001"), AgentName: "黄蓉",
		AgentMobile: "13900000081"})
	if err != nil {
		t.Fatal(err)
	}
	login := func(username, name string) {
		t.Helper()
		tab.Do("console login page", chromedp.Navigate(w.base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("username")))
		w.see("h1", "工作人员登录")
		tab.Do("console sign in "+username,
			chromedp.SendKeys(chromedp.ID("username"), username),
			chromedp.SendKeys(chromedp.ID("password"), demo.Password),
			chromedp.SendKeys(chromedp.ID("totp"), w.otp.Code(t, "staff-"+username)),
			chromedp.Click(chromedp.ID("login")),
			chromedp.WaitVisible(chromedp.ID("staff-name")))
		if got := tab.Text("#staff-name"); got != name {
			t.Errorf("console header name = %q, want %s", got, name)
		}
	}
	logout := func() {
		t.Helper()
		tab.Do("console sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("username")))
	}

	tab.Do("console login page", chromedp.Navigate(w.base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("totp")))
	w.see("h1", "工作人员登录")
	w.shot("admin-login")

	login("reviewer", "业务审核")
	tab.Do("console dashboard", chromedp.WaitVisible(chromedp.ID("pending-preregs")))
	if got := tab.Text("#pending-preregs"); got != "1" {
		t.Errorf("pending pre-registrations on the dashboard = %q", got)
	}
	w.see("#channel-table", "网上业务大厅（个人）", "自助终端", "受理", "分流")
	w.textMatches("#total-requests", number)
	w.shot("admin-dashboard")

	tab.Do("console queue", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/reviews/preregistrations"]`)),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("prereg-%d", pr.ID))))
	w.see(fmt.Sprintf("#prereg-%d", pr.ID), "福州示例电子有限公司", "黄蓉")
	if body := tab.Text("#prereg-table"); strings.Contains(body, "13900000081") {
		t.Error("the queue shows the agent's full mobile")
	}
	w.shot("admin-queue")
	logout()

	login("maker", "参数经办")
	tab.Do("console params", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/params"]`)), chromedp.WaitVisible(chromedp.ID("param-table")))
	w.see("#param-table", "withdraw.rules", "channel.capacity", "channel.matrix")
	w.shot("admin-params")
	tab.Do("console channels", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/channels"]`)), chromedp.WaitVisible(chromedp.ID("matrix")))
	w.see("#matrix", "手机APP", "自助终端")
	w.see("#capacity-form", "渠道流量容量", "每秒受理数")
	w.shot("admin-channels")
	logout()

	login("auditor", "审计专员")
	tab.Do("console analytics", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/analytics"]`)), chromedp.WaitVisible(chromedp.ID("analytics-form")))
	w.textMatches("#a-requests", number)
	tab.WaitFor("the charts drawn", `(() => { const e = document.getElementById('chart-volume');
		return typeof echarts !== 'undefined' && !!e && !!echarts.getInstanceByDom(e) && !!e.querySelector('canvas'); })()`)
	w.shot("admin-analytics")
	logout()
}

// kiosk: the kiosk shell's signed request opens a page session; the person
// logs in by ID number and password and sees the home and statement pages.
func (w *walker) kiosk(a *app.App, e *echo.Echo) {
	t, tab := w.t, w.tab
	key, err := a.Kiosk.Devices.Register(context.Background(), "K-E2E-01", "鼓楼网点", "大厅 1 号机", "staff:maker")
	if err != nil {
		t.Fatal(err)
	}
	k := &signtest.Client{E: e, IDHeader: kiosk.HeaderKiosk, ID: "K-E2E-01", Key: []byte(key)}
	r := k.Do(t, http.MethodPost, kiosk.Base+"/page-sessions", nil)
	var boot struct{ URL string }
	if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &boot) != nil || !strings.HasPrefix(boot.URL, "/kiosk/start?code=") {
		t.Fatalf("kiosk page session: %s", r)
	}
	emp := demo.Employees[2]
	tab.Do("kiosk start", chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(w.base+boot.URL), chromedp.WaitVisible(chromedp.ID("login-submit")))
	w.see("body", "住房公积金自助服务")
	w.shot("kiosk-login")
	tab.Do("kiosk log in",
		chromedp.SendKeys(chromedp.ID("id_number"), emp.IDNumber),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("balance")))
	if got := tab.Text("#account-no"); got != emp.AccountNo {
		t.Errorf("kiosk account number %q", got)
	}
	if got := tab.Text("#balance"); !strings.Contains(got, emp.Opening.Format()) {
		t.Errorf("kiosk balance %q, want %s", got, emp.Opening.Format())
	}
	w.noErrorPage("kiosk home", emp.IDNumber)
	w.shot("kiosk-home")
	tab.Do("kiosk statement", chromedp.Click(chromedp.ID("to-statement")), chromedp.WaitVisible(chromedp.ID("statement-lines")))
	w.see("#statement-lines", emp.Opening.Format())
	w.shot("kiosk-statement")
	tab.Do("kiosk log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-submit")))
}
