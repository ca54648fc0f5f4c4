// Package web is the HTTP kit every channel and the admin console use: one echo
// instance with request ids, panic recovery, a JSON access log, a request body
// limit, Prometheus metrics, security headers and one error mapping that answers
// application/problem+json (RFC 9457) or, for browsers on pages, a small Chinese
// HTML error page. It also holds the JSON binding helper, health endpoints and
// a server loop with graceful shutdown.
package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// DefaultBodyLimit is the request body limit used when Options.BodyLimit is 0.
const DefaultBodyLimit int64 = 1 << 20

// HeaderRequestID is the header that carries the request id in both directions.
const HeaderRequestID = "X-Request-ID"

// Options configures New. The zero value works: JSON logs to stderr, a 1 MiB
// body limit and a fresh registry with the Go and process collectors.
type Options struct {
	// Logger receives the access log, internal errors and panics.
	Logger *slog.Logger
	// BodyLimit is the largest request body in bytes (config.ParseSize of
	// GJJ_BODY_LIMIT); 0 or less means DefaultBodyLimit.
	BodyLimit int64
	// Registry receives the HTTP metrics and is served at GET /metrics. When nil,
	// New creates one holding the Go and process collectors too.
	Registry *prometheus.Registry
	// TrustedProxies are the peers whose X-Forwarded-Proto: https makes a
	// request count as TLS (HSTS); nil means DefaultTrustedProxies.
	TrustedProxies []netip.Prefix
}

// New returns an echo instance with the platform middleware, the problem+json
// error handler and GET /metrics registered. Middleware, outermost first:
// request id, security headers, access log + metrics (which also renders the
// error of the inner chain, so the logged status is the one sent), panic
// recovery, body limit. Called once per process by the command wiring, and by
// tests; it panics only if Options.Registry already holds incompatible
// collectors with the same metric names.
func New(opts Options) *echo.Echo {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	limit := opts.BodyLimit
	if limit <= 0 {
		limit = DefaultBodyLimit
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := newMetrics(reg)

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.StdLogger = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	// Trust X-Forwarded-For only from loopback, link-local and private
	// addresses (the nginx in front of the app); everyone else is the peer.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.IdleTimeout = 120 * time.Second
	e.HTTPErrorHandler = errorHandler(log)
	e.Use(requestID, secureHeaders(opts.TrustedProxies), observe(log, m), recoverer(log), bodyLimit(limit))
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	return e
}

// requestID accepts a sane incoming X-Request-ID or makes one, echoes it in the
// response and puts it into the request context.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(HeaderRequestID, id)
		c.SetRequest(req.WithContext(reqctx.WithRequestID(req.Context(), id)))
		return next(c)
	}
}

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// observe renders the inner chain's error (so the status is final), then
// writes one access-log line and updates the metrics. It never logs the query
// string or the body.
func observe(log *slog.Logger, m *metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			elapsed := time.Since(start)
			req := c.Request()
			status := c.Response().Status
			route := routeLabel(c, err)
			m.requests.WithLabelValues(req.Method, route, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(req.Method, route).Observe(elapsed.Seconds())
			path := req.URL.Path
			if len(path) > 256 {
				path = path[:256]
			}
			log.LogAttrs(req.Context(), slog.LevelInfo, "http request",
				slog.String("method", req.Method),
				slog.String("route", route),
				slog.String("path", path),
				slog.Int("status", status),
				slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000),
				slog.Int64("bytes_out", c.Response().Size),
				slog.String("request_id", reqctx.RequestID(req.Context())),
				slog.String("remote_ip", c.RealIP()),
			)
			return nil
		}
	}
}

// routeLabel is the route template, or "unmatched" when the router found no
// route (404) or no method (405), so arbitrary paths cannot blow up the label
// cardinality.
func routeLabel(c echo.Context, err error) string {
	if c.Path() == "" || errors.Is(err, echo.ErrNotFound) || errors.Is(err, echo.ErrMethodNotAllowed) {
		return "unmatched"
	}
	return c.Path()
}

// recoverer turns a panic into an internal error after logging it with its
// stack. http.ErrAbortHandler is re-raised, as net/http expects.
func recoverer(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				if r == http.ErrAbortHandler {
					panic(r)
				}
				req := c.Request()
				log.LogAttrs(req.Context(), slog.LevelError, "panic in handler",
					slog.String("request_id", reqctx.RequestID(req.Context())),
					slog.String("method", req.Method),
					slog.String("route", c.Path()),
					slog.String("panic", fmt.Sprint(r)),
					slog.String("stack", string(debug.Stack())),
				)
				err = errs.E(fmt.Errorf("panic: %v", r))
			}()
			return next(c)
		}
	}
}

// bodyLimit refuses a declared Content-Length over limit at once and wraps the
// body so that reading past limit (chunked bodies included) fails with
// *http.MaxBytesError, which the error handler answers with 413.
func bodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > limit {
				return tooLarge(limit)
			}
			if req.Body != nil && req.Body != http.NoBody {
				req.Body = http.MaxBytesReader(c.Response().Writer, req.Body, limit)
			}
			return next(c)
		}
	}
}

// tooLarge is the 413 answer naming the limit.
func tooLarge(limit int64) *errs.Error {
	return errs.Newf(errs.Invalid, CodeTooLarge, "请求内容过大，最多允许 %s", humanSize(limit)).With("limit_bytes", limit)
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	default:
		return fmt.Sprintf("%d 字节", n)
	}
}

// metrics are the HTTP collectors.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gjj_http_requests_total",
			Help: "HTTP requests by method, route template and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gjj_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	m.requests = register(reg, m.requests)
	m.duration = register(reg, m.duration)
	return m
}

// register registers c, or returns the collector already registered under the
// same description (two echo instances sharing one registry).
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("web: register metrics: %v", err))
	}
	return c
}
