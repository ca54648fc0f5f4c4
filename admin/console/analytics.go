package console

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// The performance analytics (绩效分析) at /admin/analytics: what the channel
// gate counted in its hourly rollups (channel.Gate.Stats), per channel ×
// item and over time, for a date range. Figures:
//
//   - requests, admitted (answered, including those that then failed with a
//     server error), diverted (refused over capacity, 429), closed (refused
//     because the channel or item was off or out of hours, 503), errors;
//   - completion rate = (admitted − errors) / requests;
//   - 离柜率 = admitted requests of 业务办理 items (deposit, withdrawal, loan)
//     on channels other than the counter / all admitted 业务办理 requests;
//   - response time of admitted requests: the mean (exact, from the latency
//     sum) and p50/p95/p99 estimated from the rollup's cumulative buckets
//     (≤100 ms, ≤500 ms, ≤2 s) by linear interpolation inside the bucket the
//     rank falls in (0–100 ms, 100–500 ms, 500–2000 ms), like Prometheus'
//     histogram_quantile; a rank above the 2 s bucket is shown as "> 2000".
//
// Diversions: the gate does not record which alternatives it offered with
// each diversion, so the page counts diversions per hour × channel × item and
// lists, as "可分流渠道", the other channels where the item is offered in the
// switch matrix in force today, with the peak window (channel.peak_windows in
// force today) the hour fell in.

// Range limits of the analytics filters.
const (
	analyticsMaxDays     = 366 // by day
	analyticsMaxHourDays = 31  // by hour
	analyticsMaxDiverts  = 500 // diversion rows listed
)

// perf are the additive figures of a group of rollup rows.
type perf struct {
	Requests, Admitted, Diverted, Closed, Errors int64
	LatencySumUS                                 int64
	LE100ms, LE500ms, LE2s                       int64
	// Business counts admitted requests of 业务办理 items; OffCounter those
	// of them not on the counter channel.
	Business, OffCounter int64
}

func (p *perf) add(r channel.StatRow) {
	p.Requests += r.Requests
	p.Admitted += r.Admitted
	p.Diverted += r.Diverted
	p.Closed += r.Closed
	p.Errors += r.Errors
	p.LatencySumUS += r.LatencySumUS
	p.LE100ms += r.LatencyLE100ms
	p.LE500ms += r.LatencyLE500ms
	p.LE2s += r.LatencyLE2s
	if it, ok := catalog.ItemByCode(r.Item); ok && it.Category.Business() {
		p.Business += r.Admitted
		if r.Channel != catalog.Counter {
			p.OffCounter += r.Admitted
		}
	}
}

// Completion is (admitted − errors) / requests in percent; ok is false
// without requests.
func (p perf) Completion() (float64, bool) {
	if p.Requests <= 0 {
		return 0, false
	}
	return float64(p.Admitted-p.Errors) * 100 / float64(p.Requests), true
}

// OffCounterRate is the 离柜率 in percent; ok is false without 业务办理 requests.
func (p perf) OffCounterRate() (float64, bool) {
	if p.Business <= 0 {
		return 0, false
	}
	return float64(p.OffCounter) * 100 / float64(p.Business), true
}

// MeanMS is the mean latency of admitted requests in milliseconds.
func (p perf) MeanMS() (float64, bool) {
	if p.Admitted <= 0 {
		return 0, false
	}
	return float64(p.LatencySumUS) / float64(p.Admitted) / 1000, true
}

// Quantile estimates the q-quantile (0 < q < 1) of the admitted requests'
// latency in milliseconds from the cumulative buckets; over is set when it
// lies above the last bound (2 s), ok is false without admitted requests.
func (p perf) Quantile(q float64) (ms float64, over, ok bool) {
	if p.Admitted <= 0 {
		return 0, false, false
	}
	rank := q * float64(p.Admitted)
	bounds := []struct {
		le    float64 // upper bound, ms
		count int64   // cumulative count at or under it
	}{{100, p.LE100ms}, {500, p.LE500ms}, {2000, p.LE2s}}
	lower, below := 0.0, int64(0)
	for _, b := range bounds {
		if rank <= float64(b.count) && b.count > below {
			return lower + (b.le-lower)*(rank-float64(below))/float64(b.count-below), false, true
		}
		lower, below = b.le, b.count
	}
	return 2000, true, true
}

