// Package policy holds the center's effective-dated parameters (ratios, wage
// base bounds, rounding, interest and loan rates, loan limits…) and the
// JGJ/T 320 code tables. A calculation for business date D reads the version in
// force on D: the one with the greatest effective_from on or before D and, of
// several versions with that date, the latest added (greatest Seq).
//
// Reads are open to every core package. Writes are not: a new parameter version
// is added only by the maker-checker change-request service through AddVersion,
// inside the transaction that approves the request; Seed and SeedCodes install
// the shipped defaults. Versions are never updated or deleted; a change is a new
// version with a later (or the same) effective date.
//
// Every known key is registered here with its kind, Chinese title and validator
// (Lookup, Keys); values are stored as canonical text in the unit of their kind
// (basis points, millionths, fen, …) and shown to people as percent or yuan
// strings (FormatBps, FormatPPM, Spec.Display).
package policy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// Version is one effective-dated value of a parameter.
type Version struct {
	Key           string    `db:"param_key" json:"key"`
	Value         string    `db:"value" json:"value"` // stored form, e.g. "1200" for 12%
	EffectiveFrom date.Date `db:"effective_from" json:"effective_from"`
	Seq           int       `db:"seq" json:"seq"`                 // 0 for the first version of a date, then 1, 2… (set by AddVersion)
	CreatedBy     string    `db:"created_by" json:"created_by"`   // maker
	ApprovedBy    string    `db:"approved_by" json:"approved_by"` // checker
	ChangeRef     string    `db:"change_ref" json:"change_ref"`   // change request id, "" for none
	CreatedAt     time.Time `db:"created_at" json:"created_at"`   // UTC
}

// SeedActor is the maker and checker recorded on versions installed by Seed.
const SeedActor = "system:seed"

// Store reads parameter versions and code tables. It is safe for concurrent use.
// It keeps no cache: each read is one indexed query.
type Store struct {
	db *db.DB
}

// New returns a Store on d.
func New(d *db.DB) *Store { return &Store{db: d} }

const versionCols = `param_key, value, effective_from, seq, created_by, approved_by, change_ref, created_at`

// Value returns the version of key in force on the given date: the one with the
// greatest effective_from on or before on and, among versions of that date,
// the one added last (greatest Seq). Any package may call it.
//
// Errors: errs.Invalid policy.unknown_key for a key not in the registry;
// errs.NotFound policy.not_in_force when no version is in force on that date;
// errs.Internal policy.no_date for the zero date.
func (s *Store) Value(ctx context.Context, key string, on date.Date) (Version, error) {
	sp, err := spec(key)
	if err != nil {
		return Version{}, err
	}
	if on.IsZero() {
		return Version{}, errs.Newf(errs.Internal, "policy.no_date", "读取参数 %s 时没有给出业务日期", key)
	}
	var v Version
	err = s.db.GetContext(ctx, &v, `SELECT `+versionCols+` FROM policy_param
		WHERE param_key = ? AND effective_from <= ? ORDER BY effective_from DESC, seq DESC LIMIT 1`, key, on)
	if db.NoRows(err) {
		return Version{}, errs.Newf(errs.NotFound, "policy.not_in_force", "参数「%s」（%s）在 %s 没有生效的取值，请先配置该参数",
			sp.Title, key, on).With("key", key).With("date", on.String())
	}
	if err != nil {
		return Version{}, err
	}
	v.CreatedAt = v.CreatedAt.UTC() // SQLite hands back a +00:00 fixed zone
	return v, nil
}

// Versions returns every version of key, oldest effective date first and,
// within a date, in the order they were added (empty when none): the last
// version of a date is the one in force from it. For the parameter pages and
// the change-request diff.
//
// Errors: errs.Invalid policy.unknown_key.
func (s *Store) Versions(ctx context.Context, key string) ([]Version, error) {
	if _, err := spec(key); err != nil {
		return nil, err
	}
	vs := []Version{}
	err := s.db.SelectContext(ctx, &vs, `SELECT `+versionCols+` FROM policy_param
		WHERE param_key = ? ORDER BY effective_from, seq`, key)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		vs[i].CreatedAt = vs[i].CreatedAt.UTC()
	}
	return vs, nil
}

