package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"gjj/channels/hallkit/halltest"
	"gjj/internal/apitest"
)

// TestBrowserAnalytics: in Chromium, under the console's CSP, the vendored
// ECharts draws the charts of the seeded rollups (the requests series adds
// up to the page's total).
func TestBrowserAnalytics(t *testing.T) {
	b := halltest.Chromium(t)
	a := apitest.OpenApp(t, apitest.SQLite(t), options()...)
	seedStats(t, a, analyticsRows)
	srv := server(t, a)
	login(t, b, srv.URL, apitest.NewOTP(), "auditor")
	b.Do("open the analytics from the menu", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/analytics"]`)),
		chromedp.WaitVisible(chromedp.ID("analytics-form")))
	b.Do("filter", chromedp.Navigate(srv.URL+"/admin/analytics?from=2025-01-06&to=2025-01-07&by=day"),
		chromedp.WaitVisible(chromedp.ID("a-requests")))
	b.WaitFor("the charts drawn", `(() => {
		if (typeof echarts === 'undefined') return false;
		const ids = ['chart-volume', 'chart-latency', 'chart-rates', 'chart-channels'];
		if (!ids.every(id => { const e = document.getElementById(id); return e && echarts.getInstanceByDom(e) && e.querySelector('canvas'); })) return false;
		const s = echarts.getInstanceByDom(document.getElementById('chart-volume')).getOption().series[0].data;
		return s.reduce((a, b) => a + b, 0) === 180;
	})()`)
	if got := b.Text("#a-requests"); got != "180" {
		t.Errorf("total requests %q", got)
	}
	b.Shot("analytics")
}
