// Package workorder keeps the work orders (工单) of the interactive services:
// consultations, complaints, suggestions and callbacks, taken by the 12329
// hotline's agents (channels/hotline12329) and handled in the admin console.
// A work order goes open → assigned → replied → closed; the caller's
// post-call satisfaction (满意 / 基本满意 / 不满意) is recorded on it. Every
// change is audited (object "workorder:<id>").
package workorder

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// Kinds of work order (domain.md §4.5 HD-01…02, §6).
const (
	Consultation = "consultation" // 咨询
	Complaint    = "complaint"    // 投诉
	Suggestion   = "suggestion"   // 建议
	Callback     = "callback"     // 回访 / 预约回电
)

// Statuses.
const (
	StatusOpen     = "open"
	StatusAssigned = "assigned"
	StatusReplied  = "replied"
	StatusClosed   = "closed"
)

// Satisfaction values ("" is 未评价).
const (
	Satisfied   = "satisfied"   // 满意
	Basic       = "basic"       // 基本满意
	Unsatisfied = "unsatisfied" // 不满意
)

// Errors (match with errors.Is).
var (
	ErrBadKind         = errs.New(errs.Invalid, "workorder.bad_kind", "工单类型应为咨询、投诉、建议或回访")
	ErrBadText         = errs.New(errs.Invalid, "workorder.bad_text", "工单标题（1–100 字）和内容（1–2000 字）不能为空或过长")
	ErrBadSatisfaction = errs.New(errs.Invalid, "workorder.bad_satisfaction", "满意度应为满意、基本满意或不满意")
	ErrNotFound        = errs.New(errs.NotFound, "workorder.not_found", "未找到该工单")
	ErrBadTransition   = errs.New(errs.Conflict, "workorder.bad_transition", "工单当前状态不允许此操作")
	ErrBadAssignee     = errs.New(errs.Invalid, "workorder.bad_assignee", "请填写承办人（最多 64 个字符）")
)

