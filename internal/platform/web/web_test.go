package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func newEcho(t *testing.T, opts web.Options) *echo.Echo {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	return web.New(opts)
}

func serve(e *echo.Echo, method, target string, body io.Reader, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// problemOf checks the problem+json shape and returns the decoded body.
func problemOf(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != web.MediaTypeProblem {
		t.Fatalf("Content-Type = %q, want %q", ct, web.MediaTypeProblem)
	}
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, rec.Body)
	}
	if p["code"] != code {
		t.Fatalf("code = %v, want %s; body %s", p["code"], code, rec.Body)
	}
	if p["status"] != float64(status) {
		t.Fatalf("status member = %v, want %d", p["status"], status)
	}
	if p["title"] != http.StatusText(status) {
		t.Fatalf("title = %v, want %q", p["title"], http.StatusText(status))
	}
	for _, k := range []string{"type", "detail", "request_id"} {
		if s, _ := p[k].(string); s == "" {
			t.Fatalf("member %q missing: %s", k, rec.Body)
		}
	}
	if p["request_id"] != rec.Header().Get(web.HeaderRequestID) {
		t.Fatalf("request_id %v differs from header %q", p["request_id"], rec.Header().Get(web.HeaderRequestID))
	}
	return p
}

func TestErrorKindsAnswerProblemJSON(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		detail     string
		retryAfter string
		extra      map[string]any
		hidden     string
	}{
		{"invalid", errs.New(errs.Invalid, "deposit.base_out_of_range", "缴存基数超出范围").With("max_fen", 3000000), 400, "deposit.base_out_of_range", "缴存基数超出范围", "", map[string]any{"max_fen": float64(3000000)}, ""},
		{"not found", errs.New(errs.NotFound, "deposit.account_not_found", "账户不存在"), 404, "deposit.account_not_found", "账户不存在", "", nil, ""},
		{"conflict", errs.New(errs.Conflict, "loan.already_applied", "已有在办的贷款申请"), 409, "loan.already_applied", "已有在办的贷款申请", "", nil, ""},
		{"unauthenticated", errs.New(errs.Unauthenticated, "identity.session_expired", "登录已过期"), 401, "identity.session_expired", "登录已过期", "", nil, ""},
		{"forbidden", errs.New(errs.Forbidden, "access.denied", "没有权限"), 403, "access.denied", "没有权限", "", nil, ""},
		{"busy with retry", errs.New(errs.Busy, "channel.busy", "当前办理人数较多").With("retry_after_s", 30).With("channels", []string{"app", "wechat"}), 429, "channel.busy", "当前办理人数较多", "30", map[string]any{"channels": []any{"app", "wechat"}}, ""},
		{"busy fractional retry", errs.New(errs.Busy, "channel.busy", "当前办理人数较多").With("retry_after_s", 2.2), 429, "channel.busy", "当前办理人数较多", "3", nil, ""},
		{"unavailable", errs.New(errs.Unavailable, "exchange.bank_down", "银行系统暂时不可用").Wrap(errors.New("dial tcp 10.0.0.1:443: refused")), 503, "exchange.bank_down", "银行系统暂时不可用", "", nil, "10.0.0.1"},
		{"wrapped kind", fmt.Errorf("apply: %w", errs.New(errs.Conflict, "withdrawal.duplicate", "重复申请")), 409, "withdrawal.duplicate", "重复申请", "", nil, ""},
		{"internal plain", errors.New("sql: password=s3cret connection refused"), 500, "internal", "系统内部错误，请稍后再试", "", nil, "s3cret"},
		{"internal classified", errs.E(errors.New("nil map write in ledger")), 500, "internal", "系统内部错误，请稍后再试", "", nil, "ledger"},
		{"internal with details hidden", errs.New(errs.Internal, "ledger.unbalanced", "借贷不平").With("secret_detail", "x").Wrap(errors.New("debits 1 credits 2")), 500, "internal", "系统内部错误，请稍后再试", "", nil, "debits"},
		{"echo http error", echo.NewHTTPError(http.StatusBadRequest, "missing csrf token"), 400, "request.invalid", "请求参数不正确", "", nil, "csrf"},
		{"echo http error chinese", echo.NewHTTPError(http.StatusForbidden, "请通过页面提交"), 403, "request.forbidden", "请通过页面提交", "", nil, ""},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, web.CodeTimeout, "请求处理超时，请稍后再试", "", nil, "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEcho(t, web.Options{})
			e.GET("/api/x", func(echo.Context) error { return tt.err })
			rec := serve(e, http.MethodGet, "/api/x", nil, nil)
			p := problemOf(t, rec, tt.status, tt.code)
			if p["detail"] != tt.detail {
				t.Errorf("detail = %v, want %q", p["detail"], tt.detail)
			}
			if tt.code != "internal" && !strings.HasPrefix(tt.code, "request.") && p["type"] != "https://gjj/problems/"+tt.code {
				t.Errorf("type = %v", p["type"])
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			for k, v := range tt.extra {
				if g, _ := json.Marshal(p[k]); string(g) != mustJSON(v) {
					t.Errorf("member %s = %s, want %s", k, g, mustJSON(v))
				}
			}
			if tt.hidden != "" && strings.Contains(rec.Body.String(), tt.hidden) {
				t.Errorf("body leaks %q: %s", tt.hidden, rec.Body)
			}
			if tt.status == 500 && strings.Contains(rec.Body.String(), "secret_detail") {
				t.Errorf("internal error shows details: %s", rec.Body)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestRoutingProblems(t *testing.T) {
	e := newEcho(t, web.Options{})
	e.GET("/api/items", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"unknown api route", http.MethodGet, "/api/nothing", 404, web.CodeNotFound},
		{"unknown page", http.MethodGet, "/nothing/here", 404, web.CodeNotFound},
		{"wrong method", http.MethodDelete, "/api/items", 405, web.CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(e, tt.method, tt.path, nil, map[string]string{"Accept": "application/json"})
			p := problemOf(t, rec, tt.status, tt.code)
			if p["type"] != "about:blank" {
				t.Errorf("type = %v, want about:blank", p["type"])
			}
			if tt.status == 405 && !strings.Contains(rec.Header().Get("Allow"), "GET") {
				t.Errorf("Allow = %q", rec.Header().Get("Allow"))
			}
		})
	}
}

func TestHeadErrorHasNoBody(t *testing.T) {
	e := newEcho(t, web.Options{})
	rec := serve(e, http.MethodHead, "/api/none", nil, nil)
	if rec.Code != 404 || rec.Body.Len() != 0 {
		t.Fatalf("HEAD: %d %q", rec.Code, rec.Body)
	}
}

func TestHTMLErrorPage(t *testing.T) {
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	e := newEcho(t, web.Options{})
	e.GET("/web/x", func(echo.Context) error {
		return errs.New(errs.Invalid, "deposit.bad", "<script>alert(1)</script>金额不正确")
	})
	e.GET("/api/x", func(echo.Context) error { return errs.New(errs.Invalid, "deposit.bad", "金额不正确") })
	e.GET("/web/boom", func(echo.Context) error { return errors.New("secret cause") })
	tests := []struct {
		name, path, accept string
		status             int
		html               bool
		want, notWant      []string
	}{
		{"missing page", "/nowhere", browser, 404, true, []string{"页面不存在", "返回首页", "请求编号"}, nil},
		{"escaped message", "/web/x", browser, 400, true, []string{"&lt;script&gt;", "金额不正确"}, []string{"<script>alert"}},
		{"internal page", "/web/boom", browser, 500, true, []string{"系统内部错误", "12329"}, []string{"secret cause"}},
		{"api path stays json", "/api/x", browser, 400, false, nil, nil},
		{"json client", "/web/x", "application/json", 400, false, nil, nil},
		{"any accept", "/web/x", "*/*", 400, false, nil, nil},
		{"json preferred", "/web/x", "application/json, text/html;q=0.5", 400, false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(e, http.MethodGet, tt.path, nil, map[string]string{"Accept": tt.accept})
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			ct := rec.Header().Get("Content-Type")
			if tt.html != (ct == "text/html; charset=UTF-8") {
				t.Fatalf("Content-Type = %q, html wanted: %v", ct, tt.html)
			}
			body := rec.Body.String()
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page contains %q:\n%s", w, body)
				}
			}
		})
	}
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestIDAndSecurityHeaders(t *testing.T) {
	e := newEcho(t, web.Options{})
	e.GET("/api/rid", func(c echo.Context) error {
		return c.String(http.StatusOK, reqctx.RequestID(c.Request().Context()))
	})
	tests := []struct {
		name, incoming string
		keep           bool
	}{
		{"none", "", false},
		{"sane", "abc-123-XYZ", true},
		{"max length", strings.Repeat("a", 64), true},
		{"too long", strings.Repeat("a", 65), false},
		{"bad chars", "abc def<script>", false},
		{"newline injection", "abc\\r\\nSet-Cookie: x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.incoming != "" {
				h[web.HeaderRequestID] = tt.incoming
			}
			rec := serve(e, http.MethodGet, "/api/rid", nil, h)
			got := rec.Header().Get(web.HeaderRequestID)
			if tt.keep && got != tt.incoming {
				t.Errorf("request id = %q, want the incoming %q", got, tt.incoming)
			}
			if !tt.keep && !hexID.MatchString(got) {
				t.Errorf("generated request id = %q", got)
			}
			if rec.Body.String() != got {
				t.Errorf("context request id %q != header %q", rec.Body, got)
			}
			for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
				if rec.Header().Get(k) != v {
					t.Errorf("%s = %q, want %q", k, rec.Header().Get(k), v)
				}
			}
		})
	}
}

