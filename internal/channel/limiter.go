package channel

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"gjj/internal/channel/catalog"
)

// Timing of the Redis limiter: how long one call may take, and how long the
// in-process limiter stands in after Redis failed before Redis is tried again.
const (
	redisCallTimeout = 500 * time.Millisecond
	redisRetryAfter  = 5 * time.Second
)

// admission admits requests per key (channel × class): GCRA in Redis when
// configured, else (and while Redis fails) token buckets in this process.
type admission struct {
	redis  *redis_rate.Limiter // nil: in-process only
	prefix string
	log    *slog.Logger

	downUntil atomic.Int64 // unix nanoseconds; Redis is not tried before
	down      atomic.Bool

	mu    sync.Mutex
	local map[string]*rate.Limiter
}

func newAdmission(rc *redis.Client, prefix string, log *slog.Logger) *admission {
	a := &admission{prefix: prefix, log: log, local: map[string]*rate.Limiter{}}
	if rc != nil {
		a.redis = redis_rate.NewLimiter(rc)
	}
	return a
}

// limiterKey names the admission state of a channel × class.
func limiterKey(channel string, class catalog.Class) string { return channel + ":" + string(class) }

// redisLimit expresses a capacity for redis_rate: the rate in thousandths per
// second, so fractional rates stay exact.
func redisLimit(r catalog.Rate) redis_rate.Limit {
	return redis_rate.Limit{Rate: int(max(r.MilliPerSecond(), 1)), Burst: r.Burst, Period: 1000 * time.Second}
}

// take admits one request under key or reports how long until one would be.
func (a *admission) take(ctx context.Context, key string, r catalog.Rate, now time.Time) (bool, time.Duration) {
	if a.useRedis() {
		cctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
		res, err := a.redis.Allow(cctx, a.prefix+"gate:"+key, redisLimit(r))
		cancel()
		if a.result(ctx, err) {
			return res.Allowed > 0, max(res.RetryAfter, 0)
		}
	}
	lim := a.limiter(key, r, now)
	if lim.AllowN(now, 1) {
		return true, 0
	}
	tokens := lim.TokensAt(now)
	return false, time.Duration((1 - tokens) / r.PerSecond * float64(time.Second))
}

// room returns how many requests key could admit at once now (whole
// requests; the burst when idle), without admitting any.
func (a *admission) room(ctx context.Context, key string, r catalog.Rate, now time.Time) float64 {
	if a.useRedis() {
		cctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
		res, err := a.redis.AllowN(cctx, a.prefix+"gate:"+key, redisLimit(r), 0)
		cancel()
		if a.result(ctx, err) {
			return float64(res.Remaining)
		}
	}
	return math.Floor(max(a.limiter(key, r, now).TokensAt(now), 0))
}

// load is the share of key's burst in use now: 0 idle, 1 full (no room for
// one more request).
func (a *admission) load(ctx context.Context, key string, r catalog.Rate, now time.Time) float64 {
	room := a.room(ctx, key, r, now)
	l := 1 - room/float64(r.Burst)
	return math.Round(min(max(l, 0), 1)*100) / 100
}

func (a *admission) useRedis() bool {
	return a.redis != nil && time.Now().UnixNano() >= a.downUntil.Load()
}

// result records the outcome of a Redis call and reports whether it can be
// used. A failure switches to the in-process limiter for redisRetryAfter and
// is logged once per outage; a caller that went away does not count.
func (a *admission) result(ctx context.Context, err error) bool {
	if err == nil {
		if a.down.CompareAndSwap(true, false) {
			a.log.Info("channel gate: Redis limiter answers again; admission is shared again")
		}
		return true
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return false
	}
	a.downUntil.Store(time.Now().Add(redisRetryAfter).UnixNano())
	if a.down.CompareAndSwap(false, true) {
		a.log.Warn("channel gate: Redis limiter unavailable, admitting with the in-process limiter", "error", err.Error())
	}
	return false
}

// limiter returns the in-process token bucket of key, set to r.
func (a *admission) limiter(key string, r catalog.Rate, now time.Time) *rate.Limiter {
	perSec := rate.Limit(float64(r.MilliPerSecond()) / 1000)
	a.mu.Lock()
	defer a.mu.Unlock()
	lim := a.local[key]
	if lim == nil {
		lim = rate.NewLimiter(perSec, r.Burst)
		a.local[key] = lim
		return lim
	}
	if lim.Limit() != perSec {
		lim.SetLimitAt(now, perSec)
	}
	if lim.Burst() != r.Burst {
		lim.SetBurstAt(now, r.Burst)
	}
	return lim
}