// Order is a work order.
type Order struct {
	ID           int64      `db:"id" json:"id"`
	Kind         string     `db:"kind" json:"kind"`
	Channel      string     `db:"channel" json:"channel"`
	PersonID     *int64     `db:"person_id" json:"-"`
	Phone        string     `db:"phone" json:"phone"`
	Subject      string     `db:"subject" json:"subject"`
	Body         string     `db:"body" json:"body"`
	Status       string     `db:"status" json:"status"`
	Assignee     string     `db:"assignee" json:"assignee"`
	Reply        string     `db:"reply" json:"reply"`
	Satisfaction string     `db:"satisfaction" json:"satisfaction"`
	CallbackAt   *time.Time `db:"callback_at" json:"callback_at,omitempty"`
	CreatedBy    string     `db:"created_by" json:"created_by"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time  `db:"updated_at" json:"updated_at"`
	ClosedAt     *time.Time `db:"closed_at" json:"closed_at,omitempty"`
}

// New is a work order to create. PersonID 0 is an unidentified caller.
type New struct {
	Kind, Channel, Phone, Subject, Body string
	PersonID                            int64
	CallbackAt                          *time.Time // callbacks: when to call back
}

// Service stores work orders. Safe for concurrent use.
type Service struct {
	d     *db.DB
	audit *audit.Log
}

// NewService returns the work-order service over d, auditing to a.
func NewService(d *db.DB, a *audit.Log) *Service { return &Service{d: d, audit: a} }

const cols = `id, kind, channel, person_id, phone, subject, body, status, assignee, reply, satisfaction, callback_at,
	created_by, created_at, updated_at, closed_at`

func textOK(s string, max int) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	return n >= 1 && n <= max && utf8.ValidString(s)
}

// Create records a new open work order; the creator is the actor in ctx.
// Any channel adapter or staff API may call it. Errors: ErrBadKind,
// ErrBadText; store errors.
func (s *Service) Create(ctx context.Context, n New) (*Order, error) {
	switch n.Kind {
	case Consultation, Complaint, Suggestion, Callback:
	default:
		return nil, ErrBadKind
	}
	if !textOK(n.Subject, 100) || !textOK(n.Body, 2000) || len(n.Phone) > 20 || len(n.Channel) > 16 {
		return nil, ErrBadText
	}
	actor := reqctx.ActorOf(ctx)
	now := db.Now()
	var pid *int64
	if n.PersonID > 0 {
		pid = &n.PersonID
	}
	var cb *time.Time
	if n.CallbackAt != nil {
		t := n.CallbackAt.UTC().Truncate(time.Microsecond)
		cb = &t
	}
	var id int64
	err := s.d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO work_order (kind, channel, person_id, phone, subject, body, status, reply,
			callback_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)`,
			n.Kind, n.Channel, pid, n.Phone, strings.TrimSpace(n.Subject), strings.TrimSpace(n.Body), StatusOpen, cb, actor.ID, now, now)
		if err != nil {
			return fmt.Errorf("workorder: create: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "workorder.create", Object: object(id),
			After: audit.Summary(map[string]string{"kind": n.Kind, "channel": n.Channel})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func object(id int64) string { return fmt.Sprintf("workorder:%d", id) }

// Get returns a work order. Errors: ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (*Order, error) {
	return get(ctx, s.d, id, "")
}

func get(ctx context.Context, q db.Querier, id int64, lock string) (*Order, error) {
	var o Order
	err := q.GetContext(ctx, &o, `SELECT `+cols+` FROM work_order WHERE id = ?`+lock, id)
	if db.NoRows(err) {
		return nil, ErrNotFound.With("id", fmt.Sprint(id))
	}
	if err != nil {
		return nil, fmt.Errorf("workorder: read %d: %w", id, err)
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

// List returns the newest work orders, optionally of one status ("" = all),
// at most limit (1–200; other values mean 50).
func (s *Service) List(ctx context.Context, status string, limit int) ([]Order, error) {
	if limit < 1 || limit > 200 {
		limit = 50
	}
	out := []Order{}
	q, args := `SELECT `+cols+` FROM work_order`, []any{}
	if status != "" {
		q += ` WHERE status = ?`
		args = append(args, status)
	}
	if err := s.d.SelectContext(ctx, &out, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...); err != nil {
		return nil, fmt.Errorf("workorder: list: %w", err)
	}
	return out, nil
}

// change applies f to the locked order and audits action.
func (s *Service) change(ctx context.Context, id int64, action string, f func(o *Order) error) (*Order, error) {
	err := s.d.InTx(ctx, func(tx *db.Tx) error {
		o, err := get(ctx, tx, id, tx.Dialect.ForUpdate())
		if err != nil {
			return err
		}
		before := o.Status
		if err := f(o); err != nil {
			return err
		}
		now := db.Now()
		if o.Status == StatusClosed && o.ClosedAt == nil {
			o.ClosedAt = &now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE work_order SET status = ?, assignee = ?, reply = ?, satisfaction = ?,
			updated_at = ?, closed_at = ? WHERE id = ?`, o.Status, o.Assignee, o.Reply, o.Satisfaction, now, o.ClosedAt, id); err != nil {
			return fmt.Errorf("workorder: update %d: %w", id, err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: action, Object: object(id),
			Before: audit.Summary(map[string]string{"status": before}),
			After:  audit.Summary(map[string]string{"status": o.Status, "assignee": o.Assignee, "satisfaction": o.Satisfaction})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Assign gives an open or assigned order to a handler (staff username or
// agent id). Errors: ErrBadAssignee, ErrNotFound, ErrBadTransition.
func (s *Service) Assign(ctx context.Context, id int64, assignee string) (*Order, error) {
	assignee = strings.TrimSpace(assignee)
	if assignee == "" || len(assignee) > 64 {
		return nil, ErrBadAssignee
	}
	return s.change(ctx, id, "workorder.assign", func(o *Order) error {
		if o.Status != StatusOpen && o.Status != StatusAssigned {
			return ErrBadTransition.With("status", o.Status)
		}
		o.Status, o.Assignee = StatusAssigned, assignee
		return nil
	})
}

// Reply records the answer to an open or assigned order (a reply to a
// replied order replaces it). Errors: ErrBadText, ErrNotFound, ErrBadTransition.
func (s *Service) Reply(ctx context.Context, id int64, reply string) (*Order, error) {
	if !textOK(reply, 2000) {
		return nil, ErrBadText
	}
	return s.change(ctx, id, "workorder.reply", func(o *Order) error {
		if o.Status == StatusClosed {
			return ErrBadTransition.With("status", o.Status)
		}
		o.Status, o.Reply = StatusReplied, strings.TrimSpace(reply)
		return nil
	})
}

// Close closes a replied order. Errors: ErrNotFound, ErrBadTransition.
func (s *Service) Close(ctx context.Context, id int64) (*Order, error) {
	return s.change(ctx, id, "workorder.close", func(o *Order) error {
		if o.Status != StatusReplied {
			return ErrBadTransition.With("status", o.Status)
		}
		o.Status = StatusClosed
		return nil
	})
}

// Rate records the caller's satisfaction with a replied or closed order,
// once. Errors: ErrBadSatisfaction, ErrNotFound, ErrBadTransition.
func (s *Service) Rate(ctx context.Context, id int64, satisfaction string) (*Order, error) {
	switch satisfaction {
	case Satisfied, Basic, Unsatisfied:
	default:
		return nil, ErrBadSatisfaction
	}
	return s.change(ctx, id, "workorder.rate", func(o *Order) error {
		if (o.Status != StatusReplied && o.Status != StatusClosed) || o.Satisfaction != "" {
			return ErrBadTransition.With("status", o.Status)
		}
		o.Satisfaction = satisfaction
		return nil
	})
}
