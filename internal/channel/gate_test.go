package channel_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/testenv"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
)

// ---------------------------------------------------------------------------
// Fixtures.

// clock is a settable wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(hh, mm int) {
	c.mu.Lock()
	c.t = time.Date(2026, 3, 2, hh, mm, 0, 0, date.Shanghai)
	c.mu.Unlock()
}

// env is one store with seeded parameters, a business date and a clock.
type env struct {
	d     *db.DB
	pol   *policy.Store
	dates *bizdate.Service
	clock *clock
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{d: d, pol: policy.New(d), dates: bizdate.New(d, audit.New(d)), clock: &clock{}}
	e.clock.Set(10, 0)
	if _, err := e.pol.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.dates.Ensure(ctx, date.MustParse("2026-03-02")); err != nil {
		t.Fatal(err)
	}
	return e
}

// gate opens a gate on the env; rc nil means in-process admission.
func (e *env) gate(t *testing.T, rc *redis.Client, prefix string) *channel.Gate {
	t.Helper()
	g, err := channel.New(channel.Options{DB: e.d, Policy: e.pol, Dates: e.dates, Redis: rc, KeyPrefix: prefix,
		Now: e.clock.Now, FlushEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// set records an approved version of a parameter, effective on the business
// date (a day later when that date already has one), and drops the caches
// of the gates.
func (e *env) set(t *testing.T, key, value string, gates ...*channel.Gate) {
	t.Helper()
	ctx := context.Background()
	for range 3 {
		today, err := e.dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = e.d.InTx(ctx, func(tx *db.Tx) error {
			return e.pol.AddVersion(ctx, tx, policy.Version{Key: key, Value: value, EffectiveFrom: today, CreatedBy: "maker", ApprovedBy: "checker"})
		})
		if errors.Is(err, policy.ErrVersionExists) {
			if _, err := e.dates.Advance(ctx, 1); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gates {
			g.Invalidate()
		}
		return
	}
	t.Fatal("could not add a parameter version")
}

// matrix is the default switch matrix changed by f on its JSON form.
func matrix(t *testing.T, f func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(catalog.DefaultMatrixJSON()), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func cell(m map[string]any, item, ch string) map[string]any {
	return m["items"].(map[string]any)[item].(map[string]any)["channels"].(map[string]any)[ch].(map[string]any)
}

// capacity is the default capacity with the query class of some channels
// set to a burst and a rate so slow (one per 1000 s) that nothing refills
// during a test.
func capacity(t *testing.T, bursts map[string]int) string {
	t.Helper()
	c := catalog.DefaultCapacity()
	for ch, b := range bursts {
		c[ch][catalog.ClassQuery] = catalog.Rate{PerSecond: 0.001, Burst: b}
	}
	if _, err := catalog.ParseCapacity(c.JSON()); err != nil {
		t.Fatal(err)
	}
	return c.JSON()
}

// redisFor returns a client of the test Redis and a fresh key prefix whose
// keys are deleted when the test ends.
func redisFor(t *testing.T) (*redis.Client, string) {
	t.Helper()
	addr := testenv.RedisAddr(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "gjjtest:" + hex.EncodeToString(b[:]) + ":"
	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rc.Scan(ctx, 0, "rate:"+prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rc.Del(ctx, iter.Val())
		}
		rc.Close()
	})
	return rc, prefix
}

// server is an echo instance of the web kit with gated test routes: for every
// channel and the items GR-01, TQ-01 and DW-07, GET /api/<ch>/<item> (JSON)
// and GET /<ch>/<item> (a page); GET /api/web/fail answers a 500 as GR-03.
type server struct {
	e   *echo.Echo
	reg *prometheus.Registry
}

func serve(t *testing.T, g *channel.Gate) *server {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := g.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := g.Register(reg); err != nil {
		t.Fatalf("second Register: %v", err)
	}
	e := web.New(web.Options{Logger: slog.New(slog.DiscardHandler), Registry: reg})
	okJSON := func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"ok": "yes"}) }
	okPage := func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>办理页面</p>") }
	for _, ch := range catalog.Channels() {
		for _, item := range []string{"GR-01", "TQ-01", "DW-07"} {
			e.GET("/api/"+ch.Code+"/"+item, okJSON, g.Middleware(ch.Code, item))
			e.GET("/"+ch.Code+"/"+item, okPage, g.Middleware(ch.Code, item))
		}
	}
	e.GET("/api/web/fail", func(echo.Context) error { return errors.New("boom") }, g.Middleware("web", "GR-03"))
	return &server{e: e, reg: reg}
}

func (s *server) get(path, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

// problem is the JSON body of a refusal.
type problem struct {
	Status       int                   `json:"status"`
	Code         string                `json:"code"`
	Detail       string                `json:"detail"`
	RequestID    string                `json:"request_id"`
	RetryAfterS  *int64                `json:"retry_after_s"`
	Reason       string                `json:"reason"`
	Hours        string                `json:"hours"`
	Channel      string                `json:"channel"`
	Item         string                `json:"item"`
	Alternatives []channel.Alternative `json:"alternatives"`
}

func isChinese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// refusal decodes a problem+json refusal with the status and code.
func refusal(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != web.MediaTypeProblem {
		t.Fatalf("Content-Type %q", ct)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["alternatives"]; !ok {
		t.Errorf("no top-level alternatives member: %s", rec.Body)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != code || p.Status != status || !isChinese(p.Detail) || p.RequestID == "" {
		t.Fatalf("problem %+v, want %d %s with a Chinese detail", p, status, code)
	}
	if p.Alternatives == nil {
		t.Errorf("alternatives is null, want a list: %s", rec.Body)
	}
	return p
}

func codes(alts []channel.Alternative) []string {
	out := make([]string, len(alts))
	for i, a := range alts {
		out[i] = a.Channel
	}
	return out
}

func checkNames(t *testing.T, alts []channel.Alternative) {
	t.Helper()
	for _, a := range alts {
		ch, ok := catalog.ChannelByCode(a.Channel)
		if !ok || a.Name != ch.Name || a.Load < 0 || a.Load >= 1 {
			t.Errorf("alternative %+v", a)
		}
	}
}

func sameList(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// ---------------------------------------------------------------------------
// Switch matrix and business hours.

func TestClosedAnswers503WithAlternatives(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		g := e.gate(t, nil, "")
		s := serve(t, g)
		if rec := s.get("/api/web/GR-01", ""); rec.Code != http.StatusOK {
			t.Fatalf("open item: %d %s", rec.Code, rec.Body)
		}

		// GR-01 switched off on web only.
		e.set(t, policy.ChannelMatrix, matrix(t, func(m map[string]any) { cell(m, "GR-01", "web")["enabled"] = false }), g)
		rec := s.get("/api/web/GR-01", "")
		p := refusal(t, rec, http.StatusServiceUnavailable, "channel.closed")
		want := []string{"app", "wechat", "sms", "hotline", "kiosk", "gov", "counter"}
		if p.Reason != "not_offered" || p.Channel != "web" || p.Item != "GR-01" || !sameList(codes(p.Alternatives), want) {
			t.Errorf("refusal %+v; want reason not_offered and alternatives %v", p, want)
		}
		checkNames(t, p.Alternatives)
		if p.RetryAfterS != nil || rec.Header().Get("Retry-After") != "" {
			t.Errorf("a switched-off item has no retry time: %v %q", p.RetryAfterS, rec.Header().Get("Retry-After"))
		}
		if rec := s.get("/api/app/GR-01", ""); rec.Code != http.StatusOK {
			t.Errorf("app still offers GR-01: %d", rec.Code)
		}

		// The whole item off: no alternatives.
		e.set(t, policy.ChannelMatrix, matrix(t, func(m map[string]any) {
			m["items"].(map[string]any)["GR-01"].(map[string]any)["enabled"] = false
		}), g)
		p = refusal(t, s.get("/api/app/GR-01", ""), http.StatusServiceUnavailable, "channel.closed")
		if p.Reason != "item_off" || len(p.Alternatives) != 0 {
			t.Errorf("item off: %+v", p)
		}

		// A channel off: refused there, and not offered as an alternative.
		e.set(t, policy.ChannelMatrix, matrix(t, func(m map[string]any) {
			m["channels"].(map[string]any)["sms"] = false
			cell(m, "GR-01", "web")["enabled"] = false
		}), g)
		p = refusal(t, s.get("/api/sms/GR-01", ""), http.StatusServiceUnavailable, "channel.closed")
		if p.Reason != "channel_off" {
			t.Errorf("channel off: %+v", p)
		}
		p = refusal(t, s.get("/api/web/GR-01", ""), http.StatusServiceUnavailable, "channel.closed")
		if want := []string{"app", "wechat", "hotline", "kiosk", "gov", "counter"}; !sameList(codes(p.Alternatives), want) {
			t.Errorf("alternatives %v, want %v", codes(p.Alternatives), want)
		}

		// An item not offered on a channel by default.
		p = refusal(t, s.get("/api/web/DW-07", ""), http.StatusServiceUnavailable, "channel.closed")
		if !sameList(codes(p.Alternatives), []string{"unit", "counter"}) {
			t.Errorf("DW-07 alternatives %v", codes(p.Alternatives))
		}
	})
}

func TestOutsideBusinessHours(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		g := e.gate(t, nil, "")
		s := serve(t, g)
		e.set(t, policy.ChannelMatrix, matrix(t, func(m map[string]any) {
			cell(m, "GR-01", "web")["hours"] = "08:30-12:00,13:30-17:30"
		}), g)
		tests := []struct {
			hh, mm int
			open   bool
			retry  int64
		}{
			{9, 0, true, 0}, {12, 30, false, 3600}, {13, 30, true, 0}, {17, 30, false, 15 * 3600}, {7, 0, false, 5400},
		}
		for _, tt := range tests {
			e.clock.Set(tt.hh, tt.mm)
			rec := s.get("/api/web/GR-01", "")
			if tt.open {
				if rec.Code != http.StatusOK {
					t.Errorf("%02d:%02d: %d %s", tt.hh, tt.mm, rec.Code, rec.Body)
				}
				continue
			}
			p := refusal(t, rec, http.StatusServiceUnavailable, "channel.closed")
			if p.Reason != "out_of_hours" || p.Hours != "08:30-12:00,13:30-17:30" || p.RetryAfterS == nil || *p.RetryAfterS != tt.retry {
				t.Errorf("%02d:%02d: %+v; want out_of_hours, retry %d", tt.hh, tt.mm, p, tt.retry)
			}
			if h := rec.Header().Get("Retry-After"); h != strconv.FormatInt(tt.retry, 10) {
				t.Errorf("%02d:%02d: Retry-After %q", tt.hh, tt.mm, h)
			}
			if !strings.Contains(p.Detail, "08:30-12:00,13:30-17:30") || !sameList(codes(p.Alternatives), []string{"app", "wechat", "sms", "hotline", "kiosk", "gov", "counter"}) {
				t.Errorf("%02d:%02d: detail %q, alternatives %v", tt.hh, tt.mm, p.Detail, codes(p.Alternatives))
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Admission.

func TestCapacityAdmitsThenDiverts(t *testing.T) {
	modes := []struct {
		name  string
		redis bool
	}{{"in-process", false}, {"redis", true}}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			var rc *redis.Client
			var prefix string
			if mode.redis {
				rc, prefix = redisFor(t)
			}
			e := newEnv(t, dbtest.SQLite(t))
			g := e.gate(t, rc, prefix)
			s := serve(t, g)
			e.set(t, policy.ChannelCapacity, capacity(t, map[string]int{"web": 3, "wechat": 2, "app": 4}), g)

			// wechat full, app a quarter used.
			for i, want := range []int{200, 200, 429} {
				if rec := s.get("/api/wechat/GR-01", ""); rec.Code != want {
					t.Fatalf("wechat request %d: %d", i, rec.Code)
				}
			}
			if rec := s.get("/api/app/GR-01", ""); rec.Code != http.StatusOK {
				t.Fatalf("app: %d", rec.Code)
			}

			admitted := 0
			for i := range 8 {
				rec := s.get("/api/web/GR-01", "")
				if rec.Code == http.StatusOK {
					admitted++
					continue
				}
				p := refusal(t, rec, http.StatusTooManyRequests, "channel.busy")
				want := []string{"sms", "hotline", "kiosk", "gov", "counter", "app"}
				if !sameList(codes(p.Alternatives), want) {
					t.Fatalf("request %d: alternatives %v, want %v (idle first, then app; not wechat)", i, codes(p.Alternatives), want)
				}
				checkNames(t, p.Alternatives)
				if last := p.Alternatives[len(p.Alternatives)-1]; last.Load != 0.25 {
					t.Errorf("app load %v, want 0.25", last.Load)
				}
				if p.Alternatives[0].Load != 0 {
					t.Errorf("idle channel load %v", p.Alternatives[0].Load)
				}
				if p.RetryAfterS == nil || *p.RetryAfterS < 1 || *p.RetryAfterS > 1000 {
					t.Errorf("retry_after_s %v", p.RetryAfterS)
				} else if h := rec.Header().Get("Retry-After"); h != strconv.FormatInt(*p.RetryAfterS, 10) {
					t.Errorf("Retry-After %q, body %d", h, *p.RetryAfterS)
				}
			}
			if admitted != 3 {
				t.Fatalf("admitted %d of 8, want exactly the burst of 3", admitted)
			}
			// Another class on the same channel has its own capacity.
			if rec := s.get("/api/web/TQ-01", ""); rec.Code != http.StatusOK {
				t.Errorf("fund class on web: %d", rec.Code)
			}
		})
	}
}

// TestTwoInstancesShareOneRedis runs two gates with two servers: on one Redis
// they admit the capacity once between them; in-process (the control) each
// admits it.
func TestTwoInstancesShareOneRedis(t *testing.T) {
	const burst = 5
	for _, shared := range []bool{true, false} {
		t.Run(map[bool]string{true: "redis", false: "in-process control"}[shared], func(t *testing.T) {
			var rc *redis.Client
			var prefix string
			if shared {
				rc, prefix = redisFor(t)
			}
			e := newEnv(t, dbtest.SQLite(t))
			a, b := e.gate(t, rc, prefix), e.gate(t, rc, prefix)
			sa, sb := serve(t, a), serve(t, b)
			e.set(t, policy.ChannelCapacity, capacity(t, map[string]int{"web": burst}), a, b)
			admitted := 0
			for i := range 4 * burst {
				s := sa
				if i%2 == 1 {
					s = sb
				}
				switch rec := s.get("/api/web/GR-01", ""); rec.Code {
				case http.StatusOK:
					admitted++
				case http.StatusTooManyRequests:
				default:
					t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
				}
			}
			want := burst
			if !shared {
				want = 2 * burst
			}
			if admitted != want {
				t.Fatalf("admitted %d, want %d", admitted, want)
			}
		})
	}
}

func TestRedisDownFallsBackInProcess(t *testing.T) {
	addr := testenv.RedisAddr(t)
	clients := []struct {
		name string
		open func() *redis.Client
	}{
		{"closed client", func() *redis.Client {
			c := redis.NewClient(&redis.Options{Addr: addr})
			c.Close()
			return c
		}},
		{"nothing listening", func() *redis.Client {
			return redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond})
		}},
	}
	for _, tc := range clients {
		t.Run(tc.name, func(t *testing.T) {
			rc := tc.open()
			defer rc.Close()
			e := newEnv(t, dbtest.SQLite(t))
			g := e.gate(t, rc, "gjjtest:down:")
			s := serve(t, g)
			e.set(t, policy.ChannelCapacity, capacity(t, map[string]int{"web": 3}), g)
			got := map[int]int{}
			for range 5 {
				rec := s.get("/api/web/GR-01", "")
				got[rec.Code]++
				if rec.Code == http.StatusTooManyRequests {
					p := refusal(t, rec, http.StatusTooManyRequests, "channel.busy")
					if len(p.Alternatives) == 0 {
						t.Error("no alternatives from the fallback limiter")
					}
				}
			}
			if got[200] != 3 || got[429] != 2 {
				t.Fatalf("answers %v; want 3 admitted and 2 diverted by the in-process limiter", got)
			}
			if _, err := g.Admit(context.Background(), "app", "GR-01"); err != nil {
				t.Fatalf("Admit with Redis down: %v", err)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Pages.

func TestRefusalPage(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	g := e.gate(t, nil, "")
	s := serve(t, g)
	e.set(t, policy.ChannelCapacity, capacity(t, map[string]int{"web": 1}), g)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	if rec := s.get("/web/GR-01", browser); rec.Code != http.StatusOK {
		t.Fatalf("first: %d", rec.Code)
	}
	rec := s.get("/web/GR-01", browser)
	body := rec.Body.String()
	if rec.Code != http.StatusTooManyRequests || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("busy page: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra < 1 {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
	for _, want := range []string{"当前办理人数较多", "个人账户及明细查询", "12329热线", `href="tel:12329"`, `href="sms:12329"`,
		"官方微信", "服务网点柜面", `data-channel="counter"`, "请求编号", `href="/web/GR-01"`} {
		if !strings.Contains(body, want) {
			t.Errorf("busy page lacks %q", want)
		}
	}
	if strings.Contains(body, `data-channel="web"`) || strings.Contains(body, "<script") || strings.Contains(body, "http://") {
		t.Error("busy page lists the refusing channel, or loads something external")
	}
	// The same request on an API path, or from an API client, is JSON.
	refusal(t, s.get("/api/web/GR-01", browser), http.StatusTooManyRequests, "channel.busy")
	refusal(t, s.get("/web/GR-01", "application/json"), http.StatusTooManyRequests, "channel.busy")

	e.set(t, policy.ChannelMatrix, matrix(t, func(m map[string]any) { cell(m, "GR-01", "kiosk")["hours"] = "08:30-09:00" }), g)
	rec = s.get("/kiosk/GR-01", browser)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "当前不在办理时间") ||
		!strings.Contains(rec.Body.String(), "08:30-09:00") {
		t.Errorf("closed page: %d %s", rec.Code, rec.Body)
	}
}

// ---------------------------------------------------------------------------
// Statistics.

// counter reads one sample of the gate's request counter from reg.
func counter(t *testing.T, reg *prometheus.Registry, ch, item, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "gjj_channel_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["channel"] == ch && l["item"] == item && l["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func histogramCount(t *testing.T, reg *prometheus.Registry, ch, item string) uint64 {
	t.Helper()
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "gjj_channel_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["channel"] == ch && l["item"] == item {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

func TestStatsAddUpAcrossInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		a, b := e.gate(t, nil, ""), e.gate(t, nil, "")
		sa, sb := serve(t, a), serve(t, b)
		// GR-01 and GR-03 share the web query capacity of 4 per instance.
		e.set(t, policy.ChannelCapacity, capacity(t, map[string]int{"web": 4}), a, b)

		if rec := sa.get("/api/web/fail", ""); rec.Code != http.StatusInternalServerError {
			t.Fatalf("failing route: %d", rec.Code)
		}
		for range 4 { // 3 admitted, 1 diverted
			sa.get("/api/web/GR-01", "")
		}
		if err := a.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		sa.get("/api/unit/GR-01", "") // closed: not offered on unit
		for range 2 {
			sb.get("/api/web/GR-01", "")
		}
		if err := a.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil { // Close flushes
			t.Fatal(err)
		}

		day := date.MustParse("2026-03-02")
		rows, err := a.Stats(ctx, day, day)
		if err != nil {
			t.Fatal(err)
		}
		type key struct{ ch, item string }
		got := map[key]channel.StatRow{}
		for _, r := range rows {
			if r.Day != day || r.Hour != 10 {
				t.Errorf("row %+v: want day 2026-03-02, hour 10", r)
			}
			got[key{r.Channel, r.Item}] = r
		}
		check := func(k key, requests, admitted, diverted, closed, errors int64) {
			t.Helper()
			r := got[k]
			if r.Requests != requests || r.Admitted != admitted || r.Diverted != diverted || r.Closed != closed || r.Errors != errors {
				t.Errorf("%v: %+v; want requests %d admitted %d diverted %d closed %d errors %d", k, r, requests, admitted, diverted, closed, errors)
			}
			if r.LatencyLE2s != admitted || r.LatencyLE100ms > r.LatencyLE500ms || r.LatencyLE500ms > r.LatencyLE2s || r.LatencySumUS < 0 {
				t.Errorf("%v: latency buckets %+v", k, r)
			}
		}
		if len(rows) != 3 {
			t.Errorf("%d rows: %+v", len(rows), rows)
		}
		check(key{"web", "GR-01"}, 6, 5, 1, 0, 0)
		check(key{"web", "GR-03"}, 1, 1, 0, 0, 1)
		check(key{"unit", "GR-01"}, 1, 0, 0, 1, 0)

		// Prometheus on instance a's registry.
		for _, c := range []struct {
			ch, item, outcome string
			want              float64
		}{
			{"web", "GR-01", channel.OutcomeAdmitted, 3}, {"web", "GR-01", channel.OutcomeDiverted, 1},
			{"web", "GR-03", channel.OutcomeError, 1}, {"unit", "GR-01", channel.OutcomeClosed, 1},
		} {
			if got := counter(t, sa.reg, c.ch, c.item, c.outcome); got != c.want {
				t.Errorf("gjj_channel_requests_total{%s,%s,%s} = %v, want %v", c.ch, c.item, c.outcome, got, c.want)
			}
		}
		if n := histogramCount(t, sa.reg, "web", "GR-01"); n != 3 {
			t.Errorf("latency histogram count %d, want 3", n)
		}
		if rec := sa.get("/metrics", ""); !strings.Contains(rec.Body.String(), `gjj_channel_requests_total{channel="web",item="GR-01",outcome="admitted"} 3`) {
			t.Errorf("/metrics lacks the gate's counter")
		}

		if rows, err := a.Stats(ctx, day.AddDays(1), day.AddDays(2)); err != nil || len(rows) != 0 {
			t.Errorf("other days: %v %v", rows, err)
		}
		if _, err := a.Stats(ctx, day, day.AddDays(-1)); errs.CodeOf(err) != "channel.bad_range" {
			t.Errorf("reversed range: %v", err)
		}
	})
}

func TestAdmitTicket(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dbtest.SQLite(t))
	g := e.gate(t, nil, "")
	tk, err := g.Admit(ctx, "sms", "GR-01")
	if err != nil {
		t.Fatal(err)
	}
	tk.Done(nil)
	tk.Done(errors.New("counted once only"))
	tk, err = g.Admit(ctx, "hotline", "GR-01")
	if err != nil {
		t.Fatal(err)
	}
	tk.Done(errs.New(errs.Internal, "x", "内部错误"))
	tk, _ = g.Admit(ctx, "hotline", "GR-01")
	tk.Done(errs.New(errs.NotFound, "x", "没有找到")) // a client error: admitted
	_, err = g.Admit(ctx, "sms", "TQ-01")
	if !errors.Is(err, channel.ErrClosed) || errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("TQ-01 by SMS: %v", err)
	}
	if alts, _ := errs.E(err).Details["alternatives"].([]channel.Alternative); !sameList(codes(alts), []string{"web", "app", "wechat", "gov", "counter"}) {
		t.Errorf("alternatives %v", codes(alts))
	}
	if _, err := g.Admit(ctx, "sms", "NO-01"); errs.CodeOf(err) != "channel.unknown" {
		t.Errorf("unknown item: %v", err)
	}
	if err := g.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	day := date.MustParse("2026-03-02")
	rows, err := g.Stats(ctx, day, day)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][4]int64{ // requests, admitted, closed, errors
		"sms/GR-01": {1, 1, 0, 0}, "hotline/GR-01": {2, 2, 0, 1}, "sms/TQ-01": {1, 0, 1, 0},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		w := want[r.Channel+"/"+r.Item]
		if [4]int64{r.Requests, r.Admitted, r.Closed, r.Errors} != w {
			t.Errorf("%s/%s: %+v, want %v", r.Channel, r.Item, r, w)
		}
	}
}

// ---------------------------------------------------------------------------
// Amount limits.

func TestAmountLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		a, b := e.gate(t, nil, ""), e.gate(t, nil, "")
		const person = "350102198805123011"
		wan := func(n int64) int64 { return n * 1_000_000 } // 万元 in fen

		err := a.CheckAmount(ctx, "web", "TQ-01", person, fen(wan(60)))
		if !errors.Is(err, channel.ErrSingleLimit) || errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("600,000 yuan on web: %v", err)
		}
		de := errs.E(err).Details
		if de["limit_fen"] != wan(50) || !isChinese(errs.E(err).Message) {
			t.Errorf("details %v", de)
		}
		if alts, _ := de["alternatives"].([]channel.Alternative); !sameList(codes(alts), []string{"counter"}) {
			t.Errorf("alternatives %v, want only the counter (no limit there)", codes(alts))
		}

		steps := []struct {
			g      *channel.Gate
			ch     string
			who    string
			amount int64
			want   error
		}{
			{a, "web", person, wan(40), nil},
			{b, "web", person, wan(40), nil}, // another instance, same store
			{a, "web", person, wan(40), channel.ErrDailyLimit},
			{b, "app", person, wan(40), nil}, // per channel
			{a, "web", "350102199208184021", wan(40), nil},
			{a, "counter", person, wan(500), nil}, // no limits at the counter
		}
		for i, s := range steps {
			err := s.g.CheckAmount(ctx, s.ch, "TQ-01", s.who, fen(s.amount))
			if !errors.Is(err, s.want) || (s.want == nil && err != nil) {
				t.Fatalf("step %d: %v, want %v", i, err, s.want)
			}
			if s.want != nil && errs.E(err).Details["used_fen"] != wan(80) {
				t.Errorf("step %d: details %v", i, errs.E(err).Details)
			}
		}
		if err := b.ReleaseAmount(ctx, "web", "TQ-01", person, fen(wan(40))); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int64{wan(50), wan(10)} { // 400,000 + 500,000 + 100,000: the limit exactly
			if err := a.CheckAmount(ctx, "web", "TQ-01", person, fen(n)); err != nil {
				t.Fatalf("after release, up to the limit: %v", err)
			}
		}
		if err := a.CheckAmount(ctx, "web", "TQ-01", person, 1); !errors.Is(err, channel.ErrDailyLimit) {
			t.Fatalf("one fen over: %v", err)
		}
		if err := a.CheckAmount(ctx, "web", "TQ-01", person, 0); !errors.Is(err, channel.ErrBadAmount) {
			t.Errorf("zero amount: %v", err)
		}
		if err := a.CheckAmount(ctx, "web", "GR-01", person, fen(wan(900))); err != nil {
			t.Errorf("item without limits: %v", err)
		}

		// Concurrent checks of one subject never pass the daily limit.
		const who = "35010319950203125X"
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, over := 0, 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g := a
				err := g.CheckAmount(ctx, "wechat", "TQ-05", who, fen(wan(30)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, channel.ErrDailyLimit):
					over++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok != 3 || over != 5 {
			t.Errorf("concurrent 300,000-yuan checks against a 1,000,000 limit: %d passed, %d refused; want 3 and 5", ok, over)
		}
	})
}

