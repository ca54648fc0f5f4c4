package kiosk

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/signing"
)

// Keys at rest, disabling and key rotation (staff actions through the staff
// API and the console's 终端与机构 page).

// WithSealer makes the registry store kiosk keys sealed under the master key
// (signing.Sealer) and returns it. The platform sets it at start.
func (r *Registry) WithSealer(s *signing.Sealer) *Registry {
	r.seal = s
	return r
}

func aad(id string) string { return "kiosk:" + id }

func (r *Registry) sealKey(key, id string) (string, error) {
	if r.seal == nil {
		return key, nil
	}
	return r.seal.Seal(key, aad(id))
}

func (r *Registry) openKey(stored, id string) ([]byte, error) {
	if r.seal == nil {
		if signing.Sealed(stored) {
			return nil, signing.ErrSealBroken
		}
		return []byte(stored), nil
	}
	k, err := r.seal.Open(stored, aad(id))
	if err != nil {
		return nil, fmt.Errorf("kiosk %s: %w", id, err)
	}
	return []byte(k), nil
}

// SealPlaintext seals every key still stored in plain text (rows of an
// earlier version) and returns how many; audited as kiosk.key_sealed per
// kiosk. The platform calls it at start; it is idempotent and safe when
// several instances start together (a row is updated only while plain).
func (r *Registry) SealPlaintext(ctx context.Context) (int, error) {
	if r.seal == nil {
		return 0, nil
	}
	var rows []struct {
		ID     string `db:"id"`
		Secret string `db:"secret"`
	}
	if err := r.db.SelectContext(ctx, &rows, `SELECT id, secret FROM kiosk_device`); err != nil {
		return 0, fmt.Errorf("read kiosk keys: %w", err)
	}
	n := 0
	for _, row := range rows {
		if signing.Sealed(row.Secret) {
			continue
		}
		sealed, err := r.seal.Seal(row.Secret, aad(row.ID))
		if err != nil {
			return n, err
		}
		err = r.db.InTx(ctx, func(tx *db.Tx) error {
			c, err := tx.ExecCount(ctx, `UPDATE kiosk_device SET secret = ? WHERE id = ? AND secret = ?`, sealed, row.ID, row.Secret)
			if err != nil || c == 0 {
				return err
			}
			n++
			_, err = r.audit.Append(ctx, tx, audit.Record{Action: "kiosk.key_sealed", Object: "kiosk:" + row.ID})
			return err
		})
		if err != nil {
			return n, fmt.Errorf("seal kiosk key: %w", err)
		}
	}
	return n, nil
}

// SetStatus disables (active false) or enables a kiosk. A disabled kiosk's
// signed requests are refused (signature.invalid), so its sessions end too.
// Staff call it (the caller checks the role); audited as kiosk.disable or
// kiosk.enable; the same status again changes nothing. Errors: ErrNotFound.
func (r *Registry) SetStatus(ctx context.Context, id string, active bool) error {
	to, action := StatusDisabled, "kiosk.disable"
	if active {
		to, action = StatusActive, "kiosk.enable"
	}
	return r.db.InTx(ctx, func(tx *db.Tx) error {
		var cur string
		err := tx.GetContext(ctx, &cur, `SELECT status FROM kiosk_device WHERE id = ?`+tx.Dialect.ForUpdate(), id)
		if db.NoRows(err) {
			return ErrNotFound.With("id", id)
		}
		if err != nil {
			return fmt.Errorf("read kiosk: %w", err)
		}
		if cur == to {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE kiosk_device SET status = ? WHERE id = ?`, to, id); err != nil {
			return fmt.Errorf("kiosk status: %w", err)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: action, Object: "kiosk:" + id,
			Before: audit.Summary(map[string]string{"status": cur}), After: audit.Summary(map[string]string{"status": to})})
		return err
	})
}

// RotateKey issues a new signing key for the kiosk and returns it (shown
// once; the old key stops working at once). Staff call it; audited as
// kiosk.rotate_key (never the key). Errors: ErrNotFound.
func (r *Registry) RotateKey(ctx context.Context, id string) (string, error) {
	key, err := signing.NewKey()
	if err != nil {
		return "", err
	}
	stored, err := r.sealKey(key, id)
	if err != nil {
		return "", err
	}
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecCount(ctx, `UPDATE kiosk_device SET secret = ? WHERE id = ?`, stored, id)
		if err != nil {
			return fmt.Errorf("rotate kiosk key: %w", err)
		}
		if n == 0 {
			return ErrNotFound.With("id", id)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: "kiosk.rotate_key", Object: "kiosk:" + id})
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Overview is a kiosk with its print counts, for the console.
type Overview struct {
	Kiosk
	PrintsToday int `db:"prints_today" json:"prints_today"`
	PrintsTotal int `db:"prints_total" json:"prints_total"`
}

// HeartbeatAge is how long ago the kiosk last called in (-1: never).
func (o Overview) HeartbeatAge(now time.Time) time.Duration {
	if o.LastSeenAt == nil {
		return -1
	}
	return now.Sub(*o.LastSeenAt)
}

// Overviews lists every kiosk with its prints on business date on and in
// total. For staff (channel admins, auditors).
func (r *Registry) Overviews(ctx context.Context, on date.Date) ([]Overview, error) {
	out := []Overview{}
	err := r.db.SelectContext(ctx, &out, `SELECT k.id, k.branch, k.name, k.status, k.created_by, k.created_at, k.last_seen_at, k.last_ip, k.last_state,
		COALESCE(SUM(CASE WHEN p.biz_date = ? THEN 1 ELSE 0 END), 0) AS prints_today, COUNT(p.id) AS prints_total
		FROM kiosk_device k LEFT JOIN kiosk_print p ON p.kiosk_id = k.id
		GROUP BY k.id, k.branch, k.name, k.status, k.created_by, k.created_at, k.last_seen_at, k.last_ip, k.last_state ORDER BY k.id`, on)
	if err != nil {
		return nil, fmt.Errorf("kiosk overview: %w", err)
	}
	return out, nil
}
