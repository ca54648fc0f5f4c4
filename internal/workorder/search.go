package workorder

import (
	"context"
	"fmt"
	"strconv"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/errs"
)

// Limits of a Search page.
const (
	DefaultPage = 20
	MaxPage     = 100
)

// ErrBadFilter answers a Search with an unknown status, kind or channel or a
// bad page.
var ErrBadFilter = errs.New(errs.Invalid, "workorder.bad_filter", "筛选条件不正确：请从列表中选择状态、类型和渠道")

// Filter selects work orders for Search; empty fields match all.
type Filter struct {
	Status, Kind, Channel string
	// Assignee matches exactly (a staff username or agent id).
	Assignee string
	// Limit is the page size (0: DefaultPage, at most MaxPage); Offset
	// skips that many of the newest.
	Limit, Offset int
}

// KindName is the Chinese name of a kind.
func KindName(k string) string {
	return map[string]string{Consultation: "咨询", Complaint: "投诉", Suggestion: "建议", Callback: "回访"}[k]
}

// StatusName is the Chinese name of a status.
func StatusName(s string) string {
	return map[string]string{StatusOpen: "待分派", StatusAssigned: "办理中", StatusReplied: "已答复", StatusClosed: "已办结"}[s]
}

// SatisfactionName is the Chinese name of a satisfaction ("未评价" for none).
func SatisfactionName(s string) string {
	if s == "" {
		return "未评价"
	}
	return map[string]string{Satisfied: "满意", Basic: "基本满意", Unsatisfied: "不满意"}[s]
}

// Search returns one page of work orders, newest first, and how many match in
// all: the admin console's list. Staff who may read work orders call it.
// Errors: ErrBadFilter.
func (s *Service) Search(ctx context.Context, f Filter) ([]Order, int, error) {
	if f.Limit == 0 {
		f.Limit = DefaultPage
	}
	if f.Limit < 0 || f.Limit > MaxPage || f.Offset < 0 ||
		(f.Status != "" && StatusName(f.Status) == "") || (f.Kind != "" && KindName(f.Kind) == "") {
		return nil, 0, ErrBadFilter
	}
	if _, ok := catalog.ChannelByCode(f.Channel); f.Channel != "" && !ok {
		return nil, 0, ErrBadFilter
	}
	where, args := ` WHERE 1 = 1`, []any{}
	for _, c := range []struct{ col, v string }{{"status", f.Status}, {"kind", f.Kind}, {"channel", f.Channel}, {"assignee", f.Assignee}} {
		if c.v != "" {
			where, args = where+` AND `+c.col+` = ?`, append(args, c.v)
		}
	}
	var total int
	if err := s.d.GetContext(ctx, &total, `SELECT COUNT(*) FROM work_order`+where, args...); err != nil {
		return nil, 0, fmt.Errorf("workorder: count: %w", err)
	}
	out := []Order{}
	if err := s.d.SelectContext(ctx, &out, `SELECT `+cols+` FROM work_order`+where+` ORDER BY id DESC LIMIT `+
		strconv.Itoa(f.Limit)+` OFFSET `+strconv.Itoa(f.Offset), args...); err != nil {
		return nil, 0, fmt.Errorf("workorder: search: %w", err)
	}
	for i := range out {
		out[i].CreatedAt, out[i].UpdatedAt = out[i].CreatedAt.UTC(), out[i].UpdatedAt.UTC()
	}
	return out, total, nil
}
