package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gjj/internal/cli"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/gjj once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gjj-bin-")
		if err != nil {
			buildErr = err
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		binPath = filepath.Join(dir, "gjj")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/gjj")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type server struct {
	cmd    *exec.Cmd
	base   string
	stderr *bytes.Buffer
	done   chan error
}

// start runs `gjj serve --demo` with env and waits until /healthz answers.
func start(t *testing.T, env ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary(t), "serve", "--demo")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), append(env, "GJJ_ADDR="+addr, "GJJ_OPS_TOKEN=e2e-token")...)
	s := &server{cmd: cmd, base: "http://" + addr, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			t.Fatalf("gjj serve exited early: %v\n%s", err, s.stderr)
		default:
		}
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("gjj serve did not answer within 60s:\n%s", s.stderr)
	return nil
}

func (s *server) get(t *testing.T, path string, header ...string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// stop sends SIGTERM while a request is in flight and checks a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("gjj serve exit after SIGTERM: %v\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("gjj serve did not stop within 30s of SIGTERM")
	}
}

func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	cases := []struct {
		name   string
		env    func(t *testing.T) []string
		checks []string
	}{
		{"sqlite, in-process", func(t *testing.T) []string {
			return []string{"GJJ_DATABASE=sqlite:" + filepath.Join(t.TempDir(), "gjj.db"), "GJJ_REDIS="}
		}, []string{"database"}},
		{"mariadb and redis", func(t *testing.T) []string {
			return []string{"GJJ_DATABASE=mysql:" + dbtest.MySQLDatabase(t), "GJJ_REDIS=" + testenv.RedisAddr(t)}
		}, []string{"database", "redis"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.env(t)...)
			if code, ct, body := s.get(t, "/"); code != 200 || !strings.HasPrefix(ct, "text/html") ||
				!strings.Contains(body, "住房公积金综合服务平台") || !strings.Contains(body, `href="/admin/"`) {
				t.Fatalf("GET / = %d %s\n%.300s", code, ct, body)
			}
			if code, _, body := s.get(t, "/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
				t.Fatalf("GET /healthz = %d %s", code, body)
			}
			code, _, body := s.get(t, "/readyz")
			var ready struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
			}
			if err := json.Unmarshal([]byte(body), &ready); err != nil || code != 200 || ready.Status != "ready" || len(ready.Checks) != len(tc.checks) {
				t.Fatalf("GET /readyz = %d %s", code, body)
			}
			for _, c := range tc.checks {
				if ready.Checks[c] != "ok" {
					t.Fatalf("readyz check %s = %q", c, ready.Checks[c])
				}
			}
			if code, _, body := s.get(t, "/metrics"); code != 200 || !strings.Contains(body, "gjj_http_requests_total") {
				t.Fatalf("GET /metrics = %d\n%.300s", code, body)
			}
			// Demo data is there: the agent's fund account has its opening balance.
			code, _, body = s.get(t, "/api/ops/v1/ledger/accounts/2201-PF-201000000001", "Authorization", "Bearer e2e-token")
			if code != 200 || !strings.Contains(body, `"balance_fen":8642100`) {
				t.Fatalf("demo account = %d %s", code, body)
			}
			if code, ct, _ := s.get(t, "/api/nope"); code != 404 || ct != "application/problem+json" {
				t.Fatalf("unknown API route = %d %s", code, ct)
			}
			s.stop(t)
			if strings.Contains(s.stderr.String(), "Demo#2026") || strings.Contains(s.stderr.String(), "e2e-token") {
				t.Fatal("the log contains a password or token")
			}
		})
	}
}

func TestServeReadyzNamesFailingRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	s := start(t, "GJJ_DATABASE=sqlite:"+filepath.Join(t.TempDir(), "gjj.db"), "GJJ_REDIS="+freeAddr(t))
	code, ct, body := s.get(t, "/readyz")
	// Redis is optional: the instance serves degraded and stays in the balancer.
	if code != 200 || !strings.HasPrefix(ct, "application/json") || !strings.Contains(body, `"status":"degraded"`) ||
		!strings.Contains(body, `"database":"ok"`) || !strings.Contains(body, `"redis":"down`) {
		t.Fatalf("GET /readyz with Redis down = %d %s %s", code, ct, body)
	}
	s.stop(t)
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	cases := map[string]string{
		"GJJ_DATABASE": "postgres://x",
		"GJJ_REDIS":    "no-port",
		"GJJ_ADDR":     "eighty",
		"GJJ_DEMO":     "maybe",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			env := map[string]string{"GJJ_DATABASE": "sqlite:" + filepath.Join(t.TempDir(), "gjj.db"), name: value}
			code := cli.Run(context.Background(), []string{"serve"}, env, &out, &errb)
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], name) {
				t.Fatalf("exit %d, stderr %q; want 2 and one line naming %s", code, errb.String(), name)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"help", "ledger", "verify"}, {"date", "show", "-h"}, {"demo", "--help"}, {"migrate", "--help"}, {"audit", "verify", "--help"}} {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), args, map[string]string{}, &out, &errb)
		if code != 0 || out.Len() < 80 {
			t.Errorf("gjj %v: exit %d, %d bytes of help", args, code, out.Len())
		}
	}
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"frobnicate"}, map[string]string{}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("unknown command: exit %d, %q", code, errb.String())
	}
}
