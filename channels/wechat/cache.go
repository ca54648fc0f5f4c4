package wechat

import (
	"context"
	"fmt"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	"gjj/internal/platform/kv"
)

// cacheTimeout bounds one cache call the library makes without a context.
const cacheTimeout = 2 * time.Second

// kvCache is the WeChat library's cache (the access token) over the
// platform's key-value store: go-redis v9 when Redis is configured, so every
// instance shares one token (with the stable-token API a refresh in one
// instance does not void the others'), the in-process store otherwise. The
// library stores strings only.
type kvCache struct{ s kv.Store }

var _ cache.ContextCache = kvCache{}

func newCache(s kv.Store) kvCache { return kvCache{s: s} }

func cacheKey(key string) string { return "wechat:cache:" + key }

func (c kvCache) GetContext(ctx context.Context, key string) any {
	v, ok, err := c.s.Get(ctx, cacheKey(key))
	if err != nil || !ok {
		return nil // a miss: the library fetches a token
	}
	return v
}

func (c kvCache) SetContext(ctx context.Context, key string, val any, timeout time.Duration) error {
	s, ok := val.(string)
	if !ok {
		return fmt.Errorf("wechat cache: %T values are not supported", val)
	}
	return c.s.Set(ctx, cacheKey(key), s, timeout)
}

func (c kvCache) IsExistContext(ctx context.Context, key string) bool {
	_, ok, err := c.s.Get(ctx, cacheKey(key))
	return err == nil && ok
}

func (c kvCache) DeleteContext(ctx context.Context, key string) error {
	return c.s.Del(ctx, cacheKey(key))
}

func (c kvCache) Get(key string) any {
	ctx, cancel := context.WithTimeout(context.Background(), cacheTimeout)
	defer cancel()
	return c.GetContext(ctx, key)
}

func (c kvCache) Set(key string, val any, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), cacheTimeout)
	defer cancel()
	return c.SetContext(ctx, key, val, timeout)
}

func (c kvCache) IsExist(key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), cacheTimeout)
	defer cancel()
	return c.IsExistContext(ctx, key)
}

func (c kvCache) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cacheTimeout)
	defer cancel()
	return c.DeleteContext(ctx, key)
}
