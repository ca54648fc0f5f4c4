package cluster_test

import (
	"bytes"
	"context"
	"database/sql"
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

	_ "github.com/go-sql-driver/mysql"

	"gjj/internal/apitest"
	"gjj/internal/channel"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/testenv"
)

// cluster is one shared MariaDB database and Redis namespace, and the
// environment every process of the test gets.
type cluster struct {
	bin string
	dsn string
	env []string
}

// instance is one running `gjj serve --demo`.
type instance struct {
	name   string
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan error
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var client = &http.Client{Timeout: 10 * time.Second}

// build compiles cmd/gjj into dir.
func build(t *testing.T, dir string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(dir, "gjj")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gjj")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
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

// start runs `gjj serve --demo` and waits until /readyz answers 200.
func (c *cluster) start(t *testing.T, name string) *instance {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(c.bin, "serve", "--demo")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), append(slicesClone(c.env), "GJJ_ADDR="+addr)...)
	in := &instance{name: name, cmd: cmd, base: "http://" + addr, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = in.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-in.done
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, in.stderr)
		}
	})
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-in.done:
			in.done <- err
			t.Fatalf("%s exited early: %v\n%s", name, err, in.stderr)
		default:
		}
		if resp, err := client.Get(in.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready within 40s:\n%s", name, in.stderr)
	return nil
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// result is one HTTP answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) String() string { return fmt.Sprintf("%d %.400s", r.status, r.body) }

// do sends a JSON request (body nil: none) with an optional bearer token.
func (in *instance) do(method, path, token string, body any) (result, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return result{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.base+path, rd)
	if err != nil {
		return result{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// call is do that fails the test on a transport error.
func (in *instance) call(t *testing.T, method, path, token string, body any) result {
	t.Helper()
	r, err := in.do(method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s %s: %v", in.name, method, path, err)
	}
	return r
}

func decode[T any](t *testing.T, r result, status int) T {
	t.Helper()
	var v T
	if r.status != status {
		t.Fatalf("status %s, want %d", r, status)
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r, err)
	}
	return v
}

// problemCode returns the code of a problem+json answer.
func problemCode(r result) string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.body, &p)
	return p.Code
}

// appLogin logs a demo employee in on the app API.
func appLogin(t *testing.T, in *instance, e demo.Employee) string {
	t.Helper()
	r := in.call(t, http.MethodPost, "/api/app/v1/sessions", "", map[string]string{"id_number": e.IDNumber, "password": demo.Password})
	return decode[struct {
		Token string `json:"token"`
	}](t, r, http.StatusCreated).Token
}

// staffLogin logs a demo staff user in with a fresh TOTP code.
func staffLogin(t *testing.T, in *instance, otp *apitest.OTP, username string) string {
	t.Helper()
	r := in.call(t, http.MethodPost, "/api/admin/v1/sessions", "", map[string]string{
		"username": username, "password": demo.Password, "totp": otp.Code(t, "staff:"+username)})
	return decode[struct {
		Token string `json:"token"`
	}](t, r, http.StatusCreated).Token
}

// approved submits a change request as maker on one instance and approves it
// as checker on another.
func approved(t *testing.T, on *instance, maker, checker string, body map[string]any) {
	t.Helper()
	r := on.call(t, http.MethodPost, "/api/admin/v1/change-requests", maker, body)
	cr := decode[struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}](t, r, http.StatusCreated)
	if cr.Status != "pending" {
		t.Fatalf("submitted %s", r)
	}
	r = on.call(t, http.MethodPost, fmt.Sprintf("/api/admin/v1/change-requests/%d/approve", cr.ID), checker, map[string]string{"comment": "同意"})
	if got := decode[struct {
		Status string `json:"status"`
	}](t, r, http.StatusOK); got.Status != "approved" {
		t.Fatalf("approved %s", r)
	}
}

