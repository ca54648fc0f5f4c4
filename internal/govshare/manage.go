package govshare

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/platform/errs"
	"gjj/internal/signing"
)

// Agency statuses.
const (
	StatusActive   = signing.StatusActive
	StatusDisabled = signing.StatusDisabled
)

// ErrNotFound: no agency with that id.
var ErrNotFound = errs.New(errs.NotFound, "gov.not_found", "机构未登记")

// WithSealer makes the registry store agency secrets sealed under the master
// key (signing.Sealer) and returns it. The platform sets it at start.
func (r *Registry) WithSealer(s *signing.Sealer) *Registry {
	r.seal = s
	return r
}

// keys is the gov_agency key table.
func (r *Registry) keys() signing.KeyTable {
	return signing.KeyTable{DB: r.db, Audit: r.audit, Seal: r.seal, Table: "gov_agency", Kind: "agency",
		SealedAction: "gov.key_sealed", DisableAction: "gov.agency_disable", EnableAction: "gov.agency_enable",
		RotateAction: "gov.agency_rotate_key", NotFound: ErrNotFound}
}

func (r *Registry) sealKey(key, id string) (string, error)    { return r.keys().SealKey(key, id) }
func (r *Registry) openKey(stored, id string) ([]byte, error) { return r.keys().OpenKey(stored, id) }

// SealPlaintext seals every agency secret still stored in plain text and
// returns how many (audited gov.key_sealed each). Called at start;
// idempotent (signing.KeyTable).
func (r *Registry) SealPlaintext(ctx context.Context) (int, error) {
	return r.keys().SealPlaintext(ctx)
}

// SetStatus disables (active false) or enables an agency: a disabled
// agency's signed requests are refused. Staff call it; audited as
// gov.agency_disable / gov.agency_enable; the same status again changes
// nothing. Errors: ErrNotFound.
func (r *Registry) SetStatus(ctx context.Context, id string, active bool) error {
	return r.keys().SetStatus(ctx, id, active)
}

// RotateKey issues a new signing key for the agency and returns it (shown
// once; the old key stops working at once). Staff call it; audited as
// gov.agency_rotate_key. Errors: ErrNotFound.
func (r *Registry) RotateKey(ctx context.Context, id string) (string, error) {
	return r.keys().RotateKey(ctx, id)
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
