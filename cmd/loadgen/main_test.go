package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != "k-"+r.URL.Query().Get("n") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Id", "id-"+r.URL.Query().Get("n"))
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	for _, c := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"ok", []string{"-url", srv.URL + "/ok?n={{seq}}", "-rate", "100", "-duration", "100ms", "-c", "4", "-H", "X-Key: k-{{seq}}", "-keep-header", "X-Id"},
			0, []string{"sent 10 requests", "201", "distinct X-Id: 10"}},
		{"5xx", []string{"-url", srv.URL + "/fail?n={{seq}}", "-rate", "50", "-duration", "100ms", "-H", "X-Key: k-{{seq}}"},
			1, []string{"503", "5 requests failed"}},
		{"bad header", []string{"-url", srv.URL, "-H", "nocolon"}, 2, nil},
		{"no url", []string{"-rate", "5"}, 2, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), c.args, &out, &errb); code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out.String(), errb.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
