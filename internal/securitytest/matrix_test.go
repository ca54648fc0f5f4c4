package securitytest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/apitest"
	"gjj/internal/app"
)

// roleSet is a set of roles.
type roleSet uint32

func roles(rs ...role) roleSet {
	var s roleSet
	for _, r := range rs {
		s |= 1 << r
	}
	return s
}

func (s roleSet) has(r role) bool { return s&(1<<r) != 0 }

func (s roleSet) String() string {
	var names []string
	for r := range numRoles {
		if s.has(r) {
			names = append(names, r.String())
		}
	}
	return "{" + strings.Join(names, ", ") + "}"
}

var (
	everyone = roleSet(1<<numRoles - 1)
	allStaff = roles(sysadmin, paramMaker, paramChecker, reviewer, channelAdmin, hotlineAgent, auditor)
)

// rule is the expectation of the routes whose path starts with prefix
// (and whose method is method, when not ""): the roles that get through.
type rule struct {
	method, prefix string
	allow          roleSet
	cred           bool
}

// routeParams are the values put into path parameters: ids nobody has, so
// a handler answers 404 (allowed) once the caller passed authentication and
// authorisation, and nothing is changed.
var routeParams = map[string]string{
	"id": "999999", "account_no": "209999999999", "loan_no": "999999999999", "code": "NOSUCHCODE0001",
	"key": "no.such.key", "serial": "999999", "year": "2031",
}

var paramRE = regexp.MustCompile(`:[a-z_]+`)

// concrete is a request path for a route pattern.
func concrete(pattern string) string {
	p := paramRE.ReplaceAllStringFunc(pattern, func(s string) string {
		if v, ok := routeParams[s[1:]]; ok {
			return v
		}
		return "999999"
	})
	if strings.HasSuffix(p, "/*") {
		p = strings.TrimSuffix(p, "*") + "base.css"
	}
	return p
}

// routes lists the router's routes (method, pattern), sorted, without echo's
// group fallbacks.
func routes(e *echo.Echo) []*echo.Route {
	var out []*echo.Route
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// expectation is the longest rule matching a route; ok false when none does.
func expectation(method, path string) (rule, bool) {
	var best rule
	found := false
	for _, r := range matrix {
		if r.method != "" && r.method != method {
			continue
		}
		if exact, ok := strings.CutSuffix(r.prefix, "$"); ok {
			if path != exact {
				continue
			}
		} else if !strings.HasPrefix(path, r.prefix) {
			continue
		}
		if !found || len(r.prefix) > len(best.prefix) || (len(r.prefix) == len(best.prefix) && r.method != "") {
			best, found = r, true
		}
	}
	return best, found
}

// mutating reports whether a call of an allowed role may have ended its
// session or changed its standing (logouts, password changes).
func mutating(method string) bool { return method != http.MethodGet && method != http.MethodHead }

// TestRouteRoleMatrix: every route of the router × every role is allowed or
// denied as the matrix says; a route no rule covers fails the test (new
// routes must be classified). Deny is 401/403 or a redirect to a login page;
// allow is any other answer below 500 (400/404/422 after authentication
// count as allowed). No answer is a 5xx. Every HTML answer's inline styles
// are admitted by its CSP and it has no inline script.
//
// GJJ_SEC_DISCOVER=1 (or =codes) prints, instead of judging, which roles got
// through each route (and the refusals' codes): a start for classifying.
func TestRouteRoleMatrix(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		v := newEnv(t, a)
		discover := os.Getenv("GJJ_SEC_DISCOVER") != ""
		rs := routes(v.e)
		if len(rs) < 200 {
			t.Fatalf("only %d routes: is every channel on?", len(rs))
		}
		for _, rt := range rs {
			want, ok := expectation(rt.Method, rt.Path)
			if !ok && !discover {
				t.Errorf("%s %s: no rule of the security matrix covers this route; classify it", rt.Method, rt.Path)
				continue
			}
			path := concrete(rt.Path)
			var got roleSet
			codes := map[string]bool{}
			for r := range numRoles {
				body := matrixBody(rt.Method, path)
				rec := v.do(r, rt.Method, path, body, nil)
				if mutating(rt.Method) {
					v.forget(r)
				}
				verdict := judge(rec)
				if verdict == broken {
					t.Errorf("%s %s as %s: %s", rt.Method, rt.Path, r, excerpt(rec))
					continue
				}
				if verdict == allowed {
					got |= 1 << r
				} else if discover {
					codes[fmt.Sprintf("%s:%d:%s%s", r, rec.Code, problemCode(rec), rec.Header().Get("Location"))] = true
				}
				checkPageHeaders(t, rt.Method+" "+rt.Path+" as "+r.String(), rec)
				if discover || !ok {
					continue
				}
				if want.allow.has(r) && verdict != allowed && !want.cred {
					t.Errorf("%s %s as %s: denied, want allowed: %s", rt.Method, rt.Path, r, excerpt(rec))
				}
				if !want.allow.has(r) && verdict != denied {
					t.Errorf("%s %s as %s: allowed, want denied: %s", rt.Method, rt.Path, r, excerpt(rec))
				}
			}
			if discover {
				fmt.Printf("DISCOVER %-7s %-55s %s\n", rt.Method, rt.Path, got)
				if os.Getenv("GJJ_SEC_DISCOVER") == "codes" {
					fmt.Printf("CODES %s %s %v\n", rt.Method, rt.Path, slices.Sorted(maps.Keys(codes)))
				}
			}
		}
	}, allChannels)
}

