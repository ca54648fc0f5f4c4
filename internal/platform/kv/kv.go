// Package kv is the small key-value store behind sessions, OTP replay guards,
// locks and caches: Redis when the platform runs as several instances, an
// in-process map in the embedded single-instance mode.
package kv

import (
	"context"
	"time"

	"gjj/internal/platform/errs"
)

// Store is a key-value store with per-key expiry. A ttl of zero or less means
// the key does not expire. Every method may return an errs.Unavailable error
// (code "kv.unavailable") when the store cannot be reached or is closed; other
// failures (for example Incr on a non-integer value) are plain errors.
// Implementations are safe for concurrent use.
type Store interface {
	// Ping checks that the store answers (for readiness checks).
	Ping(ctx context.Context) error
	// Get returns the value and true, or "" and false when the key is absent
	// or expired.
	Get(ctx context.Context, key string) (string, bool, error)
	// Set stores value under key, replacing any value and expiry.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// SetNX stores value only when key is absent and reports whether it did;
	// among concurrent callers exactly one wins.
	SetNX(ctx context.Context, key, value string, ttl time.Duration) (bool, error)
	// Del removes the keys; absent keys are ignored.
	Del(ctx context.Context, keys ...string) error
	// Incr adds one to the integer under key (absent counts as 0) and returns
	// the new value. When the key is created by this call it expires after
	// ttl; an existing key keeps its expiry.
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
	// Close releases the store. Later calls fail with ErrUnavailable.
	Close() error
}

// ErrUnavailable is the kind of error every Store returns when its backend
// cannot be reached or the store is closed. Match with errors.Is.
var ErrUnavailable = errs.New(errs.Unavailable, "kv.unavailable", "缓存服务暂时不可用，请稍后再试")

// Open returns the store named by spec (the GJJ_REDIS setting): the in-process
// store when spec is "" (single instance only), otherwise Redis at spec
// ("host:port" or a redis:// URL) with every key prefixed by prefix. Called
// once by the command wiring; errors name a bad spec without its password.
func Open(spec, prefix string) (Store, error) {
	if spec == "" {
		return NewMemory(), nil
	}
	return NewRedis(spec, prefix)
}
