package appapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
)

// Benchmarks of the app's hottest read, for `make bench`: authenticated GET
// /api/app/v1/account through the whole stack — a real HTTP server on
// loopback, keep-alive clients, the web kit, the channel gate (admission in
// Redis), the session in Redis, the reads on MariaDB — at 1, 16 and 64
// concurrent clients, each figure next to two ceilings measured in the same
// run with the same clients: the same SQL statements the handler runs, sent
// raw over the same MariaDB pool (RawAccountQueries), and the web kit with a
// handler that does nothing (EchoNoop). Each reports ops/s and the p50/p99
// latency of one request (µs).

var benchClients = []int{1, 16, 64}

// benchApp opens a demo platform on a fresh MariaDB database with Redis,
// lifting the app channel's query capacity to the gate's maximum so the
// benchmark measures the stack rather than the admission limit (the gate
// still decides every request, in Redis).
func benchApp(b *testing.B) *app.App {
	b.Helper()
	a := apitest.OpenApp(b, "mysql:"+dbtest.MySQLDatabase(b), apitest.WithRedis(b))
	ctx := context.Background()
	today, err := a.Dates.Today(ctx)
	if err != nil {
		b.Fatal(err)
	}
	c := catalog.DefaultCapacity()
	c[catalog.App][catalog.ClassQuery] = catalog.Rate{PerSecond: catalog.MaxRatePerSecond, Burst: catalog.MaxBurst}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.ChannelCapacity, Value: c.JSON(), EffectiveFrom: today,
			CreatedBy: "maker", ApprovedBy: "checker"})
	}); err != nil {
		b.Fatal(err)
	}
	a.Gate.Invalidate()
	return a
}

// serve serves e on a loopback port until the benchmark ends and returns its base URL.
func serve(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// keepAlive is an HTTP client that keeps one connection per concurrent client.
func keepAlive(conc int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc,
		MaxConnsPerHost: conc, DisableCompression: true}}
}

// fetch GETs url and wants 200; the body is read to the end so the
// connection is reused.
func fetch(c *http.Client, url, auth string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, res.StatusCode, body)
	}
	return nil
}

// loadTest runs b.N calls of op spread over conc workers and reports ops/s
// and the p50/p99 latency of one call.
func loadTest(b *testing.B, conc int, op func(worker int) error) {
	b.Helper()
	var next atomic.Int64
	lat := make([][]time.Duration, conc)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) && failed.Load() == nil {
				t0 := time.Now()
				if err := op(w); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50_us")
	b.ReportMetric(pct(0.99), "p99_us")
}