// ---------------------------------------------------------------------------
// Menus, robustness, the nil gate, the parameter validator.

func TestMenu(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dbtest.SQLite(t))
	g := e.gate(t, nil, "")
	e.set(t, policy.ChannelMatrix, matrix(t, func(m map[string]any) {
		m["items"].(map[string]any)["DW-08"].(map[string]any)["enabled"] = false
	}), g)
	menu, err := g.Menu(ctx, "unit")
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]bool{}
	for _, o := range menu {
		open[o.Item.Code] = o.Open
		if o.Item.Actor == catalog.ActorPerson {
			t.Errorf("unit menu offers %s", o.Item.Code)
		}
	}
	if !open["DW-07"] || !open["ZH-01"] || open["DW-08"] || len(menu) != 13 {
		t.Errorf("unit menu %v (%d items)", open, len(menu))
	}
	if _, err := g.Menu(ctx, "fax"); errs.CodeOf(err) != "channel.unknown" {
		t.Errorf("unknown channel: %v", err)
	}
	if len(g.Catalog()) == 0 || len(g.Channels()) != 9 {
		t.Error("catalog or channels empty")
	}
}

// TestUnreadableParametersKeepServing: a store without seeded parameters, an
// unset business date and a corrupted stored value never make the gate fail
// a request; it uses the shipped defaults.
func TestUnreadableParametersKeepServing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := &clock{}
		c.Set(10, 0)
		g, err := channel.New(channel.Options{DB: d, Policy: policy.New(d), Dates: bizdate.New(d, audit.New(d)), Now: c.Now, FlushEvery: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		s := serve(t, g)
		if rec := s.get("/api/web/GR-01", ""); rec.Code != http.StatusOK {
			t.Fatalf("no parameters at all: %d %s", rec.Code, rec.Body)
		}
		if _, err := d.ExecContext(context.Background(), `INSERT INTO policy_param (param_key, value, effective_from, created_by, approved_by, change_ref, created_at)
			VALUES (?, ?, ?, 'x', 'y', '', ?)`, policy.ChannelMatrix, `{"broken":`, date.MustParse("2000-01-01"), db.Now()); err != nil {
			t.Fatal(err)
		}
		g.Invalidate()
		if rec := s.get("/api/web/GR-01", ""); rec.Code != http.StatusOK {
			t.Fatalf("corrupted matrix: %d %s", rec.Code, rec.Body)
		}
		refusal(t, s.get("/api/web/DW-07", ""), http.StatusServiceUnavailable, "channel.closed")
	})
}