// figures are perf as the page and the export show them.
type figures struct {
	perf
	CompletionPct, OffCounterPct string // "97.5%", "—"
	Mean, P50, P95, P99          string // "123.4", "> 2000", "—"
}

func (p perf) figures() figures {
	f := figures{perf: p}
	f.CompletionPct = percentText(p.Completion())
	f.OffCounterPct = percentText(p.OffCounterRate())
	if m, ok := p.MeanMS(); ok {
		f.Mean = fmt.Sprintf("%.1f", m)
	} else {
		f.Mean = "—"
	}
	f.P50, f.P95, f.P99 = quantileText(p, 0.5), quantileText(p, 0.95), quantileText(p, 0.99)
	return f
}

func percentText(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", v)
}

func quantileText(p perf, q float64) string {
	ms, over, ok := p.Quantile(q)
	switch {
	case !ok:
		return "—"
	case over:
		return "> 2000"
	}
	return fmt.Sprintf("%.1f", ms)
}

// analyticsFilter is the page's query.
type analyticsFilter struct {
	From, To      string // YYYY-MM-DD
	By            string // "day" or "hour"
	Channel, Item string // "" for all
	from, to      date.Date
}

// ErrAnalyticsFilter answers a malformed analytics filter.
var errAnalyticsFilter = errs.New(errs.Invalid, "console.bad_filter", "统计条件不正确")

// parseAnalyticsFilter reads the query; the default is the last 7 days by day.
func parseAnalyticsFilter(c echo.Context, today date.Date) (analyticsFilter, error) {
	f := analyticsFilter{From: c.QueryParam("from"), To: c.QueryParam("to"), By: c.QueryParam("by"),
		Channel: c.QueryParam("channel"), Item: c.QueryParam("item")}
	bad := func(msg string) error { e := *errAnalyticsFilter; e.Message = msg; return &e }
	if f.To == "" {
		f.To = today.String()
	}
	to, err := date.Parse(f.To)
	if err != nil {
		return f, bad("结束日期格式不正确，应为 YYYY-MM-DD")
	}
	if f.From == "" {
		f.From = to.AddDays(-6).String()
	}
	from, err := date.Parse(f.From)
	if err != nil {
		return f, bad("开始日期格式不正确，应为 YYYY-MM-DD")
	}
	f.from, f.to = from, to
	if to.Before(from) {
		return f, bad("结束日期不能早于开始日期")
	}
	switch f.By {
	case "", "day":
		f.By = "day"
		if from.DaysUntil(to)+1 > analyticsMaxDays {
			return f, bad(fmt.Sprintf("按日统计的日期范围最多 %d 天", analyticsMaxDays))
		}
	case "hour":
		if from.DaysUntil(to)+1 > analyticsMaxHourDays {
			return f, bad(fmt.Sprintf("按小时统计的日期范围最多 %d 天", analyticsMaxHourDays))
		}
	default:
		return f, bad("统计粒度应为 day（按日）或 hour（按小时）")
	}
	if _, ok := catalog.ChannelByCode(f.Channel); f.Channel != "" && !ok {
		return f, bad("渠道不存在")
	}
	if _, ok := catalog.ItemByCode(f.Item); f.Item != "" && !ok {
		return f, bad("服务事项不在事项目录中")
	}
	return f, nil
}

// query is the filter as URL query text, for the export link.
func (f analyticsFilter) query() string {
	q := url.Values{"from": {f.From}, "to": {f.To}, "by": {f.By}}
	if f.Channel != "" {
		q.Set("channel", f.Channel)
	}
	if f.Item != "" {
		q.Set("item", f.Item)
	}
	return q.Encode()
}

// bucketRow is one point of the time series.
type bucketRow struct {
	Label string // "2026-03-02" or "2026-03-02 09时"
	figures
}

// cellRow is one channel × item (Item "" for a channel's total).
type cellRow struct {
	Channel, Item string
	figures
}

// divertRow is one hour × channel × item with diversions.
type divertRow struct {
	Day          date.Date
	Hour         int
	Channel      string
	Item         string
	Diverted     int64
	Alternatives []string // channel names where the item is offered (matrix in force today)
	Window       string   // the peak window in force then ("" none)
}

