package channel_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gjj/internal/channel"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// peakDoc: 汇缴 days 1–5 (unit fund burst 5), July 08:00–20:00 for 基数调整
// (unit apply burst 4) and a second July window for days 1–5 that also sets
// unit fund (burst 9) but is listed after the 汇缴 one.
const peakDoc = `{"windows":[
 {"name":"月初汇缴高峰","items":["DW-07"],"day_from":1,"day_to":5,"capacity":{"unit":{"fund":{"rate_per_s":0.001,"burst":5}}}},
 {"name":"七月基数调整","items":["DW-09"],"months":[7],"hours":"08:00-20:00","capacity":{"unit":{"apply":{"rate_per_s":0.001,"burst":4}}}},
 {"name":"七月初资金类","months":[7],"day_from":1,"day_to":5,"capacity":{"unit":{"fund":{"rate_per_s":0.001,"burst":9}}}}]}`

// peakCapacity is the default capacity with unit fund and apply at burst 2,
// refilling once per 1000 s.
func peakCapacity(t *testing.T) string {
	t.Helper()
	c := catalog.DefaultCapacity()
	c["unit"][catalog.ClassFund] = catalog.Rate{PerSecond: 0.001, Burst: 2}
	c["unit"][catalog.ClassApply] = catalog.Rate{PerSecond: 0.001, Burst: 2}
	return c.JSON()
}

func TestPeakWindowCapacity(t *testing.T) {
	cases := []struct {
		name   string
		at     time.Time
		item   string
		want   int    // admitted of 12
		window string // Gate.Capacity's window name
	}{
		{"汇缴 window, day 3", time.Date(2026, 3, 3, 10, 0, 0, 0, date.Shanghai), "DW-07", 5, "月初汇缴高峰"},
		{"汇缴 window, first minute of day 1", time.Date(2026, 4, 1, 0, 0, 0, 0, date.Shanghai), "DW-07", 5, "月初汇缴高峰"},
		{"after 汇缴 window, day 6", time.Date(2026, 3, 6, 10, 0, 0, 0, date.Shanghai), "DW-07", 2, ""},
		{"last minute of day 5 in UTC is day 6 in Shanghai", time.Date(2026, 3, 5, 16, 30, 0, 0, time.UTC), "DW-07", 2, ""},
		{"July, within hours", time.Date(2026, 7, 15, 10, 0, 0, 0, date.Shanghai), "DW-09", 4, "七月基数调整"},
		{"July, after hours", time.Date(2026, 7, 15, 20, 0, 0, 0, date.Shanghai), "DW-09", 2, ""},
		{"June, not July", time.Date(2026, 6, 15, 10, 0, 0, 0, date.Shanghai), "DW-09", 2, ""},
		{"July 3: the first listed window decides", time.Date(2026, 7, 3, 10, 0, 0, 0, date.Shanghai), "DW-07", 5, "月初汇缴高峰"},
		{"July 10: the July fund window", time.Date(2026, 7, 10, 10, 0, 0, 0, date.Shanghai), "DW-07", 2, ""},
		{"every item of the class (DW-08 补缴)", time.Date(2026, 3, 3, 10, 0, 0, 0, date.Shanghai), "DW-08", 5, "月初汇缴高峰"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.set(t, policy.ChannelCapacity, peakCapacity(t))
		e.set(t, policy.ChannelPeakWindows, peakDoc)
		for _, mode := range []string{"in-process", "redis"} {
			for _, tc := range cases {
				t.Run(mode+"/"+tc.name, func(t *testing.T) {
					var rc *redis.Client
					var prefix string
					if mode == "redis" {
						rc, prefix = redisFor(t)
					}
					e.clock.mu.Lock()
					e.clock.t = tc.at
					e.clock.mu.Unlock()
					g := e.gate(t, rc, prefix)
					ctx := context.Background()
					it, _ := catalog.ItemByCode(tc.item)
					r, window := g.Capacity(ctx, "unit", it.Class, tc.at)
					if window != tc.window || r.Burst != tc.want {
						t.Errorf("Capacity = %+v from %q, want burst %d from %q", r, window, tc.want, tc.window)
					}
					admitted := 0
					for range 12 {
						tk, err := g.Admit(ctx, "unit", tc.item)
						if err != nil {
							if errs.CodeOf(err) != "channel.busy" {
								t.Fatalf("Admit: %v", err)
							}
							continue
						}
						tk.Done(nil)
						admitted++
					}
					if admitted != tc.want {
						t.Errorf("admitted %d of 12, want %d", admitted, tc.want)
					}
				})
			}
		}
	})
}

func TestPeakWindowsFollowThePolicy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		g := e.gate(t, nil, "")
		ctx := context.Background()
		if n := len(g.PeakWindows(ctx).Windows); n != 0 {
			t.Fatalf("shipped default has %d windows, want none", n)
		}
		e.set(t, policy.ChannelPeakWindows, peakDoc, g)
		p := g.PeakWindows(ctx)
		if len(p.Windows) != 3 || p.Windows[0].Name != "月初汇缴高峰" || p.Windows[1].Hours != "08:00-20:00" {
			t.Fatalf("windows after the change: %+v", p.Windows)
		}
		var nilGate *channel.Gate
		if n := len(nilGate.PeakWindows(ctx).Windows); n != 0 {
			t.Errorf("nil gate has %d windows", n)
		}
	})
}
