package bizdate_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"gjj/internal/audit"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

var staff = reqctx.WithActor(context.Background(), reqctx.Actor{ID: "staff:ops", Channel: "counter"})

func setup(t *testing.T, d *db.DB) (*bizdate.Service, *audit.Log) {
	a := audit.New(d)
	return bizdate.New(d, a), a
}

// trail returns the business_date audit entries, oldest first, as
// "action result before→after" strings.
func trail(t *testing.T, a *audit.Log) []string {
	t.Helper()
	es, err := a.List(context.Background(), audit.Filter{Object: bizdate.Object})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e.Action + " " + e.Result + " " + e.Before + "→" + e.After
	}
	return out
}

func today(t *testing.T, s *bizdate.Service) string {
	t.Helper()
	d, err := s.Today(context.Background())
	if err != nil {
		t.Fatalf("Today: %v", err)
	}
	return d.String()
}

func verifyClean(t *testing.T, a *audit.Log, d *db.DB) {
	t.Helper()
	rep, err := a.Verify(context.Background(), d)
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify: %v %+v", err, rep)
	}
}

func TestUnset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, a := setup(t, d)
		if _, err := s.Today(ctx); !errors.Is(err, bizdate.ErrUnset) || errs.KindOf(err) != errs.Unavailable || errs.CodeOf(err) != "bizdate.unset" {
			t.Fatalf("Today on a fresh store = %v, want unavailable bizdate.unset", err)
		}
		if _, err := s.Set(staff, date.MustParse("2026-07-01"), false); !errors.Is(err, bizdate.ErrUnset) {
			t.Fatalf("Set on a fresh store = %v, want bizdate.unset", err)
		}
		if _, err := s.Advance(staff, 1); !errors.Is(err, bizdate.ErrUnset) {
			t.Fatalf("Advance on a fresh store = %v, want bizdate.unset", err)
		}
		if got := trail(t, a); len(got) != 0 {
			t.Fatalf("audit trail = %v, want empty", got)
		}
	})
}

func TestEnsure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, a := setup(t, d)
		if err := s.Ensure(staff, date.MustParse("2026-07-01")); err != nil {
			t.Fatalf("first Ensure: %v", err)
		}
		if err := s.Ensure(staff, date.MustParse("2030-01-01")); err != nil {
			t.Fatalf("second Ensure: %v", err)
		}
		if today(t, s) != "2026-07-01" {
			t.Fatal("Ensure replaced an existing date")
		}
		want := []string{`bizdate.init ok →{"biz_date":"2026-07-01"}`}
		if got := trail(t, a); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("trail = %v, want %v", got, want)
		}
		var by string
		if err := d.GetContext(staff, &by, "SELECT updated_by FROM business_date WHERE id = 1"); err != nil || by != "staff:ops" {
			t.Fatalf("updated_by = %q, %v", by, err)
		}
		if err := s.Ensure(staff, date.Date{}); !errors.Is(err, bizdate.ErrInvalid) {
			t.Fatalf("Ensure(zero) = %v, want bizdate.invalid", err)
		}
		verifyClean(t, a, d)
	})
}

func TestEnsureRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, a := setup(t, d)
		const n = 12
		errc := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// A service of its own on the same store stands for another instance.
				s := bizdate.New(d, audit.New(d))
				errc[i] = s.Ensure(staff, date.MustParse("2026-07-01").AddDays(i))
			})
		}
		wg.Wait()
		for i := range n {
			if errc[i] != nil {
				t.Fatalf("Ensure %d: %v", i, errc[i])
			}
		}
		tr := trail(t, a)
		if len(tr) != 1 {
			t.Fatalf("trail = %v, want one init", tr)
		}
		// The date in force is the one the winning init recorded.
		if want := `bizdate.init ok →{"biz_date":"` + today(t, s) + `"}`; tr[0] != want {
			t.Fatalf("trail = %v, want %s", tr, want)
		}
		verifyClean(t, a, d)
	})
}

func TestSet(t *testing.T) {
	tests := []struct {
		name      string
		to        string
		backwards bool
		wantErr   *errs.Error // nil = accepted
		wantDate  string
		wantTrail string // last audit entry ("" = none added)
	}{
		{"forward", "2026-07-15", false, nil, "2026-07-15", `bizdate.set ok {"biz_date":"2026-07-01"}→{"biz_date":"2026-07-15"}`},
		{"same date is a no-op", "2026-07-01", false, nil, "2026-07-01", ""},
		{"backwards refused", "2026-06-30", false, bizdate.ErrBackwards, "2026-07-01", `bizdate.set refused {"biz_date":"2026-07-01"}→{"biz_date":"2026-06-30"}`},
		{"backwards allowed", "2026-06-30", true, nil, "2026-06-30", `bizdate.set ok {"biz_date":"2026-07-01"}→{"biz_date":"2026-06-30"}`},
		{"zero date", "", false, bizdate.ErrInvalid, "2026-07-01", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				s, a := setup(t, d)
				if err := s.Ensure(staff, date.MustParse("2026-07-01")); err != nil {
					t.Fatal(err)
				}
				var to date.Date
				if tc.to != "" {
					to = date.MustParse(tc.to)
				}
				old, err := s.Set(staff, to, tc.backwards)
				if tc.wantErr == nil {
					if err != nil {
						t.Fatalf("Set: %v", err)
					}
					if old.String() != "2026-07-01" {
						t.Fatalf("old = %s, want 2026-07-01", old)
					}
				} else if !errors.Is(err, tc.wantErr) || errs.KindOf(err) != tc.wantErr.Kind {
					t.Fatalf("Set error = %v, want %v", err, tc.wantErr)
				}
				if got := today(t, s); got != tc.wantDate {
					t.Fatalf("Today = %s, want %s", got, tc.wantDate)
				}
				tr := trail(t, a)
				if tc.wantTrail == "" {
					if len(tr) != 1 {
						t.Fatalf("trail = %v, want only the init", tr)
					}
				} else if len(tr) != 2 || tr[1] != tc.wantTrail {
					t.Fatalf("trail = %v, want init then %s", tr, tc.wantTrail)
				}
				verifyClean(t, a, d)
			})
		})
	}
}

