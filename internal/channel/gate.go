// Package channel is the channel gate every channel adapter puts in front of
// the core (DESIGN §2, §7): it knows the registered channels and the service
// items (package catalog), answers whether an item is open on a channel now
// (the switch matrix with business hours, parameter channel.matrix), admits
// requests up to the capacity of the channel × item class (parameter
// channel.capacity; GCRA in Redis through go-redis/redis_rate, shared by every
// instance, or golang.org/x/time/rate in the embedded single-instance mode),
// checks per-transaction and per-day amount limits, and counts every request
// per channel × item in Prometheus and in hourly rollups in the database.
//
// Over capacity the gate diverts: 429 channel.busy with Retry-After and the
// channels that have room for the item now; a closed channel or item answers
// 503 channel.closed with the same alternatives. JSON clients get
// problem+json with code, retry_after_s and alternatives at the top level;
// browsers on pages get a Chinese page listing the same.
//
// The gate never fails a request because of its own dependencies: parameters
// that cannot be read keep their last good value (the shipped defaults at
// first), and when Redis does not answer the in-process limiter takes over
// until it does (each instance then admits up to the whole capacity).
package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Types of the catalog, for callers that only import the gate.
type (
	// Channel is a registered channel (code, Chinese name, how to reach it).
	Channel = catalog.Channel
	// Item is a service item of the catalog.
	Item = catalog.Item
)

// Defaults of Options.
const (
	DefaultCacheTTL   = 3 * time.Second
	DefaultFlushEvery = 30 * time.Second
	// MaxCacheTTL caps Options.CacheTTL: a switched-off item must close within
	// seconds on every instance.
	MaxCacheTTL = 10 * time.Second
)

// Options configures New.
type Options struct {
	// DB holds the statistics rollups and the daily amount usage (required).
	DB *db.DB
	// Policy supplies channel.matrix and channel.capacity in force on the
	// business date; nil uses the shipped defaults (catalog.DefaultMatrix,
	// catalog.DefaultCapacity).
	Policy *policy.Store
	// Dates supplies the business date for parameters and daily limits; nil
	// uses the calendar day in Asia/Shanghai.
	Dates *bizdate.Service
	// Redis, when set, holds the admission state shared by every instance
	// (kv.RedisClient of the platform's store); nil admits in-process.
	Redis *redis.Client
	// KeyPrefix starts every Redis key of the gate (the platform uses "gjj:";
	// redis_rate itself puts "rate:" in front).
	KeyPrefix string
	// Log receives the gate's warnings (parameters unreadable, Redis down and
	// back, statistics not flushed); nil discards them.
	Log *slog.Logger
	// Now is the wall clock for business hours, statistics hours and the
	// in-process limiter; nil is time.Now. Tests inject a fixed clock.
	Now func() time.Time
	// CacheTTL is how long parameters are kept before they are read again:
	// 0 means DefaultCacheTTL; values above MaxCacheTTL are lowered to it.
	CacheTTL time.Duration
	// FlushEvery is how often the statistics are added to the database: 0
	// means DefaultFlushEvery, a negative value only on Flush and Close.
	FlushEvery time.Duration
}

