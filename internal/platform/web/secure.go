package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// Security headers every response carries (secureHeaders).
const (
	// ContentSecurityPolicy is the default policy of every response: only the
	// site's own scripts, styles, fonts and images (data: images too), no
	// plugins, no <base>, no framing, forms post only to the site. Inline
	// <style> elements registered with AllowInlineStyles are admitted by
	// their hash; no inline script is. A page handler may set a stricter
	// policy of its own (the halls and the console do), which replaces it.
	ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
		"frame-ancestors 'none'; form-action 'self'"
	// StrictTransportSecurity is sent only on requests that arrived over
	// TLS (IsTLS): a year, subdomains included.
	StrictTransportSecurity = "max-age=31536000; includeSubDomains"
)

// DefaultTrustedProxies are the peers whose X-Forwarded-Proto is believed
// when Options.TrustedProxies is nil: loopback, link-local and private
// addresses (the nginx in front of the app), the same peers whose
// X-Forwarded-For the kit trusts.
var DefaultTrustedProxies = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("fe80::/10"), netip.MustParsePrefix("fc00::/7"),
}

var (
	stylesMu  sync.RWMutex
	styleSHAs []string // 'sha256-…' sources of the registered inline styles
	styleCSP  string   // ContentSecurityPolicy with a style-src naming them
)

var styleElement = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// AllowInlineStyles admits, by their SHA-256 hash, the text of every
// <style>…</style> element (no attributes) in the page sources to the
// default Content-Security-Policy. Packages that render pages with a static
// inline style block (the error page, the portal, the gate's refusal page)
// call it once at package initialisation with their template sources; the
// style text must not contain template actions. It returns the number of
// elements registered (so it can initialise a package variable) and never
// fails.
func AllowInlineStyles(sources ...[]byte) int {
	stylesMu.Lock()
	defer stylesMu.Unlock()
	n := 0
	for _, src := range sources {
		for _, m := range styleElement.FindAllSubmatch(src, -1) {
			sum := sha256.Sum256(m[1])
			h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
			if !slices.Contains(styleSHAs, h) {
				styleSHAs = append(styleSHAs, h)
			}
			n++
		}
	}
	styleCSP = ""
	if len(styleSHAs) > 0 {
		styleCSP = ContentSecurityPolicy + "; style-src 'self' " + strings.Join(styleSHAs, " ")
	}
	return n
}

// defaultCSP is the policy the middleware sets: ContentSecurityPolicy with
// the registered inline styles' hashes.
func defaultCSP() string {
	stylesMu.RLock()
	defer stylesMu.RUnlock()
	if styleCSP != "" {
		return styleCSP
	}
	return ContentSecurityPolicy
}

// IsTLS reports whether the request reached the platform over TLS: directly
// (a TLS listener), or through a trusted proxy (its peer address is in
// trusted) that says so with X-Forwarded-Proto: https. Anyone else's
// X-Forwarded-Proto is ignored.
func IsTLS(c echo.Context, trusted []netip.Prefix) bool {
	req := c.Request()
	if req.TLS != nil {
		return true
	}
	if !strings.EqualFold(strings.TrimSpace(req.Header.Get(echo.HeaderXForwardedProto)), "https") {
		return false
	}
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// secureHeaders sets the security headers every response carries, error
// pages included: the default Content-Security-Policy (a handler may replace
// it with its own), X-Frame-Options DENY, X-Content-Type-Options nosniff,
// Referrer-Policy same-origin, Cross-Origin-Opener-Policy same-origin, and
// Strict-Transport-Security when the request arrived over TLS (IsTLS with
// trusted; nil means DefaultTrustedProxies).
func secureHeaders(trusted []netip.Prefix) echo.MiddlewareFunc {
	if trusted == nil {
		trusted = DefaultTrustedProxies
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", defaultCSP())
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if IsTLS(c, trusted) {
				h.Set("Strict-Transport-Security", StrictTransportSecurity)
			}
			return next(c)
		}
	}
}

// The kit's own error page has an inline style block.
var _ = AllowInlineStyles([]byte(errorPage.Tree.Root.String()))
