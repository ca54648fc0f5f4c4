package console

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
)

func init() { maps.Copy(pages, parsePages("analytics")) }

// Sheet names of the analytics workbook.
const (
	SheetAnalyticsCells  = "渠道事项汇总"
	SheetAnalyticsSeries = "时段趋势"
	SheetAnalyticsItems  = "离柜率"
	SheetAnalyticsDivert = "分流明细"
)

var perfHeader = []any{"请求", "受理", "分流", "关闭拒绝", "系统错误", "办结率", "平均耗时(毫秒)", "P50(毫秒)", "P95(毫秒)", "P99(毫秒)"}

func perfCells(f figures) []any {
	return []any{f.Requests, f.Admitted, f.Diverted, f.Closed, f.Errors, f.CompletionPct, f.Mean, f.P50, f.P95, f.P99}
}

// analyticsExport answers the analytics of the filter as an .xlsx workbook:
// per channel × item (with the channel totals and the grand total), the time
// series, the 离柜率 of the 业务办理 items and the diversions. The export is
// audited (console.analytics_export) with its filter.
func (h *handler) analyticsExport(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := parseAnalyticsFilter(c, date.FromTime(time.Now()))
	if err != nil {
		return err
	}
	d, err := h.analyticsFor(ctx, f)
	if err != nil {
		return err
	}
	b, err := analyticsWorkbook(d)
	if err != nil {
		return err
	}
	if _, err := h.d.Audit.Write(ctx, audit.Record{Action: "console.analytics_export", Object: clip("analytics?"+d.Query, audit.MaxObject),
		Result: audit.ResultOK}); err != nil {
		return err
	}
	name := fmt.Sprintf("绩效分析_%s_%s.xlsx", f.From, f.To)
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="analytics_%s_%s.xlsx"; filename*=UTF-8''%s`, f.From, f.To, urlPathEscape(name)))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

func urlPathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// analyticsWorkbook writes the four sheets.
func analyticsWorkbook(d *analyticsData) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	filter := fmt.Sprintf("统计范围 %s 至 %s（自然日，北京时间）", d.In.From, d.In.To)
	if d.In.Channel != "" {
		filter += "，渠道 " + channelName(d.In.Channel)
	}
	if d.In.Item != "" {
		filter += "，事项 " + d.In.Item + " " + itemName(d.In.Item)
	}
	note := "办结率 = (受理 − 系统错误) / 请求；P50/P95/P99 由 100 毫秒、500 毫秒、2 秒三档累计计数在档内线性插值估算，超过 2 秒记为 > 2000"
	sheets := []struct {
		name   string
		header []any
		rows   [][]any
	}{
		{SheetAnalyticsCells, append([]any{"渠道", "服务事项代码", "服务事项"}, perfHeader...), nil},
		{SheetAnalyticsSeries, append([]any{"时段"}, append(perfHeader, "离柜率")...), nil},
		{SheetAnalyticsItems, []any{"服务事项代码", "服务事项", "业务办理受理", "非柜面受理", "离柜率"}, nil},
		{SheetAnalyticsDivert, []any{"日期", "时段", "渠道", "服务事项代码", "服务事项", "分流次数", "当时所处高峰时段", "可分流渠道（当前开关矩阵）"}, nil},
	}
	for _, r := range d.Cells {
		sheets[0].rows = append(sheets[0].rows, append([]any{channelName(r.Channel), r.Item, itemName(r.Item)}, perfCells(r.figures)...))
	}
	for _, r := range d.ByChan {
		sheets[0].rows = append(sheets[0].rows, append([]any{channelName(r.Channel), "", "（渠道合计）"}, perfCells(r.figures)...))
	}
	sheets[0].rows = append(sheets[0].rows, append([]any{"合计", "", ""}, perfCells(d.Total)...))
	for _, r := range d.Series {
		sheets[1].rows = append(sheets[1].rows, append(append([]any{r.Label}, perfCells(r.figures)...), r.OffCounterPct))
	}
	for _, r := range d.ByItem {
		sheets[2].rows = append(sheets[2].rows, []any{r.Item, itemName(r.Item), r.Business, r.OffCounter, r.OffCounterPct})
	}
	sheets[2].rows = append(sheets[2].rows, []any{"合计", "", d.Total.Business, d.Total.OffCounter, d.Total.OffCounterPct})
	for _, r := range d.Diverts {
		sheets[3].rows = append(sheets[3].rows, []any{r.Day.String(), fmt.Sprintf("%02d:00-%02d:00", r.Hour, r.Hour+1), channelName(r.Channel),
			r.Item, itemName(r.Item), r.Diverted, r.Window, strings.Join(r.Alternatives, "、")})
	}
	for i, s := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", s.name); err != nil {
				return nil, err
			}
		} else if _, err := x.NewSheet(s.name); err != nil {
			return nil, err
		}
		lines := [][]any{{filter}, {note}, s.header}
		lines = append(lines, s.rows...)
		for r, line := range lines {
			cell, err := excelize.CoordinatesToCellName(1, r+1)
			if err != nil {
				return nil, err
			}
			if err := x.SetSheetRow(s.name, cell, &line); err != nil {
				return nil, err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(s.header), 3)
		if err := x.SetCellStyle(s.name, "A3", last, bold); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
