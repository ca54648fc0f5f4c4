package catalog_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
)

func isChinese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

func at(hh, mm, ss int) time.Time { return time.Date(2026, 3, 2, hh, mm, ss, 0, date.Shanghai) }

func TestRegistryAndCatalog(t *testing.T) {
	want := []string{"web", "unit", "app", "wechat", "sms", "hotline", "kiosk", "gov", "counter"}
	chs := catalog.Channels()
	if len(chs) != len(want) {
		t.Fatalf("%d channels, want %d", len(chs), len(want))
	}
	for i, c := range chs {
		if c.Code != want[i] || !isChinese(c.Name) || !isChinese(c.Hint) {
			t.Errorf("channel %d = %+v, want code %s with Chinese name and hint", i, c, want[i])
		}
		if catalog.ChannelIndex(c.Code) != i {
			t.Errorf("ChannelIndex(%s) = %d", c.Code, catalog.ChannelIndex(c.Code))
		}
	}
	if w, _ := catalog.ChannelByCode("wechat"); w.Name != "官方微信" {
		t.Errorf("wechat is named %q", w.Name)
	}
	seen := map[string]bool{}
	for _, it := range catalog.Items() {
		if seen[it.Code] {
			t.Errorf("duplicate item %s", it.Code)
		}
		seen[it.Code] = true
		if !isChinese(it.Name) || it.Level < 0 || it.Level > 3 {
			t.Errorf("item %+v", it)
		}
		if it.Fund != (it.Class == catalog.ClassFund) {
			t.Errorf("%s: fund flag %v with class %s", it.Code, it.Fund, it.Class)
		}
	}
	for _, code := range []string{"ZH-01", "GR-01", "GR-03", "DW-01", "DW-11", "TQ-01", "TQ-12", "DK-01", "DK-06", "HD-04"} {
		if !seen[code] {
			t.Errorf("catalog lacks %s", code)
		}
	}
	if zh, _ := catalog.ItemByCode("ZH-01"); zh.Class != catalog.ClassQuery || zh.Level != 0 {
		t.Errorf("ZH-01 = %+v, want class query, level 0", zh)
	}
	if tq, _ := catalog.ItemByCode("TQ-05"); !tq.Fund || !tq.Category.Business() || tq.Level != 3 {
		t.Errorf("TQ-05 = %+v", tq)
	}
	if _, ok := catalog.ItemByCode("XX-99"); ok {
		t.Error("unknown item found")
	}
	// The exported lists are copies.
	catalog.Channels()[0].Name = "changed"
	if c, _ := catalog.ChannelByCode("web"); c.Name == "changed" {
		t.Error("Channels returned the registry itself")
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		in      string
		canon   string // "" when invalid
		open    []time.Time
		closed  []time.Time
		wait    time.Time
		waitFor time.Duration
	}{
		{in: "", canon: "00:00-24:00", open: []time.Time{at(0, 0, 0), at(23, 59, 59)}},
		{in: "00:00-24:00", canon: "00:00-24:00", open: []time.Time{at(3, 0, 0)}},
		{in: "08:30-17:30", canon: "08:30-17:30", open: []time.Time{at(8, 30, 0), at(17, 29, 59)},
			closed: []time.Time{at(8, 29, 59), at(17, 30, 0), at(23, 0, 0)}, wait: at(8, 0, 0), waitFor: 30 * time.Minute},
		{in: "08:30-12:00,13:30-17:30", canon: "08:30-12:00,13:30-17:30", open: []time.Time{at(9, 0, 0), at(14, 0, 0)},
			closed: []time.Time{at(12, 30, 0)}, wait: at(12, 30, 0), waitFor: time.Hour},
		{in: "08:30-17:30", canon: "08:30-17:30", wait: at(18, 0, 0), waitFor: 14*time.Hour + 30*time.Minute},
		{in: "00:00-06:00,22:00-24:00", canon: "00:00-06:00,22:00-24:00", open: []time.Time{at(23, 0, 0), at(1, 0, 0)},
			closed: []time.Time{at(12, 0, 0)}, wait: at(6, 0, 0), waitFor: 16 * time.Hour},
		{in: "8:30-17:30"}, {in: "08:30-17:30,"}, {in: "08:30"}, {in: "17:30-08:30"}, {in: "08:30-08:30"},
		{in: "24:00-24:00"}, {in: "08:60-09:00"}, {in: "25:00-26:00"}, {in: "08:00-12:00,11:00-13:00"},
		{in: "08:00-12:00,12:00-13:00"}, {in: "13:00-14:00,08:00-09:00"}, {in: " 08:30-17:30"}, {in: "０8:30-17:30"},
		{in: "08:30－17:30"}, {in: "00:00-24:01"},
	}
	for _, tt := range tests {
		h, err := catalog.ParseHours(tt.in)
		if tt.canon == "" {
			if err == nil || !isChinese(err.Error()) {
				t.Errorf("ParseHours(%q) = %v, %v; want a Chinese error", tt.in, h, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseHours(%q): %v", tt.in, err)
			continue
		}
		if h.String() != tt.canon {
			t.Errorf("ParseHours(%q).String() = %q, want %q", tt.in, h.String(), tt.canon)
		}
		for _, o := range tt.open {
			if !h.Contains(o) || h.Until(o) != 0 {
				t.Errorf("%q: closed at %s", tt.in, o.Format("15:04:05"))
			}
		}
		for _, c := range tt.closed {
			if h.Contains(c) || h.Until(c) <= 0 {
				t.Errorf("%q: open at %s", tt.in, c.Format("15:04:05"))
			}
		}
		if !tt.wait.IsZero() {
			if got := h.Until(tt.wait); got != tt.waitFor {
				t.Errorf("%q: Until(%s) = %v, want %v", tt.in, tt.wait.Format("15:04"), got, tt.waitFor)
			}
		}
	}
}

// matrixWith returns the default matrix document changed by f (on its
// decoded JSON form).
func matrixWith(t testing.TB, f func(m map[string]any)) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(catalog.DefaultMatrixJSON()), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itemCell(m map[string]any, item, ch string) map[string]any {
	return m["items"].(map[string]any)[item].(map[string]any)["channels"].(map[string]any)[ch].(map[string]any)
}

func TestParseMatrix(t *testing.T) {
	m, err := catalog.ParseMatrix(catalog.DefaultMatrixJSON())
	if err != nil {
		t.Fatalf("default matrix: %v", err)
	}
	if m.JSON() != catalog.DefaultMatrixJSON() {
		t.Error("default matrix does not round-trip")
	}
	noon := at(12, 0, 0)
	checks := []struct {
		ch, item string
		want     catalog.Closure
	}{
		{"web", "GR-01", catalog.Open}, {"sms", "GR-01", catalog.Open}, {"kiosk", "GR-01", catalog.Open},
		{"unit", "DW-07", catalog.Open}, {"web", "DW-07", catalog.NotOffered}, {"counter", "DW-07", catalog.Open},
		{"counter", "TQ-09", catalog.Open}, {"web", "TQ-09", catalog.NotOffered}, {"unit", "ZH-01", catalog.Open},
		{"hotline", "TQ-01", catalog.NotOffered},
	}
	for _, c := range checks {
		if v := m.Check(c.ch, c.item, noon); v.Closure != c.want {
			t.Errorf("default %s × %s = %v, want %v", c.item, c.ch, v.Closure, c.want)
		}
	}
	for _, it := range catalog.Items() {
		if v := m.Check("counter", it.Code, noon); v.Closure != catalog.Open {
			t.Errorf("the counter does not offer %s", it.Code)
		}
	}
	if v := m.Check("web", "TQ-01", noon); v.Cell.SingleLimitFen <= 0 || v.Cell.DailyLimitFen < v.Cell.SingleLimitFen {
		t.Errorf("web TQ-01 limits %+v", v.Cell)
	}

	custom := matrixWith(t, func(m map[string]any) {
		m["channels"].(map[string]any)["sms"] = false
		m["items"].(map[string]any)["GR-03"].(map[string]any)["enabled"] = false
		itemCell(m, "GR-01", "app")["hours"] = "08:30-17:30"
		itemCell(m, "GR-01", "kiosk")["enabled"] = false
	})
	m, err = catalog.ParseMatrix(custom)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ch, item string
		at       time.Time
		want     catalog.Closure
	}{
		{"sms", "GR-01", noon, catalog.ChannelOff}, {"web", "GR-03", noon, catalog.ItemOff},
		{"app", "GR-01", at(18, 0, 0), catalog.OutOfHours}, {"app", "GR-01", noon, catalog.Open},
		{"kiosk", "GR-01", noon, catalog.NotOffered}, {"web", "GR-01", noon, catalog.Open},
	} {
		v := m.Check(c.ch, c.item, c.at)
		if v.Closure != c.want {
			t.Errorf("%s × %s at %s = %v, want %v", c.item, c.ch, c.at.Format("15:04"), v.Closure, c.want)
		}
		if c.want == catalog.OutOfHours && v.Wait != 14*time.Hour+30*time.Minute {
			t.Errorf("wait %v", v.Wait)
		}
	}
}

func TestParseMatrixRefuses(t *testing.T) {
	tests := []struct {
		name, doc, mention string
	}{
		{"empty", "", "内容为空"},
		{"not json", "{", "JSON"},
		{"array", "[]", "类型不正确"},
		{"trailing", catalog.DefaultMatrixJSON() + " {}", "多余"},
		{"null", "null", "缺少 channels"},
		{"no items", `{"channels":{}}`, "缺少 items"},
		{"unknown member", matrixWith(t, func(m map[string]any) { m["extra"] = 1 }), "extra"},
		{"unknown channel switch", matrixWith(t, func(m map[string]any) { m["channels"].(map[string]any)["weibo"] = true }), "weibo"},
		{"missing channel switch", matrixWith(t, func(m map[string]any) { delete(m["channels"].(map[string]any), "kiosk") }), "kiosk"},
		{"switch not bool", matrixWith(t, func(m map[string]any) { m["channels"].(map[string]any)["web"] = "yes" }), "类型不正确"},
		{"null switch", matrixWith(t, func(m map[string]any) { m["channels"].(map[string]any)["web"] = nil }), "true 或 false"},
		{"unknown item", matrixWith(t, func(m map[string]any) {
			m["items"].(map[string]any)["XX-01"] = map[string]any{"enabled": true, "channels": map[string]any{}}
		}), "XX-01"},
		{"item without enabled", matrixWith(t, func(m map[string]any) {
			delete(m["items"].(map[string]any)["GR-01"].(map[string]any), "enabled")
		}), "enabled"},
		{"cell without enabled", matrixWith(t, func(m map[string]any) { delete(itemCell(m, "GR-01", "web"), "enabled") }), "enabled"},
		{"cell unknown channel", matrixWith(t, func(m map[string]any) {
			m["items"].(map[string]any)["GR-01"].(map[string]any)["channels"].(map[string]any)["fax"] = map[string]any{"enabled": true}
		}), "fax"},
		{"cell unknown member", matrixWith(t, func(m map[string]any) { itemCell(m, "GR-01", "web")["limit"] = 5 }), "limit"},
		{"bad hours", matrixWith(t, func(m map[string]any) { itemCell(m, "GR-01", "web")["hours"] = "8:30-17:30" }), "办理时间"},
		{"negative limit", matrixWith(t, func(m map[string]any) { itemCell(m, "TQ-01", "web")["single_limit_fen"] = -1 }), "单笔限额"},
		{"fractional limit", matrixWith(t, func(m map[string]any) { itemCell(m, "TQ-01", "web")["daily_limit_fen"] = 1.5 }), "整数"},
		{"limit above max", matrixWith(t, func(m map[string]any) { itemCell(m, "TQ-01", "web")["daily_limit_fen"] = 1e18 }), "单日限额"},
		{"daily below single", matrixWith(t, func(m map[string]any) {
			itemCell(m, "TQ-01", "web")["single_limit_fen"] = 500
			itemCell(m, "TQ-01", "web")["daily_limit_fen"] = 100
		}), "不能小于单笔限额"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := catalog.ParseMatrix(tt.doc)
			if err == nil {
				t.Fatalf("accepted: %v", m)
			}
			if !isChinese(err.Error()) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("error %q; want a Chinese message mentioning %q", err, tt.mention)
			}
		})
	}
}

