package workorder_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/reqctx"
	"gjj/internal/workorder"
)

func TestLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "staff:reviewer", Channel: "counter"})
		s := workorder.NewService(d, audit.New(d))
		cb := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
		o, err := s.Create(ctx, workorder.New{Kind: workorder.Callback, Channel: "hotline", Subject: "预约回电", Body: "请明天上午回电",
			PersonID: 7, CallbackAt: &cb})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != workorder.StatusOpen || o.CreatedBy != "staff:reviewer" || o.PersonID == nil || *o.PersonID != 7 ||
			o.CallbackAt == nil || !o.CallbackAt.Equal(cb) {
			t.Fatalf("created %+v", o)
		}
		steps := []struct {
			name string
			do   func() (*workorder.Order, error)
			want error
			st   string
		}{
			{"bad kind", func() (*workorder.Order, error) {
				return s.Create(ctx, workorder.New{Kind: "praise", Subject: "x", Body: "y"})
			}, workorder.ErrBadKind, ""},
			{"empty body", func() (*workorder.Order, error) {
				return s.Create(ctx, workorder.New{Kind: workorder.Suggestion, Subject: "x", Body: " "})
			}, workorder.ErrBadText, ""},
			{"rate before reply", func() (*workorder.Order, error) { return s.Rate(ctx, o.ID, workorder.Satisfied) }, workorder.ErrBadTransition, ""},
			{"close before reply", func() (*workorder.Order, error) { return s.Close(ctx, o.ID) }, workorder.ErrBadTransition, ""},
			{"assign nobody", func() (*workorder.Order, error) { return s.Assign(ctx, o.ID, " ") }, workorder.ErrBadAssignee, ""},
			{"assign", func() (*workorder.Order, error) { return s.Assign(ctx, o.ID, "A1001") }, nil, workorder.StatusAssigned},
			{"reply", func() (*workorder.Order, error) { return s.Reply(ctx, o.ID, "已回电说明") }, nil, workorder.StatusReplied},
			{"bad rating", func() (*workorder.Order, error) { return s.Rate(ctx, o.ID, "great") }, workorder.ErrBadSatisfaction, ""},
			{"rate", func() (*workorder.Order, error) { return s.Rate(ctx, o.ID, workorder.Unsatisfied) }, nil, workorder.StatusReplied},
			{"close", func() (*workorder.Order, error) { return s.Close(ctx, o.ID) }, nil, workorder.StatusClosed},
			{"reply after close", func() (*workorder.Order, error) { return s.Reply(ctx, o.ID, "再次答复") }, workorder.ErrBadTransition, ""},
			{"assign after close", func() (*workorder.Order, error) { return s.Assign(ctx, o.ID, "A1002") }, workorder.ErrBadTransition, ""},
			{"missing", func() (*workorder.Order, error) { return s.Close(ctx, 999) }, workorder.ErrNotFound, ""},
		}
		for _, st := range steps {
			got, err := st.do()
			if st.want != nil {
				if !errors.Is(err, st.want) {
					t.Errorf("%s: %v, want %v", st.name, err, st.want)
				}
				continue
			}
			if err != nil || got.Status != st.st {
				t.Fatalf("%s: %+v, %v; want %s", st.name, got, err, st.st)
			}
		}
		final, err := s.Get(ctx, o.ID)
		if err != nil || final.Satisfaction != workorder.Unsatisfied || final.ClosedAt == nil || final.Assignee != "A1001" {
			t.Errorf("final %+v, %v", final, err)
		}
		open, err := s.List(ctx, workorder.StatusOpen, 0)
		if err != nil || len(open) != 0 {
			t.Errorf("open orders %d, %v", len(open), err)
		}
		var n int
		if err := d.GetContext(ctx, &n, `SELECT COUNT(*) FROM audit_log WHERE object = 'workorder:1'`); err != nil || n != 5 {
			t.Errorf("audit rows %d, %v; want 5", n, err)
		}
	})
}
