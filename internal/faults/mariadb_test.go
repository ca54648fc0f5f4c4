package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gjj/internal/demo"
)

// server is one `gjj serve` process of a test.
type server struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan error
}

var httpClient = &http.Client{Timeout: 15 * time.Second}

// serve starts `gjj serve --demo` with env and waits until /readyz answers
// 200; it is killed when the test ends.
func serve(t *testing.T, bin string, env ...string) *server {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, "serve", "--demo")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), append(env, "GJJ_ADDR="+addr)...)
	s := &server{cmd: cmd, base: "http://" + addr, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("gjj serve stderr (last 4000 bytes):\n%s", tail(s.stderr.String(), 4000))
		}
	})
	if !waitFor(60*time.Second, func() bool {
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("gjj serve exited: %v\n%s", err, s.stderr)
		default:
		}
		code, _, _ := s.do(http.MethodGet, "/readyz", "", nil)
		return code == http.StatusOK
	}) {
		t.Fatalf("gjj serve not ready within 60 s:\n%s", s.stderr)
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// do sends a request (body nil: none) and returns the status (0 on a
// transport error), the content type and the body.
func (s *server) do(method, path, token string, body any) (int, string, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return 0, "", []byte(err.Error())
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, "", []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// alive reports whether the process is still running.
func (s *server) alive() bool {
	select {
	case err := <-s.done:
		s.done <- err
		return false
	default:
		return true
	}
}

// gjj runs a one-shot command of the binary with env.
func gjj(bin string, env []string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && cmd.ProcessState == nil {
		return "", err.Error(), -1
	}
	return out.String(), errb.String(), code
}

// TestMariaDBRestartDuringPosting restarts the platform's MariaDB while
// clients post ledger entries through the ops API, each with its serial as
// the idempotency key (issue 8 item 4), once by an orderly shutdown and once
// by kill -9: every answer is 2xx or a clean 503 store.unavailable, retries
// with the same serial post each entry exactly once, the books verify, and the
// server recovers without a restart.
func TestMariaDBRestartDuringPosting(t *testing.T) {
	m := startMariaDB(t)
	bin := gjjBinary(t)
	const token = "fault-ops-token-5c1e"
	env := []string{"GJJ_DATABASE=mysql:" + m.DSN(), "GJJ_REDIS=", "GJJ_OPS_TOKEN=" + token, "GJJ_LOG_LEVEL=warn"}
	s := serve(t, bin, env...)
	sqlDB := openSQL(t, m.DSN())
	ctx := context.Background()

	const (
		clients   = 8
		perClient = 30
		bank      = "1002-BANK-102"
	)
	accounts := []string{"2201-PF-201000000001", "2201-PF-201000000002", "2201-PF-201000000003", "2201-PF-201000000004", "2201-PF-201000000005"}
	balances := func() map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		for _, a := range append([]string{bank}, accounts...) {
			var b int64
			if err := sqlDB.QueryRowContext(ctx, `SELECT balance_fen FROM ledger_account WHERE code = ?`, a).Scan(&b); err != nil {
				t.Fatalf("balance of %s: %v", a, err)
			}
			out[a] = b
		}
		return out
	}

	// An app session made before the faults.
	code, _, b := s.do(http.MethodPost, "/api/app/v1/sessions", "", map[string]string{"id_number": demo.Employees[1].IDNumber, "password": demo.Password})
	var sess struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &sess); code != http.StatusCreated || err != nil {
		t.Fatalf("app login = %d %s", code, b)
	}
	appToken := sess.Token

	rounds := []struct {
		name, prefix string
		stop         func(t *testing.T)
	}{
		{"orderly shutdown", "FLS", m.Shutdown},
		{"kill -9", "FLK", m.Kill},
	}
	for _, rd := range rounds {
		t.Run(rd.name, func(t *testing.T) {
			before := balances()
			type outcome struct {
				acked, unavailable, transport, retried int
				bad                                    []string
			}
			var (
				mu      sync.Mutex
				total   outcome
				ackedN  atomic.Int64
				want    = map[string]int64{} // account → amount that must arrive
				serials []string
			)
			post := func(c, i int) {
				serial := fmt.Sprintf("%s-%d-%03d", rd.prefix, c, i)
				acct := accounts[c%len(accounts)]
				amount := int64(100*(c+1) + i)
				body := map[string]any{"serial": serial, "biz_type": "01", "memo": "故障测试", "lines": []map[string]any{
					{"account": bank, "side": "D", "amount_fen": amount}, {"account": acct, "side": "C", "amount_fen": amount}}}
				var o outcome
				for attempt := 0; ; attempt++ {
					if attempt > 0 {
						o.retried++
						time.Sleep(50 * time.Millisecond)
					}
					if attempt > 600 {
						o.bad = append(o.bad, serial+": not acknowledged after 600 attempts")
						break
					}
					code, ct, b := s.do(http.MethodPost, "/api/ops/v1/ledger/entries", token, body)
					if code == http.StatusCreated || code == http.StatusOK {
						o.acked++
						ackedN.Add(1)
						break
					}
					switch {
					case code == 0:
						o.transport++ // no answer, nothing promised: retry
					case code == http.StatusServiceUnavailable && ct == "application/problem+json" && problemCode(b) == "store.unavailable":
						o.unavailable++
					default:
						o.bad = append(o.bad, fmt.Sprintf("%s attempt %d: %d %s %.300s", serial, attempt, code, ct, b))
					}
				}
				mu.Lock()
				defer mu.Unlock()
				total.acked += o.acked
				total.unavailable += o.unavailable
				total.transport += o.transport
				total.retried += o.retried
				total.bad = append(total.bad, o.bad...)
				if o.acked == 1 {
					want[acct] += amount
					want[bank] += amount
					serials = append(serials, serial)
				}
			}

			var wg sync.WaitGroup
			for c := range clients {
				wg.Go(func() {
					for i := range perClient {
						post(c, i)
					}
				})
			}
			// Stop MariaDB once a third of the entries are acknowledged.
			if !waitFor(60*time.Second, func() bool { return ackedN.Load() >= clients*perClient/3 }) {
				t.Fatalf("only %d entries acknowledged before the restart", ackedN.Load())
			}
			atRestart := ackedN.Load()
			rd.stop(t)
			code, ct, b := s.do(http.MethodGet, "/readyz", "", nil)
			if code != http.StatusServiceUnavailable || ct != "application/problem+json" || !strings.Contains(string(b), `"database":"down: `) {
				t.Errorf("readyz with MariaDB down = %d %s %s", code, ct, b)
			}
			// Reads, a session check and a login fail as cleanly as postings.
			for _, p := range []struct{ method, path, token string }{
				{http.MethodGet, "/api/ops/v1/ledger/accounts/" + accounts[0], token},
				{http.MethodGet, "/api/ops/v1/ledger/entries/" + rd.prefix + "-0-000", token},
				{http.MethodGet, "/api/app/v1/account", appToken},
				{http.MethodPost, "/api/app/v1/sessions", ""},
			} {
				var body any
				if p.method == http.MethodPost {
					body = map[string]string{"id_number": demo.Employees[1].IDNumber, "password": demo.Password}
				}
				code, ct, b := s.do(p.method, p.path, p.token, body)
				if code != http.StatusServiceUnavailable || ct != "application/problem+json" || problemCode(b) != "store.unavailable" {
					t.Errorf("%s %s with MariaDB down = %d %s %.300s", p.method, p.path, code, ct, b)
				}
			}
			time.Sleep(time.Second) // the clients keep trying while it is down
			m.Start(t)
			wg.Wait()

			t.Logf("%d entries acknowledged (%d before the restart); %d answers 503 store.unavailable, %d without an answer, %d retries",
				total.acked, atRestart, total.unavailable, total.transport, total.retried)
			if len(total.bad) > 0 {
				t.Errorf("%d answers neither 2xx nor 503 store.unavailable, e.g.:\n%s", len(total.bad), strings.Join(total.bad[:min(len(total.bad), 5)], "\n"))
			}
			if total.unavailable+total.transport == 0 {
				t.Error("no request met the restart: the test proves nothing")
			}
			if total.acked != clients*perClient {
				t.Errorf("%d of %d entries acknowledged", total.acked, clients*perClient)
			}

			// Every acknowledged entry is in the database exactly once, and nothing else.
			var stored, distinct, postings int
			if err := sqlDB.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT serial) FROM journal_entry WHERE serial LIKE ?`, rd.prefix+"-%").Scan(&stored, &distinct); err != nil {
				t.Fatal(err)
			}
			if stored != len(serials) || distinct != len(serials) {
				t.Errorf("%d entries stored (%d distinct), %d acknowledged", stored, distinct, len(serials))
			}
			if err := sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM posting p JOIN journal_entry j ON j.id = p.entry_id WHERE j.serial LIKE ?`, rd.prefix+"-%").Scan(&postings); err != nil {
				t.Fatal(err)
			}
			if postings != 2*len(serials) {
				t.Errorf("%d postings for %d entries", postings, len(serials))
			}
			after := balances()
			for a, b := range before {
				// Credits raise a fund account; debits raise the bank (an asset).
				if after[a] != b+want[a] {
					t.Errorf("%s: balance %d, want %d + %d", a, after[a], b, want[a])
				}
			}
			if out, errb, code := gjj(bin, env, "ledger", "verify"); code != 0 {
				t.Errorf("gjj ledger verify: exit %d\n%s%s", code, out, errb)
			}

			// The same process serves again.
			if !s.alive() {
				t.Fatal("gjj serve exited")
			}
			if code, _, b := s.do(http.MethodGet, "/readyz", "", nil); code != http.StatusOK {
				t.Errorf("readyz after the restart = %d %s", code, b)
			}
		})
	}
}

// problemCode returns the code of a problem+json body.
func problemCode(b []byte) string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(b, &p)
	return p.Code
}