func TestParseCapacity(t *testing.T) {
	c, err := catalog.ParseCapacity(catalog.DefaultCapacityJSON())
	if err != nil {
		t.Fatalf("default capacity: %v", err)
	}
	if c.JSON() != catalog.DefaultCapacityJSON() {
		t.Error("default capacity does not round-trip")
	}
	for _, ch := range catalog.Channels() {
		for _, cl := range catalog.Classes() {
			if r, ok := c.Rate(ch.Code, cl); !ok || r.PerSecond <= 0 || r.Burst < 1 {
				t.Errorf("%s × %s = %+v, %v", ch.Code, cl, r, ok)
			}
		}
	}
	with := func(f func(m map[string]map[string]map[string]any)) string {
		var m map[string]map[string]map[string]any
		if err := json.Unmarshal([]byte(catalog.DefaultCapacityJSON()), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	slow := with(func(m map[string]map[string]map[string]any) { m["web"]["query"]["rate_per_s"] = 0.001 })
	c, err = catalog.ParseCapacity(slow)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := c.Rate("web", catalog.ClassQuery); r.MilliPerSecond() != 1 {
		t.Errorf("0.001/s = %d milli", r.MilliPerSecond())
	}
	bad := []struct{ name, doc, mention string }{
		{"empty", "", "内容为空"},
		{"null", "null", "须为对象"},
		{"unknown channel", with(func(m map[string]map[string]map[string]any) { m["weibo"] = m["web"] }), "weibo"},
		{"missing channel", with(func(m map[string]map[string]map[string]any) { delete(m, "kiosk") }), "kiosk"},
		{"unknown class", with(func(m map[string]map[string]map[string]any) { m["web"]["bulk"] = m["web"]["query"] }), "bulk"},
		{"missing class", with(func(m map[string]map[string]map[string]any) { delete(m["sms"], "fund") }), "sms"},
		{"missing burst", with(func(m map[string]map[string]map[string]any) { delete(m["web"]["fund"], "burst") }), "burst"},
		{"zero rate", with(func(m map[string]map[string]map[string]any) { m["web"]["fund"]["rate_per_s"] = 0 }), "rate_per_s"},
		{"four decimals", with(func(m map[string]map[string]map[string]any) { m["web"]["fund"]["rate_per_s"] = 0.0015 }), "三位小数"},
		{"huge rate", with(func(m map[string]map[string]map[string]any) { m["web"]["fund"]["rate_per_s"] = 1e6 }), "rate_per_s"},
		{"zero burst", with(func(m map[string]map[string]map[string]any) { m["web"]["fund"]["burst"] = 0 }), "burst"},
		{"fractional burst", with(func(m map[string]map[string]map[string]any) { m["web"]["fund"]["burst"] = 2.5 }), "整数"},
		{"unknown member", with(func(m map[string]map[string]map[string]any) { m["web"]["fund"]["period"] = 1 }), "period"},
		{"string rate", with(func(m map[string]map[string]map[string]any) { m["web"]["fund"]["rate_per_s"] = "10" }), "类型不正确"},
	}
	for _, tt := range bad {
		if _, err := catalog.ParseCapacity(tt.doc); err == nil || !isChinese(err.Error()) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: error %v; want a Chinese message mentioning %q", tt.name, err, tt.mention)
		}
	}
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"", "08:30-17:30", "08:30-12:00,13:30-17:30", "00:00-24:00", "23:59-24:00", "24:00-24:00", "9:00-10:00", "08:00-07:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := catalog.ParseHours(s)
		if err != nil {
			if !isChinese(err.Error()) {
				t.Fatalf("error without a Chinese message: %v", err)
			}
			return
		}
		canon := h.String()
		h2, err := catalog.ParseHours(canon)
		if err != nil || h2.String() != canon {
			t.Fatalf("canonical %q of %q does not re-parse: %v", canon, s, err)
		}
		for m := 0; m < 24*60; m += 7 {
			tm := at(m/60, m%60, 0)
			if h.Contains(tm) != h2.Contains(tm) {
				t.Fatalf("%q and %q disagree at %s", s, canon, tm.Format("15:04"))
			}
			if w := h.Until(tm); (w == 0) != h.Contains(tm) || w < 0 || w > 24*time.Hour {
				t.Fatalf("%q: Until(%s) = %v, open %v", s, tm.Format("15:04"), w, h.Contains(tm))
			} else if w > 0 && !h.Contains(tm.Add(w)) {
				t.Fatalf("%q: still closed %v after %s", s, w, tm.Format("15:04"))
			}
		}
	})
}