func TestPanicAnswers500AndServerKeepsServing(t *testing.T) {
	e := newEcho(t, web.Options{})
	e.GET("/api/panic", func(echo.Context) error { panic("kaboom secret") })
	e.GET("/api/ok", func(c echo.Context) error { return c.String(http.StatusOK, "fine") })
	srv := httptest.NewServer(e)
	defer srv.Close()

	for i := 0; i < 2; i++ {
		resp, err := http.Get(srv.URL + "/api/panic")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != web.MediaTypeProblem {
			t.Fatalf("panic answer: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if strings.Contains(string(body), "kaboom") {
			t.Fatalf("panic value leaked: %s", body)
		}
		resp, err = http.Get(srv.URL + "/api/ok")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "fine" {
			t.Fatalf("after panic: %d %s", resp.StatusCode, body)
		}
	}
}

func TestMetrics(t *testing.T) {
	e := newEcho(t, web.Options{})
	e.GET("/api/accounts/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	serve(e, http.MethodGet, "/api/accounts/42", nil, nil)
	serve(e, http.MethodGet, "/api/accounts/43", nil, nil)
	serve(e, http.MethodGet, "/random/path/123", nil, nil)
	serve(e, http.MethodPost, "/api/accounts/1", nil, nil)
	rec := serve(e, http.MethodGet, "/metrics", nil, nil)
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`gjj_http_requests_total{method="GET",route="/api/accounts/:id",status="204"} 2`,
		`gjj_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`gjj_http_requests_total{method="POST",route="unmatched",status="405"} 1`,
		`gjj_http_request_duration_seconds_count{method="GET",route="/api/accounts/:id"} 2`,
		`go_goroutines`,
		`process_`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/random/path") {
		t.Errorf("raw path used as a label")
	}
}
