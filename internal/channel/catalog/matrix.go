package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"gjj/internal/platform/money"
)

// Matrix is the switch matrix, the value of the parameter channel.matrix:
//
//	{"channels": {"web": true, "unit": true, …every registered channel…},
//	 "items": {"GR-01": {"enabled": true, "channels": {
//	     "web": {"enabled": true},
//	     "app": {"enabled": true, "hours": "08:00-22:00"},
//	     …}},
//	   "TQ-01": {"enabled": true, "channels": {
//	     "web": {"enabled": true, "single_limit_fen": 50000000, "daily_limit_fen": 100000000}}},
//	   …}}
//
// An item is open on a channel now when the channel is on, the item is on, the
// item has an enabled cell for the channel and the Shanghai wall-clock time is
// within the cell's hours (omitted = all day). An item or cell that is not
// listed is closed. Limits are in fen, 0 or omitted for none; the daily limit
// counts per subject and business date.
type Matrix struct {
	Channels map[string]bool        `json:"channels"`
	Items    map[string]*ItemSwitch `json:"items"`
}

// ItemSwitch is one item's row of the matrix.
type ItemSwitch struct {
	Enabled  bool             `json:"enabled"`
	Channels map[string]*Cell `json:"channels"`
}

// Cell is one item × channel setting.
type Cell struct {
	Enabled        bool      `json:"enabled"`
	Hours          string    `json:"hours,omitempty"` // business hours, see ParseHours; "" all day
	SingleLimitFen money.Fen `json:"single_limit_fen,omitempty"`
	DailyLimitFen  money.Fen `json:"daily_limit_fen,omitempty"`

	hours Hours
}

// ParsedHours returns the cell's business hours.
func (c *Cell) ParsedHours() Hours { return c.hours }

// Closure says why an item is not open on a channel.
type Closure int

// The closures. Open is the zero value.
const (
	Open       Closure = iota
	ChannelOff         // the channel is switched off
	ItemOff            // the item is switched off on every channel
	NotOffered         // the item is not offered on this channel (no cell or cell off)
	OutOfHours         // outside the cell's business hours
)

// Verdict is the matrix's answer for an item on a channel at a time.
type Verdict struct {
	Closure Closure
	// Cell is the item × channel setting (nil when the item is not listed for
	// the channel).
	Cell *Cell
	// Wait is how long until the hours open, for OutOfHours.
	Wait time.Duration
}

// Check answers whether item is open on channel at the wall-clock time t
// (Asia/Shanghai).
func (m *Matrix) Check(channel, item string, t time.Time) Verdict {
	if !m.Channels[channel] {
		return Verdict{Closure: ChannelOff, Cell: m.cell(channel, item)}
	}
	row := m.Items[item]
	if row == nil {
		return Verdict{Closure: NotOffered}
	}
	cell := row.Channels[channel]
	switch {
	case !row.Enabled:
		return Verdict{Closure: ItemOff, Cell: cell}
	case cell == nil || !cell.Enabled:
		return Verdict{Closure: NotOffered, Cell: cell}
	case !cell.hours.Contains(t):
		return Verdict{Closure: OutOfHours, Cell: cell, Wait: cell.hours.Until(t)}
	}
	return Verdict{Cell: cell}
}

func (m *Matrix) cell(channel, item string) *Cell {
	if row := m.Items[item]; row != nil {
		return row.Channels[channel]
	}
	return nil
}

// JSON returns the canonical text of the matrix (keys sorted).
func (m *Matrix) JSON() string { return mustJSON(m) }

// raw forms: pointers tell a missing member from a false or zero one.
type rawMatrix struct {
	Channels map[string]*bool          `json:"channels"`
	Items    map[string]*rawItemSwitch `json:"items"`
}

type rawItemSwitch struct {
	Enabled  *bool               `json:"enabled"`
	Channels map[string]*rawCell `json:"channels"`
}

type rawCell struct {
	Enabled        *bool   `json:"enabled"`
	Hours          *string `json:"hours"`
	SingleLimitFen *int64  `json:"single_limit_fen"`
	DailyLimitFen  *int64  `json:"daily_limit_fen"`
}

