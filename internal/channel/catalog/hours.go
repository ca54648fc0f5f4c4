package catalog

import (
	"fmt"
	"strings"
	"time"
)

// Window is one business-hours interval of a day in minutes since midnight,
// From inclusive and To exclusive (0 ≤ From < To ≤ 1440).
type Window struct{ From, To int }

// Hours is a day's business hours: ascending, non-overlapping, non-adjacent
// windows. The empty Hours means all day.
type Hours []Window

const minutesPerDay = 24 * 60

// ParseHours parses business hours written "HH:MM-HH:MM", several windows
// separated by commas in ascending order ("08:30-12:00,13:30-17:30"). "" and
// "00:00-24:00" mean all day; 24:00 may only end a window. Windows may not
// overlap or touch (write "08:00-18:00", not "08:00-12:00,12:00-18:00"), and
// a window past midnight is written as two ("00:00-06:00,22:00-24:00").
// Errors carry a Chinese message.
func ParseHours(s string) (Hours, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 8 {
		return nil, fmt.Errorf("办理时间 %q 的时段过多（最多 8 段）", s)
	}
	var h Hours
	for _, p := range parts {
		from, to, ok := strings.Cut(p, "-")
		if !ok {
			return nil, fmt.Errorf("办理时间 %q 格式不正确，应为 HH:MM-HH:MM，例如 08:30-17:30", s)
		}
		f, okf := clock(from, false)
		t, okt := clock(to, true)
		if !okf || !okt {
			return nil, fmt.Errorf("办理时间 %q 格式不正确，应为 HH:MM-HH:MM（00:00 至 24:00），例如 08:30-17:30", s)
		}
		if f >= t {
			return nil, fmt.Errorf("办理时间 %q 中时段 %s 的开始时间须早于结束时间；跨零点的时段请写成两段", s, p)
		}
		if n := len(h); n > 0 && f <= h[n-1].To {
			return nil, fmt.Errorf("办理时间 %q 的各时段须按时间先后排列且互不重叠、不相连", s)
		}
		h = append(h, Window{f, t})
	}
	if len(h) == 1 && h[0] == (Window{0, minutesPerDay}) {
		return nil, nil
	}
	return h, nil
}

// clock parses "HH:MM" (two digits each); "24:00" only when end is set.
func clock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	hh := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[3]-'0')*10 + int(s[4]-'0')
	switch {
	case mm > 59:
		return 0, false
	case hh == 24 && mm == 0 && end:
		return minutesPerDay, true
	case hh > 23:
		return 0, false
	}
	return hh*60 + mm, true
}

// AllDay reports whether the hours cover the whole day.
func (h Hours) AllDay() bool { return len(h) == 0 }

// String is the canonical text: "00:00-24:00" for all day, otherwise the
// windows as ParseHours reads them.
func (h Hours) String() string {
	if h.AllDay() {
		return "00:00-24:00"
	}
	parts := make([]string, len(h))
	for i, w := range h {
		parts[i] = fmt.Sprintf("%02d:%02d-%02d:%02d", w.From/60, w.From%60, w.To/60, w.To%60)
	}
	return strings.Join(parts, ",")
}

// Contains reports whether the wall-clock time t (read in t's location; pass
// Asia/Shanghai times) falls in the hours.
func (h Hours) Contains(t time.Time) bool {
	if h.AllDay() {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	for _, w := range h {
		if m >= w.From && m < w.To {
			return true
		}
	}
	return false
}

// Until returns how long after t the hours next open (0 when open at t). The
// hours repeat every day.
func (h Hours) Until(t time.Time) time.Duration {
	if h.Contains(t) {
		return 0
	}
	sec := t.Hour()*3600 + t.Minute()*60 + t.Second()
	for _, w := range h {
		if w.From*60 > sec {
			return time.Duration(w.From*60-sec) * time.Second
		}
	}
	return time.Duration(24*3600-sec+h[0].From*60) * time.Second
}
