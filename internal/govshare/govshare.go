// Package govshare is the registry of the government systems the fund shares
// data with (部门共享, channel "gov"): each agency registered by staff with
// its signing key and the query kinds it may use, and the family
// authorizations (授权) an agency records before it may check the family's
// members (seeds/004, 民发〔2016〕238号 四(一)). channels/gov calls it;
// registrations and authorizations are audited.
package govshare

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/signing"
)

// Query kinds (seeds/004 二(一) 1–3).
const (
	KindBasic       = "basic"       // 住房公积金基本信息
	KindWithdrawals = "withdrawals" // 提取明细
	KindLoans       = "loans"       // 贷款明细
)

// Kinds are the query kinds in order.
var Kinds = []string{KindBasic, KindWithdrawals, KindLoans}

// Application kinds: business the 政务服务 platform applies for on a
// person's behalf (channels/gov applications). An agency must be allowed
// the kind and the person's authorization must cover it, like a query kind.
const (
	// KindRetirementWithdrawal is the 离休、退休 销户提取 (withdraw.rules
	// reason "retire", TQYY 03, service item TQ-06).
	KindRetirementWithdrawal = "retirement_withdrawal"
)

// ApplicationKinds are the application kinds in order.
var ApplicationKinds = []string{KindRetirementWithdrawal}

// known reports whether k is a query or an application kind.
func known(k string) bool { return slices.Contains(Kinds, k) || slices.Contains(ApplicationKinds, k) }

