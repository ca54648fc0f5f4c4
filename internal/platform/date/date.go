// Package date holds calendar dates without a time of day, such as the business
// date (营业日期), effective dates of parameters and posting dates. A Date is
// stored as 'YYYY-MM-DD' text in SQLite and as DATE in MySQL; it scans from both.
package date

import (
	"database/sql/driver"
	"fmt"
	"time"
	_ "time/tzdata" // Asia/Shanghai even on hosts without a zone database

	"gjj/internal/platform/errs"
)

// Date is a civil date. The zero value is "no date" (IsZero).
type Date struct {
	t time.Time // midnight UTC
}

// Shanghai is the zone in which calendar days are counted (Asia/Shanghai).
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// ErrSyntax is returned for text that is not a valid YYYY-MM-DD date.
var ErrSyntax = errs.New(errs.Invalid, "date.syntax", "日期格式不正确，应为 YYYY-MM-DD，例如 2026-07-01")

// Of returns the date with the given year, month and day (normalised like time.Date).
func Of(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// FromTime returns the calendar day of t in Asia/Shanghai.
func FromTime(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Of(y, m, d)
}

// Parse parses "YYYY-MM-DD" (a real calendar date between 1900 and 9999).
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1900 {
		return Date{}, ErrSyntax
	}
	return Date{t}, nil
}

// MustParse is Parse for constants in code and tests; it panics on bad input.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("date.MustParse(%q): %v", s, err))
	}
	return d
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns "YYYY-MM-DD" ("" for the zero date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// Year, Month and Day return the parts of the date.
func (d Date) Year() int { return d.t.Year() }

// Month returns the month of the date.
func (d Date) Month() time.Month { return d.t.Month() }

// Day returns the day of the month.
func (d Date) Day() int { return d.t.Day() }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t.Sub(d.t).Hours() / 24) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return d.t }

// Value stores the date as 'YYYY-MM-DD' text, which both MySQL DATE columns and
// SQLite TEXT columns accept and compare correctly.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a date from a string, []byte or time.Time column value.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		y, m, dd := v.Date()
		*d = Of(y, m, dd)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	}
	return fmt.Errorf("date: cannot scan %T", src)
}

func (d *Date) scanText(s string) error {
	if len(s) >= 10 {
		s = s[:10]
	}
	p, err := Parse(s)
	if err != nil {
		return fmt.Errorf("date: cannot scan %q", s)
	}
	*d = p
	return nil
}

// MarshalText encodes the date as "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes "YYYY-MM-DD"; an empty string is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
