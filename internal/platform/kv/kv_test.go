package kv_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/kv"
	"gjj/internal/platform/testenv"
)

const (
	shortTTL = 200 * time.Millisecond
	pastTTL  = 400 * time.Millisecond
)

func randomHex(t *testing.T) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// backends opens a fresh store per call, cleaned up when the test ends.
var backends = []struct {
	name string
	open func(t *testing.T) kv.Store
}{
	{"memory", func(t *testing.T) kv.Store {
		s := kv.NewMemory()
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"redis", func(t *testing.T) kv.Store {
		addr := testenv.RedisAddr(t)
		prefix := "gjjtest:" + randomHex(t) + ":"
		s, err := kv.NewRedis(addr, prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Close()
			deletePrefix(t, addr, prefix)
		})
		return s
	}},
}

// deletePrefix removes every key a test left under prefix.
func deletePrefix(t *testing.T, addr, prefix string) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup of %s*: %v", prefix, err)
	}
}

func mustGet(t *testing.T, s kv.Store, key string) (string, bool) {
	t.Helper()
	v, ok, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v, ok
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoreConformance(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		run  func(t *testing.T, s kv.Store)
	}{
		{"ping", func(t *testing.T, s kv.Store) { check(t, s.Ping(ctx)) }},
		{"get missing", func(t *testing.T, s kv.Store) {
			if v, ok := mustGet(t, s, "nope"); ok || v != "" {
				t.Fatalf("Get missing = %q, %v", v, ok)
			}
		}},
		{"set get overwrite", func(t *testing.T, s kv.Store) {
			check(t, s.Set(ctx, "k", "会话一", 0))
			if v, ok := mustGet(t, s, "k"); !ok || v != "会话一" {
				t.Fatalf("Get = %q, %v", v, ok)
			}
			check(t, s.Set(ctx, "k", "two", time.Minute))
			if v, _ := mustGet(t, s, "k"); v != "two" {
				t.Fatalf("after overwrite Get = %q", v)
			}
		}},
		{"set ttl expires", func(t *testing.T, s kv.Store) {
			check(t, s.Set(ctx, "k", "v", shortTTL))
			if _, ok := mustGet(t, s, "k"); !ok {
				t.Fatal("gone before its ttl")
			}
			time.Sleep(pastTTL)
			if _, ok := mustGet(t, s, "k"); ok {
				t.Fatal("still there after its ttl")
			}
		}},
		{"set without ttl clears expiry", func(t *testing.T, s kv.Store) {
			check(t, s.Set(ctx, "k", "v", shortTTL))
			check(t, s.Set(ctx, "k", "w", 0))
			time.Sleep(pastTTL)
			if v, ok := mustGet(t, s, "k"); !ok || v != "w" {
				t.Fatalf("Get = %q, %v; want the value without expiry", v, ok)
			}
		}},
		{"setnx only once", func(t *testing.T, s kv.Store) {
			ok, err := s.SetNX(ctx, "lock", "a", time.Minute)
			check(t, err)
			if !ok {
				t.Fatal("first SetNX lost")
			}
			ok, err = s.SetNX(ctx, "lock", "b", time.Minute)
			check(t, err)
			if ok {
				t.Fatal("second SetNX won")
			}
			if v, _ := mustGet(t, s, "lock"); v != "a" {
				t.Fatalf("value = %q, want the first", v)
			}
		}},
		{"setnx after expiry", func(t *testing.T, s kv.Store) {
			if ok, err := s.SetNX(ctx, "otp:1", "x", shortTTL); err != nil || !ok {
				t.Fatalf("SetNX = %v, %v", ok, err)
			}
			time.Sleep(pastTTL)
			if ok, err := s.SetNX(ctx, "otp:1", "y", shortTTL); err != nil || !ok {
				t.Fatalf("SetNX after expiry = %v, %v", ok, err)
			}
		}},
		{"setnx race has one winner", func(t *testing.T, s kv.Store) {
			var wins, fails atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					ok, err := s.SetNX(ctx, "race", "x", time.Minute)
					if err != nil {
						fails.Add(1)
						return
					}
					if ok {
						wins.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			if wins.Load() != 1 || fails.Load() != 0 {
				t.Fatalf("winners = %d, errors = %d; want exactly one winner", wins.Load(), fails.Load())
			}
		}},
		{"del", func(t *testing.T, s kv.Store) {
			check(t, s.Set(ctx, "a", "1", 0))
			check(t, s.Set(ctx, "b", "2", 0))
			check(t, s.Set(ctx, "c", "3", 0))
			check(t, s.Del(ctx, "a", "b", "absent"))
			check(t, s.Del(ctx))
			for k, want := range map[string]bool{"a": false, "b": false, "c": true} {
				if _, ok := mustGet(t, s, k); ok != want {
					t.Errorf("%s present = %v, want %v", k, ok, want)
				}
			}
		}},
		{"incr counts", func(t *testing.T, s kv.Store) {
			for want := int64(1); want <= 3; want++ {
				n, err := s.Incr(ctx, "n", time.Minute)
				check(t, err)
				if n != want {
					t.Fatalf("Incr = %d, want %d", n, want)
				}
			}
			if v, _ := mustGet(t, s, "n"); v != "3" {
				t.Fatalf("Get = %q", v)
			}
		}},
		{"incr sets ttl on first", func(t *testing.T, s kv.Store) {
			for want := int64(1); want <= 2; want++ {
				if n, err := s.Incr(ctx, "fails", shortTTL); err != nil || n != want {
					t.Fatalf("Incr = %d, %v; want %d", n, err, want)
				}
			}
			time.Sleep(pastTTL)
			if _, ok := mustGet(t, s, "fails"); ok {
				t.Fatal("counter did not expire")
			}
			if n, err := s.Incr(ctx, "fails", shortTTL); err != nil || n != 1 {
				t.Fatalf("Incr after expiry = %d, %v", n, err)
			}
		}},
		{"incr keeps the first expiry", func(t *testing.T, s kv.Store) {
			check(t, errOf(s.Incr(ctx, "w", 300*time.Millisecond)))
			time.Sleep(150 * time.Millisecond)
			check(t, errOf(s.Incr(ctx, "w", time.Hour)))
			time.Sleep(300 * time.Millisecond)
			if _, ok := mustGet(t, s, "w"); ok {
				t.Fatal("second Incr extended the window")
			}
		}},
		{"incr without ttl persists", func(t *testing.T, s kv.Store) {
			check(t, errOf(s.Incr(ctx, "p", 0)))
			time.Sleep(pastTTL)
			if v, ok := mustGet(t, s, "p"); !ok || v != "1" {
				t.Fatalf("Get = %q, %v", v, ok)
			}
		}},
		{"incr concurrent", func(t *testing.T, s kv.Store) {
			var wg sync.WaitGroup
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.Incr(ctx, "c", time.Minute); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if v, _ := mustGet(t, s, "c"); v != "50" {
				t.Fatalf("after 50 Incr = %q", v)
			}
		}},
		{"incr non-integer fails", func(t *testing.T, s kv.Store) {
			check(t, s.Set(ctx, "text", "abc", 0))
			_, err := s.Incr(ctx, "text", 0)
			if err == nil {
				t.Fatal("Incr on text succeeded")
			}
			if errors.Is(err, kv.ErrUnavailable) {
				t.Fatalf("Incr on text = %v; a bug is not an outage", err)
			}
		}},
		{"closed store is unavailable", func(t *testing.T, s kv.Store) {
			check(t, s.Close())
			check(t, s.Close())
			_, _, err := s.Get(ctx, "k")
			if !errors.Is(err, kv.ErrUnavailable) || errs.KindOf(err) != errs.Unavailable {
				t.Fatalf("Get after Close = %v", err)
			}
			if err := s.Ping(ctx); !errors.Is(err, kv.ErrUnavailable) {
				t.Fatalf("Ping after Close = %v", err)
			}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, b.open(t))
				})
			}
		})
	}
}

