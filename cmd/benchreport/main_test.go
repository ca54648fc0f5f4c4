package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
BenchmarkLedgerPost/sqlite-2         	    4879	    778780 ns/op	      1284 ops/s	   10525 B/op	     230 allocs/op
BenchmarkLedgerPost/mysql-2          	    1448	   2608427 ns/op	       383.4 ops/s	   13543 B/op	     225 allocs/op
BenchmarkRawInsertTx/sqlite-2        	    6332	    340485 ns/op	      2568 ops/s
BenchmarkRawInsertTx/mysql-2         	    4003	    547089 ns/op	      1828 ops/s
`
	var out bytes.Buffer
	if code := run(strings.NewReader(in), &out, []string{"LedgerPost=RawInsertTx:label"}); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	for _, want := range []string{"label", "sqlite", "1284", "2568", "0.500", "mysql", "383", "1828", "0.210"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run(strings.NewReader("BenchmarkLedgerPost/sqlite-2 10 5 ns/op 7 ops/s\n"), &out, []string{"LedgerPost=RawInsertTx"}); code != 1 {
		t.Fatalf("missing ceiling: exit %d, want 1\n%s", code, out.String())
	}
}
