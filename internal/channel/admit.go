package channel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// Errors of the gate (match with errors.Is). Both carry the details
// "channel", "item", "alternatives" ([]Alternative, possibly empty) and,
// where known, "retry_after_s" (whole seconds); ErrClosed also "reason"
// (channel_off, item_off, not_offered, out_of_hours) and, for out_of_hours,
// "hours". The web kit renders details as top-level problem members.
var (
	// ErrBusy (429): the channel × item class is over capacity now.
	ErrBusy = errs.New(errs.Busy, "channel.busy", "当前办理人数较多，请稍后再试或通过其他渠道办理")
	// ErrClosed (503): the channel or the item is switched off, the item is
	// not offered on the channel, or it is outside business hours.
	ErrClosed = errs.New(errs.Unavailable, "channel.closed", "该业务当前暂停办理，请通过其他渠道办理")
)

// Alternative is a channel where the item is open now and has room.
type Alternative struct {
	Channel string `json:"channel"` // channel code
	Name    string `json:"name"`    // Chinese name
	// Load is the share of the channel's capacity for the item's class in use
	// now, from the limiter state: 0 idle … below 1.
	Load float64 `json:"load"`
}

// Outcomes recorded per request (Prometheus label "outcome").
const (
	OutcomeAdmitted = "admitted" // admitted and answered without a server error
	OutcomeError    = "error"    // admitted, then failed with a server error (5xx)
	OutcomeDiverted = "diverted" // refused over capacity (429)
	OutcomeClosed   = "closed"   // refused: closed (503)
)

// decide checks the matrix and takes capacity: nil admits.
func (g *Gate) decide(ctx context.Context, channel string, it catalog.Item) *errs.Error {
	cfg := g.config(ctx)
	now := g.now()
	v := cfg.matrix.Check(channel, it.Code, now.In(date.Shanghai))
	if v.Closure != catalog.Open {
		return g.closedError(ctx, cfg, channel, it, v, now)
	}
	ok, wait := g.adm.take(ctx, limiterKey(channel, it.Class), rateOf(cfg, channel, it.Class, now), now)
	if ok {
		return nil
	}
	secs := wholeSeconds(wait)
	alts := g.alternatives(ctx, cfg, channel, it, now)
	ch, _ := catalog.ChannelByCode(channel)
	msg := fmt.Sprintf("「%s」在%s当前办理人数较多，请 %d 秒后再试", it.Name, ch.Name, secs)
	if len(alts) > 0 {
		msg += "，或通过以下渠道办理：" + names(alts)
	}
	e := *ErrBusy
	e.Message = msg
	return e.With("channel", channel).With("item", it.Code).With("retry_after_s", secs).With("alternatives", alts)
}

func (g *Gate) closedError(ctx context.Context, cfg *snapshot, channel string, it catalog.Item, v catalog.Verdict, now time.Time) *errs.Error {
	ch, _ := catalog.ChannelByCode(channel)
	alts := g.alternatives(ctx, cfg, channel, it, now)
	var msg string
	switch v.Closure {
	case catalog.ChannelOff:
		msg = fmt.Sprintf("%s暂停服务", ch.Name)
	case catalog.ItemOff:
		msg = fmt.Sprintf("「%s」暂停办理", it.Name)
	case catalog.OutOfHours:
		msg = fmt.Sprintf("「%s」在%s的办理时间为 %s，现在不在办理时间", it.Name, ch.Name, v.Cell.ParsedHours())
	default:
		msg = fmt.Sprintf("「%s」暂不能在%s办理", it.Name, ch.Name)
	}
	if len(alts) > 0 {
		msg += "，请通过以下渠道办理：" + names(alts)
	} else if v.Closure != catalog.OutOfHours {
		msg += "，请稍后再试或咨询 12329 热线"
	}
	e := *ErrClosed
	e.Message = msg
	r := e.With("channel", channel).With("item", it.Code).With("reason", reasonCode(v.Closure)).With("alternatives", alts)
	if v.Closure == catalog.OutOfHours {
		r = r.With("retry_after_s", wholeSeconds(v.Wait)).With("hours", v.Cell.ParsedHours().String())
	}
	return r
}

func reasonCode(c catalog.Closure) string {
	switch c {
	case catalog.ChannelOff:
		return "channel_off"
	case catalog.ItemOff:
		return "item_off"
	case catalog.NotOffered:
		return "not_offered"
	case catalog.OutOfHours:
		return "out_of_hours"
	}
	return ""
}

func names(alts []Alternative) string {
	s := ""
	for i, a := range alts {
		if i > 0 {
			s += "、"
		}
		s += a.Name
	}
	return s
}

// wholeSeconds rounds a wait up to whole seconds, at least 1.
func wholeSeconds(d time.Duration) int64 {
	return max(int64(math.Ceil(d.Seconds())), 1)
}

// rateOf is the capacity of channel × class at now: a peak window's in force
// (peak.go), else channel.capacity's (the shipped default if a stored
// document lacks it).
func rateOf(cfg *snapshot, channel string, class catalog.Class, now time.Time) catalog.Rate {
	if r, _, ok := cfg.peaks.Rate(channel, class, now.In(date.Shanghai)); ok {
		return r
	}
	if r, ok := cfg.capacity.Rate(channel, class); ok {
		return r
	}
	r, _ := catalog.DefaultCapacity().Rate(channel, class)
	return r
}

