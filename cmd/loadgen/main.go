// Command loadgen sends HTTP requests at a fixed rate (open loop) and prints
// the answers by status and problem code with latency quantiles. It is the
// load generator of the overload test (internal/loadtest) for use by hand:
//
//	loadgen -url http://127.0.0.1:8080/api/app/v1/certificates/deposit \
//	    -rate 100 -duration 5s -c 64 -H 'Authorization: Bearer <token>'
//
//	loadgen -url http://127.0.0.1:8080/api/app/v1/withdrawals -rate 20 -duration 10s \
//	    -body '{"reason":"TQ-05","amount_fen":100}' -H 'Idempotency-Key: lg-{{seq}}-{{uuid}}'
//
// The URL, body and header values may contain {{seq}} (request number),
// {{uuid}} (random hex) and {{unix_ms}}. Exit status 0 when no request got a
// 5xx or a transport error, 1 otherwise, 2 for bad flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"gjj/internal/loadtest"
)

// headers is a repeatable -H flag.
type headers http.Header

func (h headers) String() string { return fmt.Sprint(http.Header(h)) }

func (h headers) Set(s string) error {
	k, v, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want 'Name: value', got %q", s)
	}
	http.Header(h).Add(strings.TrimSpace(k), strings.TrimSpace(v))
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadtest.Config
	h := headers{}
	fs.StringVar(&cfg.URL, "url", "", "request URL (required)")
	fs.StringVar(&cfg.Method, "method", "", "HTTP method (default GET, or POST with -body)")
	fs.StringVar(&cfg.Body, "body", "", "request body template (JSON unless a Content-Type header says otherwise)")
	fs.Var(h, "H", "request header 'Name: value' (repeatable)")
	fs.Float64Var(&cfg.Rate, "rate", 10, "requests per second")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&cfg.Concurrency, "c", 64, "most requests in flight")
	keep := fs.String("keep-header", "", "comma-separated response headers to count distinct values of (e.g. X-Certificate-No)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.Header = http.Header(h)
	if *keep != "" {
		cfg.KeepHeaders = strings.Split(*keep, ",")
	}
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	res.Summary(stdout)
	for _, k := range cfg.KeepHeaders {
		seen := map[string]bool{}
		for _, s := range res.Samples {
			if v := s.Header.Get(k); v != "" {
				seen[v] = true
			}
		}
		fmt.Fprintf(stdout, "  distinct %s: %d\n", k, len(seen))
	}
	bad := res.Where(func(s loadtest.Sample) bool { return s.Err != nil || s.Status >= 500 })
	if len(bad) > 0 {
		fmt.Fprintf(stdout, "%d requests failed with a 5xx or no answer\n", len(bad))
		return 1
	}
	return 0
}
