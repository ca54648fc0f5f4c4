package kiosk_test

import (
	"context"
	"testing"

	"gjj/internal/audit"
	"gjj/internal/kiosk"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/signing"
)

func TestRegisterAndKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := kiosk.New(d, audit.New(d))
		tests := []struct {
			name, id, branch string
			want             string // error code, "" for success
		}{
			{"ok", "K-01", "鼓楼网点", ""},
			{"duplicate", "K-01", "台江网点", "kiosk.exists"},
			{"bad id", "K!", "鼓楼网点", "kiosk.bad_id"},
			{"no branch", "K-02", "  ", "kiosk.bad_branch"},
		}
		for _, tc := range tests {
			key, err := r.Register(ctx, tc.id, tc.branch, "1 号机", "staff:maker")
			if errs.CodeOf(err) != tc.want || (tc.want == "" && err != nil) {
				t.Fatalf("%s: Register = %v, want %q", tc.name, err, tc.want)
			}
			if tc.want != "" {
				continue
			}
			got, err := r.Key(ctx, tc.id)
			if err != nil || string(got) != key {
				t.Fatalf("%s: Key = %q, %v; want the registered key", tc.name, got, err)
			}
		}
		if _, err := r.Key(ctx, "K-NONE"); err != signing.ErrInvalid {
			t.Errorf("Key of an unknown kiosk = %v, want signing.ErrInvalid", err)
		}
	})
}

func TestPrintLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := kiosk.New(d, audit.New(d))
		on := date.Of(2026, 11, 20)
		const limit = 2
		steps := []struct {
			name   string
			person int64
			on     date.Date
			want   string
		}{
			{"first", 1, on, ""},
			{"second", 1, on, ""},
			{"over the limit", 1, on, "kiosk.print_limit"},
			{"another person", 2, on, ""},
			{"next day", 1, on.AddDays(1), ""},
		}
		for _, s := range steps {
			err := r.RecordPrint(ctx, kiosk.Print{Kiosk: "K-01", PersonID: s.person, Kind: "statement", DocNo: "D", On: s.on}, limit)
			if errs.CodeOf(err) != s.want || (s.want == "" && err != nil) {
				t.Fatalf("%s: RecordPrint = %v, want %q", s.name, err, s.want)
			}
		}
		if n, err := r.Prints(ctx, 1, on); err != nil || n != limit {
			t.Errorf("Prints = %d, %v; want %d", n, err, limit)
		}
	})
}