func TestNilGateAdmitsEverything(t *testing.T) {
	var g *channel.Gate
	e := echo.New()
	e.GET("/x", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, g.Middleware("web", "NOT-AN-ITEM"))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("nil gate: %d", rec.Code)
	}
	tk, err := g.Admit(context.Background(), "web", "GR-01")
	if err != nil || tk == nil {
		t.Fatalf("nil gate Admit: %v", err)
	}
	tk.Done(nil)
	if err := g.CheckAmount(context.Background(), "web", "TQ-01", "x", 1); err != nil {
		t.Fatal(err)
	}
	g.Invalidate()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownCodesPanicAtRegistration(t *testing.T) {
	g, err := channel.New(channel.Options{DB: dbtest.SQLite(t), FlushEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, c := range [][2]string{{"web", "GR-99"}, {"fax", "GR-01"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Middleware(%q, %q) did not panic", c[0], c[1])
				}
			}()
			g.Middleware(c[0], c[1])
		}()
	}
}

func TestPolicyValidatorRefusesBadDocuments(t *testing.T) {
	good := map[string]string{policy.ChannelMatrix: catalog.DefaultMatrixJSON(), policy.ChannelCapacity: catalog.DefaultCapacityJSON()}
	bad := []struct {
		key, value, mention string
	}{
		{policy.ChannelMatrix, `{"channels":`, "JSON"},
		{policy.ChannelMatrix, matrix(t, func(m map[string]any) { cell(m, "GR-01", "web")["hours"] = "25:00-26:00" }), "办理时间"},
		{policy.ChannelMatrix, matrix(t, func(m map[string]any) { m["channels"].(map[string]any)["weibo"] = true }), "weibo"},
		{policy.ChannelCapacity, `{"web":{}}`, "缺少"},
		{policy.ChannelCapacity, strings.Replace(catalog.DefaultCapacityJSON(), `"burst":400`, `"burst":-4`, 1), "burst"},
	}
	for key, v := range good {
		sp, ok := policy.Lookup(key)
		if !ok || sp.Kind != policy.KindJSON || !isChinese(sp.Title) || !isChinese(sp.Allowed) {
			t.Fatalf("%s spec %+v", key, sp)
		}
		if err := sp.Validate(v); err != nil {
			t.Errorf("%s default refused: %v", key, err)
		}
		if got, err := sp.ParseInput("  " + v + "\n"); err != nil || got != v {
			t.Errorf("%s ParseInput: %v", key, err)
		}
	}
	for _, tt := range bad {
		sp, _ := policy.Lookup(tt.key)
		err := sp.Validate(tt.value)
		e := errs.E(err)
		if err == nil || e.Kind != errs.Invalid || e.Code != "policy.invalid_value" {
			t.Errorf("%s %.60s: %v", tt.key, tt.value, err)
			continue
		}
		if !strings.Contains(e.Message, sp.Title) || !strings.Contains(e.Message, tt.mention) || !isChinese(e.Message) {
			t.Errorf("%s: message %q should name the parameter and mention %q", tt.key, e.Message, tt.mention)
		}
		if _, err := sp.ParseInput(tt.value); errs.CodeOf(err) != "policy.invalid_value" {
			t.Errorf("%s ParseInput accepted %.60s: %v", tt.key, tt.value, err)
		}
	}
	// AddVersion refuses them too.
	d := dbtest.SQLite(t)
	pol := policy.New(d)
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		return pol.AddVersion(context.Background(), tx, policy.Version{Key: policy.ChannelCapacity, Value: `{}`,
			EffectiveFrom: date.MustParse("2026-03-02"), CreatedBy: "maker", ApprovedBy: "checker"})
	})
	if errs.CodeOf(err) != "policy.invalid_value" {
		t.Errorf("AddVersion: %v", err)
	}
}

func fen(n int64) money.Fen { return money.Fen(n) }
