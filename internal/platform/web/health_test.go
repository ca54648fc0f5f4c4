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
		want   map[string]string // check name → exact value, or prefix when ending in "*"
		hidden string
	}{
		{"no checks", nil, 200, map[string]string{}, ""},
		{"all ok", []web.Check{okCheck("database"), okCheck("redis")}, 200, map[string]string{"database": "ok", "redis": "ok"}, ""},
		{
			"redis down", []web.Check{okCheck("database"), {Name: "redis", Ping: func(context.Context) error {
				return errors.New("dial redis://gjj:hunter2@10.0.0.5:6379: connection refused")
			}}},
			503, map[string]string{"database": "ok", "redis": "down: *"}, "hunter2",
		},
		{
			"classified error shows its code", []web.Check{{Name: "database", Ping: func(context.Context) error {
				return errs.New(errs.Unavailable, "store.unavailable", "数据库不可用").Wrap(errors.New("password=x"))
			}}},
			503, map[string]string{"database": "down: store.unavailable"}, "password",
		},
		{
			"hanging check times out", []web.Check{okCheck("database"), {Name: "slow", Ping: func(ctx context.Context) error {
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Second):
				}
				return ctx.Err()
			}}},
			503, map[string]string{"database": "ok", "slow": "down: timeout after 2s"}, "",
		},
		{
			"panicking check", []web.Check{{Name: "weird", Ping: func(context.Context) error { panic("oops") }}},
			503, map[string]string{"weird": "down: *"}, "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEcho(t, web.Options{})
			web.Health(e, tt.checks...)
			start := time.Now()
			rec := serve(e, http.MethodGet, "/readyz", nil, nil)
			if time.Since(start) > 4*time.Second {
				t.Errorf("/readyz took %s", time.Since(start))
			}
			var body struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
			}
			if tt.status == 200 {
				if rec.Code != 200 {
					t.Fatalf("status = %d: %s", rec.Code, rec.Body)
				}
				_ = json.Unmarshal(rec.Body.Bytes(), &body)
				if body.Status != "ready" {
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