// altCacheTTL bounds how often alternatives are recomputed for one channel ×
// item while it is refusing: diverting must stay cheap under overload.
const altCacheTTL = 500 * time.Millisecond

type altEntry struct {
	alts []Alternative
	gen  int64
	at   time.Time
}

// alternatives lists the other channels where the item is open now and whose
// capacity for its class has room for one more request, least loaded first.
func (g *Gate) alternatives(ctx context.Context, cfg *snapshot, channel string, it catalog.Item, now time.Time) []Alternative {
	return g.alternativesWhere(ctx, cfg, channel, it, now, nil)
}

// alternativesWhere is alternatives with an extra condition on the cell; the
// result is cached only without one.
func (g *Gate) alternativesWhere(ctx context.Context, cfg *snapshot, channel string, it catalog.Item, now time.Time, keep func(*catalog.Cell) bool) []Alternative {
	key := channel + "|" + it.Code
	if keep == nil {
		g.altMu.Lock()
		e, ok := g.alts[key]
		g.altMu.Unlock()
		if ok && e.gen == cfg.gen && time.Since(e.at) < altCacheTTL {
			return slices.Clone(e.alts)
		}
	}
	sh := now.In(date.Shanghai)
	alts := []Alternative{}
	for _, ch := range catalog.Channels() {
		if ch.Code == channel {
			continue
		}
		v := cfg.matrix.Check(ch.Code, it.Code, sh)
		if v.Closure != catalog.Open || (keep != nil && !keep(v.Cell)) {
			continue
		}
		load := g.adm.load(ctx, limiterKey(ch.Code, it.Class), rateOf(cfg, ch.Code, it.Class, now), now)
		if load >= 1 {
			continue
		}
		alts = append(alts, Alternative{Channel: ch.Code, Name: ch.Name, Load: load})
	}
	slices.SortStableFunc(alts, func(a, b Alternative) int {
		switch {
		case a.Load < b.Load:
			return -1
		case a.Load > b.Load:
			return 1
		}
		return catalog.ChannelIndex(a.Channel) - catalog.ChannelIndex(b.Channel)
	})
	if keep == nil {
		g.altMu.Lock()
		g.alts[key] = altEntry{alts: slices.Clone(alts), gen: cfg.gen, at: time.Now()}
		g.altMu.Unlock()
	}
	return alts
}

// Ticket is an admitted request of a non-HTTP caller (Admit). Call Done once
// when the request is answered.
type Ticket struct {
	g       *Gate
	channel string
	item    string
	start   time.Time
	once    sync.Once
}

// Done records how the admitted request ended: err nil or a client-side error
// (invalid, not found, conflict, …) counts as admitted; a server error
// (errs.Internal, errs.Unavailable or an unclassified error) as "error". Only
// the first call counts. A nil Ticket or one of a nil Gate ignores it.
func (t *Ticket) Done(err error) {
	if t == nil || t.g == nil {
		return
	}
	t.once.Do(func() {
		t.g.finish(t.channel, t.item, t.start, serverError(err))
	})
}

// Admit gates one request of a non-HTTP channel (SMS commands, hotline IVR,
// batch feeds): the same switch, hours and admission as Middleware, counted
// the same. On success the caller must call Ticket.Done when it has answered.
// Errors: ErrBusy (errs.Busy channel.busy) and ErrClosed (errs.Unavailable
// channel.closed) with their details; errs.Internal channel.unknown for an
// unregistered channel or item. A nil Gate admits everything.
func (g *Gate) Admit(ctx context.Context, channel, item string) (*Ticket, error) {
	if g == nil {
		return &Ticket{}, nil
	}
	it, err := lookup(channel, item)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if e := g.decide(ctx, channel, it); e != nil {
		g.refused(channel, item, e)
		return nil, e
	}
	return &Ticket{g: g, channel: channel, item: item, start: start}, nil
}

// refused counts a refusal.
func (g *Gate) refused(channel, item string, e *errs.Error) {
	outcome := OutcomeClosed
	if e.Kind == errs.Busy {
		outcome = OutcomeDiverted
	}
	g.count(channel, item, outcome, 0)
}

// finish counts an admitted request that has been answered.
func (g *Gate) finish(channel, item string, start time.Time, failed bool) {
	outcome := OutcomeAdmitted
	if failed {
		outcome = OutcomeError
	}
	g.count(channel, item, outcome, time.Since(start))
}

// count updates Prometheus and the rollup in memory.
func (g *Gate) count(channel, item, outcome string, latency time.Duration) {
	g.metrics.requests.WithLabelValues(channel, item, outcome).Inc()
	if outcome == OutcomeAdmitted || outcome == OutcomeError {
		g.metrics.duration.WithLabelValues(channel, item).Observe(latency.Seconds())
	}
	g.stats.add(g.now(), channel, item, outcome, latency)
}

// serverError reports whether err is answered with a 5xx.
func serverError(err error) bool {
	if err == nil {
		return false
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code >= http.StatusInternalServerError
	}
	if errors.Is(err, context.Canceled) {
		return false // the client went away
	}
	return errs.KindOf(err).Status() >= http.StatusInternalServerError
}
