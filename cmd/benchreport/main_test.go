package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkLedgerPost/sqlite-2         	    4879	    778780 ns/op	      1284 ops/s	   10525 B/op	     230 allocs/op
BenchmarkLedgerPost/mysql-2          	    1448	   2608427 ns/op	       383.4 ops/s	   13543 B/op	     225 allocs/op
BenchmarkRawInsertTx/sqlite-2        	    6332	    340485 ns/op	      2568 ops/s
BenchmarkRawInsertTx/mysql-2         	    4003	    547089 ns/op	      1828 ops/s
BenchmarkInterestSettle/mysql/n=10000-2 	       1	1000000000 ns/op	     10000 ops/s
BenchmarkInterestSettle/mysql/n=100000-2 	       1	11000000000 ns/op	      9091 ops/s
BenchmarkInterestSettle/sqlite/n=10000-2 	       1	1000000000 ns/op	     10000 ops/s
BenchmarkInterestSettle/sqlite/n=100000-2 	       1	30000000000 ns/op	      3333 ops/s
BenchmarkRawInterestUpdate/mysql/n=10000-2 	       1	100000000 ns/op	    100000 ops/s
BenchmarkRawInterestUpdate/mysql/n=100000-2 	       1	500000000 ns/op	    200000 ops/s
BenchmarkAppAccount/mysql/c16-2 	    1000	    100000 ns/op	      5000 ops/s	       900.0 p50_us	      4000 p99_us
BenchmarkLogin/mysql-2 	redis: 2026/11/22 00:32:33 pool.go:1458: Unexpected conn[8] state changed by hook to CLOSED, closing it
      20	 153802763 ns/op	        19.01 alloc_MiB/op	         2.000 cores	         6.502 ops/s	        19.00 params_MiB
BenchmarkArgon2id/cpu-2 	      20	 122837517 ns/op	         2.000 cores	         8.141 ops/s
`

func TestRun(t *testing.T) {
	for _, c := range []struct {
		name  string
		pairs []string
		code  int
		want  []string
	}{
		{"pairs by backend", []string{"LedgerPost=RawInsertTx:label"}, 0,
			[]string{"label", "sqlite", "1284", "2568", "0.500", "mysql", "383", "1828", "0.210"}},
		{"sizes and growth", []string{"InterestSettle=RawInterestUpdate"}, 1, // sqlite has no ceiling
			[]string{"mysql/n=10000", "mysql/n=100000", "0.100", "0.045",
				"InterestSettle     mysql", "linear (time ×11.0 for work ×10)",
				"worse than linear: time ×30.0 for work ×10",
				"better than linear: time ×5.0 for work ×10"}},
		{"latency columns", []string{"AppAccount=AppAccount"}, 0, []string{"mysql/c16", "900", "4000", "ceiling p50/p99 µs 900/4000"}},
		{"fixed ceiling sub", []string{"Login=Argon2id/cpu"}, 0,
			[]string{"6.50", "8.14", "0.799", "19.01 alloc_MiB/op", "19.00 params_MiB"}},
		{"missing figure", []string{"Nothing=RawInsertTx"}, 1, []string{"no results"}},
		{"missing ceiling", []string{"LedgerPost=Nothing"}, 1, []string{"—"}},
		{"bad pair", []string{"LedgerPost"}, 2, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, md bytes.Buffer
			code := run(strings.NewReader(sample), &out, &md, "load average 1.00", c.pairs)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
			if c.code != 2 && (!strings.Contains(md.String(), "load average 1.00") || !strings.Contains(md.String(), "Profiling notes")) {
				t.Errorf("summary lacks the machine or the notes:\n%s", md.String())
			}
		})
	}
}
