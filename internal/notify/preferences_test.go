package notify_test

import (
	"testing"
	"time"

	"gjj/internal/notify"
)

func TestQuietHours(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(h int) time.Time { return time.Date(2026, 11, 21, h, 30, 0, 0, cst) }
	for _, tc := range []struct {
		q    notify.QuietHours
		hour int
		want bool
	}{
		{notify.DefaultQuiet, 21, false},
		{notify.DefaultQuiet, 22, true},
		{notify.DefaultQuiet, 3, true},
		{notify.DefaultQuiet, 8, false},
		{notify.QuietHours{Start: 12, End: 14}, 13, true},
		{notify.QuietHours{Start: 12, End: 14}, 14, false},
		{notify.QuietHours{Start: 5, End: 5}, 5, false},
	} {
		if got := tc.q.In(at(tc.hour).UTC()); got != tc.want {
			t.Errorf("%+v.In(%02d:30) = %v, want %v", tc.q, tc.hour, got, tc.want)
		}
	}
}
