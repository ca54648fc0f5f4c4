package kiosk

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/platform/date"
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

// keys is the kiosk_device key table.
func (r *Registry) keys() signing.KeyTable {
	return signing.KeyTable{DB: r.db, Audit: r.audit, Seal: r.seal, Table: "kiosk_device", Kind: "kiosk",
		SealedAction: "kiosk.key_sealed", DisableAction: "kiosk.disable", EnableAction: "kiosk.enable",
		RotateAction: "kiosk.rotate_key", NotFound: ErrNotFound}
}

func (r *Registry) sealKey(key, id string) (string, error)    { return r.keys().SealKey(key, id) }
func (r *Registry) openKey(stored, id string) ([]byte, error) { return r.keys().OpenKey(stored, id) }

// SealPlaintext seals every key still stored in plain text (rows of an
// earlier version) and returns how many; audited as kiosk.key_sealed per
// kiosk. The platform calls it at start; idempotent (signing.KeyTable).
func (r *Registry) SealPlaintext(ctx context.Context) (int, error) {
	return r.keys().SealPlaintext(ctx)
}

// SetStatus disables (active false) or enables a kiosk. A disabled kiosk's
// signed requests are refused (signature.invalid), so its sessions end too.
// Staff call it (the caller checks the role); audited as kiosk.disable or
// kiosk.enable; the same status again changes nothing. Errors: ErrNotFound.
func (r *Registry) SetStatus(ctx context.Context, id string, active bool) error {
	return r.keys().SetStatus(ctx, id, active)
}

// RotateKey issues a new signing key for the kiosk and returns it (shown
// once; the old key stops working at once). Staff call it; audited as
// kiosk.rotate_key (never the key). Errors: ErrNotFound.
func (r *Registry) RotateKey(ctx context.Context, id string) (string, error) {
	return r.keys().RotateKey(ctx, id)
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
