package channel

import (
	"context"
	"time"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/policy"
)

// Peak windows (parameter channel.peak_windows, catalog.PeakWindows) are
// scheduled periods — the first days of a month for 汇缴, July for 基数调整 —
// with their own capacities per channel × class. The gate reads the document
// in force on the business date with the other parameters (same cache, same
// Invalidate, same keep-the-last-good-value rule) and, for each request,
// takes the capacity of the first window in force at its wall-clock time
// (Asia/Shanghai, Options.Now) that sets the channel × class, else
// channel.capacity's.

// readPeaks reads channel.peak_windows into s; what cannot be read or parsed
// keeps the previous value (no windows at first).
func (g *Gate) readPeaks(ctx context.Context, s, prev *snapshot) {
	s.peaks = &catalog.PeakWindows{}
	if prev != nil && prev.peaks != nil {
		s.peaks = prev.peaks
	}
	if g.policy == nil {
		return
	}
	v, err := g.policy.String(ctx, policy.ChannelPeakWindows, s.bizDate)
	if err != nil {
		g.problem(policy.ChannelPeakWindows, err)
		return
	}
	p, perr := catalog.ParsePeakWindows(v)
	if perr == nil {
		s.peaks = p
	}
	g.problem(policy.ChannelPeakWindows, perr)
}

// PeakWindows returns the peak windows the gate uses now (the document in
// force on the business date, as cached). For the console's channel and
// analytics pages; a nil Gate has none.
func (g *Gate) PeakWindows(ctx context.Context) *catalog.PeakWindows {
	if g == nil {
		return &catalog.PeakWindows{}
	}
	if p := g.config(ctx).peaks; p != nil {
		return p
	}
	return &catalog.PeakWindows{}
}

// Capacity returns the capacity the gate applies to channel × class at t and
// the name of the peak window it comes from ("" when it is channel.capacity's).
// For the console (load against capacity); it takes no capacity.
func (g *Gate) Capacity(ctx context.Context, channel string, class catalog.Class, t time.Time) (catalog.Rate, string) {
	cfg := g.snapshotOrDefault(ctx)
	if r, name, ok := cfg.peaks.Rate(channel, class, t.In(date.Shanghai)); ok {
		return r, name
	}
	return rateOf(cfg, channel, class, t), ""
}