func FuzzParseMatrix(f *testing.F) {
	f.Add(catalog.DefaultMatrixJSON())
	f.Add(`{"channels":{"web":true,"unit":true,"app":true,"wechat":true,"sms":true,"hotline":true,"kiosk":true,"gov":true,"counter":false},` +
		`"items":{"GR-01":{"enabled":true,"channels":{"web":{"enabled":true,"hours":"08:30-17:30","single_limit_fen":5,"daily_limit_fen":10}}}}}`)
	f.Add(`{"channels":{},"items":{}}`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := catalog.ParseMatrix(s)
		if err != nil {
			if !isChinese(err.Error()) {
				t.Fatalf("error without a Chinese message: %v", err)
			}
			return
		}
		canon := m.JSON()
		m2, err := catalog.ParseMatrix(canon)
		if err != nil || m2.JSON() != canon {
			t.Fatalf("canonical form does not re-parse: %v\n%s", err, canon)
		}
		for _, ch := range catalog.Channels() {
			for _, it := range catalog.Items() {
				if m.Check(ch.Code, it.Code, at(10, 0, 0)) != m2.Check(ch.Code, it.Code, at(10, 0, 0)) {
					// Cells are pointers; compare what they say.
					a, b := m.Check(ch.Code, it.Code, at(10, 0, 0)), m2.Check(ch.Code, it.Code, at(10, 0, 0))
					if a.Closure != b.Closure || a.Wait != b.Wait {
						t.Fatalf("%s × %s: %+v vs %+v", it.Code, ch.Code, a, b)
					}
				}
			}
		}
	})
}
