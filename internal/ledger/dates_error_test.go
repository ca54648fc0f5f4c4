package ledger_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

// failingDates answers the business date with a fixed error.
type failingDates struct{ err error }

func (f failingDates) TodayTx(context.Context, db.Querier) (date.Date, error) {
	return date.Date{}, f.err
}

// TestBusinessDateErrors: only an unset business date is
// ledger.no_business_date; a store that went away while the date was read is
// store.unavailable (found by the MariaDB restart test in internal/faults).
func TestBusinessDateErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		book(t, d, 1)
		tests := []struct {
			name string
			err  error
			code string
		}{
			{"date never set", errs.New(errs.Unavailable, "bizdate.unset", "营业日期未设置"), "ledger.no_business_date"},
			{"connection lost", fmt.Errorf("bizdate: read: %w", driver.ErrBadConn), "store.unavailable"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				l := ledger.New(d, failingDates{tt.err})
				_, err := l.Post(context.Background(), deposit("S-DATE-1", "P1", 100))
				var ee *errs.Error
				if !errors.As(err, &ee) || ee.Code != tt.code || ee.Kind != errs.Unavailable {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
			})
		}
	})
}
