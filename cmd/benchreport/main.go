// Command benchreport reads `go test -bench` output on stdin and prints each
// measured figure next to its ceiling from the same run, with their ratio.
// Pairs are given as arguments, "Figure=Ceiling[:label]", matching benchmark
// names without the "Benchmark" prefix; sub-benchmarks (backends) are paired
// by their sub-name. Example:
//
//	go test -run '^$' -bench . ./internal/ledger | benchreport 'LedgerPost=RawInsertTx:ledger postings vs raw single-row insert transactions'
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^Benchmark([^/\s]+)/(\S+?)(?:-\d+)?\s+\d+\s+.*?([\d.]+) ops/s`)

func main() {
	os.Exit(run(os.Stdin, os.Stdout, os.Args[1:]))
}

func run(in io.Reader, out io.Writer, pairs []string) int {
	ops := map[string]map[string]float64{} // bench → backend → ops/s
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		if ops[m[1]] == nil {
			ops[m[1]] = map[string]float64{}
		}
		ops[m[1]][m[2]] = v
	}
	missing := 0
	for _, p := range pairs {
		spec, label, _ := strings.Cut(p, ":")
		fig, ceil, ok := strings.Cut(spec, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "benchreport: bad pair %q\n", p)
			return 2
		}
		if label == "" {
			label = fig + " vs " + ceil
		}
		fmt.Fprintf(out, "\n%s\n", label)
		fmt.Fprintf(out, "  %-10s %14s %14s %8s\n", "backend", fig+"/s", ceil+"/s", "ratio")
		backs := make([]string, 0)
		for b := range ops[fig] {
			backs = append(backs, b)
		}
		sort.Strings(backs)
		if len(backs) == 0 {
			fmt.Fprintln(out, "  (no results: benchmark skipped or failed)")
			missing++
		}
		for _, b := range backs {
			f, c := ops[fig][b], ops[ceil][b]
			if c == 0 {
				fmt.Fprintf(out, "  %-10s %14s %14s %8s\n", b, num(f), "—", "—")
				missing++
				continue
			}
			fmt.Fprintf(out, "  %-10s %14s %14s %8.3f\n", b, num(f), num(c), f/c)
		}
	}
	if missing > 0 {
		return 1
	}
	return 0
}

// num shows a rate with as many decimals as a small figure needs.
func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
}
