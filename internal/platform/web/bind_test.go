package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/web"
)

type payload struct {
	AmountFen int64  `json:"amount_fen"`
	Name      string `json:"name"`
	Items     []struct {
		N int `json:"n"`
	} `json:"items"`
}

const bindLimit = 64

func bindEcho(t *testing.T) *echo.Echo {
	e := newEcho(t, web.Options{BodyLimit: bindLimit})
	e.POST("/api/bind", func(c echo.Context) error {
		var p payload
		if err := web.BindJSON(c, &p); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	})
	e.POST("/api/raw", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, string(b))
	})
	return e
}

// streamed hides the length so the request goes out without Content-Length.
type streamed struct{ io.Reader }

func TestBindJSON(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		chunked     bool
		status      int
		code        string
		detailHas   string
		wantAmount  int64
	}{
		{name: "ok", body: `{"amount_fen":100,"name":"张三"}`, status: 200, wantAmount: 100},
		{name: "charset allowed", contentType: "application/json; charset=UTF-8", body: `{"amount_fen":7}`, status: 200, wantAmount: 7},
		{name: "negative accepted by decoder", body: `{"amount_fen":-5}`, status: 200, wantAmount: -5},
		{name: "trailing whitespace", body: "{\"amount_fen\":1}\n\t ", status: 200, wantAmount: 1},
		{name: "malformed syntax", body: `{"amount_fen" 1}`, status: 400, code: web.CodeMalformedJSON, detailHas: "第 15 字节"},
		{name: "truncated", body: `{"amount_fen":`, status: 400, code: web.CodeMalformedJSON},
		{name: "unknown field", body: `{"amount":1}`, status: 400, code: web.CodeUnknownField, detailHas: "未知字段 amount"},
		{name: "wrong type", body: `{"amount_fen":"100"}`, status: 400, code: web.CodeInvalidField, detailHas: "字段 amount_fen 的值类型或范围不正确"},
		{name: "overflow 1e30", body: `{"amount_fen":1e30}`, status: 400, code: web.CodeInvalidField, detailHas: "amount_fen"},
		{name: "overflow 2^63", body: `{"amount_fen":9223372036854775808}`, status: 400, code: web.CodeInvalidField, detailHas: "amount_fen"},
		{name: "fraction into int", body: `{"amount_fen":1.5}`, status: 400, code: web.CodeInvalidField, detailHas: "amount_fen"},
		{name: "nested wrong type", body: `{"items":[{"n":"x"}]}`, status: 400, code: web.CodeInvalidField, detailHas: "items.n"},
		{name: "array instead of object", body: `[1]`, status: 400, code: web.CodeInvalidField},
		{name: "trailing garbage", body: `{"amount_fen":1} xyz`, status: 400, code: web.CodeMalformedJSON},
		{name: "second value", body: `{"amount_fen":1}{}`, status: 400, code: web.CodeMalformedJSON},
		{name: "wrong content type", contentType: "text/plain", body: `{"amount_fen":1}`, status: 415, code: web.CodeUnsupportedMediaType},
		{name: "form content type", contentType: "application/x-www-form-urlencoded", body: `amount_fen=1`, status: 415, code: web.CodeUnsupportedMediaType},
		{name: "missing content type", contentType: "-", body: `{"amount_fen":1}`, status: 415, code: web.CodeUnsupportedMediaType},
		{name: "latin1 charset", contentType: "application/json; charset=latin1", body: `{}`, status: 415, code: web.CodeUnsupportedMediaType},
		{name: "empty body", body: ``, status: 400, code: web.CodeEmptyBody},
		{name: "whitespace body", body: "  \n", status: 400, code: web.CodeEmptyBody},
		{name: "oversize with length", body: `{"name":"` + strings.Repeat("x", 100) + `"}`, status: 413, code: web.CodeTooLarge, detailHas: "64 字节"},
		{name: "oversize chunked", body: `{"name":"` + strings.Repeat("x", 100) + `"}`, chunked: true, status: 413, code: web.CodeTooLarge, detailHas: "64 字节"},
		{name: "oversize trailing whitespace chunked", body: `{"amount_fen":1}` + strings.Repeat(" ", 100), chunked: true, status: 413, code: web.CodeTooLarge},
	}
	e := bindEcho(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/bind", strings.NewReader(tt.body))
			switch tt.contentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.chunked {
				req.ContentLength = -1
				req.TransferEncoding = []string{"chunked"}
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if tt.status == 200 {
				if rec.Code != 200 {
					t.Fatalf("status = %d: %s", rec.Code, rec.Body)
				}
				var got payload
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.AmountFen != tt.wantAmount {
					t.Fatalf("decoded %+v (%v), want amount %d", got, err, tt.wantAmount)
				}
				return
			}
			p := problemOf(t, rec, tt.status, tt.code)
			if d, _ := p["detail"].(string); !strings.Contains(d, tt.detailHas) {
				t.Errorf("detail %q lacks %q", d, tt.detailHas)
			}
		})
	}
}

// TestBodyLimitOverTheWire sends a chunked body to a real server, both through
// BindJSON and through a handler that reads the body itself.
func TestBodyLimitOverTheWire(t *testing.T) {
	srv := httptest.NewServer(bindEcho(t))
	defer srv.Close()
	big := `{"name":"` + strings.Repeat("x", 1000) + `"}`
	tests := []struct {
		name, path string
		body       io.Reader
		status     int
	}{
		{"bind chunked", "/api/bind", streamed{strings.NewReader(big)}, 413},
		{"raw chunked", "/api/raw", streamed{strings.NewReader(big)}, 413},
		{"raw with length", "/api/raw", bytes.NewReader([]byte(big)), 413},
		{"raw small chunked", "/api/raw", streamed{strings.NewReader(`{}`)}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+tt.path, "application/json", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 413 {
				var p map[string]any
				if err := json.Unmarshal(body, &p); err != nil || p["code"] != web.CodeTooLarge || resp.Header.Get("Content-Type") != web.MediaTypeProblem {
					t.Fatalf("413 body: %s (%v)", body, err)
				}
			}
		})
	}
}
