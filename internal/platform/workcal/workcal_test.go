package workcal_test

import (
	"strings"
	"testing"

	"gjj/internal/platform/date"
	"gjj/internal/platform/workcal"
)

func day(t *testing.T, s string) date.Date {
	t.Helper()
	d, err := date.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSpringFestival2026: the shipped calendar around the 2026 Spring
// Festival (放假 2月15日–23日, 调休上班 2月14日周六、2月28日周六).
func TestSpringFestival2026(t *testing.T) {
	c := workcal.Default2026()
	working := []struct {
		day  string
		want bool
	}{
		{"2026-02-13", true},  // Friday
		{"2026-02-14", true},  // Saturday, make-up workday
		{"2026-02-15", false}, // Sunday, holiday
		{"2026-02-17", false}, // 初一, Tuesday
		{"2026-02-23", false}, // Monday, last holiday
		{"2026-02-24", true},  // Tuesday
		{"2026-02-28", true},  // Saturday, make-up workday
		{"2026-03-01", false}, // Sunday
		{"2026-10-08", true},  // Thursday after 国庆
		{"2026-10-10", true},  // Saturday, make-up workday
		{"2027-02-06", false}, // a Saturday of a year not in the calendar
		{"2027-02-08", true},  // a Monday of a year not in the calendar
	}
	for _, w := range working {
		if got := c.IsWorkingDay(day(t, w.day)); got != w.want {
			t.Errorf("%s working: %v, want %v", w.day, got, w.want)
		}
	}
	adds := []struct {
		from string
		n    int
		want string
	}{
		{"2026-02-12", 3, "2026-02-24"}, // Fri 13, Sat 14 (上班), then the holiday, Tue 24
		{"2026-02-13", 3, "2026-02-25"},
		{"2026-02-16", 3, "2026-02-26"},
		{"2026-02-25", 3, "2026-02-28"}, // Thu 26, Fri 27, Sat 28 (上班)
		{"2026-09-30", 3, "2026-10-10"}, // 国庆 1–7, Thu 8, Fri 9, Sat 10 (上班)
		{"2026-03-02", 0, "2026-03-02"},
	}
	for _, a := range adds {
		if got := c.AddWorkingDays(day(t, a.from), a.n); got.String() != a.want {
			t.Errorf("%s + %d working days = %s, want %s", a.from, a.n, got, a.want)
		}
	}
	var none *workcal.Calendar
	if got := none.AddWorkingDays(day(t, "2026-02-12"), 3); got.String() != "2026-02-17" {
		t.Errorf("nil calendar: %s", got)
	}
	if len(c.Holidays) != 33 || len(c.Workdays) != 6 {
		t.Errorf("%d holidays, %d workdays", len(c.Holidays), len(c.Workdays))
	}
	back, err := workcal.Parse(workcal.DefaultJSON())
	if err != nil || back.JSON() != c.JSON() {
		t.Errorf("round trip: %v", err)
	}
}

// TestParseRefusals: each malformed calendar is refused with a Chinese
// message naming the problem.
func TestParseRefusals(t *testing.T) {
	cases := []struct{ doc, msg string }{
		{`{"holidays":["2026-13-01"]}`, "不是 YYYY-MM-DD"},
		{`{"holidays":["2026-02-16","2026-02-16"]}`, "重复"},
		{`{"holidays":["2026-02-14"],"workdays":["2026-02-14"]}`, "既是放假日又是调休上班日"},
		{`{"workdays":["2026-02-13"]}`, "不是周六或周日"},
		{`{"holiday":[]}`, "不是合法的工作日历"},
		{`{} {}`, "多余的内容"},
		{`[]`, "不是合法的工作日历"},
	}
	for _, c := range cases {
		_, err := workcal.Parse(c.doc)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", c.doc, err, c.msg)
		}
	}
	if c, err := workcal.Parse(`{}`); err != nil || !c.IsWorkingDay(day(t, "2026-02-17")) {
		t.Errorf("empty calendar: %v", err)
	}
}