type analyticsData struct {
	In       analyticsFilter
	Query    string
	Export   template.URL // the export link (Query is encoded by url.Values)
	Channels []catalog.Channel
	Items    []catalog.Item
	Total    figures
	Series   []bucketRow
	ByChan   []cellRow // per channel
	Cells    []cellRow // per channel × item with requests
	ByItem   []cellRow // 业务办理 items: 离柜率
	Diverts  []divertRow
	// DivertsOmitted counts diversion rows beyond analyticsMaxDiverts.
	DivertsOmitted int
	Windows        []catalog.PeakWindow
	MatrixNote     string
	Chart          string // JSON for analytics.js
}

// analyticsFor reads the rollups of the filter's range and computes the page.
func (h *handler) analyticsFor(ctx context.Context, f analyticsFilter) (*analyticsData, error) {
	d := &analyticsData{In: f, Query: f.query(), Export: template.URL("/admin/analytics/export?" + f.query()), Channels: catalog.Channels(), Items: catalog.Items()}
	var rows []channel.StatRow
	if h.d.Gate != nil {
		_ = h.d.Gate.Flush(ctx) // best effort: include this instance's latest counts
		var err error
		if rows, err = h.d.Gate.Stats(ctx, f.from, f.to); err != nil {
			return nil, err
		}
		d.Windows = h.d.Gate.PeakWindows(ctx).Windows
	}
	matrix := h.matrixToday(ctx, d)
	peaks := &catalog.PeakWindows{Windows: d.Windows}

	var total perf
	buckets := map[string]*perf{}
	byChan := map[string]*perf{}
	cells := map[[2]string]*perf{}
	byItem := map[string]*perf{}
	for _, r := range rows {
		if (f.Channel != "" && r.Channel != f.Channel) || (f.Item != "" && r.Item != f.Item) {
			continue
		}
		total.add(r)
		get(buckets, bucketLabel(f.By, r.Day, r.Hour)).add(r)
		get(byChan, r.Channel).add(r)
		get(cells, [2]string{r.Channel, r.Item}).add(r)
		if it, ok := catalog.ItemByCode(r.Item); ok && it.Category.Business() {
			get(byItem, r.Item).add(r)
		}
		if r.Diverted > 0 {
			if len(d.Diverts) >= analyticsMaxDiverts {
				d.DivertsOmitted++
				continue
			}
			at := time.Date(r.Day.Year(), r.Day.Month(), r.Day.Day(), r.Hour, 30, 0, 0, date.Shanghai)
			dr := divertRow{Day: r.Day, Hour: r.Hour, Channel: r.Channel, Item: r.Item, Diverted: r.Diverted,
				Alternatives: offeredElsewhere(matrix, r.Channel, r.Item)}
			if w := peaks.Active(at); len(w) > 0 {
				dr.Window = w[0].Name
			}
			d.Diverts = append(d.Diverts, dr)
		}
	}
	d.Total = total.figures()
	for day := f.from; !day.After(f.to); day = day.AddDays(1) {
		hours := []int{-1}
		if f.By == "hour" {
			hours = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}
		}
		for _, hr := range hours {
			l := bucketLabel(f.By, day, hr)
			p := buckets[l]
			if p == nil {
				p = &perf{}
			}
			d.Series = append(d.Series, bucketRow{Label: l, figures: p.figures()})
		}
	}
	for _, ch := range catalog.Channels() {
		if p := byChan[ch.Code]; p != nil {
			d.ByChan = append(d.ByChan, cellRow{Channel: ch.Code, figures: p.figures()})
		}
	}
	for k, p := range cells {
		d.Cells = append(d.Cells, cellRow{Channel: k[0], Item: k[1], figures: p.figures()})
	}
	slices.SortFunc(d.Cells, func(a, b cellRow) int {
		if x := catalog.ChannelIndex(a.Channel) - catalog.ChannelIndex(b.Channel); x != 0 {
			return x
		}
		return strings.Compare(a.Item, b.Item)
	})
	for _, it := range catalog.Items() {
		if p := byItem[it.Code]; p != nil {
			d.ByItem = append(d.ByItem, cellRow{Item: it.Code, figures: p.figures()})
		}
	}
	chart, err := chartJSON(d)
	if err != nil {
		return nil, err
	}
	d.Chart = chart
	return d, nil
}

func get[K comparable](m map[K]*perf, k K) *perf {
	p := m[k]
	if p == nil {
		p = &perf{}
		m[k] = p
	}
	return p
}

