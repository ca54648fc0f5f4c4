package faults_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/platform/config"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/money"
)

// Log lines of the channel gate when its Redis limiter goes and comes back
// (internal/channel/limiter.go).
const (
	logGateLocal  = "Redis limiter unavailable, admitting with the in-process limiter"
	logGateShared = "Redis limiter answers again"
)

// openWithRedis opens the platform on database with the Redis at addr and
// seeds the demo data; its JSON log goes to the returned buffer.
func openWithRedis(t *testing.T, database, addr string) (*app.App, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := config.Config{Database: database, Redis: addr, RedisPrefix: "gjj:", Addr: ":0", LogLevel: "info", BodyLimit: "1M"}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.SeedDemo(ctx); err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	return a, logs
}

// readiness is the 200 answer of GET /readyz.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func readyz(t *testing.T, c *apitest.Client) (int, readiness) {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/readyz", Auth: "-"})
	var v readiness
	_ = json.Unmarshal(r.Body, &v)
	return r.Status, v
}

// sessionKeyIn reports whether Redis holds the session key of token (the
// identity service keys sessions by "sess:" + hex SHA-256 of the token).
func sessionKeyIn(t *testing.T, rc *redis.Client, token string) bool {
	t.Helper()
	h := sha256.Sum256([]byte(token))
	n, err := rc.Exists(context.Background(), "gjj:sess:"+hex.EncodeToString(h[:])).Result()
	if err != nil {
		t.Fatalf("redis EXISTS: %v", err)
	}
	return n == 1
}

