package loadtest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"gjj/internal/loadtest"
)

// TestRunCountsAndParses drives a fake server that answers 200, a 429
// problem with alternatives, or 500 by sequence number, and checks what Run
// records: one sample per request due, problem codes and alternatives, the
// kept header, the expanded body and headers.
func TestRunCountsAndParses(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seq := r.Header.Get("X-Seq")
		mu.Lock()
		bodies[seq] = string(b)
		mu.Unlock()
		n, _ := strconv.Atoi(seq)
		switch n % 3 {
		case 0:
			w.Header().Set("X-Id", "id-"+seq)
			w.WriteHeader(http.StatusCreated)
		case 1:
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"code":"channel.busy","alternatives":[{"channel":"web"},{"channel":"wx"}]}`)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Config{URL: srv.URL, Body: `{"n":{{seq}}}`, Rate: 200, Duration: 150 * time.Millisecond,
		Concurrency: 8, Header: http.Header{"X-Seq": {"{{seq}}"}}, KeepHeaders: []string{"X-Id"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Samples)+res.Skipped != 30 {
		t.Fatalf("%d samples + %d skipped, want 30 requests due", len(res.Samples), res.Skipped)
	}
	for _, s := range res.Samples {
		want := []struct {
			status int
			code   string
			alts   int
			id     string
		}{
			{http.StatusCreated, "", -1, "id-" + strconv.Itoa(s.Seq)},
			{http.StatusTooManyRequests, "channel.busy", 2, ""},
			{http.StatusInternalServerError, "", -1, ""},
		}[s.Seq%3]
		if s.Err != nil || s.Status != want.status || s.Code != want.code || s.Alternatives != want.alts || s.Header.Get("X-Id") != want.id {
			t.Errorf("sample %d = %+v, want %+v", s.Seq, s, want)
		}
		if got := bodies[strconv.Itoa(s.Seq)]; got != `{"n":`+strconv.Itoa(s.Seq)+`}` {
			t.Errorf("request %d body %q", s.Seq, got)
		}
	}
	if ok := res.Where(loadtest.OK); len(ok) != (len(res.Samples)+2)/3 && res.Skipped == 0 {
		t.Errorf("%d 2xx of %d", len(ok), len(res.Samples))
	}
}

// TestRunSkipsWhenSaturated: with one request in flight allowed and a server
// that holds every request, requests that fall due meanwhile are not sent
// (open loop: the offered rate is not silently lowered).
func TestRunSkipsWhenSaturated(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	go func() { time.Sleep(300 * time.Millisecond); close(release) }()
	res, err := loadtest.Run(context.Background(), loadtest.Config{URL: srv.URL, Rate: 100, Duration: 100 * time.Millisecond, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Samples) != 1 || res.Skipped != 9 {
		t.Fatalf("%d sent, %d skipped; want 1 and 9", len(res.Samples), res.Skipped)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []loadtest.Config{
		{Rate: 1, Duration: time.Second, Concurrency: 1},
		{URL: "http://x", Duration: time.Second, Concurrency: 1},
		{URL: "http://x", Rate: 1, Concurrency: 1},
		{URL: "http://x", Rate: 1, Duration: time.Second},
	} {
		if _, err := loadtest.Run(context.Background(), c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []loadtest.Sample {
		var out []loadtest.Sample
		for _, x := range v {
			out = append(out, loadtest.Sample{Latency: time.Duration(x) * time.Millisecond})
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i
	}
	for _, c := range []struct {
		s    []loadtest.Sample
		p    float64
		want time.Duration
	}{
		{nil, 0.99, 0},
		{ms(7), 0.5, 7 * time.Millisecond},
		{ms(3, 1, 2), 0.5, 2 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 0.50, 50 * time.Millisecond},
		{ms(hundred...), 1, 100 * time.Millisecond},
	} {
		if got := loadtest.Percentile(c.s, c.p); got != c.want {
			t.Errorf("p%v of %d samples = %v, want %v", c.p, len(c.s), got, c.want)
		}
	}
}

func TestExpand(t *testing.T) {
	a, b := loadtest.Expand("k-{{seq}}-{{uuid}}", 7), loadtest.Expand("k-{{seq}}-{{uuid}}", 7)
	if len(a) != len("k-7-")+32 || a[:4] != "k-7-" || a == b {
		t.Fatalf("Expand = %q, %q", a, b)
	}
	if got := loadtest.Expand("plain", 1); got != "plain" {
		t.Fatalf("Expand(plain) = %q", got)
	}
}
