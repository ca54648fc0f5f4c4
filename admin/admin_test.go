package admin_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gjj/admin"
	"gjj/internal/platform/web"
)

func TestPlaceholder(t *testing.T) {
	e := web.New(web.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	admin.Register(e)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/admin/", http.StatusOK, "综合管理系统（建设中）"},
		{"/admin/unknown", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("Accept", "text/html")
			e.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=UTF-8" {
				t.Fatalf("Content-Type = %q", ct)
			}
			if !strings.Contains(rec.Body.String(), tt.want) || !strings.Contains(rec.Body.String(), `href="/"`) {
				t.Errorf("page lacks %q or the link home", tt.want)
			}
		})
	}
}