// eventually polls f until it reports true or the deadline passes.
func eventually(within time.Duration, f func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if f() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gjj runs a one-shot gjj command against the cluster's database and Redis.
func (c *cluster) gjj(args ...string) (stdout, stderr string, code int, err error) {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if _, ok := err.(*exec.ExitError); ok {
		err = nil
	}
	return out.String(), errb.String(), code, err
}

func (c *cluster) businessDate(t *testing.T) date.Date {
	t.Helper()
	out, errb, code, err := c.gjj("date", "show")
	if err != nil || code != 0 {
		t.Fatalf("gjj date show: exit %d %v %s", code, err, errb)
	}
	d, err := date.Parse(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("gjj date show printed %q", out)
	}
	return d
}

// TestSeveralInstances runs three `gjj serve --demo` processes on one
// MariaDB database and one Redis namespace (issue 8 item 3).
func TestSeveralInstances(t *testing.T) {
	redisAddr, prefix := testenv.RedisNamespace(t)
	dsn := dbtest.MySQLDatabase(t)
	c := &cluster{bin: build(t, t.TempDir()), dsn: dsn, env: []string{
		"GJJ_DATABASE=mysql:" + dsn, "GJJ_REDIS=" + redisAddr, "GJJ_REDIS_PREFIX=" + prefix, "GJJ_LOG_LEVEL=warn"}}
	sqlDB, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })

	// The first instance migrates and seeds; the others find it done.
	ins := []*instance{c.start(t, "instance 1")}
	ins = append(ins, c.start(t, "instance 2"), c.start(t, "instance 3"))
	otp := apitest.NewOTP()
	admin, maker, checker := staffLogin(t, ins[0], otp, "admin"), staffLogin(t, ins[1], otp, "maker"), staffLogin(t, ins[2], otp, "checker")

	t.Run("a session made on one works on all, logout on one ends it on all", func(t *testing.T) {
		token := appLogin(t, ins[0], demo.Employees[0])
		for _, in := range ins {
			if r := in.call(t, http.MethodGet, "/api/app/v1/profile", token, nil); r.status != http.StatusOK {
				t.Fatalf("%s: profile with a session from instance 1 = %s", in.name, r)
			}
		}
		if r := ins[1].call(t, http.MethodDelete, "/api/app/v1/sessions/current", token, nil); r.status != http.StatusNoContent {
			t.Fatalf("logout on instance 2 = %s", r)
		}
		for _, in := range ins {
			var last result
			if !eventually(time.Second, func() bool {
				last = in.call(t, http.MethodGet, "/api/app/v1/profile", token, nil)
				return last.status == http.StatusUnauthorized
			}) {
				t.Fatalf("%s: profile after logout on instance 2 = %s", in.name, last)
			}
		}
	})

	t.Run("a role grant approved on instance 1 is enforced on instance 3 within a second", func(t *testing.T) {
		const probe = "/api/admin/v1/preregistrations"
		if r := ins[2].call(t, http.MethodGet, probe, maker, nil); r.status != http.StatusForbidden || problemCode(r) != "access.forbidden" {
			t.Fatalf("maker before the grant on instance 3 = %s", r)
		}
		approved(t, ins[0], admin, checker, map[string]any{"kind": "role_grant", "subject": "staff:maker", "role": "reviewer", "action": "grant", "reason": "兼任审核"})
		var last result
		if !eventually(time.Second, func() bool {
			last = ins[2].call(t, http.MethodGet, probe, maker, nil)
			return last.status == http.StatusOK
		}) {
			t.Fatalf("maker on instance 3 a second after the grant = %s", last)
		}
	})

	t.Run("gjj eod started three times at once closes the day once", func(t *testing.T) {
		before := c.businessDate(t)
		type run struct {
			out, errb string
			code      int
			err       error
		}
		runs := make([]run, 3)
		var wg sync.WaitGroup
		for i := range runs {
			wg.Go(func() {
				r := &runs[i]
				r.out, r.errb, r.code, r.err = c.gjj("eod", "--date", before.String())
			})
		}
		wg.Wait()
		closed := 0
		for i, r := range runs {
			switch {
			case r.err != nil:
				t.Fatalf("eod run %d: %v", i, r.err)
			case r.code == 0 && strings.Contains(r.out, "closed business date "+before.String()):
				closed++
			case r.code == 0 && strings.Contains(r.out, "was already closed"):
			case r.code == 1 && strings.Contains(r.errb, "another instance is running"):
			default:
				t.Errorf("eod run %d: exit %d\nstdout: %s\nstderr: %s", i, r.code, r.out, r.errb)
			}
		}
		if closed != 1 {
			t.Errorf("%d runs closed %s, want 1: %+v", closed, before, runs)
		}
		if after := c.businessDate(t); after != before.AddDays(1) {
			t.Fatalf("business date %s after eod, want %s", after, before.AddDays(1))
		}
	})

	t.Run("gjj interest settle started three times at once settles every account once", func(t *testing.T) {
		today := c.businessDate(t)
		year := today.Year()
		if today.Month() <= 6 {
			year--
		}
		outs := make([]string, 3)
		var wg sync.WaitGroup
		for i := range outs {
			wg.Go(func() {
				out, errb, code, err := c.gjj("interest", "settle", "--year", fmt.Sprint(year), "--batch", "1")
				outs[i] = fmt.Sprintf("exit %d %v\nstdout: %s\nstderr: %s", code, err, out, errb)
				if err == nil && code == 0 && strings.Contains(out, "settled ") {
					outs[i] = ""
				}
			})
		}
		wg.Wait()
		for i, o := range outs {
			if o != "" {
				t.Errorf("interest run %d: %s", i, o)
			}
		}
		var runs, total, done, items, runFen, itemFen int64
		err := sqlDB.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(total),0), COALESCE(SUM(done),0), COALESCE(SUM(interest_fen),0)
			FROM interest_run WHERE year = ? AND status = 'done'`, year).Scan(&runs, &total, &done, &runFen)
		if err == nil {
			err = sqlDB.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(interest_fen),0) FROM interest_item WHERE year = ?`, year).Scan(&items, &itemFen)
		}
		if err != nil {
			t.Fatal(err)
		}
		if runs != 1 || total == 0 || done != total || items != total || itemFen != runFen {
			t.Fatalf("year %d: %d finished runs, %d/%d accounts, %d items, interest %d (items %d)", year, runs, done, total, items, runFen, itemFen)
		}
	})

	t.Run("kill -9 of one instance mid-traffic loses no acknowledged certificate", func(t *testing.T) {
		tokens := make([]string, 0, 3)
		for i, e := range demo.Employees[1:4] {
			tokens = append(tokens, appLogin(t, ins[i%len(ins)], e))
		}
		var (
			mu       sync.Mutex
			acked    []string
			perInst  = map[string]int{}
			failures []string
		)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Go(func() {
				for n := w; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					in := ins[n%len(ins)]
					r, err := in.do(http.MethodGet, "/api/app/v1/certificates/deposit", tokens[w%len(tokens)], nil)
					mu.Lock()
					switch {
					case err != nil: // the killed instance: no answer, nothing promised
					case r.status == http.StatusOK:
						if no := r.header.Get("X-Certificate-No"); no != "" {
							acked = append(acked, no)
							perInst[in.name]++
						} else {
							failures = append(failures, in.name+": 200 without X-Certificate-No")
						}
					case r.status == http.StatusTooManyRequests:
					default:
						failures = append(failures, in.name+": "+r.String())
					}
					mu.Unlock()
				}
			})
		}
		count := func(name string) int { mu.Lock(); defer mu.Unlock(); return perInst[name] }
		ok := eventually(20*time.Second, func() bool { return count(ins[2].name) >= 10 })
		if ok {
			if err := ins[2].cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Error(err)
			}
			<-ins[2].done
			ins[2].done <- nil
			n0 := count(ins[0].name)
			ok = eventually(20*time.Second, func() bool { return count(ins[0].name) >= n0+10 })
		}
		close(stop)
		wg.Wait()
		if !ok {
			t.Fatalf("traffic did not get enough 200s: %v", perInst)
		}
		if len(failures) > 0 {
			t.Fatalf("%d unexpected answers, e.g. %s", len(failures), failures[0])
		}
		var stored int
		args := make([]any, len(acked))
		for i, no := range acked {
			args[i] = no
		}
		q := "SELECT COUNT(DISTINCT cert_no) FROM certificate WHERE cert_no IN (?" + strings.Repeat(",?", len(acked)-1) + ")"
		if err := sqlDB.QueryRowContext(context.Background(), q, args...).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != len(acked) {
			t.Fatalf("%d of %d acknowledged certificates are in the database (%v)", stored, len(acked), perInst)
		}
		t.Logf("%d certificates acknowledged and stored: %v", len(acked), perInst)
	})
	// An orchestrator would restart the killed instance; so does the test.
	ins[2] = c.start(t, "instance 3 (restarted)")

	t.Run("the gate's limit is shared by the instances", func(t *testing.T) {
		const burst = 5
		approved(t, ins[0], maker, checker, map[string]any{"kind": "capacity", "channel": "app", "item_class": "query",
			"rate_per_s": 0.001, "burst": burst, "reason": "多实例测试"})
		// Every gate reads the new capacity within its cache TTL at the latest
		// (the approval also invalidates them over Redis): wait that out so
		// that no instance counts with the old one.
		time.Sleep(channel.DefaultCacheTTL + 200*time.Millisecond)
		admitted := 0
		for n := range 6 * burst {
			in := ins[n%len(ins)]
			r := in.call(t, http.MethodGet, "/api/app/v1/notices", "", nil)
			switch r.status {
			case http.StatusOK:
				admitted++
			case http.StatusTooManyRequests:
				var p struct {
					Code         string `json:"code"`
					Alternatives []any  `json:"alternatives"`
				}
				if err := json.Unmarshal(r.body, &p); err != nil || p.Code != "channel.busy" || len(p.Alternatives) == 0 || r.header.Get("Retry-After") == "" {
					t.Fatalf("%s: diverted without code, alternatives or Retry-After: %s", in.name, r)
				}
			default:
				t.Fatalf("%s: %s", in.name, r)
			}
		}
		if admitted != burst {
			t.Fatalf("%d of %d requests admitted across 3 instances, want the burst %d", admitted, 6*burst, burst)
		}
	})
}
