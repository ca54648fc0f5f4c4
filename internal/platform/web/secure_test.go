package web_test

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/web"
)

// TestSecurityHeadersOnEveryAnswer: success, not found, a problem, a panic
// and the HTML error page all carry the CSP, X-Frame-Options, nosniff and
// Referrer-Policy; a handler's own CSP replaces the default.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	e := newEcho(t, web.Options{})
	e.GET("/api/ok", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"n": 1}) })
	e.GET("/api/refused", func(echo.Context) error { return errs.New(errs.Forbidden, "x.refused", "不可以") })
	e.GET("/api/panic", func(echo.Context) error { panic("boom") })
	e.GET("/page/own", func(c echo.Context) error {
		c.Response().Header().Set("Content-Security-Policy", "default-src 'none'")
		return c.HTML(http.StatusOK, "<p>x</p>")
	})
	tests := []struct {
		name, path, accept string
		status             int
		csp                string // "" the default
	}{
		{"json 200", "/api/ok", "", 200, ""},
		{"404", "/nowhere", "", 404, ""},
		{"problem 403", "/api/refused", "", 403, ""},
		{"panic 500", "/api/panic", "", 500, ""},
		{"html error page", "/nowhere", "text/html", 404, ""},
		{"page with its own policy", "/page/own", "text/html", 200, "default-src 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(e, http.MethodGet, tt.path, nil, map[string]string{"Accept": tt.accept})
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			h := rec.Header()
			for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
				"Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin"} {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
			csp := h.Get("Content-Security-Policy")
			if tt.csp != "" {
				if csp != tt.csp {
					t.Errorf("CSP = %q, want the handler's %q", csp, tt.csp)
				}
				return
			}
			for _, d := range []string{"default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "*") {
				t.Errorf("CSP %q is not strict", csp)
			}
			if h.Get("Strict-Transport-Security") != "" {
				t.Errorf("HSTS on a plain-HTTP request: %q", h.Get("Strict-Transport-Security"))
			}
			if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				checkInlineStyles(t, csp, rec.Body.String())
			}
		})
	}
}

var styleBlock = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// checkInlineStyles asserts that every inline <style> of a page is admitted
// by the policy's hashes (a browser would ignore it otherwise).
func checkInlineStyles(t *testing.T, csp, body string) {
	t.Helper()
	for _, m := range styleBlock.FindAllStringSubmatch(body, -1) {
		sum := sha256.Sum256([]byte(m[1]))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, h) {
			t.Errorf("inline style %.60q… (hash %s) is not admitted by CSP %q", m[1], h, csp)
		}
	}
}

// TestHSTSOnlyOverTLS: Strict-Transport-Security is sent for a direct TLS
// request and for X-Forwarded-Proto: https from a trusted proxy, never for
// plain HTTP or a forwarded header from anyone else.
func TestHSTSOnlyOverTLS(t *testing.T) {
	custom := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		tls     bool
		proto   string
		want    bool
	}{
		{"plain http", nil, "192.0.2.1:5000", false, "", false},
		{"direct tls", nil, "192.0.2.1:5000", true, "", true},
		{"direct tls, forwarded http ignored", nil, "192.0.2.1:5000", true, "http", true},
		{"loopback proxy says https", nil, "127.0.0.1:4000", false, "https", true},
		{"private proxy says HTTPS", nil, "10.1.2.3:4000", false, "HTTPS", true},
		{"ipv6 loopback proxy says https", nil, "[::1]:4000", false, "https", true},
		{"loopback proxy says http", nil, "127.0.0.1:4000", false, "http", false},
		{"untrusted peer says https", nil, "203.0.113.9:4000", false, "https", false},
		{"configured proxy says https", custom, "198.51.100.7:4000", false, "https", true},
		{"default range not trusted when configured", custom, "127.0.0.1:4000", false, "https", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEcho(t, web.Options{TrustedProxies: tt.trusted})
			e.GET("/api/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
			req := httptest.NewRequest(http.MethodGet, "/api/ok", nil)
			req.RemoteAddr = tt.remote
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			got := rec.Header().Get("Strict-Transport-Security")
			if tt.want && got != web.StrictTransportSecurity {
				t.Errorf("HSTS = %q, want %q", got, web.StrictTransportSecurity)
			}
			if !tt.want && got != "" {
				t.Errorf("HSTS = %q, want none", got)
			}
		})
	}
}

// TestHSTSOverRealTLS: a real TLS listener gets HSTS, the same server over
// plain HTTP does not.
func TestHSTSOverRealTLS(t *testing.T) {
	e := newEcho(t, web.Options{})
	e.GET("/api/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	for _, tt := range []struct {
		name string
		srv  *httptest.Server
		want string
	}{
		{"tls", httptest.NewTLSServer(e), web.StrictTransportSecurity},
		{"plain", httptest.NewServer(e), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer tt.srv.Close()
			resp, err := tt.srv.Client().Get(tt.srv.URL + "/api/ok")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security"); got != tt.want {
				t.Errorf("HSTS = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAllowInlineStyles: a registered style block's hash joins the default
// policy's style-src; an unregistered one is not admitted.
func TestAllowInlineStyles(t *testing.T) {
	css := "p{color:#123456}"
	if n := web.AllowInlineStyles([]byte("<html><style>" + css + "</style></html>")); n != 1 {
		t.Fatalf("registered %d style blocks, want 1", n)
	}
	e := newEcho(t, web.Options{})
	e.GET("/p", func(c echo.Context) error { return c.HTML(http.StatusOK, "<style>"+css+"</style><p>x</p>") })
	rec := serve(e, http.MethodGet, "/p", nil, nil)
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "style-src 'self' ") {
		t.Fatalf("CSP %q has no style-src with hashes", csp)
	}
	checkInlineStyles(t, csp, rec.Body.String())
	other := sha256.Sum256([]byte("p{color:red}"))
	if strings.Contains(csp, base64.StdEncoding.EncodeToString(other[:])) {
		t.Errorf("CSP %q admits an unregistered style", csp)
	}
}
