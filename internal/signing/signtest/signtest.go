// Package signtest is the test support of the signed APIs (/api/kiosk/v1,
// /api/gov/v1): a client that signs each request as a kiosk or an agency
// would (internal/signing) and checks every request and response
// against openapi.yaml.
//
// Tests only: it imports "testing" and fails tests.
package signtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"gjj/internal/apitest"
	"gjj/internal/signing"
)

// Client signs requests to one echo instance as one client.
type Client struct {
	E        *echo.Echo
	IDHeader string // X-Kiosk-Id or X-Agency-Id
	ID       string
	Key      []byte
	// Token, when set, is sent as Authorization: Bearer (kiosk sessions).
	Token string
	// Now is the clock of the timestamps (nil: time.Now).
	Now func() time.Time
}

// Request is a request as the client signs it, for tests that tamper with it.
type Request struct {
	Method, Path string
	Body         []byte
	Header       http.Header
}

// NewRequest signs method, path and body (nil: none; anything else JSON via
// apitest.EncodeBody) with a fresh nonce.
func (c *Client) NewRequest(t testing.TB, method, path string, body any) *Request {
	t.Helper()
	b := apitest.EncodeBody(t, body)
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	ts, nonce := strconv.FormatInt(now.Unix(), 10), hex.EncodeToString(n[:])
	h := http.Header{}
	h.Set(c.IDHeader, c.ID)
	h.Set(signing.HeaderTimestamp, ts)
	h.Set(signing.HeaderNonce, nonce)
	h.Set(signing.HeaderSignature, signing.Sign(c.Key, method, path, ts, nonce, b))
	if b != nil {
		h.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		h.Set("Authorization", "Bearer "+c.Token)
	}
	return &Request{Method: method, Path: path, Body: b, Header: h}
}

// Do signs and sends a request that must conform to openapi.yaml.
func (c *Client) Do(t testing.TB, method, path string, body any) apitest.Result {
	t.Helper()
	return c.Send(t, c.NewRequest(t, method, path, body), apitest.SpecValid)
}

// Send sends r (again, for a replay) and checks it against openapi.yaml as
// check says; the response must always conform.
func (c *Client) Send(t testing.TB, r *Request, check apitest.SpecCheck) apitest.Result {
	t.Helper()
	build := func() *http.Request {
		req := httptest.NewRequest(r.Method, r.Path, bytes.NewReader(r.Body))
		if r.Body == nil {
			req = httptest.NewRequest(r.Method, r.Path, nil)
		}
		req.Header = r.Header.Clone()
		return req
	}
	_, router := apitest.Spec(t)
	probe := build()
	route, params, err := router.FindRoute(probe)
	if err != nil {
		t.Fatalf("%s %s is not in openapi.yaml: %v", r.Method, r.Path, err)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: auth, MultiError: true}}
	if check != apitest.SpecSkip {
		err := openapi3filter.ValidateRequest(ctx, in)
		switch {
		case check == apitest.SpecValid && err != nil:
			t.Errorf("request %s %s does not conform to openapi.yaml: %v", r.Method, r.Path, err)
		case check == apitest.SpecInvalid && err == nil:
			t.Errorf("openapi.yaml accepts the invalid request %s %s", r.Method, r.Path)
		}
	}
	rec := httptest.NewRecorder()
	c.E.ServeHTTP(rec, build())
	res := apitest.Result{Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("response to %s %s does not conform to openapi.yaml: %v\n%.2000s", r.Method, r.Path, err, res.Body)
	}
	return res
}

// auth accepts the signed schemes when X-Signature is present and the
// kiosk session when a bearer token is.
func auth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	switch in.SecuritySchemeName {
	case "kioskSignature", "govSignature":
		if h.Get(signing.HeaderSignature) == "" {
			return errors.New("no signature")
		}
		return nil
	case "kioskSession", "staffSession":
		if tok, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer "); !ok || tok == "" {
			return errors.New("no bearer token")
		}
		return nil
	}
	return errors.New("unexpected scheme " + in.SecuritySchemeName)
}
