package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/web"
)

func TestServeListenerGracefulShutdown(t *testing.T) {
	e := newEcho(t, web.Options{})
	entered := make(chan struct{})
	e.GET("/slow", func(c echo.Context) error {
		close(entered)
		time.Sleep(300 * time.Millisecond)
		return c.String(http.StatusOK, "done")
	})
	ln, err := web.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- web.ServeListener(ctx, e, ln, quietLogger()) }()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()

	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("request never reached the handler")
	}
	cancel() // SIGTERM while the request is in flight

	r := <-got
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Fatalf("in-flight request: %+v", r)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("ServeListener = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeListener did not return")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("new connection accepted after shutdown")
	}
}

func TestServeReturnsListenErrors(t *testing.T) {
	busy, err := web.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct{ name, addr string }{
		{"address in use", busy.Addr().String()},
		{"bad address", "127.0.0.1:notaport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- web.Serve(context.Background(), newEcho(t, web.Options{}), tt.addr, quietLogger()) }()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("Serve = nil, want a listen error")
				}
			case <-time.After(3 * time.Second):
				t.Fatal("Serve did not return the listen error")
			}
		})
	}
}

func TestServeStopsWhenCancelledBeforeAnyRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ln, err := web.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := web.ServeListener(ctx, newEcho(t, web.Options{}), ln, quietLogger()); err != nil {
		t.Fatalf("ServeListener = %v", err)
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("listener still open")
	}
}
