package kv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisStore is the Store on a Redis server, shared by every instance. Keys
// are stored as prefix+key.
type redisStore struct {
	client *redis.Client
	prefix string
	once   sync.Once
	// downUntil (unix nanoseconds) is set when Redis could not be reached:
	// until then calls fail fast with ErrUnavailable instead of each
	// waiting for dials that will fail (Ping always tries).
	downUntil atomic.Int64
}

// failFastFor is how long a Redis store answers ErrUnavailable without
// trying after Redis could not be reached; the first call after it (or any
// Ping) tries again.
const failFastFor = time.Second

// NewRedis returns a Store on the Redis at addr ("host:port" or a
// redis://[user:password@]host:port/db URL) whose keys all start with prefix
// (e.g. "gjj:"). It does not connect; call Ping. The error names a bad
// address without its password.
func NewRedis(addr, prefix string) (Store, error) {
	var opts *redis.Options
	if strings.Contains(addr, "://") {
		o, err := redis.ParseURL(addr)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // url.Error repeats the URL, password included
			}
			return nil, fmt.Errorf("kv: bad Redis URL: %v", err)
		}
		opts = o
	} else {
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return nil, fmt.Errorf("kv: bad Redis address %q: want host:port or a redis:// URL", addr)
		}
		opts = &redis.Options{Addr: addr}
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 2 * time.Second
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = time.Second
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = time.Second
	}
	if opts.DialerRetries == 0 {
		opts.DialerRetries = 1 // a refused dial is not retried five times per command
	}
	return &redisStore{client: redis.NewClient(opts), prefix: prefix}, nil
}

// RedisClient returns the go-redis client under s when s is the Redis store,
// for libraries that need the client itself (the channel gate's redis_rate
// limiter), or nil for the in-process store. Keys written through it are not
// prefixed: the caller adds its own. The client is closed with s.
func RedisClient(s Store) *redis.Client {
	if r, ok := s.(*redisStore); ok {
		return r.client
	}
	return nil
}

// wrap classifies a Redis error: replies from the server (a bug such as
// WRONGTYPE) and context errors stay plain; anything else means Redis cannot
// be reached and becomes ErrUnavailable.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("kv %s: %w", op, err)
	var reply redis.Error
	if errors.As(err, &reply) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return ErrUnavailable.Wrap(err)
}

// check classifies err like wrap and records whether Redis was reachable.
func (r *redisStore) check(op string, err error) error {
	err = wrap(op, err)
	switch {
	case err == nil:
		r.downUntil.Store(0)
	case errors.Is(err, ErrUnavailable):
		r.downUntil.Store(time.Now().Add(failFastFor).UnixNano())
	}
	return err
}

// away is ErrUnavailable while Redis was unreachable less than failFastFor ago.
func (r *redisStore) away() error {
	if time.Now().UnixNano() < r.downUntil.Load() {
		return ErrUnavailable.Wrap(errors.New("kv: Redis was unreachable a moment ago"))
	}
	return nil
}

// Ping implements Store. It always asks Redis, so readiness checks see it
// return at once.
func (r *redisStore) Ping(ctx context.Context) error {
	return r.check("ping", r.client.Ping(ctx).Err())
}

// Get implements Store.
func (r *redisStore) Get(ctx context.Context, key string) (string, bool, error) {
	if err := r.away(); err != nil {
		return "", false, err
	}
	v, err := r.client.Get(ctx, r.prefix+key).Result()
	if errors.Is(err, redis.Nil) {
		r.downUntil.Store(0)
		return "", false, nil
	}
	if err != nil {
		return "", false, r.check("get", err)
	}
	r.downUntil.Store(0)
	return v, true, nil
}

// Set implements Store.
func (r *redisStore) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := r.away(); err != nil {
		return err
	}
	return r.check("set", r.client.Set(ctx, r.prefix+key, value, max(ttl, 0)).Err())
}

// SetNX implements Store.
func (r *redisStore) SetNX(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	if err := r.away(); err != nil {
		return false, err
	}
	ok, err := r.client.SetNX(ctx, r.prefix+key, value, max(ttl, 0)).Result()
	return ok, r.check("setnx", err)
}

// Del implements Store.
func (r *redisStore) Del(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if err := r.away(); err != nil {
		return err
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.prefix + k
	}
	return r.check("del", r.client.Del(ctx, full...).Err())
}

// incrScript increments and, when the key was just created, sets its expiry,
// in one atomic step.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 and tonumber(ARGV[1]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n`)

// Incr implements Store.
func (r *redisStore) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	if err := r.away(); err != nil {
		return 0, err
	}
	ms := int64(0)
	if ttl > 0 {
		ms = max(ttl.Milliseconds(), 1)
	}
	n, err := incrScript.Run(ctx, r.client, []string{r.prefix + key}, ms).Int64()
	return n, r.check("incr", err)
}

// Close closes the connection pool. It is idempotent.
func (r *redisStore) Close() error {
	var err error
	r.once.Do(func() { err = r.client.Close() })
	return err
}