// Errors of the registry and of authorizations.
var (
	ErrBadID        = errs.New(errs.Invalid, "gov.bad_id", "机构编号应为 3–32 位字母、数字、- 或 _").With("field", "id")
	ErrBadName      = errs.New(errs.Invalid, "gov.bad_name", "请填写机构名称（1–100 个字符）").With("field", "name")
	ErrBadKinds     = errs.New(errs.Invalid, "gov.bad_kinds", "类别应为 basic、withdrawals、loans、retirement_withdrawal 中的一项或多项").With("field", "kinds")
	ErrExists       = errs.New(errs.Conflict, "gov.exists", "该机构编号已登记")
	ErrBadRef       = errs.New(errs.Invalid, "gov.bad_ref", "授权编号应为 1–64 位字母、数字、- 或 _").With("field", "ref")
	ErrBadMembers   = errs.New(errs.Invalid, "gov.bad_members", "授权应列出 1–20 名家庭成员的有效居民身份证号码").With("field", "members")
	ErrBadValid     = errs.New(errs.Invalid, "gov.bad_valid_until", "授权有效期应为不早于今日的 YYYY-MM-DD 日期").With("field", "valid_until")
	ErrRefExists    = errs.New(errs.Conflict, "gov.authorization_exists", "该授权编号已登记")
	ErrKindRefused  = errs.New(errs.Forbidden, "gov.kind_not_allowed", "本机构无权查询该类信息")
	ErrNoAuth       = errs.New(errs.Forbidden, "gov.no_authorization", "未找到有效的授权记录，不能查询")
	ErrAuthExpired  = errs.New(errs.Forbidden, "gov.authorization_expired", "授权已过有效期，不能查询")
	ErrNotAuthKind  = errs.New(errs.Forbidden, "gov.authorization_kind", "授权不包含该类信息的查询")
	ErrNotAuthorMem = errs.New(errs.Forbidden, "gov.member_not_authorized", "查询对象不在授权的家庭成员之列")
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)
var refPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Agency is a registered agency as staff see it (never its key).
type Agency struct {
	ID        string    `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	KindsText string    `db:"kinds" json:"-"`
	Kinds     []string  `db:"-" json:"kinds"`
	Status    string    `db:"status" json:"status"`
	CreatedBy string    `db:"created_by" json:"created_by"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Authorization is a recorded family authorization.
type Authorization struct {
	Ref        string    `json:"ref"`
	Purpose    string    `json:"purpose"`
	Members    []string  `json:"-"` // resident ID numbers (never answered in full)
	Kinds      []string  `json:"kinds"`
	ValidUntil date.Date `json:"valid_until"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Registry keeps the agencies and their authorizations.
type Registry struct {
	db    *db.DB
	audit *audit.Log
	seal  *signing.Sealer // nil: keys stored as issued (tests of older rows)
}

// New returns the registry stored in d.
func New(d *db.DB, a *audit.Log) *Registry { return &Registry{db: d, audit: a} }

func parseKinds(kinds []string) ([]string, error) {
	var out []string
	for _, k := range kinds {
		k = strings.TrimSpace(k)
		if !known(k) {
			return nil, ErrBadKinds
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, ErrBadKinds
	}
	return out, nil
}

// Register registers an agency with the kinds it may query and returns its
// signing key (shown once). Staff call it; audited as gov.agency_register.
// Errors: ErrBadID, ErrBadName, ErrBadKinds, ErrExists.
func (r *Registry) Register(ctx context.Context, id, name string, kinds []string, by string) (string, error) {
	id, name = strings.TrimSpace(id), strings.TrimSpace(name)
	if !idPattern.MatchString(id) {
		return "", ErrBadID
	}
	if name == "" || len([]rune(name)) > 100 {
		return "", ErrBadName
	}
	ks, err := parseKinds(kinds)
	if err != nil {
		return "", err
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
		_, err := tx.ExecContext(ctx, `INSERT INTO gov_agency (id, name, secret, kinds, status, created_by, created_at) VALUES (?, ?, ?, ?, 'active', ?, ?)`,
			id, name, stored, strings.Join(ks, ","), by, db.Now())
		if db.IsDuplicate(err) {
			return ErrExists.With("id", id)
		}
		if err != nil {
			return fmt.Errorf("register agency: %w", err)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: "gov.agency_register", Object: "agency:" + id,
			After: audit.Summary(map[string]string{"name": name, "kinds": strings.Join(ks, ",")})})
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Key returns the signing key of an active agency (signing.ErrInvalid
// otherwise), for the request verifier.
func (r *Registry) Key(ctx context.Context, id string) ([]byte, error) {
	var key string
	err := r.db.GetContext(ctx, &key, `SELECT secret FROM gov_agency WHERE id = ? AND status = 'active'`, id)
	if db.NoRows(err) {
		return nil, signing.ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("read agency key: %w", err)
	}
	return r.openKey(key, id)
}

// Get returns an agency (gov.not_found).
func (r *Registry) Get(ctx context.Context, id string) (*Agency, error) {
	var a Agency
	err := r.db.GetContext(ctx, &a, `SELECT id, name, kinds, status, created_by, created_at FROM gov_agency WHERE id = ?`, id)
	if db.NoRows(err) {
		return nil, errs.New(errs.NotFound, "gov.not_found", "机构未登记")
	}
	if err != nil {
		return nil, fmt.Errorf("read agency: %w", err)
	}
	a.Kinds = strings.Split(a.KindsText, ",")
	return &a, nil
}

// List returns every agency by id.
func (r *Registry) List(ctx context.Context) ([]Agency, error) {
	out := []Agency{}
	if err := r.db.SelectContext(ctx, &out, `SELECT id, name, kinds, status, created_by, created_at FROM gov_agency ORDER BY id`); err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	for i := range out {
		out[i].Kinds = strings.Split(out[i].KindsText, ",")
	}
	return out, nil
}

// Allowed refuses a kind the agency may not query (ErrKindRefused).
func (r *Registry) Allowed(ctx context.Context, agencyID, kind string) error {
	a, err := r.Get(ctx, agencyID)
	if err != nil {
		return err
	}
	if !slices.Contains(a.Kinds, kind) {
		return ErrKindRefused.With("kind", kind)
	}
	return nil
}

// AuthorizationInput is what an agency records.
type AuthorizationInput struct {
	Ref        string
	Purpose    string
	Members    []string // resident ID numbers of every family member
	Kinds      []string
	ValidUntil string // YYYY-MM-DD
}

// Record records a family authorization of the agency for kinds it may
// query, valid through ValidUntil (a business date not before today).
// Audited as gov.authorization (the members masked). Errors: ErrBadRef,
// ErrBadMembers, ErrBadKinds, ErrKindRefused, ErrBadValid, ErrRefExists.
func (r *Registry) Record(ctx context.Context, agencyID string, today date.Date, in AuthorizationInput) (*Authorization, error) {
	in.Ref = strings.TrimSpace(in.Ref)
	if !refPattern.MatchString(in.Ref) {
		return nil, ErrBadRef
	}
	if len(in.Members) == 0 || len(in.Members) > 20 {
		return nil, ErrBadMembers
	}
	var members, masked []string
	for _, m := range in.Members {
		id, err := ident.ParseResidentID(m)
		if err != nil {
			return nil, ErrBadMembers
		}
		members = append(members, id.Number())
		masked = append(masked, ident.MaskIDNumber(id.Number()))
	}
	ks, err := parseKinds(in.Kinds)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		if err := r.Allowed(ctx, agencyID, k); err != nil {
			return nil, err
		}
	}
	until, err := date.Parse(in.ValidUntil)
	if err != nil || until.Before(today) {
		return nil, ErrBadValid
	}
	purpose := strings.TrimSpace(in.Purpose)
	if len([]rune(purpose)) > 200 {
		purpose = string([]rune(purpose)[:200])
	}
	mj, _ := json.Marshal(members)
	now := db.Now()
	err = r.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO gov_authorization (agency_id, ref, purpose, members, kinds, valid_until, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, agencyID, in.Ref, purpose, string(mj), strings.Join(ks, ","), until, now)
		if db.IsDuplicate(err) {
			return ErrRefExists.With("ref", in.Ref)
		}
		if err != nil {
			return fmt.Errorf("record authorization: %w", err)
		}
		_, err = r.audit.Append(ctx, tx, audit.Record{Action: "gov.authorization", Object: "agency:" + agencyID + "/" + in.Ref,
			After: audit.Summary(map[string]any{"members": masked, "kinds": ks, "valid_until": until.String()})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Authorization{Ref: in.Ref, Purpose: purpose, Members: members, Kinds: ks, ValidUntil: until, RecordedAt: now}, nil
}

// Authorize finds the agency's authorization ref and checks that it is in
// force on today, covers kind and lists every member (normalised resident ID
// numbers). Errors: ErrNoAuth, ErrAuthExpired, ErrNotAuthKind,
// ErrNotAuthorMem.
func (r *Registry) Authorize(ctx context.Context, agencyID, ref, kind string, today date.Date, members []string) error {
	var row struct {
		Members    string    `db:"members"`
		Kinds      string    `db:"kinds"`
		ValidUntil date.Date `db:"valid_until"`
	}
	err := r.db.GetContext(ctx, &row, `SELECT members, kinds, valid_until FROM gov_authorization WHERE agency_id = ? AND ref = ?`, agencyID, ref)
	if db.NoRows(err) || ref == "" {
		return ErrNoAuth
	}
	if err != nil {
		return fmt.Errorf("read authorization: %w", err)
	}
	if row.ValidUntil.Before(today) {
		return ErrAuthExpired
	}
	if !slices.Contains(strings.Split(row.Kinds, ","), kind) {
		return ErrNotAuthKind.With("kind", kind)
	}
	var listed []string
	if err := json.Unmarshal([]byte(row.Members), &listed); err != nil {
		return fmt.Errorf("authorization members: %w", err)
	}
	for _, m := range members {
		if !slices.Contains(listed, m) {
			return ErrNotAuthorMem
		}
	}
	return nil
}
