// Package reqctx carries who is acting, on which channel, under which request id
// through a context, so the audit trail and logs can record them without every
// function taking them as arguments.
package reqctx

import "context"

type key int

const (
	requestIDKey key = iota
	actorKey
)

// Actor is who performs an operation and through which channel (DESIGN §1 codes:
// web, unit, app, wechat, sms, hotline, kiosk, gov, counter; "system" for jobs
// and the command line).
type Actor struct {
	ID      string // e.g. "staff:maker", "person:123", "system:eod"
	Channel string
}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorOf returns the actor in ctx; without one it is {"anonymous", "system"}.
func ActorOf(ctx context.Context) Actor {
	a, ok := ctx.Value(actorKey).(Actor)
	if !ok || a.ID == "" {
		return Actor{ID: "anonymous", Channel: "system"}
	}
	if a.Channel == "" {
		a.Channel = "system"
	}
	return a
}