// Gate is the channel gate. It is safe for concurrent use; one per process
// (app.App.Gate). A nil *Gate admits everything and records nothing, so
// adapters built without one (unit tests) keep working.
type Gate struct {
	db      *db.DB
	policy  *policy.Store
	dates   *bizdate.Service
	log     *slog.Logger
	now     func() time.Time
	ttl     time.Duration
	adm     *admission
	stats   *stats
	metrics *metrics

	cfg      atomic.Pointer[snapshot]
	gen      atomic.Int64 // bumped by Invalidate
	reloadMu sync.Mutex
	problems map[string]string // what the last reload complained about, by part (under reloadMu)

	altMu sync.Mutex
	alts  map[string]altEntry

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// snapshot is the parameters in force, as read at one moment.
type snapshot struct {
	matrix   *catalog.Matrix
	capacity catalog.Capacity
	peaks    *catalog.PeakWindows // channel.peak_windows (peak.go)
	bizDate  date.Date
	gen      int64
	read     time.Time // monotonic
}

// New returns a gate and starts its statistics flusher. Called once by the
// wiring (app.Open); Close stops it. Errors: a missing DB.
func New(opts Options) (*Gate, error) {
	if opts.DB == nil {
		return nil, errors.New("channel: Options.DB is required")
	}
	g := &Gate{
		db: opts.DB, policy: opts.Policy, dates: opts.Dates, log: opts.Log, now: opts.Now, ttl: opts.CacheTTL,
		stats: newStats(), metrics: newMetrics(), problems: map[string]string{}, alts: map[string]altEntry{},
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.ttl <= 0 {
		g.ttl = DefaultCacheTTL
	}
	g.ttl = min(g.ttl, MaxCacheTTL)
	g.adm = newAdmission(opts.Redis, opts.KeyPrefix, g.log)
	every := opts.FlushEvery
	if every == 0 {
		every = DefaultFlushEvery
	}
	if every > 0 {
		go g.flusher(every)
	} else {
		close(g.done)
	}
	return g, nil
}

// Close stops the flusher and adds the statistics not yet flushed to the
// database. Later requests are still gated but their statistics are only
// counted in Prometheus. Safe to call more than once; the wiring calls it
// before closing the stores.
func (g *Gate) Close() error {
	if g == nil {
		return nil
	}
	g.closeOnce.Do(func() {
		close(g.stop)
		<-g.done
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.closeErr = g.Flush(ctx)
		g.stats.close()
	})
	return g.closeErr
}

// Invalidate drops the cached parameters so that the next request reads
// channel.matrix and channel.capacity again. The change-request service calls
// it after an approved change (other instances pick it up within CacheTTL).
func (g *Gate) Invalidate() {
	if g == nil {
		return
	}
	g.gen.Add(1)
	g.altMu.Lock()
	clear(g.alts)
	g.altMu.Unlock()
}

// Channels returns the registered channels in display order.
func (g *Gate) Channels() []Channel { return catalog.Channels() }

// Catalog returns the service items in display order.
func (g *Gate) Catalog() []Item { return catalog.Items() }

// config returns the parameters in force, reading them when the cached ones
// are older than the TTL or invalidated. While one goroutine reads, the others
// keep using the previous snapshot.
func (g *Gate) config(ctx context.Context) *snapshot {
	s := g.cfg.Load()
	if s.fresh(g) {
		return s
	}
	if s != nil {
		if !g.reloadMu.TryLock() {
			return s
		}
	} else {
		g.reloadMu.Lock()
	}
	defer g.reloadMu.Unlock()
	if cur := g.cfg.Load(); cur.fresh(g) {
		return cur
	}
	ns := g.read(ctx, g.cfg.Load())
	g.cfg.Store(ns)
	return ns
}

func (s *snapshot) fresh(g *Gate) bool {
	return s != nil && s.gen == g.gen.Load() && time.Since(s.read) < g.ttl
}

// read reads the business date and both parameters. Whatever cannot be read
// or parsed keeps its previous value (the shipped default at first); each
// problem is logged when it starts and when it ends.
func (g *Gate) read(ctx context.Context, prev *snapshot) *snapshot {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	s := &snapshot{gen: g.gen.Load(), read: time.Now()}

	s.bizDate = date.FromTime(g.now())
	if g.dates != nil {
		d, err := g.dates.Today(ctx)
		switch {
		case err == nil:
			s.bizDate = d
		case prev != nil:
			s.bizDate = prev.bizDate
		}
		g.problem("business date", err)
	}

	s.matrix = catalog.DefaultMatrix()
	s.capacity = catalog.DefaultCapacity()
	if prev != nil {
		s.matrix, s.capacity = prev.matrix, prev.capacity
	}
	if g.policy == nil {
		return s
	}
	if v, err := g.policy.String(ctx, policy.ChannelMatrix, s.bizDate); err == nil {
		m, perr := catalog.ParseMatrix(v)
		if perr == nil {
			s.matrix = m
		}
		g.problem(policy.ChannelMatrix, perr)
	} else {
		g.problem(policy.ChannelMatrix, err)
	}
	if v, err := g.policy.String(ctx, policy.ChannelCapacity, s.bizDate); err == nil {
		c, perr := catalog.ParseCapacity(v)
		if perr == nil {
			s.capacity = c
		}
		g.problem(policy.ChannelCapacity, perr)
	} else {
		g.problem(policy.ChannelCapacity, err)
	}
	g.readPeaks(ctx, s, prev)
	return s
}

// problem logs a reload problem of part once when it appears or changes, and
// once when it is gone. Called under reloadMu.
func (g *Gate) problem(part string, err error) {
	old := g.problems[part]
	if err == nil {
		if old != "" {
			delete(g.problems, part)
			g.log.Info("channel gate: parameter readable again", "part", part)
		}
		return
	}
	if msg := err.Error(); msg != old {
		g.problems[part] = msg
		g.log.Warn("channel gate: cannot read parameter, keeping the previous value", "part", part, "error", msg)
	}
}

// lookup returns the item after checking both codes; an unknown code is a
// programming error (errs.Internal channel.unknown).
func lookup(channel, item string) (catalog.Item, error) {
	if _, ok := catalog.ChannelByCode(channel); !ok {
		return catalog.Item{}, errs.Newf(errs.Internal, "channel.unknown", "未登记的渠道 %q", channel)
	}
	it, ok := catalog.ItemByCode(item)
	if !ok {
		return catalog.Item{}, errs.Newf(errs.Internal, "channel.unknown", "未登记的服务事项 %q", item)
	}
	return it, nil
}

// mustItem is lookup for route registration: an unknown code panics at start.
func mustItem(channel, item string) catalog.Item {
	it, err := lookup(channel, item)
	if err != nil {
		panic(fmt.Sprintf("channel: %v", err))
	}
	return it
}

// Offer is one item offered on a channel, for menus (Menu).
type Offer struct {
	Item Item `json:"item"`
	// Open says whether the item can be done on the channel now.
	Open bool `json:"open"`
	// Reason is why it is closed: "channel_off", "item_off" or
	// "out_of_hours"; "" when open.
	Reason string `json:"reason,omitempty"`
	// Hours are the business hours, "00:00-24:00" for all day.
	Hours          string    `json:"hours"`
	SingleLimitFen money.Fen `json:"single_limit_fen,omitempty"`
	DailyLimitFen  money.Fen `json:"daily_limit_fen,omitempty"`
}

// Menu lists the items offered on a channel (an enabled cell in the matrix),
// in catalog order, with whether each is open now — for the halls' menus and
// the app's home screen. It does not consume capacity. Errors:
// errs.Internal channel.unknown for an unregistered channel.
func (g *Gate) Menu(ctx context.Context, channel string) ([]Offer, error) {
	if _, ok := catalog.ChannelByCode(channel); !ok {
		return nil, errs.Newf(errs.Internal, "channel.unknown", "未登记的渠道 %q", channel)
	}
	cfg := g.snapshotOrDefault(ctx)
	now := g.clock().In(date.Shanghai)
	out := []Offer{}
	for _, it := range catalog.Items() {
		v := cfg.matrix.Check(channel, it.Code, now)
		if v.Cell == nil || !v.Cell.Enabled {
			continue
		}
		o := Offer{Item: it, Open: v.Closure == catalog.Open, Reason: reasonCode(v.Closure), Hours: v.Cell.ParsedHours().String(),
			SingleLimitFen: v.Cell.SingleLimitFen, DailyLimitFen: v.Cell.DailyLimitFen}
		out = append(out, o)
	}
	return out, nil
}

// snapshotOrDefault is config for a possibly nil gate.
func (g *Gate) snapshotOrDefault(ctx context.Context) *snapshot {
	if g == nil {
		return &snapshot{matrix: catalog.DefaultMatrix(), capacity: catalog.DefaultCapacity(), bizDate: date.FromTime(time.Now())}
	}
	return g.config(ctx)
}

func (g *Gate) clock() time.Time {
	if g == nil {
		return time.Now()
	}
	return g.now()
}
