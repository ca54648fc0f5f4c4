// Package kiosk is the registry of the self-service kiosks (自助终端): each
// kiosk registered by staff with its id, branch and signing key, its last
// heartbeat, and the print log with the daily print limit per person. The
// kiosk channel (channels/kiosk) calls it; staff register kiosks and see
// their heartbeats through the staff API. Every registration and print is
// audited.
package kiosk

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/signing"
)

// Kiosk statuses.
const (
	StatusActive   = signing.StatusActive
	StatusDisabled = signing.StatusDisabled
)

// Errors of the registry.
var (
	ErrBadID      = errs.New(errs.Invalid, "kiosk.bad_id", "终端编号应为 3–32 位字母、数字、- 或 _").With("field", "id")
	ErrBadBranch  = errs.New(errs.Invalid, "kiosk.bad_branch", "请填写终端所在网点（1–64 个字符）").With("field", "branch")
	ErrExists     = errs.New(errs.Conflict, "kiosk.exists", "该终端编号已登记")
	ErrNotFound   = errs.New(errs.NotFound, "kiosk.not_found", "终端未登记")
	ErrPrintLimit = errs.New(errs.Forbidden, "kiosk.print_limit", "今日打印次数已达上限，请明日再来或前往柜面办理")
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)

// Kiosk is one registered kiosk as staff see it (never its key).
type Kiosk struct {
	ID         string     `db:"id" json:"id"`
	Branch     string     `db:"branch" json:"branch"`
	Name       string     `db:"name" json:"name"`
	Status     string     `db:"status" json:"status"`
	CreatedBy  string     `db:"created_by" json:"created_by"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastSeenAt *time.Time `db:"last_seen_at" json:"last_seen_at"`
	LastIP     string     `db:"last_ip" json:"last_ip"`
	LastState  string     `db:"last_state" json:"last_state"`
}

// Registry keeps the kiosks and their print log.
type Registry struct {
	db    *db.DB
	audit *audit.Log
	seal  *signing.Sealer // nil: keys stored as issued (tests of older rows)
}

// New returns the registry stored in d.
func New(d *db.DB, a *audit.Log) *Registry { return &Registry{db: d, audit: a} }

// Register registers a kiosk and returns its signing key, shown once to the
// staff member who installs it. Staff (the caller checks the role) call it;
// audited as kiosk.register. Errors: ErrBadID, ErrBadBranch, ErrExists.
func (r *Registry) Register(ctx context.Context, id, branch, name, by string) (string, error) {
	id, branch, name = strings.TrimSpace(id), strings.TrimSpace(branch), strings.TrimSpace(name)
	if !idPattern.MatchString(id) {
		return "", ErrBadID
	}
	if branch == "" || len([]rune(branch)) > 64 {
		return "", ErrBadBranch
	}
	if len([]rune(name)) > 100 {
		name = string([]rune(name)[:100])
	}
	key, err := signing.NewKey()
	if err != nil {
		return "", err
	}
	stored, err := r.sealKey(key, id)
	if err != nil {
		return "", err
	}
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kiosk_device (id, branch, name, secret, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, branch, name, stored, StatusActive, by, db.Now())
		if db.IsDuplicate(err) {
			return ErrExists.With("id", id)
		}
		if err != nil {
			return fmt.Errorf("register kiosk: %w", err)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: "kiosk.register", Object: "kiosk:" + id,
			After: audit.Summary(map[string]string{"branch": branch, "name": name})})
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Key returns the signing key of an active kiosk (signing.ErrInvalid for an
// unknown or disabled one), for the request verifier.
func (r *Registry) Key(ctx context.Context, id string) ([]byte, error) {
	var key string
	err := r.db.GetContext(ctx, &key, `SELECT secret FROM kiosk_device WHERE id = ? AND status = ?`, id, StatusActive)
	if db.NoRows(err) {
		return nil, signing.ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("read kiosk key: %w", err)
	}
	return r.openKey(key, id)
}

// Get returns a kiosk (ErrNotFound).
func (r *Registry) Get(ctx context.Context, id string) (*Kiosk, error) {
	var k Kiosk
	err := r.db.GetContext(ctx, &k, `SELECT id, branch, name, status, created_by, created_at, last_seen_at, last_ip, last_state
		FROM kiosk_device WHERE id = ?`, id)
	if db.NoRows(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read kiosk: %w", err)
	}
	return &k, nil
}

// List returns every kiosk by id, with its last heartbeat.
func (r *Registry) List(ctx context.Context) ([]Kiosk, error) {
	out := []Kiosk{}
	if err := r.db.SelectContext(ctx, &out, `SELECT id, branch, name, status, created_by, created_at, last_seen_at, last_ip, last_state
		FROM kiosk_device ORDER BY id`); err != nil {
		return nil, fmt.Errorf("list kiosks: %w", err)
	}
	return out, nil
}

// Heartbeat records that the kiosk is alive, from where and in which state
// (a short text the kiosk reports, e.g. "ok" or "printer: paper low").
func (r *Registry) Heartbeat(ctx context.Context, id, ip, state string) (time.Time, error) {
	if len([]rune(state)) > 200 {
		state = string([]rune(state)[:200])
	}
	if len(ip) > 64 {
		ip = ip[:64]
	}
	now := db.Now()
	if _, err := r.db.ExecContext(ctx, `UPDATE kiosk_device SET last_seen_at = ?, last_ip = ?, last_state = ? WHERE id = ?`,
		now, ip, state, id); err != nil {
		return time.Time{}, fmt.Errorf("kiosk heartbeat: %w", err)
	}
	return now, nil
}

// Print is one printed document.
type Print struct {
	Kiosk    string
	PersonID int64
	Kind     string // statement, deposit_certificate, loan_settlement
	DocNo    string
	On       date.Date // business date
}

// RecordPrint counts a print against the person's daily limit (ErrPrintLimit
// when limit prints were made on the business date, on any kiosk) and logs
// it. The count is one conditional UPDATE, so concurrent prints cannot pass
// the limit.
func (r *Registry) RecordPrint(ctx context.Context, p Print, limit int) error {
	return r.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Dialect.InsertIgnore()+` INTO kiosk_print_day (person_id, biz_date, prints) VALUES (?, ?, 0)`,
			p.PersonID, p.On); err != nil {
			return fmt.Errorf("print count: %w", err)
		}
		n, err := tx.ExecCount(ctx, `UPDATE kiosk_print_day SET prints = prints + 1 WHERE person_id = ? AND biz_date = ? AND prints < ?`,
			p.PersonID, p.On, limit)
		if err != nil {
			return fmt.Errorf("print count: %w", err)
		}
		if n == 0 {
			return ErrPrintLimit.With("limit", limit)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kiosk_print (kiosk_id, person_id, kind, doc_no, biz_date, printed_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.Kiosk, p.PersonID, p.Kind, p.DocNo, p.On, db.Now()); err != nil {
			return fmt.Errorf("print log: %w", err)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: "kiosk.print", Object: fmt.Sprintf("person:%d", p.PersonID),
			After: audit.Summary(map[string]string{"kiosk": p.Kiosk, "kind": p.Kind, "doc_no": p.DocNo})})
		return err
	})
}

// Prints counts the person's prints on a business date.
func (r *Registry) Prints(ctx context.Context, personID int64, on date.Date) (int, error) {
	var n int
	if err := r.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM kiosk_print WHERE person_id = ? AND biz_date = ?`, personID, on); err != nil {
		return 0, fmt.Errorf("count prints: %w", err)
	}
	return n, nil
}
