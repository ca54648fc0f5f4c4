package notice_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/notice"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func open(t *testing.T, d *db.DB) (*notice.Service, *audit.Log, *clock) {
	a := audit.New(d)
	s := notice.New(d, a)
	clk := &clock{t: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	s.SetClock(clk.now)
	return s, a, clk
}

func titles(t *testing.T, s *notice.Service, channel string, limit int) string {
	t.Helper()
	list, err := s.List(context.Background(), channel, limit)
	if err != nil {
		t.Fatalf("List(%s): %v", channel, err)
	}
	var out []string
	for _, n := range list {
		out = append(out, n.Title)
	}
	return strings.Join(out, "|")
}

func TestPublishValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, clk := open(t, d)
		ctx := context.Background()
		early := clk.now().Add(-time.Second)
		ok := notice.Draft{Title: "标题", Body: "正文", Category: notice.CategoryPolicy}
		for _, tc := range []struct {
			name, code, field string
			change            func(d *notice.Draft)
		}{
			{"no title", "notice.bad_title", "title", func(d *notice.Draft) { d.Title = "  " }},
			{"long title", "notice.bad_title", "title", func(d *notice.Draft) { d.Title = strings.Repeat("长", notice.MaxTitle+1) }},
			{"no body", "notice.bad_body", "body", func(d *notice.Draft) { d.Body = "" }},
			{"long body", "notice.bad_body", "body", func(d *notice.Draft) { d.Body = strings.Repeat("字", notice.MaxBody+1) }},
			{"bad utf-8", "notice.bad_body", "body", func(d *notice.Draft) { d.Body = "\xff" }},
			{"category", "notice.bad_category", "category", func(d *notice.Draft) { d.Category = "news" }},
			{"channel", "notice.bad_channel", "channels", func(d *notice.Draft) { d.Channels = []string{"app", "%"} }},
			{"expiry", "notice.bad_expiry", "expires_at", func(d *notice.Draft) { d.ExpiresAt = &early }},
		} {
			dr := ok
			tc.change(&dr)
			_, err := s.Publish(ctx, dr)
			e := errs.E(err)
			if e.Code != tc.code || e.Kind != errs.Invalid || e.Details["field"] != tc.field {
				t.Errorf("%s: %v (%v)", tc.name, err, e.Details)
			}
		}
		var n int
		if err := d.GetContext(ctx, &n, `SELECT COUNT(*) FROM notice`); err != nil || n != 0 {
			t.Errorf("notices stored: %d, %v", n, err)
		}
	})
}

func TestPublishAndList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, a, clk := open(t, d)
		ctx := context.Background()
		t0 := clk.now()
		end := t0.Add(2 * time.Hour)
		publish := func(dr notice.Draft) *notice.Notice {
			t.Helper()
			n, err := s.Publish(ctx, dr)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		all := publish(notice.Draft{Title: "全渠道", Body: "正文", Category: notice.CategoryNotice, PublishAt: t0.Add(-time.Hour)})
		if len(all.Channels) != 0 || !all.PublishedAt.Equal(t0.Add(-time.Hour)) || all.ExpiresAt != nil || all.ID == 0 {
			t.Errorf("published %+v", all)
		}
		es, err := a.List(ctx, audit.Filter{Limit: 1})
		if err != nil || len(es) != 1 || es[0].Action != "notice.publish" || !strings.Contains(es[0].After, "全渠道") {
			t.Errorf("audit %+v, %v", es, err)
		}
		publish(notice.Draft{Title: "APP", Body: "正文", Category: notice.CategoryGuide, Channels: []string{"app", "app", "wechat"}, ExpiresAt: &end})
		publish(notice.Draft{Title: "网厅", Body: "正文", Category: notice.CategoryPolicy, Channels: []string{"web"}, PublishAt: t0.Add(-time.Minute)})
		publish(notice.Draft{Title: "明天", Body: "正文", Category: notice.CategoryPolicy, PublishAt: t0.Add(24 * time.Hour)})

		if got := titles(t, s, "app", 0); got != "APP|全渠道" {
			t.Errorf("app: %q", got)
		}
		if got := titles(t, s, "web", 0); got != "网厅|全渠道" {
			t.Errorf("web: %q", got)
		}
		if got := titles(t, s, "kiosk", 1); got != "全渠道" {
			t.Errorf("kiosk: %q", got)
		}
		list, err := s.List(ctx, "wechat", 0)
		if err != nil || len(list) != 2 || strings.Join(list[0].Channels, ",") != "app,wechat" || list[0].ExpiresAt == nil || !list[0].ExpiresAt.Equal(end) {
			t.Errorf("wechat: %+v, %v", list, err)
		}
		// Expiry and schedule follow the clock.
		clk.set(end)
		if got := titles(t, s, "app", 0); got != "全渠道" {
			t.Errorf("after expiry: %q", got)
		}
		clk.set(t0.Add(25 * time.Hour))
		if got := titles(t, s, "app", 0); got != "明天|全渠道" {
			t.Errorf("next day: %q", got)
		}
		for _, tc := range []struct {
			channel string
			limit   int
			code    string
		}{{"fax", 0, "notice.bad_channel"}, {"", 0, "notice.bad_channel"}, {"app", -1, "notice.bad_limit"}, {"app", notice.MaxLimit + 1, "notice.bad_limit"}} {
			if _, err := s.List(ctx, tc.channel, tc.limit); errs.CodeOf(err) != tc.code {
				t.Errorf("List(%q, %d): %v, want %s", tc.channel, tc.limit, err, tc.code)
			}
		}
		if rep, err := a.Verify(ctx, d); err != nil || !rep.OK() {
			t.Errorf("audit verify: %+v, %v", rep, err)
		}
	})
}

func TestSeedDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, _ := open(t, d)
		ctx := context.Background()
		if n, err := s.SeedDemo(ctx); err != nil || n != len(notice.DemoNotices) {
			t.Fatalf("first seed: %d, %v", n, err)
		}
		if n, err := s.SeedDemo(ctx); err != nil || n != 0 {
			t.Fatalf("second seed: %d, %v", n, err)
		}
		list, err := s.List(ctx, "app", 0)
		if err != nil || len(list) != len(notice.DemoNotices) || list[0].Title != notice.DemoNotices[len(notice.DemoNotices)-1].Title {
			t.Errorf("demo notices on the app: %+v, %v", list, err)
		}
		for _, n := range list {
			if notice.CategoryName(n.Category) == "" {
				t.Errorf("%s: category %q has no name", n.Title, n.Category)
			}
		}
	})
}
