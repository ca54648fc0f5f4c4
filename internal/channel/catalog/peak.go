package catalog

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// PeakWindows is the value of the parameter channel.peak_windows: scheduled
// peak periods (月初汇缴, 七月基数调整 …) during which some channel × class
// capacities differ from channel.capacity:
//
//	{"windows": [
//	  {"name": "月初汇缴高峰", "items": ["DW-07"], "day_from": 1, "day_to": 5,
//	   "capacity": {"unit": {"fund": {"rate_per_s": 400, "burst": 800}}}},
//	  {"name": "七月基数调整", "items": ["DW-09"], "months": [7], "hours": "08:00-20:00",
//	   "capacity": {"unit": {"apply": {"rate_per_s": 300, "burst": 600}}}}]}
//
// A window is in force at a wall-clock time (Asia/Shanghai) when the month is
// in months (omitted: every month), the day of the month is within day_from …
// day_to (omitted: every day; day_to beyond a short month's end means its
// last day) and the time is within hours (omitted: all day). At least one of
// months and day_from/day_to is required. items names the service items the
// window is for (shown to staff; the capacity is per class, so it applies to
// every item of the class). When several windows are in force, the first one
// listed that sets a channel × class decides it; channel × class pairs no
// window sets keep channel.capacity.
type PeakWindows struct {
	Windows []PeakWindow `json:"windows"`
}

// PeakWindow is one scheduled window.
type PeakWindow struct {
	Name     string   `json:"name"`
	Items    []string `json:"items,omitempty"`
	Months   []int    `json:"months,omitempty"`
	DayFrom  int      `json:"day_from,omitempty"`
	DayTo    int      `json:"day_to,omitempty"`
	Hours    string   `json:"hours,omitempty"`
	Capacity Capacity `json:"capacity"`

	hours Hours
}

// MaxPeakWindows bounds the number of windows in the document.
const MaxPeakWindows = 50

// Contains reports whether the window is in force at t (read in Asia/Shanghai
// by the caller: t's own location is used as is).
func (w *PeakWindow) Contains(t time.Time) bool {
	if len(w.Months) > 0 && !slices.Contains(w.Months, int(t.Month())) {
		return false
	}
	if w.DayFrom > 0 {
		last := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d := t.Day(); d < w.DayFrom || d > min(w.DayTo, last) {
			return false
		}
	}
	return w.hours.Contains(t)
}

// Active returns the windows in force at t, in document order.
func (p *PeakWindows) Active(t time.Time) []*PeakWindow {
	if p == nil {
		return nil
	}
	var out []*PeakWindow
	for i := range p.Windows {
		if p.Windows[i].Contains(t) {
			out = append(out, &p.Windows[i])
		}
	}
	return out
}

// Rate returns the capacity of channel × class at t: the first window in
// force that sets it, with the window's name; ok is false when none does.
func (p *PeakWindows) Rate(channel string, class Class, t time.Time) (r Rate, window string, ok bool) {
	for _, w := range p.Active(t) {
		if r, ok := w.Capacity.Rate(channel, class); ok {
			return r, w.Name, true
		}
	}
	return Rate{}, "", false
}

// JSON returns the canonical text of the document.
func (p *PeakWindows) JSON() string { return mustJSON(p) }

// DefaultPeakWindowsJSON is the shipped value: no windows (a center adds its
// own through a change request).
func DefaultPeakWindowsJSON() string { return (&PeakWindows{Windows: []PeakWindow{}}).JSON() }

type rawPeakWindows struct {
	Windows *[]*rawPeakWindow `json:"windows"`
}

type rawPeakWindow struct {
	Name     *string                        `json:"name"`
	Items    []string                       `json:"items"`
	Months   []int                          `json:"months"`
	DayFrom  *int                           `json:"day_from"`
	DayTo    *int                           `json:"day_to"`
	Hours    *string                        `json:"hours"`
	Capacity map[string]map[string]*rawRate `json:"capacity"`
}

