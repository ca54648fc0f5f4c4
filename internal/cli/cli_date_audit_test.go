package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gjj/internal/cli"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
)

// gjj runs the command line against the sqlite file at path and returns the
// exit code, stdout and stderr.
func gjj(t *testing.T, path string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, map[string]string{"GJJ_DATABASE": "sqlite:" + path, "GJJ_LOG_LEVEL": "error"}, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDateCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gjj.db")
	today := date.FromTime(time.Now())
	steps := []struct {
		args     []string
		code     int
		stdout   string // exact stdout ("" = empty); "*" = not checked
		stderrRe string // regexp stderr must match ("" = must be empty)
	}{
		// A fresh database starts at today's date in Asia/Shanghai.
		{[]string{"date", "show"}, 0, today.String() + "\n", ""},
		{[]string{"date", "set", "2026-07-01", "--allow-backwards"}, 0, "2026-07-01 (was " + today.String() + ")\n", ""},
		{[]string{"date", "show"}, 0, "2026-07-01\n", ""},
		{[]string{"date", "advance"}, 0, "2026-07-02\n", ""},
		{[]string{"date", "advance", "30"}, 0, "2026-08-01\n", ""},
		{[]string{"date", "set", "2026-08-01"}, 0, "2026-08-01 (unchanged)\n", ""},
		{[]string{"date", "set", "2026-09-01"}, 0, "2026-09-01 (was 2026-08-01)\n", ""},
		{[]string{"date", "set", "2026-06-30"}, 2, "", `^gjj date set: .*bizdate\.backwards.*2026-09-01.*--allow-backwards.*\n$`},
		{[]string{"date", "set", "--allow-backwards", "2026-08-15"}, 0, "2026-08-15 (was 2026-09-01)\n", ""},
		{[]string{"date", "set", "2026-02-30"}, 2, "", `^gjj date set: "2026-02-30" is not a date: .*\n$`},
		{[]string{"date", "set"}, 2, "", `^gjj date set: missing argument.*\n$`},
		{[]string{"date", "set", "2026-08-20", "2026-08-21"}, 2, "", `^gjj date set: unexpected argument "2026-08-21".*\n$`},
		{[]string{"date", "set", "2026-08-20", "--bogus"}, 2, "", `flag provided but not defined: -bogus`},
		{[]string{"date", "advance", "0"}, 2, "", `^gjj date advance: N must be a whole number of days from 1 to 366, got "0"\n$`},
		{[]string{"date", "advance", "367"}, 2, "", `^gjj date advance: N must be .*"367"\n$`},
		{[]string{"date", "advance", "x"}, 2, "", `^gjj date advance: N must be .*"x"\n$`},
		{[]string{"date", "show", "extra"}, 2, "", `^gjj date show: unexpected argument "extra".*\n$`},
		{[]string{"date", "show"}, 0, "2026-08-15\n", ""},
		{[]string{"date", "set", "--help"}, 0, "*", "*"},
		{[]string{"audit", "verify"}, 0, "*", ""},
	}
	for _, s := range steps {
		code, out, errOut := gjj(t, path, s.args...)
		name := strings.Join(s.args, " ")
		if code != s.code {
			t.Fatalf("gjj %s: exit %d, want %d\nstdout: %s\nstderr: %s", name, code, s.code, out, errOut)
		}
		if s.stdout != "*" && out != s.stdout {
			t.Errorf("gjj %s: stdout %q, want %q", name, out, s.stdout)
		}
		switch {
		case s.stderrRe == "*":
		case s.stderrRe == "" && errOut != "":
			t.Errorf("gjj %s: stderr %q, want none", name, errOut)
		case s.stderrRe != "" && !regexp.MustCompile(s.stderrRe).MatchString(errOut):
			t.Errorf("gjj %s: stderr %q does not match %s", name, errOut, s.stderrRe)
		}
	}
	// Help names the flag and the argument form.
	_, out, _ := gjj(t, path, "date", "set", "--help")
	if !strings.Contains(out, "gjj date set YYYY-MM-DD [--allow-backwards]") || !strings.Contains(out, "-allow-backwards") {
		t.Errorf("date set --help printed %q", out)
	}
	// Every change (init, 3 sets, 2 advances) and the refused attempt are audited.
	_, out, _ = gjj(t, path, "audit", "verify")
	if !strings.Contains(out, "rows checked 7\n") || !strings.Contains(out, "audit log OK") {
		t.Errorf("audit verify printed %q", out)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gjj.db")
	// An empty log is intact; its head is the genesis hash.
	code, out, errOut := gjj(t, path, "audit", "verify")
	if code != 0 || out != "rows checked 0\nhead seq 0 hash "+strings.Repeat("0", 64)+"\naudit log OK\n" || errOut != "" {
		t.Fatalf("verify on a fresh store: exit %d stdout %q stderr %q", code, out, errOut)
	}
	// init (by set on a fresh store) + 4 advances = 5 rows.
	for _, args := range [][]string{{"date", "set", "2026-07-01"}, {"date", "advance"}, {"date", "advance"}, {"date", "advance"}, {"date", "advance"}} {
		if code, out, errOut := gjj(t, path, args...); code != 0 {
			t.Fatalf("gjj %v: exit %d %s %s", args, code, out, errOut)
		}
	}
	code, out, _ = gjj(t, path, "audit", "verify")
	head := regexp.MustCompile(`(?m)^head seq 5 hash ([0-9a-f]{64})$`).FindStringSubmatch(out)
	if code != 0 || !strings.Contains(out, "rows checked 5\n") || head == nil {
		t.Fatalf("verify before tampering: exit %d stdout %q", code, out)
	}

	// Someone edits row 3 directly in the database.
	d, err := db.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(context.Background(), `UPDATE audit_log SET summary_after = '{"biz_date":"2027-01-01"}' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	d.Close()

	code, out, errOut = gjj(t, path, "audit", "verify")
	if code != 1 {
		t.Fatalf("verify after tampering: exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	problems := regexp.MustCompile(`(?m)^PROBLEM .*$`).FindAllString(out, -1)
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "PROBLEM seq 3 changed: ") {
		t.Errorf("problems = %q, want one naming seq 3 changed", problems)
	}
	if !strings.Contains(out, "head seq 5 hash "+head[1]) {
		t.Errorf("head changed although only row 3 was edited: %q", out)
	}
	if errOut != "audit verify: 1 problem(s)\n" {
		t.Errorf("stderr %q", errOut)
	}
	if code, _, errOut := gjj(t, path, "audit", "verify", "now"); code != 2 || !strings.Contains(errOut, `unexpected argument "now"`) {
		t.Errorf("audit verify now: exit %d stderr %q, want 2", code, errOut)
	}
}
