package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/channel"
	"gjj/internal/channel/catalog"
	"gjj/internal/notify"
	"gjj/internal/platform/date"
	"gjj/internal/policy"
)

// counts are the additive figures of the gate's statistics.
type counts struct {
	Requests, Admitted, Diverted, Closed, Errors int64
}

func (n *counts) add(r channel.StatRow) {
	n.Requests += r.Requests
	n.Admitted += r.Admitted
	n.Diverted += r.Diverted
	n.Closed += r.Closed
	n.Errors += r.Errors
}

// chanStat is one channel's figures today with its load this hour.
type chanStat struct {
	Code string
	counts
	Load []classLoad
}

// classLoad compares the requests of one admission class this hour, as an
// average per second, with the class's capacity in force.
type classLoad struct {
	Class     catalog.Class
	PerSecond float64
	Capacity  catalog.Rate
	Percent   int // of the capacity, 0–100, for the bar
}

// cellStat is one channel × item today.
type cellStat struct {
	Channel, Item string
	counts
	AvgMS int64 // mean latency of admitted requests
}

type dashData struct {
	Day, BizDate date.Date
	Hour         string // the current hour (Asia/Shanghai) the load is measured in, "09:00"
	Total        counts
	Channels     []chanStat
	Cells        []cellStat
	// Business counts admitted requests of 业务办理 items (deposit, withdrawal,
	// loan); OffCounter those not on the counter channel (离柜率 = OffCounter / Business).
	Business, OffCounter int64
	PendingPreregs       int
	PendingDeferrals     int
	CanPreregs           bool
	CanDeferrals         bool
	CanSMS               bool
	Alerts               []string
	FailedSMS            int
	CapacityNote         string
}

// alertWindow is how far back the dashboard's alerts look.
const alertWindow = time.Hour

// dashboard shows today's volume per channel and per channel × item (the
// gate's hourly rollups, this instance's latest counts flushed first), the
// load of each channel this hour against its capacity, the pending reviews,
// the 离柜率 and the alerts of the last hour (diversions, closures, server
// errors, failed SMS).
func (h *handler) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	now := time.Now()
	sh := now.In(date.Shanghai)
	today := date.FromTime(now)
	biz, err := h.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	d := dashData{Day: today, BizDate: biz, Hour: fmt.Sprintf("%02d:00", sh.Hour()),
		CanPreregs: h.can(c, "/admin/reviews/preregistrations"), CanDeferrals: h.can(c, "/admin/reviews/deferrals"),
		CanSMS: h.can(c, "/admin/sms")}
	var rows []channel.StatRow
	if h.d.Gate != nil {
		_ = h.d.Gate.Flush(ctx) // best effort: Stats reads what every instance flushed
		if rows, err = h.d.Gate.Stats(ctx, today.AddDays(-1), today); err != nil {
			return err
		}
	}
	capacity, note := h.capacity(ctx, biz)
	d.CapacityNote = note
	d.fill(rows, capacity, today, sh)

	pre, err := h.d.Deposit.PendingPreregistrations(ctx)
	if err != nil {
		return err
	}
	d.PendingPreregs = len(pre)
	if _, d.PendingDeferrals, err = h.d.Deposit.PendingDeferrals(ctx, 1); err != nil {
		return err
	}
	msgs, err := h.d.Notify.Outbox(ctx, notify.Filter{Limit: notify.MaxLimit})
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Status == notify.StatusFailed && now.Sub(m.CreatedAt) <= alertWindow {
			d.FailedSMS++
		}
	}
	if d.FailedSMS > 0 {
		d.Alerts = append(d.Alerts, fmt.Sprintf("近一小时短信发送失败 %d 条，请检查短信网关。", d.FailedSMS))
	}
	return h.render(c, http.StatusOK, "dashboard", view{Title: "首页概览", Menu: "/admin/", Data: d})
}

