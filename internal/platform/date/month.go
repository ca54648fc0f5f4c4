package date

import (
	"database/sql/driver"
	"fmt"
	"time"

	"gjj/internal/platform/errs"
)

// Month is a calendar month such as a contribution month (汇缴年月) or the
// paid-through month (缴至年月). It is stored and shown as "YYYY-MM"; the zero
// value is "no month" and is stored as the empty string.
type Month struct {
	y int
	m time.Month
}

// ErrMonthSyntax is returned for text that is not a valid YYYY-MM month.
var ErrMonthSyntax = errs.New(errs.Invalid, "date.month_syntax", "月份格式不正确，应为 YYYY-MM，例如 2026-07")

// MonthOf returns the month of y and m (normalised: MonthOf(2026, 13) is 2027-01).
func MonthOf(y int, m time.Month) Month {
	t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return Month{t.Year(), t.Month()}
}

// ParseMonth parses "YYYY-MM" (years 1900–9999).
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 1900 {
		return Month{}, ErrMonthSyntax
	}
	return Month{t.Year(), t.Month()}, nil
}

// MustParseMonth is ParseMonth for constants and tests; it panics on bad input.
func MustParseMonth(s string) Month {
	m, err := ParseMonth(s)
	if err != nil {
		panic(fmt.Sprintf("date.MustParseMonth(%q): %v", s, err))
	}
	return m
}

// MonthOf returns the month that contains d.
func (d Date) MonthOf() Month { return Month{d.Year(), d.Month()} }

// IsZero reports whether m is the zero Month.
func (m Month) IsZero() bool { return m.y == 0 }

// String returns "YYYY-MM" ("" for the zero month).
func (m Month) String() string {
	if m.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", m.y, int(m.m))
}

// Year returns the year of the month.
func (m Month) Year() int { return m.y }

// Month returns the month of the year.
func (m Month) Month() time.Month { return m.m }

// Add returns m moved by n months.
func (m Month) Add(n int) Month { return MonthOf(m.y, m.m+time.Month(n)) }

// Next returns the following month.
func (m Month) Next() Month { return m.Add(1) }

// Before reports whether m is earlier than o.
func (m Month) Before(o Month) bool { return m.y < o.y || (m.y == o.y && m.m < o.m) }

// After reports whether m is later than o.
func (m Month) After(o Month) bool { return o.Before(m) }

// MonthsUntil returns how many months lie from m to o (o − m).
func (m Month) MonthsUntil(o Month) int { return (o.y-m.y)*12 + int(o.m-m.m) }

// First returns the first day of the month.
func (m Month) First() Date { return Of(m.y, m.m, 1) }

// Last returns the last day of the month.
func (m Month) Last() Date { return Of(m.y, m.m+1, 0) }

// Value stores the month as "YYYY-MM", or "" for the zero month.
func (m Month) Value() (driver.Value, error) { return m.String(), nil }

// Scan reads "YYYY-MM" or "" (the zero month).
func (m *Month) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("date: cannot scan %T into a month", src)
	}
	if s == "" {
		*m = Month{}
		return nil
	}
	p, err := ParseMonth(s)
	if err != nil {
		return fmt.Errorf("date: cannot scan %q into a month", s)
	}
	*m = p
	return nil
}

// MarshalText encodes the month as "YYYY-MM".
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes "YYYY-MM"; an empty string is the zero month.
func (m *Month) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*m = Month{}
		return nil
	}
	p, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = p
	return nil
}
