// Package loadtest is an open-loop HTTP load generator: it sends requests at a
// fixed rate (not "as fast as answers come back"), so a slow server does not
// slow the offered load down, and records every answer's status, problem code
// and latency. cmd/loadgen is its command line; the overload test of this
// package drives the platform at five times a channel's capacity with it.
package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is one load run.
type Config struct {
	URL    string // request URL; may contain the placeholders of Expand
	Method string // HTTP method; "" is GET, or POST when Body is set
	// Body is the request body template ("" sends none); see Expand.
	Body string
	// Header is sent with every request; values may contain placeholders.
	Header http.Header
	// Rate is the offered load in requests per second (> 0).
	Rate float64
	// Duration is how long requests are started for (> 0); Run then waits
	// for the answers in flight.
	Duration time.Duration
	// Concurrency bounds the requests in flight (> 0). A request due while
	// all are busy is not sent and is counted in Result.Skipped, so the
	// offered rate stays honest.
	Concurrency int
	// Client sends the requests; nil is a keep-alive client with Concurrency
	// connections and a 30 s timeout.
	Client *http.Client
	// Prepare, when set, may change each request before it is sent (e.g.
	// spread requests over several sessions by seq).
	Prepare func(seq int, req *http.Request)
	// KeepHeaders names response headers to record in Sample.Header (e.g.
	// the id of a created application).
	KeepHeaders []string
}

// Sample is one request's outcome.
type Sample struct {
	Seq     int           // 0-based sequence number (the {{seq}} placeholder)
	At      time.Duration // when it was sent, from the start of the run
	Latency time.Duration // send to last byte of the answer
	Status  int           // HTTP status; 0 when Err is set
	// Code is the "code" member of an application/problem+json answer.
	Code string
	// Alternatives is the number of entries of the problem's "alternatives"
	// member; -1 when it has none.
	Alternatives int
	Header       http.Header // the KeepHeaders present in the answer
	Err          error       // transport error (no answer)
}

// Result is a finished run.
type Result struct {
	Samples []Sample // in sequence order
	Skipped int      // requests due while Concurrency were in flight
	Elapsed time.Duration
}

// Expand replaces the placeholders of s: {{seq}} with seq, {{uuid}} with a
// random 32-hex-digit string, {{unix_ms}} with the current Unix time in
// milliseconds.
func Expand(s string, seq int) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	s = strings.ReplaceAll(s, "{{seq}}", strconv.Itoa(seq))
	s = strings.ReplaceAll(s, "{{unix_ms}}", strconv.FormatInt(time.Now().UnixMilli(), 10))
	for strings.Contains(s, "{{uuid}}") {
		var b [16]byte
		_, _ = rand.Read(b[:])
		s = strings.Replace(s, "{{uuid}}", hex.EncodeToString(b[:]), 1)
	}
	return s
}

func (c *Config) check() error {
	switch {
	case c.URL == "":
		return errors.New("loadtest: no URL")
	case !(c.Rate > 0):
		return fmt.Errorf("loadtest: rate %v: want more than 0 requests per second", c.Rate)
	case c.Duration <= 0:
		return fmt.Errorf("loadtest: duration %v: want more than 0", c.Duration)
	case c.Concurrency <= 0:
		return fmt.Errorf("loadtest: concurrency %d: want at least 1", c.Concurrency)
	}
	return nil
}

// NewClient is a keep-alive HTTP client for conc concurrent requests.
func NewClient(conc int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}}
}

// Run sends cfg.Rate requests per second for cfg.Duration and returns every
// answer. Requests are due at start + seq/Rate whatever the answers' speed
// (open loop). Cancelling ctx stops sending; answers in flight are awaited.
// Errors: a bad Config only; failed requests are Samples with Err set.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Method == "" {
		cfg.Method = http.MethodGet
		if cfg.Body != "" {
			cfg.Method = http.MethodPost
		}
	}
	client := cfg.Client
	if client == nil {
		client = NewClient(cfg.Concurrency)
	}
	total := int(cfg.Rate * cfg.Duration.Seconds())
	res := &Result{Samples: make([]Sample, 0, total)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.Concurrency)
	start := time.Now()
	interval := float64(time.Second) / cfg.Rate
	for seq := 0; seq < total; seq++ {
		due := start.Add(time.Duration(float64(seq) * interval))
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			mu.Lock()
			res.Skipped++
			mu.Unlock()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			s := do(client, &cfg, seq, start)
			mu.Lock()
			res.Samples = append(res.Samples, s)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	sort.Slice(res.Samples, func(i, j int) bool { return res.Samples[i].Seq < res.Samples[j].Seq })
	return res, nil
}

