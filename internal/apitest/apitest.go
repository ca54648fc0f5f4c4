// Package apitest is the test support of the platform's JSON API suites
// (admin/opsapi, admin/staffapi, channels/unitapi, channels/appapi) and of the
// halls': openapi.yaml loaded once with a kin-openapi router, a client that
// checks every request and response against it, problem+json assertions,
// demo-seeded platforms on SQLite and MariaDB, row-count snapshots of the
// store, TOTP codes, captured SMS (CaptureSMS) and valid identity numbers.
//
// Tests only: it imports "testing" and fails tests; production code never
// imports it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"
)

// ---------------------------------------------------------------------------
// The OpenAPI document.

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// Spec loads and validates openapi.yaml at the module root once per test
// binary and returns it with its router.
//
// It first makes kin-openapi's format date an RFC 3339 full-date that is a
// real calendar day (the default only checks the shape: 2026-02-30 passes).
// The override is global to kin-openapi, so it holds for every suite.
func Spec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		openapi3.DefineStringFormatValidator("date", openapi3.NewCallbackValidator(func(s string) error {
			_, err := time.Parse(time.DateOnly, s)
			return err
		}))
		path, err := specPath()
		if err != nil {
			specErr = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(path)
		if err != nil {
			specErr = fmt.Errorf("load %s: %w", path, err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = fmt.Errorf("validate %s: %w", path, err)
			return
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("router of %s: %w", path, err)
			return
		}
		specDoc, specRouter = doc, r
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return specDoc, specRouter
}

// specPath is openapi.yaml next to go.mod, found from the working directory
// (go test runs in the package's directory).
func specPath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "openapi.yaml"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("openapi.yaml: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Security schemes of openapi.yaml, for NewClient and Server.
var (
	OpsSchemes     = []string{"opsToken"}
	SessionSchemes = []string{"unitSession", "staffSession"}
)

// bearerAuth checks a security scheme the way a client library would: the
// scheme is one of schemes and a bearer token is present. Whether the token is
// the right one is the server's business.
func bearerAuth(schemes []string) openapi3filter.AuthenticationFunc {
	return func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		if !slices.Contains(schemes, in.SecuritySchemeName) {
			return fmt.Errorf("unexpected security scheme %q", in.SecuritySchemeName)
		}
		tok, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			return errors.New("no bearer token")
		}
		return nil
	}
}

// ---------------------------------------------------------------------------
// The validating client.

// SpecCheck says what the request validator must conclude about a request.
type SpecCheck int

const (
	SpecValid   SpecCheck = iota // the request conforms to openapi.yaml (default)
	SpecInvalid                  // the request deliberately violates openapi.yaml; the validator must refuse it
	SpecSkip                     // do not validate the request (the response is still validated)
)

// Call is one request to the server.
type Call struct {
	Method, Path string
	Body         any    // nil: no body; string or []byte: sent as is; anything else: JSON-encoded
	ContentType  string // default application/json when there is a body; "-" for none
	Auth         string // the Authorization header; "" the client's DefaultAuth; "-" none
	Chunked      bool   // hide the length (Transfer-Encoding: chunked)
	Spec         SpecCheck
	Header       map[string]string // further request headers (Idempotency-Key, X-Signature …)
}

// Result is the server's answer.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r Result) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// Client sends calls to one echo instance and validates every request and
// response against openapi.yaml.
type Client struct {
	// DefaultAuth is the Authorization header of calls whose Auth is "";
	// "" sends none.
	DefaultAuth string

	e       *echo.Echo
	router  routers.Router
	schemes []string
}

// NewClient returns a client of e. Requests may use the named security
// schemes of openapi.yaml (OpsSchemes, SessionSchemes); a request the
// validator checks under another scheme does not conform.
func NewClient(t testing.TB, e *echo.Echo, schemes []string) *Client {
	t.Helper()
	_, r := Spec(t)
	return &Client{e: e, router: r, schemes: schemes}
}