func bucketLabel(by string, day date.Date, hour int) string {
	if by == "hour" && hour >= 0 {
		return fmt.Sprintf("%s %02d时", day, hour)
	}
	return day.String()
}

// matrixToday reads the switch matrix in force on the business date, or the
// shipped default with a note.
func (h *handler) matrixToday(ctx context.Context, d *analyticsData) *catalog.Matrix {
	if h.d.Policy != nil && h.d.Dates != nil {
		biz, err := h.d.Dates.Today(ctx)
		if err == nil {
			var v string
			if v, err = h.d.Policy.String(ctx, policy.ChannelMatrix, biz); err == nil {
				var m *catalog.Matrix
				if m, err = catalog.ParseMatrix(v); err == nil {
					return m
				}
			}
		}
		d.MatrixNote = "渠道开关矩阵无法读取，可分流渠道按系统默认矩阵列出：" + errMessage(err)
	}
	return catalog.DefaultMatrix()
}

// offeredElsewhere lists the other channels (Chinese names) where the item
// is offered in m — where the gate can send a diverted request.
func offeredElsewhere(m *catalog.Matrix, ch, item string) []string {
	out := []string{}
	row := m.Items[item]
	if row == nil || !row.Enabled {
		return out
	}
	for _, c := range catalog.Channels() {
		if c.Code == ch || !m.Channels[c.Code] {
			continue
		}
		if cell := row.Channels[c.Code]; cell != nil && cell.Enabled {
			out = append(out, c.Name)
		}
	}
	return out
}

// chartJSON is the data analytics.js draws: labels and one array per series
// (null where there is nothing to show).
func chartJSON(d *analyticsData) (string, error) {
	type series struct {
		Labels                                       []string   `json:"labels"`
		Requests, Admitted, Diverted, Closed, Errors []int64    `json:"-"`
		Counts                                       [][]int64  `json:"counts"` // requests, admitted, diverted, closed, errors
		Latency                                      [][]any    `json:"latency"`
		Rates                                        [][]any    `json:"rates"` // completion, off-counter (percent)
		Channels                                     []string   `json:"channels"`
		ChannelCounts                                [][2]int64 `json:"channel_counts"` // requests, diverted
	}
	s := series{Counts: make([][]int64, 5), Latency: make([][]any, 3), Rates: make([][]any, 2)}
	num := func(v float64, ok bool) any {
		if !ok {
			return nil
		}
		return float64(int64(v*10+0.5)) / 10
	}
	for _, b := range d.Series {
		s.Labels = append(s.Labels, b.Label)
		for i, v := range []int64{b.Requests, b.Admitted, b.Diverted, b.Closed, b.Errors} {
			s.Counts[i] = append(s.Counts[i], v)
		}
		for i, q := range []float64{0.5, 0.95, 0.99} {
			ms, _, ok := b.Quantile(q)
			s.Latency[i] = append(s.Latency[i], num(ms, ok))
		}
		s.Rates[0] = append(s.Rates[0], num(b.perf.Completion()))
		s.Rates[1] = append(s.Rates[1], num(b.perf.OffCounterRate()))
	}
	for _, c := range d.ByChan {
		s.Channels = append(s.Channels, channelName(c.Channel))
		s.ChannelCounts = append(s.ChannelCounts, [2]int64{c.Requests, c.Diverted})
	}
	b, err := json.Marshal(s)
	return string(b), err
}

// analytics shows the performance analytics for the filter (param makers
// and checkers, reviewers, auditors). A malformed filter is shown above the
// form with a 400.
func (h *handler) analytics(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := parseAnalyticsFilter(c, date.FromTime(time.Now()))
	v := view{Title: "绩效分析", Menu: "/admin/analytics"}
	if err != nil {
		v.Data = &analyticsData{In: f, Channels: catalog.Channels(), Items: catalog.Items(), Chart: "{}"}
		return h.formError(c, err, "analytics", v)
	}
	d, err := h.analyticsFor(ctx, f)
	if err != nil {
		return err
	}
	v.Data = d
	return h.render(c, http.StatusOK, "analytics", v)
}

// registerAnalytics mounts the analytics page and its Excel export.
func (h *handler) registerAnalytics(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/analytics", h.analytics)
	page(http.MethodGet, "/admin/analytics/export", h.analyticsExport)
}
