package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// Stable codes of the problems the web kit itself produces.
const (
	CodeTooLarge             = "request.too_large"              // 413: body over the limit
	CodeUnsupportedMediaType = "request.unsupported_media_type" // 415: not application/json
	CodeMalformedJSON        = "request.malformed_json"         // 400: JSON syntax error or trailing data
	CodeUnknownField         = "request.unknown_field"          // 400: a field the endpoint does not know
	CodeInvalidField         = "request.invalid_field"          // 400: wrong JSON type or number out of range
	CodeEmptyBody            = "request.empty_body"             // 400: no JSON value at all
	CodeNotFound             = "request.not_found"              // 404: no such route
	CodeMethodNotAllowed     = "request.method_not_allowed"     // 405: route exists, method does not
	CodeTimeout              = "request.timeout"                // 503: the request's deadline passed
	CodeCanceled             = "request.canceled"               // 499: the client went away
	CodeNotReady             = "platform.not_ready"             // 503: a readiness check failed
)

// MediaTypeProblem is the content type of every JSON error answer.
const MediaTypeProblem = "application/problem+json"

// statusClientClosed is nginx's non-standard status for a request whose
// client disconnected before the answer.
const statusClientClosed = 499

// genericMessage is the only text an internal error shows.
const genericMessage = "系统内部错误，请稍后再试"

// codeStatus overrides the kind's status for codes that have a more precise
// HTTP status than their kind.
var codeStatus = map[string]int{
	CodeTooLarge:             http.StatusRequestEntityTooLarge,
	CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
}

// problem is the classified view of an error, ready to render.
type problem struct {
	Status  int
	Type    string
	Code    string
	Detail  string
	Details map[string]any
	Cause   error // logged for 5xx, never shown
}

// classify maps any error to a problem. Order: body limit, *errs.Error,
// *echo.HTTPError, context errors, an unreachable store (503
// store.unavailable), anything else (internal).
func classify(err error) problem {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		e := tooLarge(mbe.Limit)
		return problem{Status: http.StatusRequestEntityTooLarge, Type: typeURI(e.Code), Code: e.Code, Detail: e.Message, Details: e.Details}
	}
	var ee *errs.Error
	if errors.As(err, &ee) {
		status, ok := codeStatus[ee.Code]
		if !ok {
			status = ee.Kind.Status()
		}
		if status == http.StatusInternalServerError {
			return internal(err)
		}
		if ee.Code == "" {
			return problem{Status: status, Type: "about:blank", Code: string(ee.Kind), Detail: ee.Message, Details: ee.Details, Cause: err}
		}
		return problem{Status: status, Type: typeURI(ee.Code), Code: ee.Code, Detail: ee.Message, Details: ee.Details, Cause: err}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if inner, ok := he.Internal.(*echo.HTTPError); ok {
			he = inner
		}
		if he.Code >= 500 && he.Code != http.StatusServiceUnavailable {
			return internal(err)
		}
		code, detail := httpCode(he.Code)
		if m, ok := he.Message.(string); ok && !isASCII(m) {
			detail = m // a Chinese message written for users
		}
		return problem{Status: he.Code, Type: "about:blank", Code: code, Detail: detail, Cause: err}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return problem{Status: http.StatusServiceUnavailable, Type: "about:blank", Code: CodeTimeout, Detail: "请求处理超时，请稍后再试", Cause: err}
	case errors.Is(err, context.Canceled):
		return problem{Status: statusClientClosed, Type: "about:blank", Code: CodeCanceled, Detail: "请求已取消", Cause: err}
	case db.Unreachable(err):
		// A read outside db.InTx that lost its connection (the database
		// restarting): unavailable, like a failed transaction, not internal.
		return classify(db.ErrUnavailable.Wrap(err))
	}
	return internal(err)
}

func causeText(cause, err error) string {
	if cause != nil {
		return cause.Error()
	}
	return err.Error()
}

func internal(err error) problem {
	return problem{Status: http.StatusInternalServerError, Type: "about:blank", Code: "internal", Detail: genericMessage, Cause: err}
}