// ParseMatrix parses and validates a channel.matrix document. It refuses
// unknown members, channels and items, missing switches, bad hours and
// negative or inconsistent limits; every registered channel must have its
// switch. The error message is Chinese and names the offending place.
func ParseMatrix(s string) (*Matrix, error) {
	var raw rawMatrix
	if err := decodeStrict(s, &raw); err != nil {
		return nil, err
	}
	if raw.Channels == nil {
		return nil, errors.New("缺少 channels（各渠道的总开关）")
	}
	if raw.Items == nil {
		return nil, errors.New("缺少 items（各服务事项的渠道开关）")
	}
	m := &Matrix{Channels: make(map[string]bool, len(channels)), Items: make(map[string]*ItemSwitch, len(raw.Items))}
	for _, code := range sortedKeys(raw.Channels) {
		if _, ok := ChannelByCode(code); !ok {
			return nil, fmt.Errorf("channels 中的渠道 %q 不存在，可用的渠道：%s", code, channelCodes())
		}
		v := raw.Channels[code]
		if v == nil {
			return nil, fmt.Errorf("渠道 %s 的总开关须为 true 或 false", code)
		}
		m.Channels[code] = *v
	}
	for _, c := range channels {
		if _, ok := m.Channels[c.Code]; !ok {
			return nil, fmt.Errorf("channels 缺少渠道 %s（%s）的总开关", c.Code, c.Name)
		}
	}
	for _, code := range sortedKeys(raw.Items) {
		it, ok := ItemByCode(code)
		if !ok {
			return nil, fmt.Errorf("服务事项 %q 不在事项目录中", code)
		}
		r := raw.Items[code]
		if r == nil {
			return nil, fmt.Errorf("服务事项 %s 的设置须为对象", code)
		}
		if r.Enabled == nil {
			return nil, fmt.Errorf("服务事项 %s（%s）缺少 enabled（事项总开关）", code, it.Name)
		}
		row := &ItemSwitch{Enabled: *r.Enabled, Channels: make(map[string]*Cell, len(r.Channels))}
		for _, ch := range sortedKeys(r.Channels) {
			cell, err := parseCell(it, ch, r.Channels[ch])
			if err != nil {
				return nil, err
			}
			row.Channels[ch] = cell
		}
		m.Items[code] = row
	}
	return m, nil
}

func parseCell(it Item, ch string, r *rawCell) (*Cell, error) {
	c, ok := ChannelByCode(ch)
	if !ok {
		return nil, fmt.Errorf("服务事项 %s 下的渠道 %q 不存在，可用的渠道：%s", it.Code, ch, channelCodes())
	}
	where := fmt.Sprintf("服务事项 %s（%s）在渠道 %s（%s）", it.Code, it.Name, c.Code, c.Name)
	if r == nil {
		return nil, fmt.Errorf("%s的设置须为对象", where)
	}
	if r.Enabled == nil {
		return nil, fmt.Errorf("%s缺少 enabled（开关）", where)
	}
	cell := &Cell{Enabled: *r.Enabled}
	if r.Hours != nil {
		h, err := ParseHours(*r.Hours)
		if err != nil {
			return nil, fmt.Errorf("%s的%v", where, err)
		}
		cell.hours = h
		if !h.AllDay() {
			cell.Hours = h.String()
		}
	}
	for _, l := range []struct {
		v    *int64
		dst  *money.Fen
		name string
	}{{r.SingleLimitFen, &cell.SingleLimitFen, "单笔限额 single_limit_fen"}, {r.DailyLimitFen, &cell.DailyLimitFen, "单日限额 daily_limit_fen"}} {
		if l.v == nil {
			continue
		}
		if *l.v < 0 || money.Fen(*l.v) > money.Max {
			return nil, fmt.Errorf("%s的%s须为 0（不限）至 %d 之间的整数（单位：分）", where, l.name, int64(money.Max))
		}
		*l.dst = money.Fen(*l.v)
	}
	if cell.SingleLimitFen > 0 && cell.DailyLimitFen > 0 && cell.DailyLimitFen < cell.SingleLimitFen {
		return nil, fmt.Errorf("%s的单日限额（%s元）不能小于单笔限额（%s元）", where, cell.DailyLimitFen.Format(), cell.SingleLimitFen.Format())
	}
	return cell, nil
}

// Rate is an admission capacity: a sustained rate and a burst (GCRA: the
// burst is admitted at once, then rate_per_s per second).
type Rate struct {
	PerSecond float64 `json:"rate_per_s"` // > 0, at most three decimals (0.001 = one per 1000 s)
	Burst     int     `json:"burst"`      // ≥ 1
}

// MilliPerSecond is the rate in thousandths per second (exact: the parser
// allows three decimals).
func (r Rate) MilliPerSecond() int64 { return int64(math.Round(r.PerSecond * 1000)) }

