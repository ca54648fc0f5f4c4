// Package workcal is the working-day calendar (工作日历): Monday to Friday
// are working days except the public holidays (法定节假日及调休放假), and the
// make-up working days (调休上班) on weekends are working days. It is the
// value of the effective-dated policy parameter calendar.working_days
// (internal/policy), a JSON document
//
//	{"holidays":["2026-02-16", …], "workdays":["2026-02-14", …]}
//
// shipped with the 2026 national schedule (国务院办公厅关于2026年部分节假日
// 安排的通知). A center adds next year's schedule by a parameter change
// request when the State Council publishes it. It depends only on the
// standard library and date; everything here is data or pure functions.
package workcal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gjj/internal/platform/date"
)

// Calendar is a parsed working-day calendar. The zero Calendar has no
// holidays: Monday to Friday.
type Calendar struct {
	Holidays []date.Date     `json:"holidays"` // days off that would be working days (and the weekend days of a holiday)
	Workdays []date.Date     `json:"workdays"` // weekend days that are working days (调休上班)
	holidays map[string]bool // by YYYY-MM-DD
	workdays map[string]bool
}

// Parse reads and validates a calendar document: known fields only, dates
// as YYYY-MM-DD, no day listed twice or as both a holiday and a workday, a
// make-up workday must fall on a weekend. Messages are Chinese.
func Parse(s string) (*Calendar, error) {
	var raw struct {
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("不是合法的工作日历 JSON（应为 {\"holidays\":[…],\"workdays\":[…]}）：%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("JSON 之后还有多余的内容")
	}
	c := &Calendar{holidays: map[string]bool{}, workdays: map[string]bool{}}
	for _, h := range raw.Holidays {
		d, err := date.Parse(h)
		if err != nil {
			return nil, fmt.Errorf("holidays 中的 %q 不是 YYYY-MM-DD 格式的日期", h)
		}
		if c.holidays[d.String()] {
			return nil, fmt.Errorf("holidays 中的 %s 重复", d)
		}
		c.holidays[d.String()] = true
		c.Holidays = append(c.Holidays, d)
	}
	for _, w := range raw.Workdays {
		d, err := date.Parse(w)
		if err != nil {
			return nil, fmt.Errorf("workdays 中的 %q 不是 YYYY-MM-DD 格式的日期", w)
		}
		if c.workdays[d.String()] {
			return nil, fmt.Errorf("workdays 中的 %s 重复", d)
		}
		if c.holidays[d.String()] {
			return nil, fmt.Errorf("%s 不能既是放假日又是调休上班日", d)
		}
		if !weekend(d) {
			return nil, fmt.Errorf("调休上班日 %s 不是周六或周日", d)
		}
		c.workdays[d.String()] = true
		c.Workdays = append(c.Workdays, d)
	}
	byDay := func(a, b date.Date) int { return strings.Compare(a.String(), b.String()) }
	slices.SortFunc(c.Holidays, byDay)
	slices.SortFunc(c.Workdays, byDay)
	return c, nil
}

func weekend(d date.Date) bool {
	wd := d.Time().Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// IsWorkingDay reports whether d is a working day: a make-up workday, or a
// weekday that is not a holiday. A nil Calendar is Monday to Friday.
func (c *Calendar) IsWorkingDay(d date.Date) bool {
	if c != nil && c.workdays[d.String()] {
		return true
	}
	if c != nil && c.holidays[d.String()] {
		return false
	}
	return !weekend(d)
}

// AddWorkingDays is the date n (≥ 0) working days after d: the n-th working
// day following d (d itself is not counted).
func (c *Calendar) AddWorkingDays(d date.Date, n int) date.Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// JSON is the calendar as stored in calendar.working_days.
func (c *Calendar) JSON() string {
	out := struct {
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
	}{Holidays: []string{}, Workdays: []string{}}
	for _, d := range c.Holidays {
		out.Holidays = append(out.Holidays, d.String())
	}
	for _, d := range c.Workdays {
		out.Workdays = append(out.Workdays, d.String())
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
	return strings.TrimSpace(b.String())
}

// Default2026 is the shipped calendar: the 2026 national public holidays
// and make-up workdays (国办发明电〔2025〕7号): 元旦 1月1日–3日 (1月4日上班),
// 春节 2月15日–23日 (2月14日、28日上班), 清明 4月4日–6日, 劳动节 5月1日–5日
// (5月9日上班), 端午 6月19日–21日, 中秋 9月25日–27日, 国庆 10月1日–7日
// (9月20日、10月10日上班).
func Default2026() *Calendar {
	var hol []string
	span := func(from string, days int) {
		d, _ := date.Parse(from)
		for i := range days {
			hol = append(hol, d.AddDays(i).String())
		}
	}
	span("2026-01-01", 3)
	span("2026-02-15", 9)
	span("2026-04-04", 3)
	span("2026-05-01", 5)
	span("2026-06-19", 3)
	span("2026-09-25", 3)
	span("2026-10-01", 7)
	b, _ := json.Marshal(map[string][]string{"holidays": hol,
		"workdays": {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}})
	c, err := Parse(string(b))
	if err != nil {
		panic("workcal: default calendar: " + err.Error())
	}
	return c
}

// DefaultJSON is Default2026 as stored in calendar.working_days.
func DefaultJSON() string { return Default2026().JSON() }