func typeURI(code string) string { return "https://gjj/problems/" + code }

// httpCode names the code and Chinese message of a bare HTTP status.
func httpCode(status int) (string, string) {
	switch status {
	case http.StatusBadRequest:
		return "request.invalid", "请求参数不正确"
	case http.StatusUnauthorized:
		return "request.unauthenticated", "请先登录"
	case http.StatusForbidden:
		return "request.forbidden", "没有权限执行此操作"
	case http.StatusNotFound:
		return CodeNotFound, "您访问的页面或接口不存在"
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed, "不支持该请求方法"
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge, "请求内容过大"
	case http.StatusUnsupportedMediaType:
		return CodeUnsupportedMediaType, "不支持该请求内容格式"
	case http.StatusTooManyRequests:
		return "request.too_many", "请求过于频繁，请稍后再试"
	case http.StatusServiceUnavailable:
		return "request.unavailable", "服务暂时不可用，请稍后再试"
	default:
		return "request.http_" + strconv.Itoa(status), "请求无法处理"
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// errorHandler is the one place errors become HTTP answers. Internal errors
// are logged with the request id and their cause and shown generically;
// unavailable errors are logged at warn level.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		req := c.Request()
		rid := reqctx.RequestID(req.Context())
		p := classify(err)
		switch {
		case p.Status >= 500 && p.Code != CodeNotReady:
			lvl := slog.LevelError
			if p.Status == http.StatusServiceUnavailable {
				lvl = slog.LevelWarn
			}
			log.LogAttrs(req.Context(), lvl, "request failed",
				slog.String("request_id", rid),
				slog.String("method", req.Method),
				slog.String("route", c.Path()),
				slog.String("code", p.Code),
				slog.String("error", causeText(p.Cause, err)),
			)
		}
		if c.Response().Committed {
			if p.Status < 500 {
				log.LogAttrs(req.Context(), slog.LevelWarn, "error after response was sent",
					slog.String("request_id", rid), slog.String("code", p.Code), slog.String("error", err.Error()))
			}
			return
		}
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, "no-store")
		if p.Status == http.StatusTooManyRequests {
			if s, ok := retryAfter(p.Details["retry_after_s"]); ok {
				h.Set(echo.HeaderRetryAfter, s)
			}
		}
		if req.Method == http.MethodHead {
			_ = c.NoContent(p.Status)
			return
		}
		if WantsPage(req) {
			if werr := writeHTMLError(c, p, rid); werr == nil {
				return
			}
		}
		_ = c.Blob(p.Status, MediaTypeProblem, problemJSON(p, rid))
	}
}

// problemJSON renders the RFC 9457 body: the standard members, code,
// request_id and the details merged as extension members.
func problemJSON(p problem, rid string) []byte {
	title := http.StatusText(p.Status)
	if p.Status == statusClientClosed {
		title = "Client Closed Request"
	}
	base := map[string]any{
		"type":       p.Type,
		"title":      title,
		"status":     p.Status,
		"code":       p.Code,
		"detail":     p.Detail,
		"request_id": rid,
	}
	body := make(map[string]any, len(base)+len(p.Details))
	for k, v := range p.Details {
		body[k] = v
	}
	for k, v := range base { // standard members win over details
		body[k] = v
	}
	b, err := json.Marshal(body)
	if err != nil { // a detail that cannot be encoded: drop the details
		b, _ = json.Marshal(base)
	}
	return b
}

// retryAfter formats a retry_after_s detail as whole seconds (at least 1).
func retryAfter(v any) (string, bool) {
	var f float64
	switch x := v.(type) {
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case float64:
		f = x
	case json.Number:
		n, err := x.Float64()
		if err != nil {
			return "", false
		}
		f = n
	case string:
		n, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return "", false
		}
		f = n
	default:
		return "", false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	s := int64(math.Ceil(f))
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10), true
}

