package kv

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// sweepInterval is how often the memory store drops expired keys that nobody
// reads any more.
const sweepInterval = time.Minute

// memory is the in-process Store: a map guarded by a mutex, with expiry by
// wall clock (expired keys vanish on access and in a periodic sweep).
type memory struct {
	mu     sync.Mutex
	items  map[string]item
	closed bool
	stop   chan struct{}
	once   sync.Once
}

type item struct {
	value   string
	expires time.Time // zero: never
}

func (it item) expired(now time.Time) bool { return !it.expires.IsZero() && !now.Before(it.expires) }

// NewMemory returns an empty in-process Store and starts its sweeper, which
// Close stops. It lives in one process, so it is only correct when a single
// instance serves all traffic (the embedded mode); several instances need
// NewRedis. Its methods never fail except after Close (ErrUnavailable) and
// Incr on a non-integer value.
func NewMemory() Store {
	m := &memory{items: make(map[string]item), stop: make(chan struct{})}
	go m.sweep(sweepInterval)
	return m
}

func (m *memory) sweep(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case now := <-t.C:
			m.mu.Lock()
			for k, it := range m.items {
				if it.expired(now) {
					delete(m.items, k)
				}
			}
			m.mu.Unlock()
		}
	}
}

var errClosed = ErrUnavailable.Wrap(errors.New("kv: memory store is closed"))

func expiry(now time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}

// lookup returns the live item under key, dropping it if expired. m.mu held.
func (m *memory) lookup(key string, now time.Time) (item, bool) {
	it, ok := m.items[key]
	if ok && it.expired(now) {
		delete(m.items, key)
		return item{}, false
	}
	return it, ok
}

// Ping reports whether the store is open.
func (m *memory) Ping(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	return nil
}

// Get implements Store.
func (m *memory) Get(ctx context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", false, errClosed
	}
	it, ok := m.lookup(key, time.Now())
	return it.value, ok, nil
}

// Set implements Store.
func (m *memory) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	m.items[key] = item{value: value, expires: expiry(time.Now(), ttl)}
	return nil
}

// SetNX implements Store.
func (m *memory) SetNX(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, errClosed
	}
	now := time.Now()
	if _, ok := m.lookup(key, now); ok {
		return false, nil
	}
	m.items[key] = item{value: value, expires: expiry(now, ttl)}
	return true, nil
}

// Del implements Store.
func (m *memory) Del(ctx context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	for _, k := range keys {
		delete(m.items, k)
	}
	return nil
}

// Incr implements Store.
func (m *memory) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, errClosed
	}
	now := time.Now()
	it, ok := m.lookup(key, now)
	if !ok {
		m.items[key] = item{value: "1", expires: expiry(now, ttl)}
		return 1, nil
	}
	n, err := strconv.ParseInt(it.value, 10, 64)
	if err != nil || n == 1<<63-1 {
		return 0, errors.New("kv: value is not an integer or out of range")
	}
	n++
	it.value = strconv.FormatInt(n, 10)
	m.items[key] = it
	return n, nil
}

// Close stops the sweeper and empties the store. It is idempotent.
func (m *memory) Close() error {
	m.once.Do(func() {
		close(m.stop)
		m.mu.Lock()
		m.closed = true
		m.items = nil
		m.mu.Unlock()
	})
	return nil
}
