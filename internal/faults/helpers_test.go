package faults_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"gjj/internal/platform/testenv"
)

// syncBuffer is a bytes.Buffer safe for a writer and the test.
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

// need returns the path of a program the suite needs, or skips the test
// (fails it when GJJ_TEST_REQUIRE names the suite).
func need(t *testing.T, suite, program string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err != nil {
		if testenv.Required(suite) {
			t.Fatalf("%s suite is required (GJJ_TEST_REQUIRE) but %s is not installed", suite, program)
		}
		t.Skipf("%s not installed: %v", program, err)
	}
	return p
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// listening reports whether something accepts connections on the port.
func listening(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitFor polls f every 50 ms until it is true or within passes.
func waitFor(within time.Duration, f func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if f() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// gjjBinary builds cmd/gjj once per test binary.
func gjjBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gjj-faults-bin-")
		if err != nil {
			buildErr = err
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		builtBin = filepath.Join(dir, "gjj")
		cmd := exec.Command("go", "build", "-o", builtBin, "./cmd/gjj")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// ---------------------------------------------------------------------------
// A throw-away redis-server.

// redisServer is a redis-server of this test on its own port, without
// persistence; Stop and Start keep the port.
type redisServer struct {
	bin, cli string
	port     int
	dir      string
}

// startRedis starts a redis-server on a free port; it is shut down when the
// test ends.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	r := &redisServer{bin: need(t, "redis", "redis-server"), cli: need(t, "redis", "redis-cli"), port: freePort(t), dir: t.TempDir()}
	r.Start(t)
	t.Cleanup(func() {
		_ = exec.Command(r.cli, "-p", strconv.Itoa(r.port), "shutdown", "nosave").Run()
	})
	return r
}

// Addr is the server's host:port.
func (r *redisServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

// Start runs the server (again) on its port and waits until it answers.
func (r *redisServer) Start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "yes", "--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"), "--pidfile", filepath.Join(r.dir, "redis.pid"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("redis-server: %v %s", err, out)
	}
	if !waitFor(10*time.Second, func() bool {
		return exec.Command(r.cli, "-p", strconv.Itoa(r.port), "ping").Run() == nil && listening(r.port)
	}) {
		log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
		t.Fatalf("redis-server on port %d does not answer:\n%s", r.port, log)
	}
}

// Stop shuts the server down without saving and waits until the port is closed.
func (r *redisServer) Stop(t *testing.T) {
	t.Helper()
	_ = exec.Command(r.cli, "-p", strconv.Itoa(r.port), "shutdown", "nosave").Run()
	if !waitFor(10*time.Second, func() bool { return !listening(r.port) }) {
		t.Fatalf("redis-server on port %d still listens after shutdown", r.port)
	}
}

// ---------------------------------------------------------------------------
// A throw-away mariadbd (stack.md §8 option C).

// mariaDB is a mariadbd of this test with its own data directory and port.
// Root logs in through the unix socket; the platform uses the TCP user gjj.
type mariaDB struct {
	bin, admin, client string
	dir, sock          string
	port               int
	cmd                *exec.Cmd
	done               chan error
	log                *syncBuffer
}

// startMariaDB installs a data directory and starts mariadbd on a free port
// with a database "gjjt_fault" for user gjj:gjj; it is stopped and its files
// removed when the test ends. It needs to run as root (mariadbd --user=mysql).
func startMariaDB(t *testing.T) *mariaDB {
	t.Helper()
	m := &mariaDB{bin: need(t, "mysql", "mariadbd"), admin: need(t, "mysql", "mariadb-admin"), client: need(t, "mysql", "mariadb")}
	install := need(t, "mysql", "mariadb-install-db")
	if os.Geteuid() != 0 {
		if testenv.Required("mysql") {
			t.Fatal("mysql suite is required but a throw-away mariadbd needs root")
		}
		t.Skip("a throw-away mariadbd needs root")
	}
	u, err := user.Lookup("mysql")
	if err != nil {
		t.Fatalf("no mysql user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir, err := os.MkdirTemp("", "gjj-faults-mdb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	m.dir, m.sock, m.port = dir, filepath.Join(dir, "mysqld.sock"), freePort(t)
	out, err := exec.Command(install, "--user=mysql", "--datadir="+filepath.Join(dir, "data"),
		"--auth-root-authentication-method=socket", "--skip-test-db").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	m.Start(t)
	t.Cleanup(func() {
		if m.cmd != nil {
			_ = m.cmd.Process.Kill()
			<-m.done
		}
	})
	out, err = exec.Command(m.client, "--socket="+m.sock, "-uroot", "-e",
		"CREATE DATABASE gjjt_fault CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; "+
			"CREATE USER 'gjj'@'127.0.0.1' IDENTIFIED BY 'gjj'; GRANT ALL ON gjjt_fault.* TO 'gjj'@'127.0.0.1';").CombinedOutput()
	if err != nil {
		t.Fatalf("create database: %v\n%s", err, out)
	}
	return m
}

// DSN is the go-sql-driver DSN of the test database.
func (m *mariaDB) DSN() string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = "gjj", "gjj", "tcp", fmt.Sprintf("127.0.0.1:%d", m.port), "gjjt_fault"
	cfg.ParseTime = true
	return cfg.FormatDSN()
}

// Start runs mariadbd on the data directory and port and waits until it answers.
func (m *mariaDB) Start(t *testing.T) {
	t.Helper()
	m.log = &syncBuffer{}
	m.cmd = exec.Command(m.bin, "--no-defaults", "--user=mysql", "--datadir="+filepath.Join(m.dir, "data"), "--socket="+m.sock,
		"--pid-file="+filepath.Join(m.dir, "mysqld.pid"), "--bind-address=127.0.0.1", "--port="+strconv.Itoa(m.port),
		"--skip-log-bin", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
		"--innodb-buffer-pool-size=64M", "--max-connections=300")
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(m.cmd, m.done)
	if !waitFor(30*time.Second, func() bool {
		return exec.Command(m.admin, "--socket="+m.sock, "-uroot", "ping").Run() == nil && listening(m.port)
	}) {
		t.Fatalf("mariadbd on port %d does not answer:\n%s", m.port, m.log)
	}
}

// Shutdown stops mariadbd the way an operator restarting it would
// (mariadb-admin shutdown: connections are closed, the server exits).
func (m *mariaDB) Shutdown(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(m.admin, "--socket="+m.sock, "-uroot", "shutdown").CombinedOutput(); err != nil {
		t.Fatalf("mariadb-admin shutdown: %v %s", err, out)
	}
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("mariadbd did not exit:\n%s", m.log)
	}
	m.cmd = nil
}

// Kill stops mariadbd with SIGKILL, as a crash would: InnoDB recovers on the
// next start.
func (m *mariaDB) Kill(t *testing.T) {
	t.Helper()
	_ = m.cmd.Process.Kill()
	<-m.done
	m.cmd = nil
}

// openSQL opens a database/sql handle on dsn, closed when the test ends.
func openSQL(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	d, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}
