package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/money"
)

func runGJJ(t *testing.T, path string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, map[string]string{"GJJ_DATABASE": "sqlite:" + path, "GJJ_LOG_LEVEL": "error"}, &out, &errb)
	return code, out.String(), errb.String()
}

func TestInterestCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gjj.db")
	for _, args := range [][]string{{"date", "set", "2026-11-21", "--allow-backwards"}, {"demo"}} {
		if code, out, errOut := runGJJ(t, path, args...); code != 0 {
			t.Fatalf("gjj %s: %d %q %q", strings.Join(args, " "), code, out, errOut)
		}
	}
	steps := []struct {
		args     []string
		code     int
		stdoutRe string // "" = must be empty
		stderrRe string // "" = must be empty
	}{
		{[]string{"interest", "settle"}, 2, "", `^gjj interest settle: --year is required`},
		{[]string{"interest", "settle", "--year", "25"}, 2, "", `four-digit year, got 25`},
		{[]string{"interest", "settle", "--year", "2027", "--batch", "0"}, 2, "", `--batch must be from 1 to 10000, got 0`},
		{[]string{"interest", "settle", "--year", "2027", "extra"}, 2, "", `unexpected argument "extra"`},
		// The business date is 2026-11-21: fund year 2027 is not over.
		{[]string{"interest", "settle", "--year", "2027"}, 1, "", `^gjj interest settle: deposit\.interest_too_early: 2027 年度.*2027-06-30.*当前营业日期为 2026-11-21\n$`},
		{[]string{"interest", "status", "--year", "2027"}, 1, "", `^gjj interest status: deposit\.interest_run_not_found`},
		{[]string{"date", "set", "2027-07-01"}, 0, `.*`, ""},
		{[]string{"interest", "settle", "--year", "2027", "--batch", "2"}, 0,
			`^settled \d+ accounts, interest [1-9][\d,]*\.\d\d yuan \(rate 1\.5%, ACT_360\), elapsed \S+\n$`,
			`(?s)^interest 2027:  \d0%.*interest 2027: 100%  (\d+)/\d+ accounts  interest [\d,]+\.\d\d yuan  \S+\n$`},
		// Again: nothing changes.
		{[]string{"interest", "settle", "--year", "2027"}, 0,
			`^fund year 2027 \(2026-07-01 … 2027-06-30\) was already settled on .*; nothing changed\nsettled \d+ accounts`, ""},
		{[]string{"interest", "status", "--year", "2027"}, 0,
			`(?s)fund year   2027 \(2026-07-01 … 2027-06-30\)\nstatus      done\naccounts    (\d+) / \d+\ninterest    [\d,]+\.\d\d yuan\nrate        1\.5% \(ACT_360\)\nstarted     .* by system:cli\nfinished    `, ""},
		{[]string{"ledger", "verify"}, 0, `ledger OK`, ""},
	}
	for _, s := range steps {
		code, out, errOut := runGJJ(t, path, s.args...)
		if code != s.code {
			t.Fatalf("gjj %s: exit %d, want %d\nstdout %q\nstderr %q", strings.Join(s.args, " "), code, s.code, out, errOut)
		}
		for _, c := range []struct{ name, got, re string }{{"stdout", out, s.stdoutRe}, {"stderr", errOut, s.stderrRe}} {
			if c.re == "" && c.got != "" || c.re != "" && !regexp.MustCompile(c.re).MatchString(c.got) {
				t.Fatalf("gjj %s: %s %q does not match %q", strings.Join(s.args, " "), c.name, c.got, c.re)
			}
		}
	}
	code, out, _ := runGJJ(t, path, "help", "interest", "settle")
	if code != 0 || !strings.Contains(out, "Usage: gjj interest settle --year YYYY") || !strings.Contains(out, "-batch N") {
		t.Fatalf("help: %d %q", code, out)
	}
}

func TestProgressBar(t *testing.T) {
	p := func(done, total int64) deposit.Progress {
		return deposit.Progress{Year: 2025, Total: total, Done: done, InterestFen: money.Fen(done * 123456), Elapsed: time.Duration(done) * time.Second}
	}
	var buf bytes.Buffer
	b := newProgressBar(&buf, false)
	for done := int64(0); done <= 2000; done += 150 {
		b.update(p(done, 2000))
	}
	b.update(p(2000, 2000))
	b.finish()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 11 || !strings.HasPrefix(lines[0], "interest 2025:   0%  0/2,000 accounts") ||
		lines[10] != "interest 2025: 100%  2,000/2,000 accounts  interest 2,469,120.00 yuan  33m20s" {
		t.Fatalf("log lines:\n%s", buf.String())
	}

	buf.Reset()
	b = newProgressBar(&buf, true)
	b.update(p(1000, 2000))
	b.update(p(2000, 2000))
	b.finish()
	want := "\r结息 2025 [#####.....]  50.0% 1,000/2,000户 利息1,234,560.00元 16m40s" +
		"\r结息 2025 [##########] 100.0% 2,000/2,000户 利息2,469,120.00元 33m20s\n"
	if buf.String() != want {
		t.Fatalf("terminal bar:\n%q\nwant\n%q", buf.String(), want)
	}
	if isTerminal(&buf) {
		t.Fatal("a buffer is not a terminal")
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := groupDigits(n); got != want {
			t.Fatalf("groupDigits(%d) = %q", n, got)
		}
	}
}
