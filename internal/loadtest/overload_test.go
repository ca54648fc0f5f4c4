package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/demo"
	"gjj/internal/loadtest"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/policy"
)

// The overload test (issue 8, item 2) is heavy: it needs an otherwise idle
// machine, so it runs under `make test-heavy` (GJJ_TEST_HEAVY=1), which CI
// runs after `make test`.
func heavy(t *testing.T) {
	t.Helper()
	if os.Getenv("GJJ_TEST_HEAVY") == "" {
		t.Skip("overload test: run with `make test-heavy` (GJJ_TEST_HEAVY=1) on an otherwise idle machine")
	}
}

// The overload test runs rounds of an unloaded phase (90% of the capacity)
// followed by an overload phase (5× the capacity).
const rounds = 6

// capacityFor is the app channel's query capacity (certificates per second)
// for the test: what a center would configure for the machine, about a
// quarter of its cores' time at the measured cost of one certificate (p90 of
// certificates requested one at a time), at most 20/s and at least 2/s, so
// that the admitted load can be served whatever else the machine is doing.
func capacityFor(one time.Duration) int {
	c := int(0.25 * float64(runtime.NumCPU()) / one.Seconds())
	return min(max(c, 2), 20)
}

// TestOverloadDiverts drives the app's certificate request (GR-03: a PDF and
// a certificate row each) on MariaDB+Redis, first at 90% of the channel's
// capacity (unloaded) and then at 5× its capacity, in alternating rounds so
// that whatever else the machine does weighs on both alike, and checks: the
// requests admitted under overload keep their p99 latency within 2× of the
// unloaded p99; every request not admitted is a 429 problem with code
// channel.busy and at least one alternative channel; no 5xx and no transport
// error; every certificate acknowledged (200 with X-Certificate-No) is in the
// database, and no refused request created one.
func TestOverloadDiverts(t *testing.T) {
	heavy(t)
	a := apitest.OpenApp(t, "mysql:"+dbtest.MySQLDatabase(t), apitest.WithRedis(t))
	ctx := context.Background()
	url := serveApp(t, a)
	tokens := appLogins(t, url)

	client := loadtest.NewClient(64)
	run := func(rate float64, d time.Duration, seq0 int) *loadtest.Result {
		t.Helper()
		res, err := loadtest.Run(ctx, loadtest.Config{URL: url + "/api/app/v1/certificates/deposit", Rate: rate, Duration: d, Concurrency: 64,
			Client: client, KeepHeaders: []string{"X-Certificate-No"},
			Prepare: func(seq int, req *http.Request) { req.Header.Set("Authorization", tokens[(seq0+seq)%len(tokens)]) }})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Warm-up (connections, caches, PDF fonts) at the default capacity, then
	// the cost of one certificate alone.
	run(5, 2*time.Second, 0)
	alone := run(4, 3*time.Second, 100)
	if n := len(alone.Where(loadtest.OK)); n != len(alone.Samples) || n == 0 {
		t.Fatalf("certificates one at a time: %d of %d answered 200", n, len(alone.Samples))
	}
	one := loadtest.Percentile(alone.Samples, 0.9)
	capacity := capacityFor(one)
	// About 120 unloaded samples for the p99 when the capacity allows it;
	// short phases (2–3 s) interleave finely and keep the test within CI's
	// minute.
	phase := time.Duration(min(max(120/(rounds*0.9*float64(capacity)), 2), 3) * float64(time.Second))
	t.Logf("one certificate alone: p90 %s on %d cores → capacity %d/s (burst 1), phases of %s", one.Round(time.Microsecond), runtime.NumCPU(), capacity, phase)
	setAppQueryCapacity(t, a, catalog.Rate{PerSecond: float64(capacity), Burst: 1})

	var warm int
	if err := a.DB.GetContext(ctx, &warm, `SELECT COUNT(*) FROM certificate`); err != nil {
		t.Fatal(err)
	}

	var unloaded, admitted, refused, all []loadtest.Sample
	skipped, unloadedSent := 0, 0
	low, high := 0.9*float64(capacity), 5*float64(capacity)
	for r := range rounds {
		u := run(low, phase, (r+1)*10_000)
		time.Sleep(300 * time.Millisecond)
		o := run(high, phase, (r+1)*10_000+5_000)
		time.Sleep(300 * time.Millisecond)
		t.Logf("round %d unloaded (%.1f/s):", r+1, low)
		logSummary(t, u)
		t.Logf("round %d overload (%.0f/s):", r+1, high)
		logSummary(t, o)
		unloaded = append(unloaded, u.Where(loadtest.OK)...)
		unloadedSent += len(u.Samples)
		admitted = append(admitted, o.Where(loadtest.OK)...)
		refused = append(refused, u.Where(func(s loadtest.Sample) bool { return !loadtest.OK(s) })...)
		refused = append(refused, o.Where(func(s loadtest.Sample) bool { return !loadtest.OK(s) })...)
		all = append(append(all, u.Samples...), o.Samples...)
		skipped += u.Skipped + o.Skipped
	}

	// No 5xx, no transport error; the generator kept its rate.
	for _, s := range all {
		if s.Err != nil || s.Status >= 500 {
			t.Errorf("request %d at %s: status %d err %v code %q", s.Seq, s.At, s.Status, s.Err, s.Code)
		}
	}
	if skipped > 0 {
		t.Errorf("%d requests not sent: the generator ran out of concurrency", skipped)
	}
	// Everything not admitted is diverted with alternatives.
	for _, s := range refused {
		if s.Status != http.StatusTooManyRequests || s.Code != "channel.busy" || s.Alternatives < 1 {
			t.Errorf("request %d: %d %q with %d alternatives, want 429 channel.busy with alternatives", s.Seq, s.Status, s.Code, s.Alternatives)
		}
	}
	// Below capacity nearly everything is admitted (a request may be refused
	// when the generator's clock bunches two together).
	if len(unloaded) < unloadedSent*9/10 {
		t.Errorf("unloaded: %d of %d admitted, want at least 90%%", len(unloaded), unloadedSent)
	}
	// Under overload the gate admits about its capacity: at most rate × time
	// (+1 per round for the edges), and a real share of it.
	offered := rounds * int(high*phase.Seconds())
	most := rounds * (int(float64(capacity)*phase.Seconds()) + 1)
	overRefused := len(all) - unloadedSent - len(admitted)
	if len(admitted) > most || len(admitted) < most/2 || len(admitted)+overRefused != offered {
		t.Errorf("overload: %d admitted, %d refused of %d offered; want at most %d admitted and at least %d", len(admitted), overRefused, offered, most, most/2)
	}
	// Admitted requests keep their latency.
	p99u, p99o := loadtest.Percentile(unloaded, 0.99), loadtest.Percentile(admitted, 0.99)
	ratio := float64(p99o) / float64(p99u)
	t.Logf("p99 unloaded %s (n=%d, p50 %s), p99 admitted under 5× overload %s (n=%d, p50 %s): ratio %.2f; %d diverted",
		p99u.Round(time.Microsecond), len(unloaded), loadtest.Percentile(unloaded, 0.5).Round(time.Microsecond),
		p99o.Round(time.Microsecond), len(admitted), loadtest.Percentile(admitted, 0.5).Round(time.Microsecond), ratio, overRefused)
	t.Logf("slowest unloaded %v; slowest admitted under overload %v", slowest(unloaded, 5), slowest(admitted, 5))
	if ratio > 2 {
		t.Errorf("p99 of admitted requests under overload is %.2f× the unloaded p99, want at most 2×", ratio)
	}
	// Every acknowledged certificate is in the database, and nothing else was issued.
	var acked []any
	for _, s := range all {
		if loadtest.OK(s) {
			no := s.Header.Get("X-Certificate-No")
			if no == "" {
				t.Fatalf("request %d: 200 without X-Certificate-No", s.Seq)
			}
			acked = append(acked, no)
		}
	}
	var stored, after int
	if err := a.DB.GetContext(ctx, &stored, `SELECT COUNT(DISTINCT cert_no) FROM certificate WHERE cert_no IN (?`+strings.Repeat(",?", len(acked)-1)+`)`, acked...); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.GetContext(ctx, &after, `SELECT COUNT(*) FROM certificate`); err != nil {
		t.Fatal(err)
	}
	if stored != len(acked) || after-warm != len(acked) {
		t.Errorf("%d certificates acknowledged, %d of them stored, %d issued in all", len(acked), stored, after-warm)
	}
}

// slowest lists the n longest latencies of samples, longest first.
func slowest(samples []loadtest.Sample, n int) []time.Duration {
	lat := make([]time.Duration, len(samples))
	for i, s := range samples {
		lat[i] = s.Latency.Round(time.Millisecond)
	}
	slices.Sort(lat)
	slices.Reverse(lat)
	return lat[:min(n, len(lat))]
}

func logSummary(t *testing.T, r *loadtest.Result) {
	var b bytes.Buffer
	r.Summary(&b)
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		t.Log("  " + l)
	}
}

