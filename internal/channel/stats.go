package channel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// metrics are the gate's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gjj_channel_requests_total",
			Help: "Requests through the channel gate by channel, service item and outcome (admitted, error, diverted, closed).",
		}, []string{"channel", "item", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gjj_channel_request_duration_seconds",
			Help:    "Latency of requests the channel gate admitted, by channel and service item.",
			Buckets: prometheus.DefBuckets,
		}, []string{"channel", "item"}),
	}
}

// Register adds the gate's metrics (gjj_channel_requests_total{channel,item,
// outcome}, gjj_channel_request_duration_seconds{channel,item}) to reg — the
// registry given to the web kit, so they are served at /metrics. Registering
// the same gate twice on one registry is harmless; the wiring calls it once
// per server. Errors: a registry that holds other collectors of the same names.
func (g *Gate) Register(reg prometheus.Registerer) error {
	if g == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{g.metrics.requests, g.metrics.duration} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) && are.ExistingCollector == c {
				continue
			}
			return fmt.Errorf("channel: register metrics: %w", err)
		}
	}
	return nil
}

// Latency bucket bounds of the rollup (cumulative, like Prometheus).
const (
	bucket1 = 100 * time.Millisecond
	bucket2 = 500 * time.Millisecond
	bucket3 = 2 * time.Second
)

// statKey is one rollup row: a Shanghai calendar hour × channel × item.
type statKey struct {
	day     date.Date
	hour    int
	channel string
	item    string
}

// counts are the additive columns of a rollup row.
type counts struct {
	requests, admitted, diverted, closed, errors int64
	latencyUS                                    int64
	le100ms, le500ms, le2s                       int64
}

func (c *counts) merge(o *counts) {
	c.requests += o.requests
	c.admitted += o.admitted
	c.diverted += o.diverted
	c.closed += o.closed
	c.errors += o.errors
	c.latencyUS += o.latencyUS
	c.le100ms += o.le100ms
	c.le500ms += o.le500ms
	c.le2s += o.le2s
}

// stats accumulates rollup rows in memory until Flush.
type stats struct {
	mu     sync.Mutex
	cells  map[statKey]*counts
	closed bool
}

func newStats() *stats { return &stats{cells: map[statKey]*counts{}} }

func (s *stats) add(now time.Time, channel, item, outcome string, latency time.Duration) {
	sh := now.In(date.Shanghai)
	k := statKey{day: date.FromTime(now), hour: sh.Hour(), channel: channel, item: item}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	c := s.cells[k]
	if c == nil {
		c = &counts{}
		s.cells[k] = c
	}
	c.requests++
	switch outcome {
	case OutcomeDiverted:
		c.diverted++
		return
	case OutcomeClosed:
		c.closed++
		return
	case OutcomeError:
		c.errors++
	}
	c.admitted++
	c.latencyUS += latency.Microseconds()
	if latency <= bucket1 {
		c.le100ms++
	}
	if latency <= bucket2 {
		c.le500ms++
	}
	if latency <= bucket3 {
		c.le2s++
	}
}

// take removes and returns everything accumulated.
func (s *stats) take() map[statKey]*counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.cells
	s.cells = map[statKey]*counts{}
	return out
}

// putBack returns rows a failed flush could not write.
func (s *stats) putBack(rows map[statKey]*counts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, c := range rows {
		if cur := s.cells[k]; cur != nil {
			cur.merge(c)
		} else {
			s.cells[k] = c
		}
	}
}

func (s *stats) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

func (g *Gate) flusher(every time.Duration) {
	defer close(g.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			if err := g.Flush(ctx); err != nil {
				g.log.Warn("channel gate: statistics not flushed, will retry", "error", err.Error())
			}
			cancel()
		}
	}
}

const statCols = `stat_day, hour_of_day, channel, item, requests, admitted, diverted, closed, errors,
	latency_us_sum, lat_le_100ms, lat_le_500ms, lat_le_2s`

