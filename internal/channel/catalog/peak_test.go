package catalog_test

import (
	"strings"
	"testing"
	"time"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
)

func TestParsePeakWindows(t *testing.T) {
	good := `{"windows":[{"name":"月初汇缴高峰","items":["DW-07"],"day_from":1,"day_to":5,"hours":"00:00-24:00",
		"capacity":{"unit":{"fund":{"rate_per_s":400,"burst":800}}}},
		{"name":"七月","months":[7,2],"day_from":28,"day_to":31,"hours":"08:00-12:00,13:00-18:00","capacity":{"counter":{"apply":{"rate_per_s":0.5,"burst":3}}}}]}`
	p, err := catalog.ParsePeakWindows(good)
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Windows[0]; w.Hours != "" || w.Capacity["unit"][catalog.ClassFund].Burst != 800 {
		t.Errorf("window 0 = %+v", w)
	}
	if w := p.Windows[1]; w.Months[0] != 2 || w.Hours != "08:00-12:00,13:00-18:00" {
		t.Errorf("window 1 = %+v", w)
	}
	again, err := catalog.ParsePeakWindows(p.JSON())
	if err != nil || again.JSON() != p.JSON() {
		t.Errorf("canonical text does not round-trip: %v", err)
	}
	if _, err := catalog.ParsePeakWindows(catalog.DefaultPeakWindowsJSON()); err != nil {
		t.Errorf("default: %v", err)
	}

	sh := func(m time.Month, d, hh int) time.Time { return time.Date(2026, m, d, hh, 0, 0, 0, date.Shanghai) }
	contains := []struct {
		at   time.Time
		want bool
	}{
		{sh(2, 28, 10), true}, // day_to 31 means the last day of February
		{sh(2, 27, 10), false},
		{sh(7, 30, 12), false}, // lunch break
		{sh(7, 31, 17), true},
		{sh(3, 30, 10), false}, // March is not listed
	}
	for _, c := range contains {
		if got := p.Windows[1].Contains(c.at); got != c.want {
			t.Errorf("七月.Contains(%s) = %v, want %v", c.at, got, c.want)
		}
	}

	bad := []struct{ doc, mention string }{
		{`{}`, "windows"},
		{`{"windows":[{"name":"","day_from":1,"day_to":5,"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "名称"},
		{`{"windows":[{"name":"a","capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "months"},
		{`{"windows":[{"name":"a","day_from":1,"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "day_to"},
		{`{"windows":[{"name":"a","day_from":6,"day_to":5,"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "day_from"},
		{`{"windows":[{"name":"a","months":[13],"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "月份"},
		{`{"windows":[{"name":"a","months":[7,7],"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "重复"},
		{`{"windows":[{"name":"a","months":[7],"items":["XX-01"],"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "XX-01"},
		{`{"windows":[{"name":"a","months":[7],"hours":"9-10","capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "办理时间"},
		{`{"windows":[{"name":"a","months":[7],"capacity":{}}]}`, "capacity"},
		{`{"windows":[{"name":"a","months":[7],"capacity":{"weibo":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "weibo"},
		{`{"windows":[{"name":"a","months":[7],"capacity":{"unit":{"vip":{"rate_per_s":1,"burst":1}}}}]}`, "vip"},
		{`{"windows":[{"name":"a","months":[7],"capacity":{"unit":{"fund":{"rate_per_s":0.0001,"burst":1}}}}]}`, "rate_per_s"},
		{`{"windows":[{"name":"a","months":[7],"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":0}}}}]}`, "burst"},
		{`{"windows":[{"name":"a","months":[7],"capacity":{"unit":{"fund":{"rate_per_s":1}}}}]}`, "burst"},
		{`{"windows":[{"name":"a","months":[7],"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}},{"name":"a","months":[8],"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "重复"},
		{`{"windows":[{"name":"a","months":[7],"extra":1,"capacity":{"unit":{"fund":{"rate_per_s":1,"burst":1}}}}]}`, "extra"},
	}
	for _, b := range bad {
		_, err := catalog.ParsePeakWindows(b.doc)
		if err == nil || !strings.Contains(err.Error(), b.mention) || !isChinese(err.Error()) {
			t.Errorf("%.70s: err %v, want a Chinese message mentioning %q", b.doc, err, b.mention)
		}
	}
}
