package apitest_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp/totp"

	"gjj/internal/apitest"
	"gjj/internal/demo"
	"gjj/internal/platform/ident"
)

// recorder is a testing.TB that keeps failures instead of reporting them.
// Only the methods below may be called (the embedded TB is nil).
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// failures runs f, as a test goroutine, on a recorder and returns what failed.
func failures(f func(t testing.TB)) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return strings.Join(r.failures, "\n")
}

func TestSpecDates(t *testing.T) {
	doc, _ := apitest.Spec(t)
	if doc.Paths.Find("/healthz") == nil {
		t.Fatal("openapi.yaml has no /healthz")
	}
	// format: date is a calendar day, not only its shape.
	date := openapi3.NewStringSchema().WithFormat("date")
	for s, ok := range map[string]bool{"2028-02-29": true, "2026-02-30": false, "2026-13-01": false, "2026-2-1": false} {
		if err := date.VisitJSON(s); (err == nil) != ok {
			t.Errorf("format date %q: %v", s, err)
		}
	}
}

func TestClient(t *testing.T) {
	var auth string
	e := echo.New()
	e.GET("/healthz", func(c echo.Context) error {
		auth = c.Request().Header.Get("Authorization")
		c.Response().Header().Set("X-Request-ID", "r1")
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	c := apitest.NewClient(t, e, apitest.OpsSchemes)
	c.DefaultAuth = apitest.Bearer("default")
	for _, tc := range []struct{ auth, sent string }{{"", "Bearer default"}, {"-", ""}, {"Basic x", "Basic x"}} {
		r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/healthz", Auth: tc.auth})
		if h := apitest.Decode[map[string]string](t, r, http.StatusOK); h["status"] != "ok" || auth != tc.sent {
			t.Errorf("auth %q: answer %v, Authorization %q, want %q", tc.auth, h, auth, tc.sent)
		}
	}

	if f := failures(func(t testing.TB) {
		c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/healthz", Spec: apitest.SpecInvalid})
	}); !strings.Contains(f, "openapi.yaml accepts the invalid request") {
		t.Errorf("a valid request marked invalid: %q", f)
	}
	if f := failures(func(t testing.TB) {
		c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/no/such/route"})
	}); !strings.Contains(f, "is not in openapi.yaml") {
		t.Errorf("an unknown route: %q", f)
	}
	e.GET("/readyz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"ready": 1}) })
	if f := failures(func(t testing.TB) {
		c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/readyz"})
	}); !strings.Contains(f, "response to GET /readyz does not conform") {
		t.Errorf("a response off the spec: %q", f)
	}
}

func TestCheckProblem(t *testing.T) {
	problem := func(body string) apitest.Result {
		h := http.Header{}
		h.Set("Content-Type", "application/problem+json")
		h.Set("X-Request-ID", "r1")
		return apitest.Result{Status: http.StatusNotFound, Header: h, Body: []byte(body)}
	}
	for body, want := range map[string]string{
		`{"code":"x.y","status":404,"detail":"未找到","request_id":"r1"}`:       "",
		`{"code":"x.y","status":404,"detail":"not found","request_id":"r1"}`: "is not a Chinese message",
		`{"code":"x.y","status":404,"detail":"未找到","request_id":"r2"}`:       "request_id",
		`{"code":"x.y","status":400,"detail":"未找到","request_id":"r1"}`:       "status member",
		`{"code":"x.z","status":404,"detail":"未找到","request_id":"r1"}`:       "code x.z, want x.y",
	} {
		f := failures(func(t testing.TB) { apitest.CheckProblem(t, problem(body), http.StatusNotFound, "x.y") })
		if want == "" && f != "" || !strings.Contains(f, want) {
			t.Errorf("%s: failures %q, want %q", body, f, want)
		}
	}
	if f := failures(func(t testing.TB) {
		apitest.Decode[map[string]any](t, problem(`{}`), http.StatusOK)
	}); !strings.Contains(f, "status 404, want 200") {
		t.Errorf("Decode of the wrong status: %q", f)
	}
}

func TestIdentityNumbers(t *testing.T) {
	if got := apitest.ResidentID(demo.AgentID[:17]); got != demo.AgentID {
		t.Errorf("ResidentID = %s, want %s", got, demo.AgentID)
	}
	if got := apitest.USCC(demo.UnitUSCC[:17]); got != demo.UnitUSCC {
		t.Errorf("USCC = %s, want %s", got, demo.UnitUSCC)
	}
	for _, body := range []string{"35010219900101001", "11010119850101002", "44030819900101123"} {
		id, err := ident.ParseResidentID(apitest.ResidentID(body))
		if err != nil {
			t.Errorf("ResidentID(%s): %v", body, err)
			continue
		}
		if !apitest.MaskedID.MatchString(id.Masked()) {
			t.Errorf("MaskedID does not match %s", id.Masked())
		}
	}
	for _, body := range []string{"91350100M00020001", "91350104M00030001", "91440300708461136"} {
		if _, err := ident.ParseUSCC(apitest.USCC(body)); err != nil {
			t.Errorf("USCC(%s): %v", body, err)
		}
	}
}

func TestOTP(t *testing.T) {
	var o apitest.OTP // the zero value is ready
	for _, credential := range []string{"agent", "agent", "reviewer"} {
		if code := o.Code(t, credential); !totp.Validate(code, demo.TOTPSecret) {
			t.Errorf("%s: code %s is not valid now", credential, code)
		}
	}
}