// ParsePeakWindows parses and validates a channel.peak_windows document: a
// name (1–40 characters, unique) per window, known items, months 1–12
// without repeats, day_from and day_to together with 1 ≤ day_from ≤ day_to ≤
// 31, valid hours, and a capacity object naming registered channels and
// classes with the same bounds as channel.capacity (at least one entry).
// The error message is Chinese and names the offending window.
func ParsePeakWindows(s string) (*PeakWindows, error) {
	var raw rawPeakWindows
	if err := decodeStrict(s, &raw); err != nil {
		return nil, err
	}
	if raw.Windows == nil {
		return nil, errors.New("缺少 windows（高峰时段列表，可为空列表 []）")
	}
	if len(*raw.Windows) > MaxPeakWindows {
		return nil, fmt.Errorf("高峰时段最多 %d 个", MaxPeakWindows)
	}
	p := &PeakWindows{Windows: make([]PeakWindow, 0, len(*raw.Windows))}
	names := map[string]bool{}
	for i, r := range *raw.Windows {
		where := fmt.Sprintf("第 %d 个高峰时段", i+1)
		if r == nil {
			return nil, fmt.Errorf("%s须为对象", where)
		}
		if r.Name == nil || strings.TrimSpace(*r.Name) == "" || len([]rune(*r.Name)) > 40 {
			return nil, fmt.Errorf("%s须有名称 name（1 至 40 个字）", where)
		}
		w := PeakWindow{Name: strings.TrimSpace(*r.Name)}
		where = fmt.Sprintf("高峰时段「%s」", w.Name)
		if names[w.Name] {
			return nil, fmt.Errorf("%s的名称重复", where)
		}
		names[w.Name] = true
		for _, code := range r.Items {
			if _, ok := ItemByCode(code); !ok {
				return nil, fmt.Errorf("%s的服务事项 %q 不在事项目录中", where, code)
			}
			if slices.Contains(w.Items, code) {
				return nil, fmt.Errorf("%s的服务事项 %s 重复", where, code)
			}
			w.Items = append(w.Items, code)
		}
		for _, m := range r.Months {
			if m < 1 || m > 12 {
				return nil, fmt.Errorf("%s的月份 months 须为 1 至 12", where)
			}
			if slices.Contains(w.Months, m) {
				return nil, fmt.Errorf("%s的月份 %d 重复", where, m)
			}
			w.Months = append(w.Months, m)
		}
		slices.Sort(w.Months)
		if (r.DayFrom == nil) != (r.DayTo == nil) {
			return nil, fmt.Errorf("%s须同时给出 day_from 和 day_to（每月的起止日）", where)
		}
		if r.DayFrom != nil {
			if *r.DayFrom < 1 || *r.DayTo > 31 || *r.DayFrom > *r.DayTo {
				return nil, fmt.Errorf("%s的起止日须满足 1 ≤ day_from ≤ day_to ≤ 31", where)
			}
			w.DayFrom, w.DayTo = *r.DayFrom, *r.DayTo
		}
		if len(w.Months) == 0 && w.DayFrom == 0 {
			return nil, fmt.Errorf("%s须给出月份 months 或每月起止日 day_from、day_to", where)
		}
		if r.Hours != nil {
			h, err := ParseHours(*r.Hours)
			if err != nil {
				return nil, fmt.Errorf("%s的%v", where, err)
			}
			w.hours = h
			if !h.AllDay() {
				w.Hours = h.String()
			}
		}
		c, err := parsePartialCapacity(where, r.Capacity)
		if err != nil {
			return nil, err
		}
		w.Capacity = c
		p.Windows = append(p.Windows, w)
	}
	return p, nil
}

// parsePartialCapacity checks a window's capacities: like ParseCapacity but
// any non-empty subset of channel × class.
func parsePartialCapacity(where string, raw map[string]map[string]*rawRate) (Capacity, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s须在 capacity 中给出至少一个渠道、事项类别的容量", where)
	}
	c := make(Capacity, len(raw))
	for _, ch := range sortedKeys(raw) {
		chn, ok := ChannelByCode(ch)
		if !ok {
			return nil, fmt.Errorf("%s的渠道 %q 不存在，可用的渠道：%s", where, ch, channelCodes())
		}
		if len(raw[ch]) == 0 {
			return nil, fmt.Errorf("%s中渠道 %s 的容量须为非空对象", where, ch)
		}
		c[ch] = make(map[Class]Rate, len(raw[ch]))
		for _, cl := range sortedKeys(raw[ch]) {
			if !slices.Contains(Classes(), Class(cl)) {
				return nil, fmt.Errorf("%s中渠道 %s 的事项类别 %q 不存在，可用的类别：query、apply、fund", where, ch, cl)
			}
			at := fmt.Sprintf("%s中渠道 %s（%s）%s类事项的容量", where, ch, chn.Name, className(Class(cl)))
			r := raw[ch][cl]
			if r == nil || r.PerSecond == nil || r.Burst == nil {
				return nil, fmt.Errorf("%s须同时给出 rate_per_s 和 burst", at)
			}
			ps := *r.PerSecond
			if !(ps >= 0.001 && ps <= MaxRatePerSecond) || math.Abs(ps*1000-math.Round(ps*1000)) > 1e-6 {
				return nil, fmt.Errorf("%s的 rate_per_s 须在 0.001 至 %d 之间，最多三位小数", at, MaxRatePerSecond)
			}
			if *r.Burst < 1 || *r.Burst > MaxBurst {
				return nil, fmt.Errorf("%s的 burst 须为 1 至 %d 的整数", at, MaxBurst)
			}
			c[ch][Class(cl)] = Rate{PerSecond: math.Round(ps*1000) / 1000, Burst: int(*r.Burst)}
		}
	}
	return c, nil
}
