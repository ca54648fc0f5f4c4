package kv_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"gjj/internal/platform/kv"
)

// TestRedisFailsFastWhileUnreachable: after Redis could not be reached, the
// store answers kv.unavailable without dialling again for a moment (so every
// request during an outage does not wait for failing dials; found by the
// Redis fault test in internal/faults), while Ping always dials.
func TestRedisFailsFastWhileUnreachable(t *testing.T) {
	// A "Redis" that accepts connections and closes them at once, counting them.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var dials atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			c.Close()
		}
	}()
	s, err := kv.NewRedis(ln.Addr().String(), "t:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, kv.ErrUnavailable) {
		t.Fatalf("first Get = %v, want kv.unavailable", err)
	}
	first := dials.Load()
	if first == 0 {
		t.Fatal("the first Get did not reach the server")
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, _, err := s.Get(ctx, "k"); return err }},
		{"Set", func() error { return s.Set(ctx, "k", "v", 0) }},
		{"SetNX", func() error { _, err := s.SetNX(ctx, "k", "v", 0); return err }},
		{"Del", func() error { return s.Del(ctx, "k") }},
		{"Incr", func() error { _, err := s.Incr(ctx, "n", 0); return err }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, kv.ErrUnavailable) {
			t.Errorf("%s right after the failure = %v, want kv.unavailable", c.name, err)
		}
	}
	if n := dials.Load(); n != first {
		t.Errorf("%d more connections while failing fast, want none", n-first)
	}
	if err := s.Ping(ctx); !errors.Is(err, kv.ErrUnavailable) {
		t.Errorf("Ping = %v, want kv.unavailable", err)
	}
	if dials.Load() == first {
		t.Error("Ping did not try the server")
	}
}