// typed reads the value in force and checks that key has one of the kinds.
func (s *Store) typed(ctx context.Context, key string, on date.Date, kinds ...Kind) (string, error) {
	sp, err := spec(key)
	if err != nil {
		return "", err
	}
	ok := false
	for _, k := range kinds {
		ok = ok || sp.Kind == k
	}
	if !ok {
		return "", errs.Newf(errs.Internal, "policy.wrong_kind", "参数 %s 的类型是 %s，不能按 %s 读取", key, sp.Kind, kinds[0])
	}
	v, err := s.Value(ctx, key, on)
	if err != nil {
		return "", err
	}
	return v.Value, nil
}

func (s *Store) integer(ctx context.Context, key string, on date.Date, kind Kind) (int64, error) {
	v, err := s.typed(ctx, key, on, kind)
	if err != nil {
		return 0, err
	}
	n, ok := canonicalInt(v)
	if !ok {
		return 0, corrupt(key, v)
	}
	return n, nil
}

func corrupt(key, v string) error {
	return errs.Newf(errs.Internal, "policy.corrupt_value", "参数 %s 的存储值 %q 无法解析", key, v)
}

// Int returns an integer parameter (KindInt: days, months, years, times) in
// force on the date. Errors: as Value, plus errs.Internal policy.wrong_kind when
// key is not KindInt.
func (s *Store) Int(ctx context.Context, key string, on date.Date) (int64, error) {
	return s.integer(ctx, key, on, KindInt)
}

// Bps returns a ratio in basis points (KindBps; 12% = 1200) in force on the
// date. Errors: as Value, plus errs.Internal policy.wrong_kind.
func (s *Store) Bps(ctx context.Context, key string, on date.Date) (int64, error) {
	return s.integer(ctx, key, on, KindBps)
}

// PPM returns an interest rate in millionths (KindPPM; 2.6% = 26000) in force on
// the date. Errors: as Value, plus errs.Internal policy.wrong_kind.
func (s *Store) PPM(ctx context.Context, key string, on date.Date) (int64, error) {
	return s.integer(ctx, key, on, KindPPM)
}

// Fen returns an amount (KindFen) in force on the date. Errors: as Value, plus
// errs.Internal policy.wrong_kind.
func (s *Store) Fen(ctx context.Context, key string, on date.Date) (money.Fen, error) {
	n, err := s.integer(ctx, key, on, KindFen)
	return money.Fen(n), err
}

// String returns the text of an enum, month-day or JSON parameter in force on
// the date. Errors: as Value, plus errs.Internal policy.wrong_kind for numeric
// and boolean keys (use their typed getters).
func (s *Store) String(ctx context.Context, key string, on date.Date) (string, error) {
	return s.typed(ctx, key, on, KindEnum, KindMonthDay, KindJSON)
}

// Bool returns a boolean parameter (KindBool) in force on the date. Errors: as
// Value, plus errs.Internal policy.wrong_kind.
func (s *Store) Bool(ctx context.Context, key string, on date.Date) (bool, error) {
	v, err := s.typed(ctx, key, on, KindBool)
	if err != nil {
		return false, err
	}
	b, perr := strconv.ParseBool(v)
	if perr != nil || (v != "true" && v != "false") {
		return false, corrupt(key, v)
	}
	return b, nil
}

// MonthDay returns a month-day parameter (KindMonthDay, e.g. 06-30) in force on
// the date. Errors: as Value, plus errs.Internal policy.wrong_kind.
func (s *Store) MonthDay(ctx context.Context, key string, on date.Date) (time.Month, int, error) {
	v, err := s.typed(ctx, key, on, KindMonthDay)
	if err != nil {
		return 0, 0, err
	}
	m, d, ok := parseMonthDay(v)
	if !ok {
		return 0, 0, corrupt(key, v)
	}
	return m, d, nil
}

