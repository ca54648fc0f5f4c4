package date_test

import (
	"encoding/json"
	"testing"
	"time"

	"gjj/internal/platform/date"
)

func TestParseAndArithmetic(t *testing.T) {
	for _, bad := range []string{"", "2026-2-1", "2026-02-30", "1899-12-31", "20260701", "2026-07-01T00:00:00Z", "abcd-ef-gh"} {
		if _, err := date.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	d := date.MustParse("2024-02-28")
	if got := d.AddDays(1).String(); got != "2024-02-29" {
		t.Fatalf("leap day: %s", got)
	}
	if n := date.MustParse("2024-07-01").DaysUntil(date.MustParse("2025-07-01")); n != 365 {
		t.Fatalf("days in the 2024 fund year = %d, want 365", n)
	}
	if !d.Before(d.AddDays(1)) || d.After(d) || d.Year() != 2024 || d.Month() != time.February || d.Day() != 28 {
		t.Fatal("comparisons or parts wrong")
	}
	// 2026-11-21 20:30 UTC is already 2026-11-22 in Asia/Shanghai.
	if got := date.FromTime(time.Date(2026, 11, 21, 20, 30, 0, 0, time.UTC)).String(); got != "2026-11-22" {
		t.Fatalf("FromTime = %s, want the Shanghai calendar day", got)
	}
}

func TestScanValueJSON(t *testing.T) {
	want := date.MustParse("2026-07-01")
	for _, src := range []any{"2026-07-01", []byte("2026-07-01"), "2026-07-01 00:00:00+00:00", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)} {
		var d date.Date
		if err := d.Scan(src); err != nil || d != want {
			t.Errorf("Scan(%v) = %v, %v", src, d, err)
		}
	}
	var d date.Date
	if err := d.Scan(42); err == nil {
		t.Error("Scan(int) accepted")
	}
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Error("Scan(nil) is not the zero date")
	}
	if v, _ := want.Value(); v != "2026-07-01" {
		t.Errorf("Value = %v", v)
	}
	b, _ := json.Marshal(struct {
		D date.Date `json:"d"`
	}{want})
	if string(b) != `{"d":"2026-07-01"}` {
		t.Errorf("JSON = %s", b)
	}
	var back struct {
		D date.Date `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"d":"2026-02-30"}`), &back); err == nil {
		t.Error("Unmarshal accepted 2026-02-30")
	}
}

func TestMonth(t *testing.T) {
	m := date.MustParseMonth("2025-12")
	if m.Next().String() != "2026-01" || m.Add(-12).String() != "2024-12" || m.Last().String() != "2025-12-31" || m.First().String() != "2025-12-01" {
		t.Fatalf("month arithmetic wrong: %s %s %s", m.Next(), m.Add(-12), m.Last())
	}
	if date.MustParseMonth("2024-02").Last().Day() != 29 || m.MonthsUntil(date.MustParseMonth("2026-07")) != 7 {
		t.Fatal("leap February or MonthsUntil wrong")
	}
	if !m.Before(m.Next()) || !m.Next().After(m) || m.Before(m) || date.MustParse("2026-07-15").MonthOf().String() != "2026-07" {
		t.Fatal("comparisons wrong")
	}
	for _, bad := range []string{"2026-13", "2026-7", "26-07", "2026-07-01", "", "1899-12"} {
		if _, err := date.ParseMonth(bad); err == nil {
			t.Errorf("ParseMonth(%q) accepted", bad)
		}
	}
	var got date.Month
	if err := got.Scan(""); err != nil || !got.IsZero() {
		t.Fatal("Scan(\"\") is not the zero month")
	}
	if err := got.Scan([]byte("2026-07")); err != nil || got.String() != "2026-07" {
		t.Fatal("Scan([]byte) wrong")
	}
	if v, _ := (date.Month{}).Value(); v != "" {
		t.Fatal("zero month must store as empty string")
	}
}
