package change

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"gjj/internal/channel"
)

// gateSync carries "channel parameters changed" between instances: the
// instance that approves a channel change invalidates its own gate and
// publishes one small message on a Redis channel; every instance subscribed
// invalidates its gate when it arrives. Without Redis (one instance) only the
// local gate is invalidated.
type gateSync struct {
	gate  *channel.Gate
	rc    *redis.Client
	topic string
	log   *slog.Logger

	sub  *redis.PubSub
	done chan struct{}
	once sync.Once
}

// startGateSync subscribes to topic. A subscription that cannot be confirmed
// within a few seconds is logged and left to go-redis, which subscribes again
// when Redis answers.
func startGateSync(ctx context.Context, gate *channel.Gate, rc *redis.Client, topic string, log *slog.Logger) *gateSync {
	g := &gateSync{gate: gate, rc: rc, topic: topic, log: log}
	if rc == nil || gate == nil {
		return g
	}
	g.sub = rc.Subscribe(context.WithoutCancel(ctx), topic)
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := g.sub.Receive(cctx); err != nil {
		log.Warn("change: gate invalidation subscription not confirmed; gates refresh within their cache TTL", "error", err.Error())
	}
	g.done = make(chan struct{})
	ch := g.sub.Channel()
	go func() {
		defer close(g.done)
		for range ch {
			gate.Invalidate()
		}
	}()
	return g
}

// changed invalidates the local gate and tells the other instances. A failed
// publication is logged: the other gates refresh within their cache TTL.
func (g *gateSync) changed() {
	g.gate.Invalidate()
	if g.rc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := g.rc.Publish(ctx, g.topic, "1").Err(); err != nil {
		g.log.Warn("change: gate invalidation not published", "error", err.Error())
	}
}

func (g *gateSync) close() {
	g.once.Do(func() {
		if g.sub != nil {
			_ = g.sub.Close()
			<-g.done
		}
	})
}