// Errors returned by AddVersion besides policy.unknown_key and policy.invalid_value.
var (
	ErrSelfApproval     = errs.New(errs.Forbidden, "access.self_approval", "不能复核自己提交的变更，请由另一名有复核权限的人员审批")
	ErrApprovalRequired = errs.New(errs.Forbidden, "access.approval_required", "参数变更须由经办人提交、另一名复核人批准后才能生效")
	ErrVersionExists    = errs.New(errs.Conflict, "policy.version_exists", "该参数在此生效日期的另一个版本正同时写入，请稍后重试")
	ErrNoEffectiveDate  = errs.New(errs.Invalid, "policy.effective_from_required", "请填写参数的生效日期")
)

// AddVersion records an approved parameter version in tx. Only the
// maker-checker change-request service may call it, inside the transaction that
// marks the request approved; nothing else writes parameters. The caller also
// decides whether a back-dated effective_from (before the business date) is
// allowed: AddVersion accepts any date, and a back-dated version changes what
// was in force on past dates.
//
// v.Value must be in stored form (see Spec.ParseInput). v.CreatedAt defaults to
// db.Now(). Errors: errs.Invalid policy.unknown_key, policy.invalid_value (the
// message names the parameter and its allowed range),
// policy.effective_from_required; errs.Forbidden access.approval_required (maker
// or checker missing) and access.self_approval (maker = checker, compared
// case-insensitively); errs.Conflict policy.version_exists only when another
// transaction adds a version of the same key and date at the same moment (it
// wraps db.ErrRetry, so db.InTx runs the caller's transaction again). A key that already has versions on that date takes the
// next Seq, and the new version wins from that date on (v.Seq is ignored).
func (s *Store) AddVersion(ctx context.Context, tx *db.Tx, v Version) error {
	sp, err := spec(v.Key)
	if err != nil {
		return err
	}
	if err := sp.Validate(v.Value); err != nil {
		return err
	}
	if v.EffectiveFrom.IsZero() {
		return ErrNoEffectiveDate
	}
	maker, checker := strings.TrimSpace(v.CreatedBy), strings.TrimSpace(v.ApprovedBy)
	if maker == "" || checker == "" {
		return ErrApprovalRequired
	}
	if strings.EqualFold(maker, checker) {
		return ErrSelfApproval
	}
	if tx == nil {
		return errs.New(errs.Internal, "policy.no_transaction", "AddVersion 必须在变更审批的事务中调用")
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = db.Now()
	}
	var seq int
	if err := tx.GetContext(ctx, &seq, `SELECT COALESCE(MAX(seq) + 1, 0) FROM policy_param WHERE param_key = ? AND effective_from = ?`,
		v.Key, v.EffectiveFrom); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO policy_param (`+versionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		v.Key, v.Value, v.EffectiveFrom, seq, maker, checker, v.ChangeRef, v.CreatedAt.UTC())
	if db.IsDuplicate(err) {
		// Another transaction took this Seq after our read: db.InTx runs the
		// caller's transaction again (a fresh read takes the next Seq) and
		// returns ErrVersionExists if it keeps losing.
		return ErrVersionExists.With("key", v.Key).With("effective_from", v.EffectiveFrom.String()).
			Wrap(fmt.Errorf("%w: %w", db.ErrRetry, err))
	}
	return err
}

// Seed installs the default versions (domain.md §9) with maker and checker
// SeedActor as the first version (Seq 0) of their date. Dates that already
// have a version are left alone, so it is safe to run at every start; it
// returns how many rows it inserted. Called by the wiring (migrate/serve/demo)
// and tests.
func (s *Store) Seed(ctx context.Context) (int, error) {
	for _, d := range defaults {
		sp, err := spec(d.key)
		if err != nil {
			return 0, err
		}
		if err := sp.Validate(d.value); err != nil {
			return 0, errs.Newf(errs.Internal, "policy.bad_default", "默认参数 %s=%q 不合法", d.key, d.value).Wrap(err)
		}
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (int, error) {
		n := 0
		now := db.Now()
		q := tx.Dialect.InsertIgnore() + ` INTO policy_param (` + versionCols + `) VALUES (?, ?, ?, 0, ?, ?, ?, ?)`
		for _, d := range defaults {
			k, err := tx.ExecCount(ctx, q, d.key, d.value, date.MustParse(d.from), SeedActor, SeedActor, "seed", now)
			if err != nil {
				return 0, err
			}
			n += int(k)
		}
		return n, nil
	})
}