// appTokens logs the registered demo employees in on the app.
func appTokens(b *testing.B, url string) []string {
	b.Helper()
	var out []string
	for _, e := range demo.Employees {
		if e == demo.Unregistered {
			continue
		}
		body, _ := json.Marshal(map[string]string{"id_number": e.IDNumber, "password": demo.Password})
		res, err := http.Post(url+base+"/sessions", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var s sessionJSON
		err = json.NewDecoder(res.Body).Decode(&s)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusCreated {
			b.Fatalf("login %s: %d %v", e.Name, res.StatusCode, err)
		}
		out = append(out, "Bearer "+s.Token)
	}
	return out
}

// BenchmarkAppAccount: authenticated GET /api/app/v1/account through the
// whole stack on MariaDB + Redis.
func BenchmarkAppAccount(b *testing.B) {
	b.Run("mysql", func(b *testing.B) {
		a := benchApp(b)
		e, err := a.Server()
		if err != nil {
			b.Fatal(err)
		}
		url := serve(b, e)
		tokens := appTokens(b, url)
		for _, conc := range benchClients {
			b.Run(fmt.Sprintf("c%d", conc), func(b *testing.B) {
				c := keepAlive(conc)
				defer c.CloseIdleConnections()
				loadTest(b, conc, func(w int) error { return fetch(c, url+base+"/account", tokens[w%len(tokens)]) })
			})
		}
	})
}

// The statements GET /account runs, as the services send them (copied from
// deposit.PersonAccount, deposit.Unit, bizdate.Today, policy.Code and
// policy.Value; keep them in step).
const (
	rawPersonAccount = `SELECT e.id, e.account_no, e.person_id, e.unit_id, e.status, e.prev_status, e.base_fen, e.reserved_mobile, e.bank_card,
	e.start_month, e.paid_through, e.carry_fen, e.status_reason, e.status_on, e.opened_on, e.closed_on, e.ledger_account_id,
	e.created_at, e.updated_at, p.id_type, p.id_number, p.name, l.balance_fen, u.unit_no, u.name AS unit_name
	FROM employee_account e JOIN person p ON p.id = e.person_id JOIN ledger_account l ON l.id = e.ledger_account_id
	JOIN unit u ON u.id = e.unit_id WHERE e.person_id = ?
	ORDER BY CASE WHEN e.status IN ('03', '04', '05') THEN 1 ELSE 0 END, e.id DESC LIMIT 1`
	rawUnit = `SELECT id, unit_no, uscc, name, address, legal_rep, payday, bank_code, status, ratio_unit_bps, ratio_person_bps,
	first_month, paid_through, suspense_ledger_id, opened_on, closed_on, close_reason, created_at, updated_at FROM unit WHERE unit_no = ?`
	rawBizDate = `SELECT biz_date FROM business_date WHERE id = 1`
	rawCode    = `SELECT table_id, code, name, std_ref, valid_from, valid_to FROM code_item
		WHERE table_id = ? AND code = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)
		ORDER BY valid_from DESC LIMIT 1`
	rawParam = `SELECT param_key, value, effective_from, seq, created_by, approved_by, change_ref, created_at FROM policy_param
		WHERE param_key = ? AND effective_from <= ? ORDER BY effective_from DESC, seq DESC LIMIT 1`
)

// BenchmarkRawAccountQueries: the five point selects of GET /account sent
// raw (no HTTP, gate, session or JSON) over the platform's MariaDB pool, one
// after another as the handler sends them: the database ceiling.
func BenchmarkRawAccountQueries(b *testing.B) {
	b.Run("mysql", func(b *testing.B) {
		a := benchApp(b)
		ctx := context.Background()
		var persons []int64
		if err := a.DB.SelectContext(ctx, &persons, `SELECT p.id FROM person p JOIN credential c ON c.subject_type = 'person' AND c.subject_id = p.id ORDER BY p.id`); err != nil || len(persons) == 0 {
			b.Fatalf("persons %v: %v", persons, err)
		}
		one := func(q string, args ...any) error {
			row := a.DB.QueryRowxContext(ctx, q, args...)
			if _, err := row.SliceScan(); err != nil {
				return fmt.Errorf("%.40s: %w", q, err)
			}
			return nil
		}
		for _, conc := range benchClients {
			b.Run(fmt.Sprintf("c%d", conc), func(b *testing.B) {
				loadTest(b, conc, func(w int) error {
					cols, err := a.DB.QueryRowxContext(ctx, rawPersonAccount, persons[w%len(persons)]).SliceScan()
					if err != nil {
						return err
					}
					status, unitNo := text(cols[4]), text(cols[23])
					var today date.Date
					if err := a.DB.QueryRowContext(ctx, rawBizDate).Scan(&today); err != nil {
						return err
					}
					return errors.Join(one(rawUnit, unitNo), one(rawCode, policy.TableGRZHZT, status, today, today),
						one(rawParam, policy.DepositRounding, today.MonthOf().First()))
				})
			})
		}
	})
}

// text is a scanned text column.
func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// BenchmarkEchoNoop: the web kit (request id, security headers, metrics,
// access log, recovery, body limit) with a handler that answers an empty JSON
// object, on loopback with the same clients: the HTTP ceiling. Its
// sub-benchmark is named mysql like the others so the report pairs them.
func BenchmarkEchoNoop(b *testing.B) {
	b.Run("mysql", func(b *testing.B) {
		e := web.New(web.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), BodyLimit: 1 << 20})
		e.GET("/noop", func(c echo.Context) error { return c.JSON(http.StatusOK, struct{}{}) })
		url := serve(b, e)
		for _, conc := range benchClients {
			b.Run(fmt.Sprintf("c%d", conc), func(b *testing.B) {
				c := keepAlive(conc)
				defer c.CloseIdleConnections()
				loadTest(b, conc, func(int) error { return fetch(c, url+"/noop", "Bearer x") })
			})
		}
	})
}
