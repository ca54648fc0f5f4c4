package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/web"
)

func okCheck(name string) web.Check {
	return web.Check{Name: name, Ping: func(context.Context) error { return nil }}
}

func downCheck(name string) web.Check {
	return web.Check{Name: name, Ping: func(context.Context) error { return errors.New("connection refused") }}
}

func optional(c web.Check) web.Check { c.Optional = true; return c }

func TestHealthz(t *testing.T) {
	e := newEcho(t, web.Options{})
	web.Health(e, web.Check{Name: "database", Ping: func(context.Context) error { return errors.New("down") }})
	rec := serve(e, http.MethodGet, "/healthz", nil, nil)
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Fatalf("/healthz: %d %s", rec.Code, rec.Body)
	}
}

func TestReadyz(t *testing.T) {
	tests := []struct {
		name   string
		checks []web.Check
		status int
		ready  string            // the status member of a 200 answer
		want   map[string]string // check name → exact value, or prefix when ending in "*"
		hidden string
	}{
		{"no checks", nil, 200, "ready", map[string]string{}, ""},
		{"all ok", []web.Check{okCheck("database"), okCheck("redis")}, 200, "ready", map[string]string{"database": "ok", "redis": "ok"}, ""},
		{"all ok, redis optional", []web.Check{okCheck("database"), optional(okCheck("redis"))}, 200, "ready", map[string]string{"database": "ok", "redis": "ok"}, ""},
		{
			"required redis down", []web.Check{okCheck("database"), {Name: "redis", Ping: func(context.Context) error {
				return errors.New("dial redis://gjj:hunter2@10.0.0.5:6379: connection refused")
			}}},
			503, "", map[string]string{"database": "ok", "redis": "down: *"}, "hunter2",
		},
		{
			"optional redis down is degraded", []web.Check{okCheck("database"), optional(web.Check{Name: "redis", Ping: func(context.Context) error {
				return errors.New("dial redis://gjj:hunter2@10.0.0.5:6379: connection refused")
			}})},
			200, "degraded", map[string]string{"database": "ok", "redis": "down: *"}, "hunter2",
		},
		{
			"database down with optional redis down", []web.Check{downCheck("database"), optional(downCheck("redis"))},
			503, "", map[string]string{"database": "down: *", "redis": "down: *"}, "",
		},
		{
			"database down, optional redis ok", []web.Check{downCheck("database"), optional(okCheck("redis"))},
			503, "", map[string]string{"database": "down: *", "redis": "ok"}, "",
		},
		{
			"hanging optional check is degraded", []web.Check{okCheck("database"), optional(web.Check{Name: "redis", Ping: func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			}})},
			200, "degraded", map[string]string{"database": "ok", "redis": "down: timeout after 2s"}, "",
		},
		{
			"classified error shows its code", []web.Check{{Name: "database", Ping: func(context.Context) error {
				return errs.New(errs.Unavailable, "store.unavailable", "数据库不可用").Wrap(errors.New("password=x"))
			}}},
			503, "", map[string]string{"database": "down: store.unavailable"}, "password",
		},
		{
			"hanging check times out", []web.Check{okCheck("database"), {Name: "slow", Ping: func(ctx context.Context) error {
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Second):
				}
				return ctx.Err()
			}}},
			503, "", map[string]string{"database": "ok", "slow": "down: timeout after 2s"}, "",
		},
		{
			"panicking check", []web.Check{{Name: "weird", Ping: func(context.Context) error { panic("oops") }}},
			503, "", map[string]string{"weird": "down: *"}, "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEcho(t, web.Options{})
			web.Health(e, tt.checks...)
			rec := serve(e, http.MethodGet, "/readyz", nil, nil)
			var body struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
			}
			if tt.status == 200 {
				if rec.Code != 200 {
					t.Fatalf("status = %d: %s", rec.Code, rec.Body)
				}
				_ = json.Unmarshal(rec.Body.Bytes(), &body)
				if body.Status != tt.ready {
					t.Errorf("status member = %q", body.Status)
				}
			} else {
				problemOf(t, rec, tt.status, web.CodeNotReady)
				_ = json.Unmarshal(rec.Body.Bytes(), &body)
			}
			if len(body.Checks) != len(tt.want) {
				t.Errorf("checks = %v, want %v", body.Checks, tt.want)
			}
			for k, w := range tt.want {
				got := body.Checks[k]
				if p, ok := strings.CutSuffix(w, "*"); ok {
					if !strings.HasPrefix(got, p) || len(got) == len(p) {
						t.Errorf("check %s = %q, want %q…", k, got, p)
					}
				} else if got != w {
					t.Errorf("check %s = %q, want %q", k, got, w)
				}
			}
			if tt.hidden != "" && strings.Contains(rec.Body.String(), tt.hidden) {
				t.Errorf("body leaks %q: %s", tt.hidden, rec.Body)
			}
		})
	}
}