// Flush adds the statistics counted in memory since the last flush to the
// rollup table, in one transaction, with additive upserts: instances sharing
// the database add up. Rows it cannot write stay in memory for the next
// flush. The flusher calls it periodically, Close once more; tests and the
// analytics pages may call it to see the latest counts. It also drops the
// daily amount usage of business dates more than a week old.
func (g *Gate) Flush(ctx context.Context) error {
	if g == nil {
		return nil
	}
	rows := g.stats.take()
	if len(rows) == 0 {
		return g.pruneUsage(ctx)
	}
	var upsert string
	if g.db.Dialect == db.MySQL {
		upsert = `INSERT INTO channel_stat_hour (` + statCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests), admitted = admitted + VALUES(admitted),
			diverted = diverted + VALUES(diverted), closed = closed + VALUES(closed), errors = errors + VALUES(errors),
			latency_us_sum = latency_us_sum + VALUES(latency_us_sum), lat_le_100ms = lat_le_100ms + VALUES(lat_le_100ms),
			lat_le_500ms = lat_le_500ms + VALUES(lat_le_500ms), lat_le_2s = lat_le_2s + VALUES(lat_le_2s)`
	} else {
		upsert = `INSERT INTO channel_stat_hour (` + statCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (stat_day, hour_of_day, channel, item) DO UPDATE SET requests = requests + excluded.requests,
			admitted = admitted + excluded.admitted, diverted = diverted + excluded.diverted, closed = closed + excluded.closed,
			errors = errors + excluded.errors, latency_us_sum = latency_us_sum + excluded.latency_us_sum,
			lat_le_100ms = lat_le_100ms + excluded.lat_le_100ms, lat_le_500ms = lat_le_500ms + excluded.lat_le_500ms,
			lat_le_2s = lat_le_2s + excluded.lat_le_2s`
	}
	err := g.db.InTx(ctx, func(tx *db.Tx) error {
		for k, c := range rows {
			if _, err := tx.ExecContext(ctx, upsert, k.day, k.hour, k.channel, k.item, c.requests, c.admitted, c.diverted,
				c.closed, c.errors, c.latencyUS, c.le100ms, c.le500ms, c.le2s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		g.stats.putBack(rows)
		return fmt.Errorf("channel: flush statistics: %w", err)
	}
	return g.pruneUsage(ctx)
}

// StatRow is one hour of one item on one channel (Stats). Admitted includes
// the requests that then failed with a server error (Errors); Requests =
// Admitted + Diverted + Closed. Latencies are of admitted requests; the
// LE columns count those at or under the bound.
type StatRow struct {
	Day            date.Date `db:"stat_day" json:"day"`     // Asia/Shanghai calendar day
	Hour           int       `db:"hour_of_day" json:"hour"` // 0–23, Asia/Shanghai
	Channel        string    `db:"channel" json:"channel"`
	Item           string    `db:"item" json:"item"`
	Requests       int64     `db:"requests" json:"requests"`
	Admitted       int64     `db:"admitted" json:"admitted"`
	Diverted       int64     `db:"diverted" json:"diverted"`
	Closed         int64     `db:"closed" json:"closed"`
	Errors         int64     `db:"errors" json:"errors"`
	LatencySumUS   int64     `db:"latency_us_sum" json:"latency_us_sum"`
	LatencyLE100ms int64     `db:"lat_le_100ms" json:"latency_le_100ms"`
	LatencyLE500ms int64     `db:"lat_le_500ms" json:"latency_le_500ms"`
	LatencyLE2s    int64     `db:"lat_le_2s" json:"latency_le_2s"`
}

// Stats returns the rollup rows of the calendar days from through to
// (inclusive, Asia/Shanghai), ordered by day, hour, channel and item — what
// every instance has flushed (call Flush first to include this one's latest).
// For the analytics pages and exports. Errors: errs.Invalid channel.bad_range
// when to is before from or either is zero; store errors.
func (g *Gate) Stats(ctx context.Context, from, to date.Date) ([]StatRow, error) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, errs.New(errs.Invalid, "channel.bad_range", "统计日期范围不正确：结束日期不能早于开始日期")
	}
	rows := []StatRow{}
	err := g.db.SelectContext(ctx, &rows, `SELECT `+statCols+` FROM channel_stat_hour
		WHERE stat_day >= ? AND stat_day <= ? ORDER BY stat_day, hour_of_day, channel, item`, from, to)
	if err != nil {
		return nil, err
	}
	return rows, nil
}
