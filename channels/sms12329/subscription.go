package sms12329

import (
	"context"
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

// Subscriptions are the 12329 SMS subscriptions (KT/TD) and the quiet hours
// business notices honour. Safe for concurrent use.
type Subscriptions struct {
	d     *db.DB
	audit *audit.Log
	quiet QuietHours
	now   func() time.Time
}

// Set records that phone subscribed (true) or unsubscribed. Audited
// (sms12329.subscription). The channel calls it for KT/TD; counters and halls
// may too.
func (s *Subscriptions) Set(ctx context.Context, phone string, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return s.d.InTx(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecCount(ctx, `UPDATE sms_subscription SET subscribed = ?, updated_at = ? WHERE phone = ?`, v, db.Now(), phone)
		if err != nil {
			return fmt.Errorf("sms12329: subscription: %w", err)
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sms_subscription (phone, subscribed, updated_at) VALUES (?, ?, ?)`,
				phone, v, db.Now()); err != nil {
				return fmt.Errorf("sms12329: subscription: %w", err)
			}
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "sms12329.subscription", Object: "sms:" + ident.MaskMobile(phone),
			After: audit.Summary(map[string]bool{"subscribed": on})})
		return err
	})
}

// Subscribed reports whether phone receives business notices (no record:
// yes).
func (s *Subscriptions) Subscribed(ctx context.Context, phone string) (bool, error) {
	var v []int
	if err := s.d.SelectContext(ctx, &v, `SELECT subscribed FROM sms_subscription WHERE phone = ?`, phone); err != nil {
		return false, fmt.Errorf("sms12329: subscription: %w", err)
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

// Decide applies subscriptions and quiet hours to a message of the notify
// template: one-time codes (otp.*) and the channel's replies (sms12329.*)
// always go; other templates are notices. Any sender of notices may call it.
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
	if s.quiet.In(s.now()) {
		return Hold, nil
	}
	return Send, nil
}

// reservedPerson is the person whose open account has phone as its reserved
// mobile (exactly one).
func (s *Subscriptions) reservedPerson(ctx context.Context, phone string) (int64, bool, error) {
	var ids []int64
	if err := s.d.SelectContext(ctx, &ids, `SELECT DISTINCT person_id FROM employee_account WHERE reserved_mobile = ?
		AND status NOT IN ('03', '04', '05') AND person_id IS NOT NULL`, phone); err != nil {
		return 0, false, fmt.Errorf("sms12329: reserved mobile: %w", err)
	}
	if len(ids) != 1 {
		return 0, false, nil
	}
	return ids[0], true, nil
}
