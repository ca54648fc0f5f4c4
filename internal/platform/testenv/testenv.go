// Package testenv tells tests where the real MariaDB and Redis are and whether
// they are required. Tests only; production code never imports it.
//
//	GJJ_TEST_MYSQL    admin DSN that may CREATE/DROP databases (default root@tcp(127.0.0.1:3306)/)
//	GJJ_TEST_REDIS    Redis address (default 127.0.0.1:6379)
//	GJJ_TEST_REQUIRE  comma list of suites that must run: "mysql,redis" (CI sets it);
//	                  a required suite whose service does not answer fails instead of skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MariaDB suite

	"github.com/redis/go-redis/v9"
)

// Required reports whether the named suite ("mysql" or "redis") must run.
func Required(suite string) bool {
	for _, s := range strings.Split(os.Getenv("GJJ_TEST_REQUIRE"), ",") {
		if strings.TrimSpace(s) == suite {
			return true
		}
	}
	return false
}

// MySQLAdminDSN returns the admin DSN of the test MariaDB, or skips the test
// (fails it when the suite is required) when it does not answer.
func MySQLAdminDSN(t testing.TB) string {
	t.Helper()
	mysqlOnce.Do(func() {
		mysqlDSN = os.Getenv("GJJ_TEST_MYSQL")
		if mysqlDSN == "" {
			mysqlDSN = "root@tcp(127.0.0.1:3306)/"
		}
		db, err := sql.Open("mysql", mysqlDSN)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
		}
		mysqlErr = err
	})
	if mysqlErr != nil {
		unavailable(t, "mysql", "MariaDB at "+redact(mysqlDSN)+" does not answer ("+mysqlErr.Error()+"); set GJJ_TEST_MYSQL")
	}
	return mysqlDSN
}

// RedisAddr returns the test Redis address, or skips (fails when required).
func RedisAddr(t testing.TB) string {
	t.Helper()
	redisOnce.Do(func() {
		redisAddr = os.Getenv("GJJ_TEST_REDIS")
		if redisAddr == "" {
			redisAddr = "127.0.0.1:6379"
		}
		c, err := net.DialTimeout("tcp", redisAddr, 2*time.Second)
		if err == nil {
			c.Close()
		}
		redisErr = err
	})
	if redisErr != nil {
		unavailable(t, "redis", "Redis at "+redisAddr+" does not answer ("+redisErr.Error()+"); set GJJ_TEST_REDIS")
	}
	return redisAddr
}

var (
	mysqlOnce, redisOnce sync.Once
	mysqlDSN, redisAddr  string
	mysqlErr, redisErr   error
)

func unavailable(t testing.TB, suite, why string) {
	t.Helper()
	if Required(suite) {
		t.Fatalf("%s suite is required (GJJ_TEST_REQUIRE) but %s", suite, why)
	}
	t.Skipf("%s suite skipped: %s", suite, why)
}

func redact(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		if colon := strings.Index(dsn[:at], ":"); colon >= 0 {
			return dsn[:colon] + ":***" + dsn[at:]
		}
	}
	return dsn
}

// RedisNamespace returns the test Redis address and a fresh key prefix
// ("gjjt:<random>:") whose keys are deleted when the test ends, so tests in
// parallel packages never see each other's keys. Skips like RedisAddr.
func RedisNamespace(t testing.TB) (addr, prefix string) {
	t.Helper()
	addr = RedisAddr(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix = "gjjt:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 200).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean up Redis keys %s*: %v", prefix, err)
		}
	})
	return addr, prefix
}