var (
	inlineStyle  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	inlineScript = regexp.MustCompile(`(?is)<script(\s[^>]*)?>`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle="`)
)

// checkPageHeaders: every answer has the security headers; an HTML answer's
// inline <style> blocks are admitted by its CSP by hash and it has no inline
// script (a script element without src).
func checkPageHeaders(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", what, k, got, want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-") {
		t.Errorf("%s: CSP %q is missing or not strict", what, csp)
	}
	if h.Get("Strict-Transport-Security") != "" {
		t.Errorf("%s: HSTS over plain HTTP", what)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		checkInlineContent(t, what, csp, rec.Body.String())
	}
}

// styleHash is the CSP source of an inline style's text.
func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// checkInlineContent checks an HTML body against its CSP.
func checkInlineContent(t *testing.T, what, csp, body string) {
	t.Helper()
	for _, m := range inlineStyle.FindAllStringSubmatch(body, -1) {
		if h := styleHash(m[1]); !strings.Contains(csp, h) {
			t.Errorf("%s: inline style %.40q… is not admitted by the CSP %q", what, m[1], csp)
		}
	}
	for _, m := range inlineScript.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], "src=") {
			t.Errorf("%s: inline script element %q", what, m[0])
		}
	}
	if styleAttr.MatchString(body) && !slices.Contains(strings.Fields(csp), "'unsafe-hashes'") {
		t.Errorf("%s: a style attribute, which the CSP blocks", what)
	}
}

// matrixBody is the body a route gets in the matrix: none for reads and
// pages (they get an empty form), the SMS gateway's webhooks a fresh
// timestamp (their freshness is in the body), "{}" elsewhere.
func matrixBody(method, path string) []byte {
	switch {
	case !mutating(method) || isPage(path):
		return nil
	case path == "/hooks/sms12329/inbound":
		return []byte(fmt.Sprintf(`{"from":"13900009999","text":"YE","received_at":%q}`, time.Now().UTC().Format(time.RFC3339Nano)))
	case path == "/hooks/bank/payment-result":
		return []byte(`{"serial":"NOSUCHSERIAL0001","paid":true,"bank_serial":"B1"}`)
	case path == "/hooks/sms12329/receipts":
		return []byte(fmt.Sprintf(`{"provider_id":"nosuch","status":"delivered","reported_at":%q}`, time.Now().UTC().Format(time.RFC3339Nano)))
	}
	return []byte("{}")
}
