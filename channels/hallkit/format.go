package hallkit

import (
	"html/template"
	"maps"
	"time"

	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
)

// beijing is the time zone pages show wall-clock times in (stored in UTC).
var beijing = time.FixedZone("CST", 8*3600)

// MonthText shows a month ("2026-03"), or a dash for none.
func MonthText(m date.Month) string {
	if m.IsZero() {
		return "—"
	}
	return m.String()
}

// DateText shows a date ("2026-03-15"), or a dash for none.
func DateText(d date.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// TimeText shows a UTC time.Time or *time.Time in Beijing time
// ("2026-03-15 09:30"), a dash for the zero time or nil, and "" for anything
// else.
func TimeText(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.In(beijing).Format("2006-01-02 15:04")
	case *time.Time:
		if v == nil {
			return "—"
		}
		return TimeText(*v)
	}
	return ""
}

// Funcs returns the template functions every hall page has — yuan (money
// with thousands separators), month, day and time (MonthText, DateText,
// TimeText) — together with a hall's own extra ones (extra wins on a name).
func Funcs(extra template.FuncMap) template.FuncMap {
	fm := template.FuncMap{
		"yuan":  func(f money.Fen) string { return f.Format() },
		"month": MonthText,
		"day":   DateText,
		"time":  TimeText,
	}
	maps.Copy(fm, extra)
	return fm
}
