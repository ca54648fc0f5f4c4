package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Binding ties a channel-side identity (a WeChat openid under an app id, an
// app device id, a kiosk card) to a registered person. It is unique on
// (Channel, AppID, Subject): one openid belongs to one person; a person may
// bind several.
type Binding struct {
	Channel   string    `db:"channel" json:"channel"`
	AppID     string    `db:"app_id" json:"app_id"`
	Subject   string    `db:"subject" json:"-"` // the openid / device id (not shown)
	UnionID   string    `db:"union_id" json:"-"`
	PersonID  int64     `db:"person_id" json:"-"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

func (b Binding) check() error {
	if b.Channel == "" || b.AppID == "" || b.Subject == "" || len(b.Channel) > 16 || len(b.AppID) > 64 || len(b.Subject) > 128 || len(b.UnionID) > 128 {
		return errs.New(errs.Invalid, "identity.bad_binding", "渠道绑定信息不完整")
	}
	return nil
}

// Bind binds the channel identity to the registered person (ErrNotRegistered);
// binding it again to the same person is a no-op; an identity bound to
// someone else is ErrBindingTaken. Audited.
func (s *Service) Bind(ctx context.Context, b Binding, personID int64) error {
	b.Channel, b.AppID, b.Subject = strings.TrimSpace(b.Channel), strings.TrimSpace(b.AppID), strings.TrimSpace(b.Subject)
	if err := b.check(); err != nil {
		return err
	}
	if _, err := s.PersonPrincipal(ctx, personID); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var owner int64
		err := tx.GetContext(ctx, &owner, `SELECT person_id FROM channel_binding WHERE channel = ? AND app_id = ? AND subject = ?`+tx.Dialect.ForUpdate(),
			b.Channel, b.AppID, b.Subject)
		switch {
		case err == nil && owner == personID:
			return nil
		case err == nil:
			return ErrBindingTaken
		case !db.NoRows(err):
			return fmt.Errorf("read binding: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO channel_binding (channel, app_id, subject, person_id, union_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			b.Channel, b.AppID, b.Subject, personID, b.UnionID, db.Now()); err != nil {
			if db.IsDuplicate(err) {
				return ErrBindingTaken
			}
			return fmt.Errorf("bind: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "identity.bind", Object: personSubject(personID), Result: audit.ResultOK,
			After: audit.Summary(map[string]string{"channel": b.Channel, "app_id": b.AppID})})
		return err
	})
}

// BoundPrincipal returns the principal of the person a channel identity is
// bound to (ErrNotBound).
func (s *Service) BoundPrincipal(ctx context.Context, channel, appID, subject string) (*Principal, error) {
	var personID int64
	err := s.db.GetContext(ctx, &personID, `SELECT person_id FROM channel_binding WHERE channel = ? AND app_id = ? AND subject = ?`, channel, appID, subject)
	if db.NoRows(err) {
		return nil, ErrNotBound
	}
	if err != nil {
		return nil, fmt.Errorf("read binding: %w", err)
	}
	return s.PersonPrincipal(ctx, personID)
}

// Bindings lists the person's channel bindings, newest first.
func (s *Service) Bindings(ctx context.Context, personID int64) ([]Binding, error) {
	var out []Binding
	if err := s.db.SelectContext(ctx, &out, `SELECT channel, app_id, subject, union_id, person_id, created_at FROM channel_binding
		WHERE person_id = ? ORDER BY created_at DESC, id DESC`, personID); err != nil {
		return nil, fmt.Errorf("list bindings: %w", err)
	}
	return out, nil
}

// Unbind removes one of the person's bindings (ErrNotBound when not theirs).
// Audited.
func (s *Service) Unbind(ctx context.Context, personID int64, channel, appID, subject string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecCount(ctx, `DELETE FROM channel_binding WHERE person_id = ? AND channel = ? AND app_id = ? AND subject = ?`, personID, channel, appID, subject)
		if err != nil {
			return fmt.Errorf("unbind: %w", err)
		}
		if n == 0 {
			return ErrNotBound
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "identity.unbind", Object: personSubject(personID), Result: audit.ResultOK,
			Before: audit.Summary(map[string]string{"channel": channel, "app_id": appID})})
		return err
	})
}