// TestRedisStoppedAndReturned stops the platform's Redis under a running
// instance and starts it again (issue 8 item 4): sessions fall back to the
// database, remittance payments post, the gate admits with its in-process
// limiter, /readyz says degraded and nothing answers 5xx; when Redis is back
// /readyz is ready again and new sessions go to Redis again.
func TestRedisStoppedAndReturned(t *testing.T) {
	stores := []struct {
		name     string
		database func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return apitest.SQLite(t) }},
		{"mysql", func(t *testing.T) string { return "mysql:" + dbtest.MySQLDatabase(t) }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			rs := startRedis(t)
			a, logs := openWithRedis(t, st.database(t), rs.Addr())
			e, err := a.Server()
			if err != nil {
				t.Fatal(err)
			}
			c := apitest.NewClient(t, e, []string{"unitSession", "appSession"})
			rc := redis.NewClient(&redis.Options{Addr: rs.Addr()})
			t.Cleanup(func() { rc.Close() })
			ctx := context.Background()
			today, err := a.Dates.Today(ctx)
			if err != nil {
				t.Fatal(err)
			}
			otp := apitest.NewOTP()

			// ok asserts a 2xx or 4xx answer: nothing 5xx while Redis is away.
			ok := func(what string, r apitest.Result, want int) apitest.Result {
				t.Helper()
				if r.Status != want {
					t.Fatalf("%s = %s, want %d", what, r, want)
				}
				return r
			}
			appLogin := func(e demo.Employee) string {
				t.Helper()
				r := ok("app login", c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/sessions",
					Body: map[string]string{"id_number": e.IDNumber, "password": demo.Password}}), http.StatusCreated)
				return apitest.Decode[struct {
					Token string `json:"token"`
				}](t, r, http.StatusCreated).Token
			}

			// Before: ready, sessions in Redis (and in the database).
			if code, rd := readyz(t, c); code != http.StatusOK || rd.Status != "ready" || rd.Checks["redis"] != "ok" {
				t.Fatalf("readyz before = %d %+v", code, rd)
			}
			appToken := appLogin(demo.Employees[1])
			r := ok("unit login", c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/unit/v1/sessions", Body: map[string]string{
				"unit_code": demo.UnitNo, "agent_id_number": demo.AgentID, "password": demo.Password, "totp": otp.Code(t, "agent")}}), http.StatusCreated)
			unitToken := apitest.Decode[struct {
				Token string `json:"token"`
			}](t, r, http.StatusCreated).Token
			if !sessionKeyIn(t, rc, appToken) || !sessionKeyIn(t, rc, unitToken) {
				t.Fatal("the sessions are not in Redis before the outage")
			}
			appAuth, unit := apitest.Bearer(appToken), apitest.Bearer(unitToken)
			unitBefore := apitest.Decode[struct {
				BalanceFen  int64  `json:"balance_fen"`
				PaidThrough string `json:"paid_through"`
			}](t, ok("unit account", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/unit/v1/account", Auth: unit}), http.StatusOK), http.StatusOK)

			rs.Stop(t)

			t.Run("during the outage", func(t *testing.T) {
				code, rd := readyz(t, c)
				if code != http.StatusOK || rd.Status != "degraded" || rd.Checks["database"] != "ok" || !strings.HasPrefix(rd.Checks["redis"], "down: ") {
					t.Fatalf("readyz with Redis stopped = %d %+v", code, rd)
				}
				// Existing sessions answer from the database.
				began := time.Now()
				ok("app profile", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/profile", Auth: appAuth}), http.StatusOK)
				t.Logf("profile with Redis stopped answered in %s", time.Since(began).Round(time.Millisecond))
				ok("app account", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/account", Auth: appAuth}), http.StatusOK)
				ok("unit account", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/unit/v1/account", Auth: unit}), http.StatusOK)

				// A remittance bill is generated and paid: money moves.
				month := today.MonthOf()
				r := ok("generate bill", c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/unit/v1/remittances",
					Body: map[string]string{"month": month.String()}, Auth: unit}), http.StatusCreated)
				bill := apitest.Decode[struct {
					ID       int64 `json:"id"`
					TotalFen int64 `json:"total_fen"`
				}](t, r, http.StatusCreated)
				serial := "BK-FAULT-" + st.name
				a.Bank.Credit(exchange.Receipt{Serial: serial, BankCode: app.SettlementBank, Amount: money.Fen(bill.TotalFen), ReceivedOn: today})
				pay := apitest.Call{Method: http.MethodPost, Path: fmt.Sprintf("/api/unit/v1/remittances/%d/payment", bill.ID),
					Body: map[string]any{"amount_fen": bill.TotalFen, "bank_serial": serial}, Auth: unit}
				paid := apitest.Decode[struct {
					Status string `json:"status"`
				}](t, ok("pay bill", c.Do(t, pay), http.StatusOK), http.StatusOK)
				if paid.Status != "posted" {
					t.Fatalf("payment status %q", paid.Status)
				}
				ok("pay bill again", c.Do(t, pay), http.StatusOK) // the same serial: the first result
				after := apitest.Decode[struct {
					BalanceFen  int64  `json:"balance_fen"`
					PaidThrough string `json:"paid_through"`
				}](t, ok("unit account", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/unit/v1/account", Auth: unit}), http.StatusOK), http.StatusOK)
				if after.PaidThrough != month.String() || after.BalanceFen != unitBefore.BalanceFen+bill.TotalFen {
					t.Fatalf("unit after the payment %+v, before %+v, bill %d", after, unitBefore, bill.TotalFen)
				}
				var entries int
				if err := a.DB.GetContext(ctx, &entries, `SELECT COUNT(*) FROM journal_entry WHERE serial = ?`, "REM-"+demo.UnitNo+"-"+month.String()); err != nil || entries != 1 {
					t.Fatalf("remittance entries %d %v, want 1", entries, err)
				}
				apitest.VerifyClean(t, a)

				// The gate keeps admitting, with its in-process limiter.
				for range 5 {
					r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/notices", Auth: "-"})
					if r.Status != http.StatusOK && r.Status != http.StatusTooManyRequests {
						t.Fatalf("notices = %s", r)
					}
				}
				if !strings.Contains(logs.String(), logGateLocal) {
					t.Fatalf("the gate did not switch to its in-process limiter; log:\n%.3000s", logs)
				}

				// A login with a TOTP code is refused as unavailable (its replay
				// guard is in Redis) and not counted as a failed login.
				r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/unit/v1/sessions", Body: map[string]string{
					"unit_code": demo.UnitNo, "agent_id_number": demo.AgentID, "password": demo.Password, "totp": otp.Code(t, "agent")}})
				apitest.CheckProblem(t, r, http.StatusServiceUnavailable, "kv.unavailable")
				var failed int
				if err := a.DB.GetContext(ctx, &failed, `SELECT COALESCE(SUM(failed_logins), 0) FROM credential`); err != nil || failed != 0 {
					t.Fatalf("failed logins counted during the outage: %d %v", failed, err)
				}

				// A new password login works (the session is recorded in the
				// database only) and is usable.
				fresh := appLogin(demo.Employees[2])
				ok("profile of a session made during the outage", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/profile", Auth: apitest.Bearer(fresh)}), http.StatusOK)
				// Logout is the documented exception: the session is revoked in
				// the database (and refused from then on), but its Redis copy
				// cannot be deleted, so the answer is 503 kv.unavailable.
				r = c.Do(t, apitest.Call{Method: http.MethodDelete, Path: "/api/app/v1/sessions/current", Auth: apitest.Bearer(fresh)})
				apitest.CheckProblem(t, r, http.StatusServiceUnavailable, "kv.unavailable")
				ok("profile after logout", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/profile", Auth: apitest.Bearer(fresh)}), http.StatusUnauthorized)
			})

			rs.Start(t)

			t.Run("after Redis returns", func(t *testing.T) {
				var last readiness
				if !waitFor(10*time.Second, func() bool {
					_, last = readyz(t, c)
					return last.Status == "ready"
				}) {
					t.Fatalf("readyz 10 s after Redis returned: %+v", last)
				}
				fresh := appLogin(demo.Employees[3])
				ok("unit login", c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/unit/v1/sessions", Body: map[string]string{
					"unit_code": demo.UnitNo, "agent_id_number": demo.AgentID, "password": demo.Password, "totp": otp.Code(t, "agent")}}), http.StatusCreated)
				if !sessionKeyIn(t, rc, fresh) {
					t.Fatal("a session made after Redis returned is not in Redis")
				}
				ok("old session", c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/profile", Auth: appAuth}), http.StatusOK)
				if !sessionKeyIn(t, rc, appToken) {
					t.Fatal("a session used after Redis returned is not cached in Redis again")
				}
				// The gate tries Redis again a few seconds after the failure.
				if !waitFor(15*time.Second, func() bool {
					c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/app/v1/notices", Auth: "-"})
					return strings.Contains(logs.String(), logGateShared)
				}) {
					t.Fatal("the gate did not go back to the Redis limiter")
				}
				apitest.VerifyClean(t, a)
			})
		})
	}
}
