package sms12329

import (
	"context"
	"sync"
	"time"

	"gjj/internal/audit"
	"gjj/internal/notify"
	"gjj/internal/platform/ident"
)

// Notice sends a message of a core service (identity, loans, withdrawals)
// honouring subscriptions and quiet hours (Decide): sent now, held in
// notify's held notices until the quiet hours end (ReleaseHeld), or dropped for an
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
		return s.Subs.Hold(ctx, notify.SMS{Phone: phone, Template: template, Vars: vars})
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
	if s.Subs.Quiet() {
		return 0, nil
	}
	held, bad, err := s.Subs.ClaimHeld(ctx, 200)
	if bad > 0 {
		s.d.Log.ErrorContext(ctx, "sms12329: held notices unreadable", "count", bad)
	}
	sent := 0
	for _, m := range held {
		if _, err := s.d.Notify.SendSMS(ctx, m); err != nil {
			s.d.Log.WarnContext(ctx, "sms12329: held notice not sent", "template", m.Template, "err", err)
			continue
		}
		sent++
	}
	if err != nil {
		return sent, err
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
