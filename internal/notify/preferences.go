package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/ident"
)

// QuietHours is the daily 免打扰 window in the center's local time: notices
// are not sent from Start (inclusive) to End (exclusive), hours 0–23; a window
// may cross midnight (22 → 8). Start == End means none.
type QuietHours struct {
	Start, End int
	Zone       *time.Location // nil: Asia/Shanghai (UTC+8)
}

// DefaultQuiet is 22:00–08:00 Beijing time.
var DefaultQuiet = QuietHours{Start: 22, End: 8}

var beijing = time.FixedZone("CST", 8*3600)

// In reports whether t falls inside the window.
func (q QuietHours) In(t time.Time) bool {
	if q.Start == q.End {
		return false
	}
	z := q.Zone
	if z == nil {
		z = beijing
	}
	h := t.In(z).Hour()
	if q.Start < q.End {
		return h >= q.Start && h < q.End
	}
	return h >= q.Start || h < q.End
}

// Subscriptions are the SMS subscriptions (签约/退订, e.g. 12329 KT/TD), the
// quiet hours business notices honour, and the notices held until the quiet
// hours end. Safe for concurrent use.
type Subscriptions struct {
	d     *db.DB
	audit *audit.Log
	quiet QuietHours
	now   func() time.Time
}

// NewSubscriptions returns the subscription store with the quiet hours (zero:
// DefaultQuiet).
func NewSubscriptions(d *db.DB, a *audit.Log, quiet QuietHours) *Subscriptions {
	if quiet == (QuietHours{}) {
		quiet = DefaultQuiet
	}
	return &Subscriptions{d: d, audit: a, quiet: quiet, now: time.Now}
}

// SetClock replaces the wall clock (tests only).
func (s *Subscriptions) SetClock(now func() time.Time) { s.now = now }

// Quiet reports whether now is inside the quiet hours.
func (s *Subscriptions) Quiet() bool { return s.quiet.In(s.now()) }

// Set records that phone subscribed (true) or unsubscribed. Audited
// (sms12329.subscription). Channels call it for KT/TD; counters and halls may
// too.
func (s *Subscriptions) Set(ctx context.Context, phone string, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return s.d.InTx(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecCount(ctx, `UPDATE sms_subscription SET subscribed = ?, updated_at = ? WHERE phone = ?`, v, db.Now(), phone)
		if err != nil {
			return fmt.Errorf("notify: subscription: %w", err)
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sms_subscription (phone, subscribed, updated_at) VALUES (?, ?, ?)`,
				phone, v, db.Now()); err != nil {
				return fmt.Errorf("notify: subscription: %w", err)
			}
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "sms12329.subscription", Object: "sms:" + ident.MaskMobile(phone),
			After: audit.Summary(map[string]bool{"subscribed": on})})
		return err
	})
}

// Subscribed reports whether phone receives business notices (no record: yes).
func (s *Subscriptions) Subscribed(ctx context.Context, phone string) (bool, error) {
	var v []int
	if err := s.d.SelectContext(ctx, &v, `SELECT subscribed FROM sms_subscription WHERE phone = ?`, phone); err != nil {
		return false, fmt.Errorf("notify: subscription: %w", err)
	}
	return len(v) == 0 || v[0] == 1, nil
}

// Decision is what to do with a message for a phone now.
type Decision string

// The decisions.
const (
	Send Decision = "send" // send now
	Hold Decision = "hold" // a notice during quiet hours: send after them
	Drop Decision = "drop" // a notice to an unsubscribed phone
)

// Decide applies subscriptions and quiet hours to a message of the template:
// one-time codes (otp.*) and channel replies (sms12329.*) always go; other
// templates are notices. Any sender of notices may call it.
func (s *Subscriptions) Decide(ctx context.Context, phone, template string) (Decision, error) {
	if strings.HasPrefix(template, "otp.") || strings.HasPrefix(template, "sms12329.") {
		return Send, nil
	}
	on, err := s.Subscribed(ctx, phone)
	if err != nil {
		return "", err
	}
	if !on {
		return Drop, nil
	}
	if s.Quiet() {
		return Hold, nil
	}
	return Send, nil
}

// Hold keeps a notice until the quiet hours end (ClaimHeld).
func (s *Subscriptions) Hold(ctx context.Context, m SMS) error {
	v, err := json.Marshal(m.Vars)
	if err != nil {
		return err
	}
	if _, err := s.d.ExecContext(ctx, `INSERT INTO sms_held (phone, template, vars, created_at) VALUES (?, ?, ?, ?)`,
		m.Phone, m.Template, string(v), db.Now()); err != nil {
		return fmt.Errorf("notify: hold notice: %w", err)
	}
	return nil
}

// ClaimHeld takes up to limit held notices, oldest first, each claimed by
// deleting its row so several instances never take one twice. A row whose
// variables do not read is dropped and counted in bad.
func (s *Subscriptions) ClaimHeld(ctx context.Context, limit int) (claimed []SMS, bad int, err error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Phone    string `db:"phone"`
		Template string `db:"template"`
		Vars     string `db:"vars"`
	}
	if err := s.d.SelectContext(ctx, &rows, fmt.Sprintf(`SELECT id, phone, template, vars FROM sms_held ORDER BY id LIMIT %d`, max(1, limit))); err != nil {
		return nil, 0, fmt.Errorf("notify: held notices: %w", err)
	}
	for _, r := range rows {
		res, err := s.d.ExecContext(ctx, `DELETE FROM sms_held WHERE id = ?`, r.ID)
		if err != nil {
			return claimed, bad, fmt.Errorf("notify: claim held notice: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another instance took it
		}
		var vars map[string]string
		if err := json.Unmarshal([]byte(r.Vars), &vars); err != nil {
			bad++
			continue
		}
		claimed = append(claimed, SMS{Phone: r.Phone, Template: r.Template, Vars: vars})
	}
	return claimed, bad, nil
}
