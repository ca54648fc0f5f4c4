package govshare

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/signing"
)

// Agency statuses.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// ErrNotFound: no agency with that id.
var ErrNotFound = errs.New(errs.NotFound, "gov.not_found", "机构未登记")

// WithSealer makes the registry store agency secrets sealed under the master
// key (signing.Sealer) and returns it. The platform sets it at start.
func (r *Registry) WithSealer(s *signing.Sealer) *Registry {
	r.seal = s
	return r
}

func aad(id string) string { return "agency:" + id }

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
		return nil, fmt.Errorf("agency %s: %w", id, err)
	}
	return []byte(k), nil
}

// SealPlaintext seals every agency secret still stored in plain text and
// returns how many (audited gov.key_sealed each). Called at start;
// idempotent.
func (r *Registry) SealPlaintext(ctx context.Context) (int, error) {
	if r.seal == nil {
		return 0, nil
	}
	var rows []struct {
		ID     string `db:"id"`
		Secret string `db:"secret"`
	}
	if err := r.db.SelectContext(ctx, &rows, `SELECT id, secret FROM gov_agency`); err != nil {
		return 0, fmt.Errorf("read agency keys: %w", err)
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
			c, err := tx.ExecCount(ctx, `UPDATE gov_agency SET secret = ? WHERE id = ? AND secret = ?`, sealed, row.ID, row.Secret)
			if err != nil || c == 0 {
				return err
			}
			n++
			_, err = r.audit.Append(ctx, tx, audit.Record{Action: "gov.key_sealed", Object: "agency:" + row.ID})
			return err
		})
		if err != nil {
			return n, fmt.Errorf("seal agency key: %w", err)
		}
	}
	return n, nil
}

// SetStatus disables (active false) or enables an agency: a disabled
// agency's signed requests are refused. Staff call it; audited as
// gov.agency_disable / gov.agency_enable; the same status again changes
// nothing. Errors: ErrNotFound.
func (r *Registry) SetStatus(ctx context.Context, id string, active bool) error {
	to, action := StatusDisabled, "gov.agency_disable"
	if active {
		to, action = StatusActive, "gov.agency_enable"
	}
	return r.db.InTx(ctx, func(tx *db.Tx) error {
		var cur string
		err := tx.GetContext(ctx, &cur, `SELECT status FROM gov_agency WHERE id = ?`+tx.Dialect.ForUpdate(), id)
		if db.NoRows(err) {
			return ErrNotFound.With("id", id)
		}
		if err != nil {
			return fmt.Errorf("read agency: %w", err)
		}
		if cur == to {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE gov_agency SET status = ? WHERE id = ?`, to, id); err != nil {
			return fmt.Errorf("agency status: %w", err)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: action, Object: "agency:" + id,
			Before: audit.Summary(map[string]string{"status": cur}), After: audit.Summary(map[string]string{"status": to})})
		return err
	})
}

// RotateKey issues a new signing key for the agency and returns it (shown
// once; the old key stops working at once). Staff call it; audited as
// gov.agency_rotate_key. Errors: ErrNotFound.
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
		n, err := tx.ExecCount(ctx, `UPDATE gov_agency SET secret = ? WHERE id = ?`, stored, id)
		if err != nil {
			return fmt.Errorf("rotate agency key: %w", err)
		}
		if n == 0 {
			return ErrNotFound.With("id", id)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: "gov.agency_rotate_key", Object: "agency:" + id})
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// AgencyOverview is an agency with the number of authorizations it
// recorded, for the console.
type AgencyOverview struct {
	Agency
	Authorizations int `db:"authorizations" json:"authorizations"`
}

// Overviews lists every agency with its allowed kinds and authorization
// count. For staff (channel admins, auditors).
func (r *Registry) Overviews(ctx context.Context) ([]AgencyOverview, error) {
	out := []AgencyOverview{}
	err := r.db.SelectContext(ctx, &out, `SELECT g.id, g.name, g.kinds, g.status, g.created_by, g.created_at, COUNT(a.id) AS authorizations
		FROM gov_agency g LEFT JOIN gov_authorization a ON a.agency_id = g.id
		GROUP BY g.id, g.name, g.kinds, g.status, g.created_by, g.created_at ORDER BY g.id`)
	if err != nil {
		return nil, fmt.Errorf("agency overview: %w", err)
	}
	for i := range out {
		out[i].Kinds = strings.Split(out[i].KindsText, ",")
	}
	return out, nil
}