// fill aggregates the rollup rows of today and builds the alerts of the
// current and previous clock hour.
func (d *dashData) fill(rows []channel.StatRow, capacity catalog.Capacity, today date.Date, now time.Time) {
	byChannel := map[string]*chanStat{}
	byCell := map[[2]string]*cellStat{}
	latency := map[[2]string]int64{}
	hourReq := map[string]map[catalog.Class]int64{}
	prevDay, prevHour := today, now.Hour()-1
	if prevHour < 0 {
		prevDay, prevHour = today.AddDays(-1), 23
	}
	for _, r := range rows {
		recent := (r.Day == today && r.Hour == now.Hour()) || (r.Day == prevDay && r.Hour == prevHour)
		if recent {
			d.alert(r)
		}
		if r.Day != today {
			continue
		}
		d.Total.add(r)
		ch := byChannel[r.Channel]
		if ch == nil {
			ch = &chanStat{Code: r.Channel}
			byChannel[r.Channel] = ch
		}
		ch.add(r)
		k := [2]string{r.Channel, r.Item}
		cell := byCell[k]
		if cell == nil {
			cell = &cellStat{Channel: r.Channel, Item: r.Item}
			byCell[k] = cell
		}
		cell.add(r)
		latency[k] += r.LatencySumUS
		it, known := catalog.ItemByCode(r.Item)
		if known && it.Category.Business() {
			d.Business += r.Admitted
			if r.Channel != catalog.Counter {
				d.OffCounter += r.Admitted
			}
		}
		if r.Hour == now.Hour() && known {
			if hourReq[r.Channel] == nil {
				hourReq[r.Channel] = map[catalog.Class]int64{}
			}
			hourReq[r.Channel][it.Class] += r.Requests
		}
	}
	// The hour's average: at least one minute, so the first seconds of an
	// hour do not show a burst as a rate.
	elapsed := max(now.Sub(now.Truncate(time.Hour)).Seconds(), 60)
	for _, ch := range catalog.Channels() {
		st := byChannel[ch.Code]
		if st == nil {
			st = &chanStat{Code: ch.Code}
		}
		for _, class := range catalog.Classes() {
			l := classLoad{Class: class, PerSecond: float64(hourReq[ch.Code][class]) / elapsed}
			if rate, ok := capacity.Rate(ch.Code, class); ok {
				l.Capacity = rate
				if rate.PerSecond > 0 {
					l.Percent = min(100, int(l.PerSecond*100/rate.PerSecond+0.5))
				}
			}
			st.Load = append(st.Load, l)
		}
		d.Channels = append(d.Channels, *st)
	}
	for k, cell := range byCell {
		if cell.Admitted > 0 {
			cell.AvgMS = latency[k] / cell.Admitted / 1000
		}
		d.Cells = append(d.Cells, *cell)
	}
	slices.SortFunc(d.Cells, func(a, b cellStat) int {
		if x := catalog.ChannelIndex(a.Channel) - catalog.ChannelIndex(b.Channel); x != 0 {
			return x
		}
		if a.Item < b.Item {
			return -1
		}
		if a.Item > b.Item {
			return 1
		}
		return 0
	})
}

// alert adds the alerts of one recent rollup row.
func (d *dashData) alert(r channel.StatRow) {
	where := fmt.Sprintf("%02d:00 时段 %s「%s」", r.Hour, channelName(r.Channel), itemName(r.Item))
	if r.Diverted > 0 {
		d.Alerts = append(d.Alerts, fmt.Sprintf("%s超出容量，分流 %d 次。", where, r.Diverted))
	}
	if r.Closed > 0 {
		d.Alerts = append(d.Alerts, fmt.Sprintf("%s因渠道或事项关闭拒绝 %d 次。", where, r.Closed))
	}
	if r.Errors > 0 {
		d.Alerts = append(d.Alerts, fmt.Sprintf("%s出现系统错误 %d 次。", where, r.Errors))
	}
}

// capacity returns the admission capacities in force on the business date
// (parameter channel.capacity), or the shipped defaults with a note when the
// parameter cannot be read — what the gate itself falls back to.
func (h *handler) capacity(ctx context.Context, biz date.Date) (catalog.Capacity, string) {
	v, err := h.d.Policy.String(ctx, policy.ChannelCapacity, biz)
	if err == nil {
		c, perr := catalog.ParseCapacity(v)
		if perr == nil {
			return c, ""
		}
		err = perr
	}
	return catalog.DefaultCapacity(), "渠道容量参数无法读取，显示的是系统默认容量：" + errMessage(err)
}

// can reports whether the signed-in staff member may open the page at path.
func (h *handler) can(c echo.Context, path string) bool {
	p := principal(c)
	if p == nil {
		return false
	}
	ok, err := h.d.Access.Allowed(p.Subject, access.Center, path, http.MethodGet)
	return err == nil && ok
}
