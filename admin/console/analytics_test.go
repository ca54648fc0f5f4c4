package console_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/policy"
)

// statRow is one seeded rollup row: day, hour, channel, item, requests,
// admitted, diverted, closed, errors, latency sum (µs), ≤100ms, ≤500ms, ≤2s.
type statRow struct {
	day                                            string
	hour                                           int
	channel, item                                  string
	req, adm, div, closed, errs, latUS, l1, l2, l3 int64
}

// analyticsRows: hand-computed figures for 2025-01-06…07 are in the test.
var analyticsRows = []statRow{
	{"2025-01-06", 9, "web", "GR-01", 100, 90, 6, 4, 2, 4_500_000, 80, 88, 90},
	{"2025-01-06", 10, "unit", "DW-07", 50, 40, 10, 0, 0, 12_000_000, 0, 20, 40},
	{"2025-01-07", 9, "counter", "DW-07", 10, 10, 0, 0, 0, 10_000_000, 0, 0, 5},
	{"2025-01-07", 14, "web", "TQ-01", 20, 20, 0, 0, 1, 4_000_000, 5, 20, 20},
	{"2025-01-08", 9, "web", "GR-01", 999, 999, 0, 0, 0, 0, 999, 999, 999}, // outside the range
}

func seedStats(t *testing.T, a *app.App, rows []statRow) {
	t.Helper()
	ctx := context.Background()
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO channel_stat_hour (stat_day, hour_of_day, channel, item, requests, admitted,
				diverted, closed, errors, latency_us_sum, lat_le_100ms, lat_le_500ms, lat_le_2s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				date.MustParse(r.day), r.hour, r.channel, r.item, r.req, r.adm, r.div, r.closed, r.errs, r.latUS, r.l1, r.l2, r.l3); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var (
	tdCell  = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	anyTag  = regexp.MustCompile(`(?s)<[^>]*>`)
	idValue = regexp.MustCompile(`(?s)id="(a-[a-z]+)"[^>]*>(.*?)</`)
)

// rowCells returns the text of the cells of the table row with the id.
func rowCells(t *testing.T, p page, id string) []string {
	t.Helper()
	i := strings.Index(p.body, `<tr id="`+id+`">`)
	if i < 0 {
		t.Fatalf("no row %s: %s", id, excerpt(p.body))
	}
	row := p.body[i:]
	row = row[:strings.Index(row, "</tr>")]
	var out []string
	for _, m := range tdCell.FindAllStringSubmatch(row, -1) {
		out = append(out, strings.TrimSpace(anyTag.ReplaceAllString(m[1], "")))
	}
	return out
}

// cards returns the summary figures by element id (a-requests …).
func cards(p page) map[string]string {
	out := map[string]string{}
	for _, m := range idValue.FindAllStringSubmatch(p.body, -1) {
		out[m[1]] = strings.TrimSpace(m[2])
	}
	return out
}

// TestAnalytics: seeded rollups give the hand-computed figures on the page
// and in the Excel export, by day, by hour and filtered; diversions show the
// peak window they fell in; the roles that may not see it are refused.
func TestAnalytics(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		seedStats(t, a, analyticsRows)
		// A peak window covering 2025-01-06 (January, day 6).
		biz, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = a.DB.InTx(ctx, func(tx *db.Tx) error {
			return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.ChannelPeakWindows, EffectiveFrom: biz, CreatedBy: "maker", ApprovedBy: "checker",
				Value: `{"windows":[{"name":"一月测试高峰","items":["DW-07"],"months":[1],"day_from":6,"day_to":6,"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":5}}}}]}`})
		})
		if err != nil {
			t.Fatal(err)
		}
		a.Gate.Invalidate()
		srv := server(t, a)

		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "auditor")
		p := html(t, u.get(t, "/admin/analytics?from=2025-01-06&to=2025-01-07&by=day"), http.StatusOK)
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		contains(t, p, `src="/admin/static/echarts.min.js"`, `src="/admin/static/analytics.js"`, `href="/admin/analytics/export?by=day&amp;from=2025-01-06&amp;to=2025-01-07"`)
		got := cards(p)
		// Totals: requests 100+50+10+20; admitted 90+40+10+20; completion
		// (160−3)/180; 离柜率: business DW-07 unit 40 + counter 10, TQ-01 web 20
		// → off counter 60 / 70; latency cumulative ≤100 85, ≤500 128, ≤2s
		// 155 of 160: p50 rank 80 → 100×80/85; p95 rank 152 → 500 +
		// 1500×24/27; p99 rank 158.4 > 155; mean 30.5 s / 160.
		want := map[string]string{"a-requests": "180", "a-admitted": "160", "a-errors": "3", "a-diverted": "16", "a-closed": "4",
			"a-completion": "87.2%", "a-offcounter": "85.7%", "a-latency": "94.1 / 1833.3 / &gt; 2000", "a-mean": "190.6"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		// unit × DW-07: completion 40/50; p50 rank 20 → top of the ≤500 bucket;
		// p95 rank 38 → 500 + 1500×18/20; p99 rank 39.6 → 500 + 1500×19.6/20.
		if c := rowCells(t, p, "cell-unit-DW-07"); !slices.Equal(c[2:], []string{"50", "40", "10", "0", "0", "80.0%", "300.0", "500.0", "1850.0", "1970.0"}) {
			t.Errorf("unit DW-07 row %q", c)
		}
		if c := rowCells(t, p, "chan-web"); !slices.Equal(c[2:8], []string{"120", "110", "6", "4", "3", "89.2%"}) {
			t.Errorf("web total row %q", c)
		}
		if c := rowCells(t, p, "item-DW-07"); !slices.Equal(c[1:], []string{"50", "40", "80.0%"}) {
			t.Errorf("DW-07 离柜率 row %q", c)
		}
		if c := rowCells(t, p, "item-TQ-01"); !slices.Equal(c[1:], []string{"20", "20", "100.0%"}) {
			t.Errorf("TQ-01 离柜率 row %q", c)
		}
		if strings.Contains(p.body, "999") {
			t.Errorf("a row outside the range is counted")
		}
		// Diversions: both on 2025-01-06, in the January window; DW-07 can
		// only go to the counter.
		contains(t, p, "一月测试高峰", "服务网点柜面")
		if n := strings.Count(p.body, `<span class="tag pending">一月测试高峰</span>`); n != 2 {
			t.Errorf("%d diversion rows in the peak window, want 2", n)
		}

		// By hour, one channel.
		p = html(t, u.get(t, "/admin/analytics?from=2025-01-06&to=2025-01-06&by=hour&channel=unit"), http.StatusOK)
		got = cards(p)
		if got["a-requests"] != "50" || got["a-completion"] != "80.0%" || got["a-offcounter"] != "100.0%" {
			t.Errorf("unit on 2025-01-06: %v", got)
		}
		contains(t, p, "2025-01-06 10时")
		lacks(t, p, "2025-01-06 09时</td>")

		// Bad filters.
		for _, q := range []string{"from=2025-01-07&to=2025-01-06", "from=2025-01-01&to=2025-03-01&by=hour", "by=week", "channel=weibo", "from=2025-13-01"} {
			p := html(t, u.get(t, "/admin/analytics?"+q), http.StatusBadRequest)
			contains(t, p, `id="form-error"`)
		}

		// The export.
		resp := u.get(t, "/admin/analytics/export?from=2025-01-06&to=2025-01-07&by=day")
		if resp.status != http.StatusOK || !strings.Contains(resp.header.Get("Content-Type"), "spreadsheetml") ||
			!strings.HasPrefix(resp.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", resp.status, resp.header)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(resp.body)))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		find := func(sheet string, first ...string) []string {
			t.Helper()
			rows, err := x.GetRows(sheet)
			if err != nil {
				t.Fatalf("sheet %s: %v", sheet, err)
			}
			for _, r := range rows {
				if len(r) >= len(first) && slices.Equal(r[:len(first)], first) {
					return r
				}
			}
			t.Fatalf("sheet %s has no row %v: %v", sheet, first, rows)
			return nil
		}
		if r := find("渠道事项汇总", "网上业务大厅（单位）", "DW-07"); !slices.Equal(r[3:], []string{"50", "40", "10", "0", "0", "80.0%", "300.0", "500.0", "1850.0", "1970.0"}) {
			t.Errorf("export unit DW-07 %q", r)
		}
		if r := find("渠道事项汇总", "合计"); !slices.Equal(r[3:12], []string{"180", "160", "16", "4", "3", "87.2%", "190.6", "94.1", "1833.3"}) {
			t.Errorf("export total %q", r)
		}
		if r := find("时段趋势", "2025-01-06"); r[1] != "150" || r[6] != "85.3%" || r[11] != "100.0%" {
			t.Errorf("export 2025-01-06 %q", r)
		}
		if r := find("时段趋势", "2025-01-07"); r[1] != "30" || r[6] != "96.7%" || r[11] != "66.7%" {
			t.Errorf("export 2025-01-07 %q", r)
		}
		if r := find("离柜率", "合计"); !slices.Equal(r[2:], []string{"70", "60", "85.7%"}) {
			t.Errorf("export 离柜率 total %q", r)
		}
		if r := find("分流明细", "2025-01-06", "10:00-11:00", "网上业务大厅（单位）", "DW-07"); r[5] != "10" || r[6] != "一月测试高峰" || r[7] != "服务网点柜面" {
			t.Errorf("export diversion %q", r)
		}
		if _, ok := lastAudit(t, a, "console.analytics_export"); !ok {
			t.Error("export not audited")
		}

		// Roles.
		for _, who := range []string{"maker", "checker", "reviewer"} {
			v := newUser(t, srv)
			v.login(t, apitest.NewOTP(), who)
			html(t, v.get(t, "/admin/analytics"), http.StatusOK)
		}
		for _, who := range []string{"admin", "hotline"} {
			v := newUser(t, srv)
			v.login(t, apitest.NewOTP(), who)
			html(t, v.get(t, "/admin/analytics"), http.StatusForbidden)
			if r := v.get(t, "/admin/analytics/export"); r.status != http.StatusForbidden {
				t.Errorf("%s export: %d", who, r.status)
			}
		}
	})
}

// TestEChartsServed: the vendored ECharts and the page script come from the
// binary.
func TestEChartsServed(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		u := newUser(t, srv)
		for _, path := range []string{"/admin/static/echarts.min.js", "/admin/static/analytics.js", "/admin/static/echarts.LICENSE.txt"} {
			p := u.get(t, path)
			if p.status != http.StatusOK || len(p.body) < 100 {
				t.Errorf("%s: %d, %d bytes", path, p.status, len(p.body))
			}
		}
		if p := u.get(t, "/admin/static/echarts.min.js"); !strings.Contains(p.body, "echarts") || !strings.Contains(p.header.Get("Content-Type"), "javascript") {
			t.Errorf("echarts.min.js: %q", p.header.Get("Content-Type"))
		}
	}, options()...)
}