func do(client *http.Client, cfg *Config, seq int, start time.Time) Sample {
	s := Sample{Seq: seq, Alternatives: -1}
	var body io.Reader
	if cfg.Body != "" {
		body = strings.NewReader(Expand(cfg.Body, seq))
	}
	req, err := http.NewRequest(cfg.Method, Expand(cfg.URL, seq), body)
	if err != nil {
		s.Err = err
		return s
	}
	for k, vs := range cfg.Header {
		for _, v := range vs {
			req.Header.Add(k, Expand(v, seq))
		}
	}
	if cfg.Body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cfg.Prepare != nil {
		cfg.Prepare(seq, req)
	}
	t0 := time.Now()
	s.At = t0.Sub(start)
	resp, err := client.Do(req)
	if err != nil {
		s.Latency, s.Err = time.Since(t0), err
		return s
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	s.Latency = time.Since(t0)
	if err != nil {
		s.Err = err
		return s
	}
	s.Status = resp.StatusCode
	for _, k := range cfg.KeepHeaders {
		if v := resp.Header.Get(k); v != "" {
			if s.Header == nil {
				s.Header = http.Header{}
			}
			s.Header.Set(k, v)
		}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/problem+json" {
		var p struct {
			Code         string            `json:"code"`
			Alternatives []json.RawMessage `json:"alternatives"`
		}
		if json.NewDecoder(bytes.NewReader(raw)).Decode(&p) == nil {
			s.Code = p.Code
			if p.Alternatives != nil {
				s.Alternatives = len(p.Alternatives)
			}
		}
	}
	return s
}

// Where returns the samples for which keep is true.
func (r *Result) Where(keep func(Sample) bool) []Sample {
	var out []Sample
	for _, s := range r.Samples {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// OK reports a 2xx answer.
func OK(s Sample) bool { return s.Err == nil && s.Status >= 200 && s.Status < 300 }

// Percentile is the p-quantile (0 ≤ p ≤ 1, nearest rank) of the samples'
// latencies; 0 for none.
func Percentile(samples []Sample, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	lat := make([]time.Duration, len(samples))
	for i, s := range samples {
		lat[i] = s.Latency
	}
	slices.Sort(lat)
	k := int(p*float64(len(lat)) + 0.999999)
	return lat[min(max(k, 1), len(lat))-1]
}

// Summary writes a human-readable account of the run: achieved rate, answers
// by status and problem code, latency quantiles of 2xx and of other answers.
func (r *Result) Summary(w io.Writer) {
	sent := len(r.Samples)
	fmt.Fprintf(w, "sent %d requests in %s (%.1f/s), %d not sent (concurrency exhausted)\n",
		sent, r.Elapsed.Round(time.Millisecond), float64(sent)/r.Elapsed.Seconds(), r.Skipped)
	byStatus := map[string]int{}
	for _, s := range r.Samples {
		k := strconv.Itoa(s.Status)
		switch {
		case s.Err != nil:
			k = "error"
		case s.Code != "":
			k += " " + s.Code
		}
		byStatus[k]++
	}
	keys := make([]string, 0, len(byStatus))
	for k := range byStatus {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-32s %8d\n", k, byStatus[k])
	}
	q := func(name string, ss []Sample) {
		if len(ss) == 0 {
			return
		}
		fmt.Fprintf(w, "  latency %-8s n=%-6d p50 %-10s p90 %-10s p99 %-10s max %s\n", name, len(ss),
			Percentile(ss, 0.50).Round(time.Microsecond), Percentile(ss, 0.90).Round(time.Microsecond),
			Percentile(ss, 0.99).Round(time.Microsecond), Percentile(ss, 1).Round(time.Microsecond))
	}
	q("2xx", r.Where(OK))
	q("other", r.Where(func(s Sample) bool { return !OK(s) }))
}