func TestAdvance(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		days    int
		want    string
		wantErr *errs.Error
	}{
		{"one day", "2026-06-30", 1, "2026-07-01", nil},
		{"leap day", "2028-02-28", 1, "2028-02-29", nil},
		{"year end", "2026-12-31", 1, "2027-01-01", nil},
		{"max", "2026-01-01", 366, "2027-01-02", nil},
		{"zero", "2026-06-30", 0, "2026-06-30", bizdate.ErrDays},
		{"negative", "2026-06-30", -1, "2026-06-30", bizdate.ErrDays},
		{"too many", "2026-06-30", 367, "2026-06-30", bizdate.ErrDays},
		{"past 9999", "9999-12-31", 1, "9999-12-31", bizdate.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				s, a := setup(t, d)
				if err := s.Ensure(staff, date.MustParse(tc.from)); err != nil {
					t.Fatal(err)
				}
				got, err := s.Advance(staff, tc.days)
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) || errs.KindOf(err) != errs.Invalid {
						t.Fatalf("Advance error = %v, want %v", err, tc.wantErr)
					}
				} else if err != nil || got.String() != tc.want {
					t.Fatalf("Advance = %v, %v; want %s", got, err, tc.want)
				}
				if today(t, s) != tc.want {
					t.Fatalf("Today = %s, want %s", today(t, s), tc.want)
				}
				tr := trail(t, a)
				if tc.wantErr == nil {
					want := `bizdate.advance ok {"biz_date":"` + tc.from + `"}→{"biz_date":"` + tc.want + `"}`
					if len(tr) != 2 || tr[1] != want {
						t.Fatalf("trail = %v, want init then %s", tr, want)
					}
				} else if len(tr) != 1 {
					t.Fatalf("trail = %v, want only the init", tr)
				}
				verifyClean(t, a, d)
			})
		})
	}
}

func TestConcurrentAdvance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, a := setup(t, d)
		if err := s.Ensure(staff, date.MustParse("2026-07-01")); err != nil {
			t.Fatal(err)
		}
		const n = 20
		errc := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := s.Advance(staff, 1)
				errc <- err
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := today(t, s); got != "2026-07-21" {
			t.Fatalf("after %d concurrent advances Today = %s, want 2026-07-21", n, got)
		}
		if tr := trail(t, a); len(tr) != n+1 {
			t.Fatalf("trail has %d entries, want %d", len(tr), n+1)
		}
		verifyClean(t, a, d)
	})
}

func TestChangeRollsBackWithItsAudit(t *testing.T) {
	// An actor id too long for the audit table makes Append fail: the date
	// change in the same transaction must not survive.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, a := setup(t, d)
		if err := s.Ensure(staff, date.MustParse("2026-07-01")); err != nil {
			t.Fatal(err)
		}
		bad := reqctx.WithActor(context.Background(), reqctx.Actor{ID: strings.Repeat("x", 65), Channel: "counter"})
		if _, err := s.Advance(bad, 1); errs.CodeOf(err) != "audit.field_too_long" {
			t.Fatalf("Advance = %v, want audit.field_too_long", err)
		}
		if _, err := s.Set(bad, date.MustParse("2026-08-01"), false); errs.CodeOf(err) != "audit.field_too_long" {
			t.Fatalf("Set = %v, want audit.field_too_long", err)
		}
		if got := today(t, s); got != "2026-07-01" {
			t.Fatalf("Today = %s after failed audits, want 2026-07-01", got)
		}
		if tr := trail(t, a); len(tr) != 1 {
			t.Fatalf("trail = %v, want only the init", tr)
		}
		verifyClean(t, a, d)
	})
}

func TestTodayTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := setup(t, d)
		if err := s.Ensure(staff, date.MustParse("2026-07-01")); err != nil {
			t.Fatal(err)
		}
		err := d.InTx(staff, func(tx *db.Tx) error {
			got, err := s.TodayTx(staff, tx)
			if err != nil {
				return err
			}
			if got.String() != "2026-07-01" {
				t.Errorf("TodayTx = %s", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
