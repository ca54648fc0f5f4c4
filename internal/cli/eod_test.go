package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gjj/internal/cli"
)

// TestEODCommand: gjj eod closes the business date once; with --date, a
// date already closed is reported and the date does not move again.
func TestEODCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gjj.db")
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), args, map[string]string{"GJJ_DATABASE": "sqlite:" + path, "GJJ_LOG_LEVEL": "error"}, &out, &errb)
		return code, out.String(), errb.String()
	}
	steps := []struct {
		args     []string
		code     int
		stdoutRe string
		stderrRe string
	}{
		{[]string{"date", "set", "2026-03-10", "--allow-backwards"}, 0, `2026-03-10`, ""},
		{[]string{"demo"}, 0, `.*`, ""},
		{[]string{"eod", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"eod", "--date", "2026-02-30"}, 2, "", `is not a date`},
		{[]string{"eod", "--date", "2026-03-10"}, 0, `^closed business date 2026-03-10; the business date is now 2026-03-11\nloans: 0 due`, ""},
		{[]string{"eod", "--date", "2026-03-10"}, 0, `^business date 2026-03-10 was already closed; the business date is 2026-03-11\n`, ""},
		{[]string{"eod", "--date", "2026-03-20"}, 1, "", `the business date is 2026-03-11, not 2026-03-20`},
		{[]string{"eod"}, 0, `closed business date 2026-03-11; the business date is now 2026-03-12`, ""},
		{[]string{"date", "show"}, 0, `^2026-03-12\n$`, ""},
		{[]string{"ledger", "verify"}, 0, `ledger OK`, ""},
	}
	for _, s := range steps {
		code, out, errOut := run(s.args...)
		if code != s.code {
			t.Fatalf("gjj %s: exit %d, want %d\nstdout %q\nstderr %q", strings.Join(s.args, " "), code, s.code, out, errOut)
		}
		for _, c := range []struct{ name, got, re string }{{"stdout", out, s.stdoutRe}, {"stderr", errOut, s.stderrRe}} {
			if c.re == "" && c.got != "" || c.re != "" && !regexp.MustCompile(c.re).MatchString(c.got) {
				t.Errorf("gjj %s: %s %q does not match %q", strings.Join(s.args, " "), c.name, c.got, c.re)
			}
		}
	}
}
