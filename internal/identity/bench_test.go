package identity_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/dbtest"
)

// Login benchmarks for `make bench`: a person's password login through the
// identity service (credential read, argon2id check, lockout bookkeeping,
// audit) on every core of the machine, next to its ceiling measured in the
// same run: the bare argon2id key derivation with the same parameters on the
// same cores. Both report ops/s (logins per second), and the login reports
// the memory of the chosen parameters (params_MiB, from the PHC string) and
// the memory it allocates per login (alloc_MiB/op, runtime.MemStats
// TotalAlloc).

// argonParams reads m (KiB), t and p from the PHC string the platform writes.
func argonParams(b *testing.B) (m, t uint32, p uint8) {
	h, err := identity.HashPassword("bench")
	if err != nil {
		b.Fatal(err)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 {
		b.Fatalf("hash %q", h)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		b.Fatalf("hash %q: %v", h, err)
	}
	return m, t, p
}

// BenchmarkLogin: demo employees log in by ID number and password, in
// parallel on GOMAXPROCS goroutines.
func BenchmarkLogin(b *testing.B) {
	m, _, _ := argonParams(b)
	for _, backend := range []struct {
		name string
		open func(testing.TB) *app.App
	}{
		{"sqlite", func(t testing.TB) *app.App { return apitest.OpenApp(t, apitest.SQLite(t)) }},
		{"mysql", func(t testing.TB) *app.App {
			return apitest.OpenApp(t, "mysql:"+dbtest.MySQLDatabase(t), apitest.WithRedis(t))
		}},
	} {
		b.Run(backend.name, func(b *testing.B) {
			a := backend.open(b)
			ctx := context.Background()
			var ids []string
			for _, e := range demo.Employees {
				if e != demo.Unregistered {
					ids = append(ids, e.IDNumber)
				}
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			var next atomic.Int64
			var failed atomic.Pointer[error]
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1))
					if _, err := a.Identity.LoginPerson(ctx, ids[i%len(ids)], demo.Password); err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
				}
			})
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc_MiB/op")
			b.ReportMetric(float64(m)/1024, "params_MiB")
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
		})
	}
}

// BenchmarkArgon2id: the bare key derivation with the platform's parameters,
// in parallel on GOMAXPROCS goroutines: the ceiling of logins per second.
func BenchmarkArgon2id(b *testing.B) {
	b.Run("cpu", func(b *testing.B) {
		m, t, p := argonParams(b)
		salt := []byte("0123456789abcdef")
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				argon2.IDKey([]byte(demo.Password), salt, t, m, p, 32)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
	})
}