// WantsPage reports whether an error answer to req is an HTML page rather
// than problem+json: not a HEAD request, not under /api/, and an Accept header
// that ranks HTML at least as high as JSON (browsers; API clients and "*/*"
// get problem+json). The error handler decides so; so should anything that
// answers an error itself (the channel gate's refusal page) to look the same.
func WantsPage(req *http.Request) bool {
	return req.Method != http.MethodHead && !isAPIPath(req.URL.Path) && prefersHTML(req.Header.Get(echo.HeaderAccept))
}

func isAPIPath(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// prefersHTML reports whether the Accept header ranks an HTML type at least as
// high as any JSON type (browsers do; API clients and "*/*" do not).
func prefersHTML(accept string) bool {
	var htmlQ, jsonQ float64
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				q = v
			}
		}
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			jsonQ = max(jsonQ, q)
		}
	}
	return htmlQ > 0 && htmlQ >= jsonQ
}

// errorPage is the HTML answer for browsers.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Heading}} - 住房公积金综合服务平台</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f4f6f9;color:#1f2d3d}
main{max-width:560px;margin:12vh auto;background:#fff;border-radius:8px;padding:32px 36px;box-shadow:0 2px 12px rgba(0,0,0,.06)}
h1{font-size:22px;margin:0 0 16px;color:#b3261e}
.status{color:#8a94a6;font-size:14px}
p{line-height:1.7}
.rid{color:#8a94a6;font-size:13px;word-break:break-all}
a{color:#0b5cad}
</style>
</head>
<body>
<main>
<p class="status">错误代码 {{.Status}}</p>
<h1>{{.Heading}}</h1>
<p>{{.Detail}}</p>
<p>{{.Advice}}</p>
{{if .RequestID}}<p class="rid">请求编号：{{.RequestID}}（咨询时请提供此编号）</p>{{end}}
<p><a href="/">返回首页</a></p>
</main>
</body>
</html>
`))

// pageText names, for a status, what went wrong and what to do.
func pageText(status int) (heading, advice string) {
	switch status {
	case http.StatusBadRequest:
		return "提交的内容有误", "请检查填写的内容后重新提交。"
	case http.StatusUnauthorized:
		return "请先登录", "登录后即可继续办理。"
	case http.StatusForbidden:
		return "没有访问权限", "如需办理此业务，请联系单位经办人或公积金中心。"
	case http.StatusNotFound:
		return "页面不存在", "请检查网址是否正确，或返回首页重新进入。"
	case http.StatusMethodNotAllowed:
		return "不支持的访问方式", "请返回首页，通过页面上的链接重新进入。"
	case http.StatusConflict:
		return "业务状态已变化", "请刷新页面查看最新状态后再操作。"
	case http.StatusRequestEntityTooLarge:
		return "提交的内容过大", "请减小上传内容的大小后重新提交。"
	case http.StatusUnsupportedMediaType:
		return "提交的格式不支持", "请通过页面重新提交。"
	case http.StatusTooManyRequests:
		return "当前办理人数较多", "请稍后再试，或通过手机APP、微信公众号、12329 热线等其他渠道办理。"
	case http.StatusServiceUnavailable:
		return "服务暂时不可用", "请稍后再试；如问题持续，请拨打 12329 热线咨询。"
	case statusClientClosed:
		return "请求已取消", "请重新进入页面。"
	default:
		if status >= 500 {
			return "系统暂时无法提供服务", "请稍后再试；如问题持续，请拨打 12329 热线咨询。"
		}
		return "请求无法处理", "请返回首页重新进入。"
	}
}

func writeHTMLError(c echo.Context, p problem, rid string) error {
	heading, advice := pageText(p.Status)
	var buf bytes.Buffer
	err := errorPage.Execute(&buf, struct {
		Status                             int
		Heading, Detail, Advice, RequestID string
	}{p.Status, heading, p.Detail, advice, rid})
	if err != nil {
		return fmt.Errorf("render error page: %w", err)
	}
	return c.HTMLBlob(p.Status, buf.Bytes())
}
