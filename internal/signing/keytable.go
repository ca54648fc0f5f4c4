package signing

import (
	"context"
	"fmt"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// KeyTable is a table of signing keys (one row per caller: kiosk_device,
// gov_agency) with an `id`, a `secret` stored sealed under Seal and a
// `status` of "active" or "disabled". The kiosk and agency registries keep
// their keys through it. Table and Kind are constants of the caller, never
// input.
type KeyTable struct {
	DB    *db.DB
	Audit *audit.Log
	Seal  *Sealer // nil: keys stored as issued (tests of older rows)
	// Table is the table's name; Kind the object prefix of the audit
	// records and of the sealed value's additional data ("kiosk", "agency").
	Table, Kind string
	// Actions are the audit actions of sealing a plain key, disabling,
	// enabling and rotating.
	SealedAction, DisableAction, EnableAction, RotateAction string
	// NotFound is returned for an unknown id.
	NotFound *errs.Error
}

// Key statuses of a KeyTable row.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

func (t KeyTable) object(id string) string { return t.Kind + ":" + id }

// SealKey returns the stored form of a new key for row id.
func (t KeyTable) SealKey(key, id string) (string, error) {
	if t.Seal == nil {
		return key, nil
	}
	return t.Seal.Seal(key, t.object(id))
}

// OpenKey returns the key of row id from its stored form. ErrSealBroken when
// a sealed value cannot be opened (wrong master key, value of another row).
func (t KeyTable) OpenKey(stored, id string) ([]byte, error) {
	if t.Seal == nil {
		if Sealed(stored) {
			return nil, ErrSealBroken
		}
		return []byte(stored), nil
	}
	k, err := t.Seal.Open(stored, t.object(id))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", t.Kind, id, err)
	}
	return []byte(k), nil
}

// SealPlaintext seals every key still stored in plain text (rows of an
// earlier version) and returns how many, each audited with SealedAction. The
// platform calls it at start; it is idempotent and safe when several
// instances start together (a row is updated only while plain).
func (t KeyTable) SealPlaintext(ctx context.Context) (int, error) {
	if t.Seal == nil {
		return 0, nil
	}
	var rows []struct {
		ID     string `db:"id"`
		Secret string `db:"secret"`
	}
	if err := t.DB.SelectContext(ctx, &rows, `SELECT id, secret FROM `+t.Table); err != nil {
		return 0, fmt.Errorf("read %s keys: %w", t.Kind, err)
	}
	n := 0
	for _, row := range rows {
		if Sealed(row.Secret) {
			continue
		}
		sealed, err := t.Seal.Seal(row.Secret, t.object(row.ID))
		if err != nil {
			return n, err
		}
		err = t.DB.InTx(ctx, func(tx *db.Tx) error {
			c, err := tx.ExecCount(ctx, `UPDATE `+t.Table+` SET secret = ? WHERE id = ? AND secret = ?`, sealed, row.ID, row.Secret)
			if err != nil || c == 0 {
				return err
			}
			n++
			_, err = t.Audit.Append(ctx, tx, audit.Record{Action: t.SealedAction, Object: t.object(row.ID)})
			return err
		})
		if err != nil {
			return n, fmt.Errorf("seal %s key: %w", t.Kind, err)
		}
	}
	return n, nil
}

// SetStatus disables (active false) or enables row id, audited with
// DisableAction or EnableAction; the same status again changes nothing.
// Errors: NotFound.
func (t KeyTable) SetStatus(ctx context.Context, id string, active bool) error {
	to, action := StatusDisabled, t.DisableAction
	if active {
		to, action = StatusActive, t.EnableAction
	}
	return t.DB.InTx(ctx, func(tx *db.Tx) error {
		var cur string
		err := tx.GetContext(ctx, &cur, `SELECT status FROM `+t.Table+` WHERE id = ?`+tx.Dialect.ForUpdate(), id)
		if db.NoRows(err) {
			return t.NotFound.With("id", id)
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", t.Kind, err)
		}
		if cur == to {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.Table+` SET status = ? WHERE id = ?`, to, id); err != nil {
			return fmt.Errorf("%s status: %w", t.Kind, err)
		}
		_, err = t.Audit.Append(ctx, tx, audit.Record{Action: action, Object: t.object(id),
			Before: audit.Summary(map[string]string{"status": cur}), After: audit.Summary(map[string]string{"status": to})})
		return err
	})
}

// RotateKey issues a new key for row id and returns it (shown once; the old
// key stops working at once), audited with RotateAction (never the key).
// Errors: NotFound.
func (t KeyTable) RotateKey(ctx context.Context, id string) (string, error) {
	key, err := NewKey()
	if err != nil {
		return "", err
	}
	stored, err := t.SealKey(key, id)
	if err != nil {
		return "", err
	}
	err = t.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecCount(ctx, `UPDATE `+t.Table+` SET secret = ? WHERE id = ?`, stored, id)
		if err != nil {
			return fmt.Errorf("rotate %s key: %w", t.Kind, err)
		}
		if n == 0 {
			return t.NotFound.With("id", id)
		}
		_, err = t.Audit.Append(ctx, tx, audit.Record{Action: t.RotateAction, Object: t.object(id)})
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}