// Bearer is the Authorization header value of a bearer token.
func Bearer(token string) string { return "Bearer " + token }

func (c *Client) build(cl Call, body []byte) *http.Request {
	var rd io.Reader
	if cl.Body != nil {
		rd = bytes.NewReader(body)
		if cl.Chunked {
			rd = struct{ io.Reader }{rd}
		}
	}
	req := httptest.NewRequest(cl.Method, cl.Path, rd)
	if cl.Chunked {
		req.ContentLength = -1
	}
	switch {
	case cl.ContentType == "-":
	case cl.ContentType != "":
		req.Header.Set("Content-Type", cl.ContentType)
	case cl.Body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	auth := cl.Auth
	if auth == "" {
		auth = c.DefaultAuth
	}
	if auth != "" && auth != "-" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range cl.Header {
		req.Header.Set(k, v)
	}
	return req
}

// EncodeBody is the body a Call sends for v: nothing for nil, a string or
// []byte as is, anything else as JSON.
func EncodeBody(t testing.TB, v any) []byte {
	t.Helper()
	switch b := v.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	case []byte:
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Do sends cl and returns the answer. The request must be in openapi.yaml and
// conform to it as cl.Spec says; the response must conform to it.
func (c *Client) Do(t testing.TB, cl Call) Result {
	t.Helper()
	ctx := context.Background()
	body := EncodeBody(t, cl.Body)

	// The route is found on a copy, so validation cannot touch what is sent.
	probe := c.build(cl, body)
	route, params, err := c.router.FindRoute(probe)
	if err != nil {
		t.Fatalf("%s %s is not in openapi.yaml: %v", cl.Method, cl.Path, err)
	}
	reqInput := &openapi3filter.RequestValidationInput{
		Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerAuth(c.schemes), MultiError: true},
	}
	if cl.Spec != SpecSkip {
		err := openapi3filter.ValidateRequest(ctx, reqInput)
		switch {
		case cl.Spec == SpecValid && err != nil:
			t.Errorf("request %s %s does not conform to openapi.yaml: %v", cl.Method, cl.Path, err)
		case cl.Spec == SpecInvalid && err == nil:
			t.Errorf("openapi.yaml accepts the invalid request %s %s %.200s", cl.Method, cl.Path, body)
		}
	}

	rec := httptest.NewRecorder()
	c.e.ServeHTTP(rec, c.build(cl, body))
	res := Result{Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()}

	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 res.Status,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	respInput.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(ctx, respInput); err != nil {
		t.Errorf("response to %s %s does not conform to openapi.yaml: %v\n%.2000s", cl.Method, cl.Path, err, res.Body)
	}
	return res
}

// Decode unmarshals the answer, which must have the wanted status and be JSON.
func Decode[T any](t testing.TB, r Result, status int) T {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %.2000s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, r.Body)
	}
	return v
}

// CheckProblem asserts a problem+json answer with the status, the stable
// code, a Chinese detail and the request id of the X-Request-ID header, and
// returns the problem's members.
func CheckProblem(t testing.TB, r Result, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d (%s); body %.2000s", r.Status, status, code, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p map[string]any
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, r.Body)
	}
	if p["code"] != code {
		t.Fatalf("code %v, want %s; body %s", p["code"], code, r.Body)
	}
	if p["status"] != float64(status) {
		t.Errorf("status member %v, want %d", p["status"], status)
	}
	if !IsChinese(p["detail"]) {
		t.Errorf("detail %q is not a Chinese message", p["detail"])
	}
	if rid := r.Header.Get("X-Request-ID"); rid == "" || p["request_id"] != rid {
		t.Errorf("request_id %v, header %q", p["request_id"], rid)
	}
	return p
}

// IsChinese reports whether v is a string with a Han character in it.
func IsChinese(v any) bool {
	s, _ := v.(string)
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}
