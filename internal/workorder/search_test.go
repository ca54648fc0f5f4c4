package workorder_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/reqctx"
	"gjj/internal/workorder"
)

// TestSearch: the console's list filters by status, kind, channel and
// assignee, pages newest first with the total, and refuses unknown filters.
func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "hotline:agent1", Channel: "hotline"})
		s := workorder.NewService(d, audit.New(d))
		kinds := []string{workorder.Consultation, workorder.Complaint, workorder.Suggestion}
		channels := []string{"hotline", "wechat"}
		var ids []int64
		for i := range 7 {
			o, err := s.Create(ctx, workorder.New{Kind: kinds[i%3], Channel: channels[i%2], Subject: fmt.Sprintf("工单 %d", i), Body: "内容"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		if _, err := s.Assign(ctx, ids[0], "reviewer"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Reply(ctx, ids[1], "已答复"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			f     workorder.Filter
			total int
			want  []int64
		}{
			{"all, page 1", workorder.Filter{Limit: 3}, 7, []int64{ids[6], ids[5], ids[4]}},
			{"all, page 3", workorder.Filter{Limit: 3, Offset: 6}, 7, []int64{ids[0]}},
			{"complaints", workorder.Filter{Kind: workorder.Complaint}, 2, []int64{ids[4], ids[1]}},
			{"wechat", workorder.Filter{Channel: "wechat"}, 3, []int64{ids[5], ids[3], ids[1]}},
			{"assigned", workorder.Filter{Status: workorder.StatusAssigned}, 1, []int64{ids[0]}},
			{"replied wechat", workorder.Filter{Status: workorder.StatusReplied, Channel: "wechat"}, 1, []int64{ids[1]}},
			{"assignee", workorder.Filter{Assignee: "reviewer"}, 1, []int64{ids[0]}},
			{"none", workorder.Filter{Status: workorder.StatusClosed}, 0, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rows, total, err := s.Search(ctx, tc.f)
				if err != nil || total != tc.total || len(rows) != len(tc.want) {
					t.Fatalf("%d rows of %d, %v", len(rows), total, err)
				}
				for i, o := range rows {
					if o.ID != tc.want[i] {
						t.Errorf("row %d = %d, want %d", i, o.ID, tc.want[i])
					}
				}
			})
		}
		for _, f := range []workorder.Filter{{Status: "done"}, {Kind: "praise"}, {Channel: "fax"}, {Limit: 101}, {Offset: -1}} {
			if _, _, err := s.Search(ctx, f); !errors.Is(err, workorder.ErrBadFilter) {
				t.Errorf("%+v: %v", f, err)
			}
		}
	})
}