// serveApp serves the platform on a loopback port until the test ends.
func serveApp(t *testing.T, a *app.App) string {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// appLogins signs the registered demo employees in on the app and returns
// their bearer tokens.
func appLogins(t *testing.T, url string) []string {
	t.Helper()
	var out []string
	for _, e := range demo.Employees {
		if e == demo.Unregistered {
			continue
		}
		body, _ := json.Marshal(map[string]string{"id_number": e.IDNumber, "password": demo.Password})
		res, err := http.Post(url+"/api/app/v1/sessions", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Token string `json:"token"`
		}
		err = json.NewDecoder(res.Body).Decode(&s)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusCreated || s.Token == "" {
			t.Fatalf("login %s: %d %v", e.Name, res.StatusCode, err)
		}
		out = append(out, "Bearer "+s.Token)
	}
	return out
}

// setAppQueryCapacity puts a new version of channel.capacity in force today
// with the app channel's query class at r (the others keep their defaults).
func setAppQueryCapacity(t *testing.T, a *app.App, r catalog.Rate) {
	t.Helper()
	ctx := context.Background()
	today, err := a.Dates.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := catalog.DefaultCapacity()
	c[catalog.App][catalog.ClassQuery] = r
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.ChannelCapacity, Value: c.JSON(), EffectiveFrom: today,
			CreatedBy: "maker", ApprovedBy: "checker"})
	}); err != nil {
		t.Fatal(fmt.Errorf("set capacity: %w", err))
	}
	a.Gate.Invalidate()
}
