package sms12329

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"gjj/internal/audit"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/ident"
)

// Notice sends a message of a core service (identity, loans, withdrawals)
// honouring subscriptions and quiet hours (Decide): sent now, held in
// sms_held until the quiet hours end (ReleaseHeld), or dropped for an
// unsubscribed phone (audited sms12329.notice_dropped). OTPs always go now.
// Errors: those of notify.SendSMS; store errors.
func (s *Service) Notice(ctx context.Context, phone, template string, vars map[string]string) error {
	d, err := s.Subs.Decide(ctx, phone, template)
	if err != nil {
		return err
	}
	switch d {
	case Drop:
		_, err := s.d.Audit.Write(ctx, audit.Record{Action: "sms12329.notice_dropped", Object: "sms:" + ident.MaskMobile(phone),
			After: audit.Summary(map[string]string{"template": template})})
		return err
	case Hold:
		v, err := json.Marshal(vars)
		if err != nil {
			return err
		}
		if _, err := s.d.DB.ExecContext(ctx, `INSERT INTO sms_held (phone, template, vars, created_at) VALUES (?, ?, ?, ?)`,
			phone, template, string(v), db.Now()); err != nil {
			return fmt.Errorf("sms12329: hold notice: %w", err)
		}
		return nil
	}
	_, err = s.d.Notify.SendSMS(ctx, notify.SMS{Phone: phone, Template: template, Vars: vars})
	return err
}

// ReleaseHeld sends the held notices once the quiet hours are over and
// returns how many it sent. Each row is claimed by deleting it first, so
// several instances never send one twice; a notice the gateway refuses is
// recorded as failed in the outbox by notify. The background loop (Start)
// calls it; so may tests and operators.
func (s *Service) ReleaseHeld(ctx context.Context) (int, error) {
	if s.cfg.Quiet.In(s.now()) {
		return 0, nil
	}
	var rows []struct {
		ID       int64  `db:"id"`
		Phone    string `db:"phone"`
		Template string `db:"template"`
		Vars     string `db:"vars"`
	}
	if err := s.d.DB.SelectContext(ctx, &rows, `SELECT id, phone, template, vars FROM sms_held ORDER BY id LIMIT 200`); err != nil {
		return 0, fmt.Errorf("sms12329: held notices: %w", err)
	}
	sent := 0
	for _, r := range rows {
		res, err := s.d.DB.ExecContext(ctx, `DELETE FROM sms_held WHERE id = ?`, r.ID)
		if err != nil {
			return sent, fmt.Errorf("sms12329: claim held notice: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another instance took it
		}
		var vars map[string]string
		if err := json.Unmarshal([]byte(r.Vars), &vars); err != nil {
			s.d.Log.ErrorContext(ctx, "sms12329: held notice unreadable", "id", r.ID, "err", err)
			continue
		}
		if _, err := s.d.Notify.SendSMS(ctx, notify.SMS{Phone: r.Phone, Template: r.Template, Vars: vars}); err != nil {
			s.d.Log.WarnContext(ctx, "sms12329: held notice not sent", "template", r.Template, "err", err)
			continue
		}
		sent++
	}
	return sent, nil
}

// loop is the background release of held notices.
type loop struct {
	once sync.Once
	stop chan struct{}
	done chan struct{}
}

// Start releases held notices every interval in the background until Stop.
// The app calls it once after New.
func (s *Service) Start(interval time.Duration) {
	s.loop = &loop{stop: make(chan struct{}), done: make(chan struct{})}
	go func(l *loop) {
		defer close(l.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
				if _, err := s.ReleaseHeld(context.Background()); err != nil {
					s.d.Log.Warn("sms12329: release held notices", "err", err)
				}
			}
		}
	}(s.loop)
}

// Stop ends the background loop (if started) and waits for it.
func (s *Service) Stop() {
	if s.loop == nil {
		return
	}
	s.loop.once.Do(func() { close(s.loop.stop) })
	<-s.loop.done
}
