// Command benchreport reads `go test -bench` output on stdin and prints each
// measured figure next to its ceiling from the same run, with their ratio,
// the p50/p99 latency where a benchmark reports them, and how each figure
// grows when the work grows (sub-benchmarks named n=<size>).
//
// Pairs are given as arguments, "Figure=Ceiling[/sub][:label]", matching
// benchmark names without the "Benchmark" prefix. Sub-benchmarks (backend,
// size, clients: "mysql/n=100000", "mysql/c16") are paired by their sub-name;
// a ceiling with a fixed sub ("Argon2id/cpu") is the ceiling of every
// sub-benchmark of the figure. Example:
//
//	go test -run '^$' -bench . ./internal/ledger | benchreport 'LedgerPost=RawInsertTx:ledger postings vs raw single-row insert transactions'
//
// Flags: -summary FILE also writes a Markdown summary (the same tables, the
// machine's state from -machine FILE, and the profiling notes kept in
// notes.md next to this file). Exit status 1 when a figure or a ceiling is
// missing (a benchmark skipped or failed).
package main

import (
	"bufio"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed notes.md
var notes string

// bench line: name, sub-benchmark, iterations, then "value unit" pairs.
var line = regexp.MustCompile(`^Benchmark([^/\s]+)/(\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

// A benchmark's name alone (a log line written while it ran split its result
// line) and the rest of the result on a later line.
var (
	nameOnly = regexp.MustCompile(`^Benchmark([^/\s]+)/(\S+?)(?:-\d+)?\s`)
	rest     = regexp.MustCompile(`^\s*(\d+)\s+(\d.*\sns/op.*)$`)
)

// results maps benchmark → sub-benchmark → unit → value.
type results map[string]map[string]map[string]float64

func main() {
	fs := flag.NewFlagSet("benchreport", flag.ExitOnError)
	summary := fs.String("summary", "", "also write a Markdown summary to this file")
	machine := fs.String("machine", "", "file describing the machine's state during the run (quoted in the summary)")
	_ = fs.Parse(os.Args[1:])
	var md io.Writer
	if *summary != "" {
		f, err := os.Create(*summary)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(2)
		}
		defer f.Close()
		md = f
	}
	var state string
	if *machine != "" {
		b, err := os.ReadFile(*machine)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(2)
		}
		state = string(b)
	}
	code := run(os.Stdin, os.Stdout, md, state, fs.Args())
	if md != nil {
		md.(*os.File).Close()
	}
	os.Exit(code)
}

func parse(in io.Reader) results {
	res := results{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var pending []string // name and sub of a split result line
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			if r := rest.FindStringSubmatch(sc.Text()); r != nil && pending != nil {
				m = []string{"", pending[1], pending[2], r[1], r[2]}
			} else if n := nameOnly.FindStringSubmatch(sc.Text()); n != nil {
				pending = n
				continue
			} else {
				continue
			}
		}
		pending = nil
		f := strings.Fields(m[4])
		vals := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			vals[f[i+1]] = v
		}
		if _, ok := vals["ops/s"]; !ok {
			continue
		}
		if res[m[1]] == nil {
			res[m[1]] = map[string]map[string]float64{}
		}
		res[m[1]][m[2]] = vals
	}
	return res
}

// pair is one "Figure=Ceiling[/sub]:label" argument.
type pair struct {
	fig, ceil, ceilSub, label string
}

func parsePair(p string) (pair, bool) {
	spec, label, _ := strings.Cut(p, ":")
	fig, ceil, ok := strings.Cut(spec, "=")
	if !ok || fig == "" || ceil == "" {
		return pair{}, false
	}
	ceil, sub, _ := strings.Cut(ceil, "/")
	if label == "" {
		label = fig + " vs " + ceil
	}
	return pair{fig: fig, ceil: ceil, ceilSub: sub, label: label}, true
}

// row is one sub-benchmark of a pair.
type row struct {
	sub           string
	fig, ceil     float64 // ops/s; ceil 0 when missing
	p50, p99      float64 // µs, 0 when not reported
	cp50, cp99    float64 // the ceiling's, µs
	extra         string
	figNs, ceilNs float64
}

func rows(res results, p pair) []row {
	subs := make([]string, 0)
	for s := range res[p.fig] {
		subs = append(subs, s)
	}
	sort.Slice(subs, func(i, j int) bool { return subLess(subs[i], subs[j]) })
	var out []row
	for _, s := range subs {
		f := res[p.fig][s]
		cs := s
		if p.ceilSub != "" {
			cs = p.ceilSub
		}
		c := res[p.ceil][cs]
		r := row{sub: s, fig: f["ops/s"], ceil: c["ops/s"], p50: f["p50_us"], p99: f["p99_us"], cp50: c["p50_us"], cp99: c["p99_us"], figNs: f["ns/op"], ceilNs: c["ns/op"]}
		var extra []string
		if r.cp99 > 0 {
			extra = append(extra, "ceiling p50/p99 µs "+num(r.cp50)+"/"+num(r.cp99))
		}
		for _, u := range []string{"employees/s", "alloc_MiB/op", "params_MiB", "cores"} {
			if v, ok := f[u]; ok {
				extra = append(extra, num(v)+" "+u)
			}
		}
		r.extra = strings.Join(extra, ", ")
		out = append(out, r)
	}
	return out
}

// subLess orders sub-benchmarks by their parts, numbers (n=…, c…) numerically.
func subLess(a, b string) bool {
	pa, pb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		na, oka := sizeOf(pa[i])
		nb, okb := sizeOf(pb[i])
		if oka && okb {
			return na < nb
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// sizeOf reads "n=123" or "c16" as a number.
func sizeOf(part string) (float64, bool) {
	s, ok := strings.CutPrefix(part, "n=")
	if !ok {
		s, ok = strings.CutPrefix(part, "c")
	}
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// growth is one figure between two sizes of the same backend.
type growth struct {
	figure, backend string
	from, to        float64 // sizes
	timeRatio       float64 // ns/op at to ÷ ns/op at from
}

// verdict says how time grows with the work: "linear" when the time ratio is
// within 0.8–1.25 of the size ratio (8–12.5× for ×10), otherwise the factor.
func (g growth) verdict() string {
	work := g.to / g.from
	rel := g.timeRatio / work
	switch {
	case rel >= 0.8 && rel <= 1.25:
		return fmt.Sprintf("linear (time ×%.1f for work ×%.0f)", g.timeRatio, work)
	case rel > 1.25:
		return fmt.Sprintf("worse than linear: time ×%.1f for work ×%.0f", g.timeRatio, work)
	default:
		return fmt.Sprintf("better than linear: time ×%.1f for work ×%.0f", g.timeRatio, work)
	}
}

// growths lists, for a benchmark with n=<size> sub-benchmarks, each pair of
// consecutive sizes per backend.
func growths(res results, name string) []growth {
	by := map[string][][2]float64{} // backend → (size, ns/op)
	for s, v := range res[name] {
		i := strings.LastIndex(s, "/")
		if i < 0 {
			continue
		}
		n, ok := strings.CutPrefix(s[i+1:], "n=")
		if !ok {
			continue
		}
		size, err := strconv.ParseFloat(n, 64)
		if err != nil || v["ns/op"] == 0 {
			continue
		}
		by[s[:i]] = append(by[s[:i]], [2]float64{size, v["ns/op"]})
	}
	backs := make([]string, 0, len(by))
	for b := range by {
		backs = append(backs, b)
	}
	sort.Strings(backs)
	var out []growth
	for _, b := range backs {
		pts := by[b]
		sort.Slice(pts, func(i, j int) bool { return pts[i][0] < pts[j][0] })
		for k := 1; k < len(pts); k++ {
			out = append(out, growth{figure: name, backend: b, from: pts[k-1][0], to: pts[k][0], timeRatio: pts[k][1] / pts[k-1][1]})
		}
	}
	return out
}

func run(in io.Reader, out, md io.Writer, machine string, args []string) int {
	res := parse(in)
	if md == nil {
		md = io.Discard
	}
	var pairs []pair
	for _, a := range args {
		p, ok := parsePair(a)
		if !ok {
			fmt.Fprintf(os.Stderr, "benchreport: bad pair %q\n", a)
			return 2
		}
		pairs = append(pairs, p)
	}
	fmt.Fprintln(md, "# Benchmarks against ceilings")
	fmt.Fprintln(md)
	fmt.Fprintln(md, "Every figure next to a ceiling measured in the same run on the same machine (`make bench`; full output in bench/out/bench.txt, plain report in bench/out/report.txt). Ratio = figure ÷ ceiling.")
	if machine != "" {
		fmt.Fprintf(md, "\n## Machine\n\n```\n%s\n```\n", strings.TrimRight(machine, "\n"))
	}
	missing := 0
	seen := map[string]bool{}
	var grow []growth
	for _, p := range pairs {
		rs := rows(res, p)
		fmt.Fprintf(out, "\n%s\n", p.label)
		fmt.Fprintf(out, "  %-22s %14s %14s %8s %10s %10s\n", "sub-benchmark", p.fig+"/s", p.ceil+"/s", "ratio", "p50 µs", "p99 µs")
		fmt.Fprintf(md, "\n## %s\n\n| sub-benchmark | %s/s | %s/s | ratio | p50 µs | p99 µs | other |\n|---|--:|--:|--:|--:|--:|---|\n", p.label, p.fig, p.ceil)
		if len(rs) == 0 {
			fmt.Fprintln(out, "  (no results: benchmark skipped or failed)")
			fmt.Fprintln(md, "| (no results: benchmark skipped or failed) | | | | | | |")
			missing++
		}
		for _, r := range rs {
			ceil, ratio := "—", "—"
			if r.ceil > 0 {
				ceil, ratio = num(r.ceil), strconv.FormatFloat(r.fig/r.ceil, 'f', 3, 64)
			} else {
				missing++
			}
			lat := func(v float64) string {
				if v == 0 {
					return "—"
				}
				return num(v)
			}
			fmt.Fprintf(out, "  %-22s %14s %14s %8s %10s %10s", r.sub, num(r.fig), ceil, ratio, lat(r.p50), lat(r.p99))
			if r.extra != "" {
				fmt.Fprintf(out, "  (%s)", r.extra)
			}
			fmt.Fprintln(out)
			fmt.Fprintf(md, "| %s | %s | %s | %s | %s | %s | %s |\n", r.sub, num(r.fig), ceil, ratio, lat(r.p50), lat(r.p99), r.extra)
		}
		for _, name := range []string{p.fig, p.ceil} {
			if !seen[name] {
				seen[name] = true
				grow = append(grow, growths(res, name)...)
			}
		}
	}
	if len(grow) > 0 {
		fmt.Fprintln(out, "\ngrowth when the work grows (time per op at the larger size ÷ at the smaller)")
		fmt.Fprintln(md, "\n## Growth when the work grows ×10\n\n| benchmark | backend | sizes | time ratio | verdict |\n|---|---|---|--:|---|")
		for _, g := range grow {
			fmt.Fprintf(out, "  %-18s %-8s %9s → %-9s %s\n", g.figure, g.backend, num(g.from), num(g.to), g.verdict())
			fmt.Fprintf(md, "| %s | %s | %s → %s | %.2f | %s |\n", g.figure, g.backend, num(g.from), num(g.to), g.timeRatio, g.verdict())
		}
	}
	fmt.Fprintf(md, "\n%s", notes)
	if missing > 0 {
		return 1
	}
	return 0
}

// num shows a rate with as many decimals as a small figure needs.
func num(v float64) string {
	switch {
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
}