// Capacity is the value of the parameter channel.capacity: per channel, per
// class, the admission rate shared by every instance:
//
//	{"web": {"query": {"rate_per_s": 200, "burst": 400}, "apply": {…}, "fund": {…}}, …every channel…}
type Capacity map[string]map[Class]Rate

// Rate returns the capacity of a channel × class.
func (c Capacity) Rate(channel string, class Class) (Rate, bool) {
	r, ok := c[channel][class]
	return r, ok
}

// JSON returns the canonical text of the capacities (keys sorted).
func (c Capacity) JSON() string { return mustJSON(c) }

// Bounds of a capacity.
const (
	MaxRatePerSecond = 100_000
	MaxBurst         = 100_000
)

type rawRate struct {
	PerSecond *float64 `json:"rate_per_s"`
	Burst     *int64   `json:"burst"`
}

// ParseCapacity parses and validates a channel.capacity document: every
// registered channel with every class (query, apply, fund), each with
// rate_per_s (0.001 to 100000, at most three decimals) and burst (1 to
// 100000). The error message is Chinese and names the offending place.
func ParseCapacity(s string) (Capacity, error) {
	var raw map[string]map[string]*rawRate
	if err := decodeStrict(s, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errors.New("须为对象：各渠道、各类事项的容量")
	}
	c := make(Capacity, len(raw))
	for _, ch := range sortedKeys(raw) {
		chn, ok := ChannelByCode(ch)
		if !ok {
			return nil, fmt.Errorf("渠道 %q 不存在，可用的渠道：%s", ch, channelCodes())
		}
		if raw[ch] == nil {
			return nil, fmt.Errorf("渠道 %s 的容量须为对象", ch)
		}
		c[ch] = make(map[Class]Rate, len(raw[ch]))
		for _, cl := range sortedKeys(raw[ch]) {
			if !slices.Contains(Classes(), Class(cl)) {
				return nil, fmt.Errorf("渠道 %s 的事项类别 %q 不存在，可用的类别：query、apply、fund", ch, cl)
			}
			where := fmt.Sprintf("渠道 %s（%s）%s类事项的容量", ch, chn.Name, className(Class(cl)))
			r := raw[ch][cl]
			if r == nil || r.PerSecond == nil || r.Burst == nil {
				return nil, fmt.Errorf("%s须同时给出 rate_per_s 和 burst", where)
			}
			ps := *r.PerSecond
			if !(ps >= 0.001 && ps <= MaxRatePerSecond) || math.Abs(ps*1000-math.Round(ps*1000)) > 1e-6 {
				return nil, fmt.Errorf("%s的 rate_per_s 须在 0.001 至 %d 之间，最多三位小数", where, MaxRatePerSecond)
			}
			if *r.Burst < 1 || *r.Burst > MaxBurst {
				return nil, fmt.Errorf("%s的 burst 须为 1 至 %d 的整数", where, MaxBurst)
			}
			c[ch][Class(cl)] = Rate{PerSecond: math.Round(ps*1000) / 1000, Burst: int(*r.Burst)}
		}
	}
	for _, chn := range channels {
		for _, cl := range Classes() {
			if _, ok := c.Rate(chn.Code, cl); !ok {
				return nil, fmt.Errorf("缺少渠道 %s（%s）%s类事项（%s）的容量", chn.Code, chn.Name, className(cl), cl)
			}
		}
	}
	return c, nil
}

func className(c Class) string {
	switch c {
	case ClassQuery:
		return "查询"
	case ClassApply:
		return "申请"
	case ClassFund:
		return "资金"
	}
	return string(c)
}

// decodeStrict decodes one JSON value into v, refusing unknown members and
// trailing data, with a Chinese error.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("JSON 之后还有多余的内容")
	}
	return nil
}

func jsonProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("不是合法的 JSON（第 %d 个字节附近有语法错误）", se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "（顶层）"
		}
		return fmt.Errorf("%s 的类型不正确，应为%s", field, typeName(te.Type))
	case errors.Is(err, io.EOF):
		return errors.New("内容为空，应为 JSON 对象")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("JSON 不完整")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("未知的字段 %s", f)
	}
	return errors.New("不是合法的 JSON")
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return " true 或 false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "整数"
	case reflect.Float64, reflect.Float32:
		return "数字"
	case reflect.String:
		return "字符串"
	case reflect.Map, reflect.Struct:
		return "对象"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return t.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func channelCodes() string {
	codes := make([]string, len(channels))
	for i, c := range channels {
		codes[i] = c.Code
	}
	return strings.Join(codes, "、")
}

func mustJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("catalog: encode: " + err.Error()) // plain maps and structs always encode
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
