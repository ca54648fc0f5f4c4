package securitytest_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/platform/web"
)

// TestHSTSOnTheWholePlatform: on the assembled platform, a page, an API
// answer, a refusal and a static file carry Strict-Transport-Security when
// the request came over TLS or through a loopback proxy saying https, and
// not over plain HTTP or when an outside peer claims https. (The matrix
// checks the other headers on every route.)
func TestHSTSOnTheWholePlatform(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		v := newEnv(t, a)
		for _, path := range []string{"/", "/web/login", "/api/app/v1/account", "/admin/static/base.css", "/nowhere"} {
			for _, tt := range []struct {
				name, remote, proto string
				tls, want           bool
			}{
				{"plain", "192.0.2.10:5555", "", false, false},
				{"tls", "192.0.2.10:5555", "", true, true},
				{"nginx on loopback says https", "127.0.0.1:5555", "https", false, true},
				{"outside peer says https", "192.0.2.10:5555", "https", false, false},
			} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.RemoteAddr = tt.remote
				if tt.tls {
					req.TLS = &tls.ConnectionState{}
				}
				if tt.proto != "" {
					req.Header.Set("X-Forwarded-Proto", tt.proto)
				}
				rec := httptest.NewRecorder()
				v.e.ServeHTTP(rec, req)
				got := rec.Header().Get("Strict-Transport-Security")
				if tt.want && got != web.StrictTransportSecurity || !tt.want && got != "" {
					t.Errorf("GET %s %s: %d, HSTS %q", path, tt.name, rec.Code, got)
				}
				if rec.Header().Get("X-Frame-Options") != "DENY" || rec.Header().Get("Content-Security-Policy") == "" {
					t.Errorf("GET %s %s: security headers missing", path, tt.name)
				}
			}
		}
	}, allChannels)
}