func errOf(_ int64, err error) error { return err }

func TestRedisPrefixIsolation(t *testing.T) {
	addr := testenv.RedisAddr(t)
	ctx := context.Background()
	p1, p2 := "gjjtest:"+randomHex(t)+":", "gjjtest:"+randomHex(t)+":"
	s1, err := kv.NewRedis(addr, p1)
	check(t, err)
	s2, err := kv.NewRedis("redis://"+addr+"/0", p2)
	check(t, err)
	t.Cleanup(func() {
		s1.Close()
		s2.Close()
		deletePrefix(t, addr, p1)
		deletePrefix(t, addr, p2)
	})
	check(t, s1.Set(ctx, "session:abc", "one", time.Minute))
	if _, ok := mustGet(t, s2, "session:abc"); ok {
		t.Fatal("a key leaked across prefixes")
	}
	raw := redis.NewClient(&redis.Options{Addr: addr})
	defer raw.Close()
	if v, err := raw.Get(ctx, p1+"session:abc").Result(); err != nil || v != "one" {
		t.Fatalf("raw key %ssession:abc = %q, %v", p1, v, err)
	}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name, spec string
		wantErr    bool
		secret     string
	}{
		{"empty is memory", "", false, ""},
		{"host port", "127.0.0.1:6379", false, ""},
		{"url", "redis://127.0.0.1:6379/2", false, ""},
		{"no port", "localhost", true, ""},
		{"bad scheme", "http://u:topsecret@127.0.0.1:6379", true, "topsecret"},
		{"bad url", "redis://u:topsecret@127.0.0.1:6379/%zz", true, "topsecret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := kv.Open(tt.spec, "gjjtest:")
			if tt.wantErr {
				if err == nil || s != nil {
					t.Fatalf("Open(%q) = %v, %v; want an error and no store", tt.spec, s, err)
				}
				if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil || s == nil {
				t.Fatalf("Open(%q) = %v, %v", tt.spec, s, err)
			}
			s.Close()
		})
	}
}

func TestRedisDownIsUnavailable(t *testing.T) {
	s, err := kv.NewRedis("127.0.0.1:1", "gjjtest:")
	check(t, err)
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Ping(ctx); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("Ping on a closed port = %v, want unavailable", err)
	}
	if _, err := s.SetNX(ctx, "k", "v", time.Second); !errors.Is(err, kv.ErrUnavailable) {
		t.Fatalf("SetNX on a closed port = %v", err)
	}
}
