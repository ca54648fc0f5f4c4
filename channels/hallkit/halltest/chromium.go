package halltest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gjj/internal/platform/testenv"
)

// ChromiumPath is Debian's chromium (apt-get install chromium).
const ChromiumPath = "/usr/bin/chromium"

// ShotsEnv names the folder browser tests save screenshots to (Tab.Shot);
// unset, they save none.
const ShotsEnv = "GJJ_WEBHALL_SHOTS"

// Tab is one headless Chromium tab of a browser test. Its methods fail the
// test on an error.
type Tab struct {
	// Ctx is the tab's chromedp context, for chromedp calls the methods do
	// not cover.
	Ctx context.Context
	t   *testing.T
}

// Chromium starts headless Chromium (zh-CN, 1366×768, no background
// networking) with one tab that lives until the test ends, at most two
// minutes. Without Chromium it skips the test, or fails it when
// GJJ_TEST_REQUIRE names "browser". Call it after starting the server, so the
// browser closes first.
func Chromium(t *testing.T) *Tab {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if testenv.Required("browser") {
			t.Fatalf("GJJ_TEST_REQUIRE names browser but %s is missing (apt-get install -y chromium fonts-wqy-microhei): %v", ChromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install -y chromium fonts-wqy-microhei); set GJJ_TEST_REQUIRE=browser to make this a failure", ChromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1366, 768),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	return &Tab{Ctx: ctx, t: t}
}

// Do runs the actions of a step.
func (tab *Tab) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	if err := chromedp.Do(tab.Ctx, actions...); err != nil {
		tab.t.Fatalf("%s: %v", step, err)
	}
}

// Text is the trimmed text of the first element matching the CSS selector.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	s, err := chromedp.Run(tab.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tab.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// WaitFor evaluates js until it is true, for at most 20 seconds. A click that
// navigates may interrupt an evaluation or leave the previous page for a
// moment, so errors count as "not yet".
func (tab *Tab) WaitFor(what, js string) {
	tab.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tab.t.Fatalf("waiting for %s: %v (page: %s)", what, err, tab.Text("body"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitText waits until the element matching sel contains want.
func (tab *Tab) WaitText(sel, want string) {
	tab.t.Helper()
	tab.WaitFor(want+" in "+sel,
		`(() => { const e = document.querySelector(`+JSString(sel)+`); return !!e && e.textContent.includes(`+JSString(want)+`); })()`)
}

// Shot saves a screenshot as <name>.png in the folder ShotsEnv names, if set.
func (tab *Tab) Shot(name string) {
	tab.t.Helper()
	dir := os.Getenv(ShotsEnv)
	if dir == "" {
		return
	}
	png, err := chromedp.Run(tab.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tab.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tab.t.Fatal(err)
	}
}

// JSString quotes s as a JavaScript string literal.
func JSString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}
