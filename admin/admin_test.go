package admin_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gjj/admin"
	"gjj/admin/console"
	"gjj/internal/platform/web"
)

// TestRegisterMountsConsole checks the wiring: /admin/ asks a visitor without
// a session to sign in, the login page and the stylesheet are served from the
// binary, and unknown paths stay 404.
func TestRegisterMountsConsole(t *testing.T) {
	e := web.New(web.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	admin.Register(e, console.Deps{})
	tests := []struct {
		path     string
		status   int
		location string
		want     string
	}{
		{"/admin", http.StatusMovedPermanently, "/admin/", ""},
		{"/admin/", http.StatusSeeOther, "/admin/login", ""},
		{"/admin/audit", http.StatusSeeOther, "/admin/login?next=%2Fadmin%2Faudit", ""},
		{"/admin/login", http.StatusOK, "", "工作人员登录"},
		{"/admin/static/console.css", http.StatusOK, "", "--brand"},
		{"/admin/static/", http.StatusNotFound, "", ""},
		{"/admin/unknown", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("Accept", "text/html")
			e.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("body lacks %q", tt.want)
			}
		})
	}
}
