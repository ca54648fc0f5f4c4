// Package change holds the maker-checker change requests (DESIGN §6): every
// guarded change of the platform — a parameter version, a channel's switch,
// an item × channel switch, a capacity, a notice, a staff role grant — is
// submitted by a maker, fully validated at once (the validators the approval
// applies), stored with a diff (before → after, as people write the values)
// and an impact preview computed from real data, and applied only when a
// different person holding the checker permission for that kind approves it.
// Approval applies the change, the request's status and the audit record in
// one transaction; a change with a future effective date becomes a policy
// version (or a notice) with that date. Self-approval is refused for every
// role, sysadmin included.
//
// Who may do what is casbin data (internal/access): object
// access.ChangeObject(kind), action access.ActSubmit or access.ActApprove
// (approve and reject). As seeded: param — param_maker submits; channel_state,
// item_switch, capacity — channel_admin submits; notice, kb_article,
// sms_batch — param_maker or channel_admin submits; sms_template —
// param_maker submits; role_grant — sysadmin submits; param_checker approves
// every kind and another sysadmin may also approve role grants.
//
// Channel kinds become new versions of the JSON parameters channel.matrix and
// channel.capacity (the version in force on the effective date with the one
// cell changed). A key may take several changes on one effective date: each
// approval adds the next version of that date, and the latest one wins.
//
// A pending request expires ExpireAfter after its submission. Approval
// refuses a request whose "before" value is no longer the value in force
// (change.stale, the request is marked stale), one already decided
// (change.decided) and an expired one (change.expired, marked expired). Every
// submission, decision and refusal is audited.
package change

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// Kind is the kind of a change request.
type Kind string

// The kinds.
const (
	KindParam        Kind = "param"         // a new version of a parameter
	KindChannelState Kind = "channel_state" // a channel's master switch
	KindItemSwitch   Kind = "item_switch"   // an item on a channel (or on every channel, channel "*")
	KindCapacity     Kind = "capacity"      // a channel × item class admission capacity
	KindNotice       Kind = "notice"        // publishing a public notice
	KindRoleGrant    Kind = "role_grant"    // granting or revoking a staff role
	KindKBArticle    Kind = "kb_article"    // publishing, revising or withdrawing a knowledge-base article (kb.go)
	KindSMSBatch     Kind = "sms_batch"     // a batch SMS (群发) to an audience (smsbatch.go)
	KindSMSTemplate  Kind = "sms_template"  // a new text for an SMS template (smstemplate.go)
)

// Kinds lists the kinds.
func Kinds() []Kind {
	return []Kind{KindParam, KindChannelState, KindItemSwitch, KindCapacity, KindNotice, KindRoleGrant, KindKBArticle, KindSMSBatch, KindSMSTemplate}
}

func (k Kind) valid() bool {
	for _, x := range Kinds() {
		if k == x {
			return true
		}
	}
	return false
}

// Status is where a request stands.
type Status string

// The statuses. Only pending requests can be decided.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
	StatusExpired  Status = "expired" // not decided within ExpireAfter, or its effective date passed
	StatusStale    Status = "stale"   // the value in force changed after it was submitted
)

func (s Status) valid() bool {
	switch s {
	case StatusPending, StatusApproved, StatusRejected, StatusExpired, StatusStale:
		return true
	}
	return false
}

// ExpireAfter is how long a request stays pending before it expires (a
// constant rather than a parameter: changing it would itself need a change
// request, and a week covers a checker's absence over a holiday).
const ExpireAfter = 7 * 24 * time.Hour

// Limits of free text and of a List page.
const (
	MaxReason    = 500 // characters
	MaxComment   = 500 // characters
	DefaultLimit = 50
	MaxLimit     = 200
)

// Errors. Submission and decision also return the validators' own errors
// (policy.invalid_value, policy.percent_*, notice.bad_*, date.syntax…) and
// access.ErrForbidden.
var (
	ErrBadKind         = errs.New(errs.Invalid, "change.bad_kind", "变更类型应为 param、channel_state、item_switch、capacity、notice、role_grant、kb_article、sms_batch 或 sms_template")
	ErrFieldRequired   = errs.New(errs.Invalid, "change.field_required", "缺少必填项")
	ErrFieldNotAllowed = errs.New(errs.Invalid, "change.field_not_allowed", "该类变更不接受此项")
	ErrBackdated       = errs.New(errs.Invalid, "change.backdated", "生效日期不能早于当前营业日期")
	ErrReason          = errs.Newf(errs.Invalid, "change.bad_reason", "变更原因不超过 %d 个字", MaxReason)
	ErrReasonRequired  = errs.New(errs.Invalid, "change.reason_required", "请填写变更原因")
	ErrComment         = errs.Newf(errs.Invalid, "change.bad_comment", "审批意见不超过 %d 个字", MaxComment)
	ErrCommentRequired = errs.New(errs.Invalid, "change.comment_required", "驳回时请填写审批意见")
	ErrBadChannel      = errs.New(errs.Invalid, "change.bad_channel", "渠道代码不正确")
	ErrBadItem         = errs.New(errs.Invalid, "change.bad_item", "服务事项代码不在事项目录中")
	ErrBadClass        = errs.New(errs.Invalid, "change.bad_item_class", "事项类别应为 query（查询）、apply（申请）或 fund（资金）")
	ErrJSONParam       = errs.New(errs.Invalid, "change.use_channel_kinds", "渠道开关矩阵和渠道容量请通过渠道开关、事项开关或容量变更修改")
	ErrBadRole         = errs.New(errs.Invalid, "change.bad_role", "角色应为 sysadmin、param_maker、param_checker、reviewer、channel_admin、hotline_agent 或 auditor")
	ErrBadDomain       = errs.New(errs.Invalid, "change.bad_domain", "授权范围应为 *（全中心）或 branch:<网点代码>")
	ErrBadAction       = errs.New(errs.Invalid, "change.bad_action", "授权操作应为 grant（授予）或 revoke（收回）")
	ErrUnknownStaff    = errs.New(errs.Invalid, "change.unknown_staff", "没有这名工作人员")
	ErrBadTime         = errs.New(errs.Invalid, "change.bad_time", "时间格式不正确，应为 RFC 3339，例如 2026-07-01T09:00:00+08:00")
	ErrBadLimit        = errs.Newf(errs.Invalid, "change.bad_limit", "每页条数应在 1 到 %d 之间", MaxLimit)
	ErrBadStatus       = errs.New(errs.Invalid, "change.bad_status", "状态应为 pending、approved、rejected、expired 或 stale")
	ErrNoChange        = errs.New(errs.Conflict, "change.no_change", "变更后的取值与当前取值相同")
	ErrLaterVersion    = errs.New(errs.Conflict, "change.later_version", "该参数在此生效日期之后已有版本，按此日期变更会被后面的版本覆盖，请选择更晚的生效日期")
	ErrNotFound        = errs.New(errs.NotFound, "change.not_found", "没有这条变更申请")
	ErrDecided         = errs.New(errs.Conflict, "change.decided", "该变更申请已处理，不能再次审批")
	ErrExpired         = errs.New(errs.Conflict, "change.expired", "该变更申请已过期，请重新提交")
	ErrStale           = errs.New(errs.Conflict, "change.stale", "提交后当前取值已被修改，该变更申请已失效，请按当前取值重新提交")
	// ErrSelfApproval: nobody decides their own request (policy's error, the same code).
	ErrSelfApproval = policy.ErrSelfApproval
	ErrSelfGrant    = errs.New(errs.Forbidden, "access.self_grant", "不能为自己授予或收回角色，也不能审批涉及自己的授权")
)

// Input is a submission, as the staff API receives it. Kind decides which
// fields apply; the others must be empty.
type Input struct {
	Kind   Kind   `json:"kind"`
	Reason string `json:"reason,omitempty"` // required for param
	// EffectiveFrom (YYYY-MM-DD) is when a param, channel_state, item_switch
	// or capacity change takes effect: empty means the business date.
	EffectiveFrom string `json:"effective_from,omitempty"`

	// param: key and the value as people write it ("12%", "1900.00").
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`

	// channel_state, item_switch, capacity: channel code; item_switch also
	// accepts "*" (the item's switch on every channel).
	Channel string `json:"channel,omitempty"`
	Item    string `json:"item,omitempty"`
	Enabled *bool  `json:"enabled,omitempty"`

	// capacity
	ItemClass string   `json:"item_class,omitempty"`
	RatePerS  *float64 `json:"rate_per_s,omitempty"`
	Burst     *int64   `json:"burst,omitempty"`

	// notice: times in RFC 3339; publish_at empty = on approval.
	Title     string   `json:"title,omitempty"`
	Body      string   `json:"body,omitempty"`
	Category  string   `json:"category,omitempty"`
	Channels  []string `json:"channels,omitempty"`
	PublishAt string   `json:"publish_at,omitempty"`
	ExpiresAt string   `json:"expires_at,omitempty"`

	// role_grant: subject "staff:<username>" (or the username), role
	// ("reviewer" or "role:reviewer"), domain ("*" when empty), action
	// "grant" or "revoke".
	Subject string `json:"subject,omitempty"`
	Role    string `json:"role,omitempty"`
	Domain  string `json:"domain,omitempty"`
	Action  string `json:"action,omitempty"`

	// kb_article: action "publish", "revise" or "withdraw"; article is the
	// id to revise or withdraw; title, body, category (kb categories) and
	// channels as for notices, plus search keywords (kb.go).
	Article  int64    `json:"article,omitempty"`
	Keywords []string `json:"keywords,omitempty"`

	// sms_batch: body (the text), audience (open_account, unit, open_loan)
	// and, for unit, the unit number (smsbatch.go). sms_template: key (the
	// notify template id) and body (its new text, smstemplate.go).
	Audience string `json:"audience,omitempty"`
	Unit     string `json:"unit,omitempty"`
}

// DiffLine is one changed value, before → after, as people write it.
type DiffLine struct {
	Field  string `json:"field"`
	Title  string `json:"title"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Impact is the preview of what a change touches, computed at submission.
type Impact struct {
	// Summary is one Chinese sentence, e.g. "新上限影响 1,234 名职工".
	Summary string `json:"summary"`
	// Count is the number the summary is about, when there is one.
	Count *int64 `json:"count,omitempty"`
	// Details lists what is touched (items that close, permissions gained…).
	Details []string `json:"details"`
}

// Request is a stored change request.
type Request struct {
	ID     int64  `json:"id"`
	Kind   Kind   `json:"kind"`
	Status Status `json:"status"`
	// Target names what changes: a parameter key, a channel, "GR-01@app",
	// "app/query", "staff:alice role:reviewer *", or the notice title.
	Target string `json:"target"`
	// Title says in Chinese what the request is about.
	Title string `json:"title"`
	// Change is the submission as people write it (kind-specific fields).
	Change        map[string]any `json:"change"`
	Diff          []DiffLine     `json:"diff"`
	Impact        Impact         `json:"impact"`
	Reason        string         `json:"reason"`
	EffectiveFrom *date.Date     `json:"effective_from,omitempty"`
	Maker         string         `json:"maker"`
	Checker       string         `json:"checker,omitempty"`
	Comment       string         `json:"comment,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	ExpiresAt     time.Time      `json:"expires_at"`
	DecidedAt     *time.Time     `json:"decided_at,omitempty"`
}

// Deps are what the service works with.
type Deps struct {
	DB     *db.DB
	Audit  *audit.Log
	Policy *policy.Store
	Dates  *bizdate.Service
	Access *access.Enforcer
	// Gate is invalidated after an approved channel change (nil: none).
	Gate *channel.Gate
	// Redis, when set, carries the "channel parameters changed" message to
	// every instance's gate (channel KeyPrefix+"gate:changed").
	Redis     *redis.Client
	KeyPrefix string
	Log       *slog.Logger
}

// Service stores and decides change requests. Safe for concurrent use; one
// per process (app.App.Changes). Close stops its subscription.
type Service struct {
	d    Deps
	log  *slog.Logger
	now  func() time.Time
	sync *gateSync
}

// New returns the service and, with Redis, subscribes to gate invalidations
// from other instances (a failed subscription is logged: gates then pick up
// changes within channel.DefaultCacheTTL).
func New(ctx context.Context, d Deps) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Policy == nil || d.Dates == nil || d.Access == nil {
		return nil, errors.New("change: DB, Audit, Policy, Dates and Access are required")
	}
	s := &Service{d: d, log: d.Log, now: time.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.sync = startGateSync(ctx, d.Gate, d.Redis, d.KeyPrefix+"gate:changed", s.log)
	return s, nil
}

// SetClock replaces the wall clock used for expiry (tests only).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Close stops the gate subscription. Safe to call more than once.
func (s *Service) Close() error {
	s.sync.close()
	return nil
}

// Submit validates in fully, computes the diff and the impact and stores a
// pending request made by actor (a casbin subject, "staff:maker"). Errors:
// access.ErrForbidden (no submit permission for the kind), ErrSelfGrant, the
// Invalid errors above and those of the validators, ErrNoChange,
// ErrLaterVersion. Refusals are audited
// (change.submit, result refused).
func (s *Service) Submit(ctx context.Context, actor string, in Input) (*Request, error) {
	p, err := s.prepare(ctx, actor, in)
	if err != nil {
		obj := "change:" + string(in.Kind)
		if !in.Kind.valid() {
			obj = "change:invalid"
		}
		s.refused(ctx, actor, "change.submit", obj, err)
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	payload, _ := json.Marshal(p.p)
	diff, _ := json.Marshal(p.diff)
	impact, _ := json.Marshal(p.impact)
	id, err := db.Get(ctx, s.d.DB, func(tx *db.Tx) (int64, error) {
		res, err := tx.ExecContext(ctx, `INSERT INTO change_request (kind, target, payload, base, diff, impact, reason,
			effective_from, status, maker, checker, comment, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?)`,
			p.kind, p.target, string(payload), p.base, string(diff), string(impact), p.reason, p.eff, StatusPending, actor,
			now, now.Add(ExpireAfter))
		if err != nil {
			return 0, fmt.Errorf("insert change request: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return 0, err
		}
		_, err = s.d.Audit.Append(ctx, tx, audit.Record{Actor: actor, Action: "change.submit", Object: object(id),
			After: audit.Summary(map[string]any{"kind": p.kind, "target": p.target, "diff": p.diff, "impact": p.impact.Summary})})
		return id, err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Approve applies request id for actor, who must hold the approve permission
// for its kind and must not be its maker, in one transaction with the status
// and the audit record; then it invalidates the gates (channel kinds) or
// reloads the access policy (role grants) on every instance.
//
// Errors: ErrNotFound; ErrSelfApproval, ErrSelfGrant, access.ErrForbidden;
// ErrDecided; ErrExpired (marked expired); ErrStale (marked stale);
// policy.ErrVersionExists and ErrLaterVersion (left pending). Refusals are
// audited (change.approve, result refused).
func (s *Service) Approve(ctx context.Context, actor string, id int64, comment string) (*Request, error) {
	return s.decide(ctx, actor, id, comment, true)
}

// Reject closes request id as rejected with the comment (required), under
// the same rules as Approve except that stale requests may be rejected.
func (s *Service) Reject(ctx context.Context, actor string, id int64, comment string) (*Request, error) {
	return s.decide(ctx, actor, id, comment, false)
}

func (s *Service) decide(ctx context.Context, actor string, id int64, comment string, approve bool) (*Request, error) {
	action := "change.reject"
	if approve {
		action = "change.approve"
	}
	comment = strings.TrimSpace(comment)
	if err := checkText(comment, MaxComment, ErrComment, "comment"); err != nil {
		s.refused(ctx, actor, action, object(id), err)
		return nil, err
	}
	if !approve && comment == "" {
		err := ErrCommentRequired.With("field", "comment")
		s.refused(ctx, actor, action, object(id), err)
		return nil, err
	}
	var (
		refusal error
		after   func()
	)
	err := s.d.DB.InTx(ctx, func(tx *db.Tx) error {
		refusal, after = nil, nil
		// Approvals run one at a time: each reads the version it builds on
		// after the previous one committed.
		if _, err := tx.ExecContext(ctx, `UPDATE change_lock SET approved = approved + 1 WHERE id = 1`); err != nil {
			return fmt.Errorf("lock approvals: %w", err)
		}
		var r row
		err := tx.GetContext(ctx, &r, `SELECT `+rowCols+` FROM change_request WHERE id = ?`+tx.Dialect.ForUpdate(), id)
		if db.NoRows(err) {
			return ErrNotFound.With("id", id)
		}
		if err != nil {
			return fmt.Errorf("read change request: %w", err)
		}
		refuse := func(e error, status Status) error {
			refusal = e
			if status != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE change_request SET status = ?, decided_at = ? WHERE id = ?`,
					status, db.Now(), id); err != nil {
					return err
				}
			}
			_, err := s.d.Audit.Append(ctx, tx, refusalRecord(actor, action, object(id), e))
			return err
		}
		if strings.EqualFold(r.Maker, actor) {
			return refuse(ErrSelfApproval.With("id", id), "")
		}
		if err := s.allowed(actor, Kind(r.Kind), access.ActApprove); err != nil {
			return refuse(err, "")
		}
		if Status(r.Status) != StatusPending {
			return refuse(ErrDecided.With("id", id).With("status", r.Status), "")
		}
		now := s.now()
		if !now.Before(r.ExpiresAt) {
			return refuse(ErrExpired.With("id", id), StatusExpired)
		}
		var p payload
		if err := json.Unmarshal([]byte(r.Payload), &p); err != nil {
			return fmt.Errorf("change request %d payload: %w", id, err)
		}
		if Kind(r.Kind) == KindRoleGrant && strings.EqualFold(p.Subject, actor) {
			return refuse(ErrSelfGrant.With("id", id), "")
		}
		if approve {
			if e, status, err := s.check(ctx, tx, Kind(r.Kind), p, r); err != nil {
				return err
			} else if e != nil {
				return refuse(e, status)
			}
			if after, err = s.apply(ctx, tx, Kind(r.Kind), p, r, actor); err != nil {
				return err
			}
		}
		st := StatusRejected
		if approve {
			st = StatusApproved
		}
		if _, err := tx.ExecContext(ctx, `UPDATE change_request SET status = ?, checker = ?, comment = ?, decided_at = ? WHERE id = ?`,
			st, actor, comment, db.Now(), id); err != nil {
			return fmt.Errorf("decide change request: %w", err)
		}
		_, err = s.d.Audit.Append(ctx, tx, audit.Record{Actor: actor, Action: action, Object: object(id),
			Before: audit.Summary(map[string]any{"status": r.Status, "maker": r.Maker}),
			After:  audit.Summary(map[string]any{"status": st, "kind": r.Kind, "target": r.Target, "comment": comment})})
		return err
	})
	if err != nil {
		if e := errs.E(err); e.Kind != errs.Internal && e.Kind != errs.Unavailable {
			s.refused(ctx, actor, action, object(id), err)
		}
		return nil, err
	}
	if refusal != nil {
		return nil, refusal
	}
	if after != nil {
		after()
	}
	return s.Get(ctx, id)
}

// Get returns request id. Errors: ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (*Request, error) {
	var r row
	err := s.d.DB.GetContext(ctx, &r, `SELECT `+rowCols+` FROM change_request WHERE id = ?`, id)
	if db.NoRows(err) {
		return nil, ErrNotFound.With("id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read change request: %w", err)
	}
	return s.request(r), nil
}

// Filter selects requests for List; empty fields match everything.
type Filter struct {
	Status Status
	Kind   Kind
	// Limit is the page size (0: DefaultLimit, at most MaxLimit).
	Limit int
	// Before, when > 0, lists only requests with a smaller id (next page).
	Before int64
}

// List returns requests, newest first. A pending request past its expiry is
// listed (and filtered) as expired. Errors: ErrBadStatus, ErrBadKind,
// ErrBadLimit.
func (s *Service) List(ctx context.Context, f Filter) ([]Request, error) {
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return nil, ErrBadLimit.With("parameter", "limit")
	}
	q := `SELECT ` + rowCols + ` FROM change_request WHERE 1 = 1`
	var args []any
	now := s.now().UTC()
	switch {
	case f.Status == "":
	case !f.Status.valid():
		return nil, ErrBadStatus.With("parameter", "status")
	case f.Status == StatusPending:
		q, args = q+` AND status = ? AND expires_at > ?`, append(args, StatusPending, now)
	case f.Status == StatusExpired:
		q, args = q+` AND (status = ? OR (status = ? AND expires_at <= ?))`, append(args, StatusExpired, StatusPending, now)
	default:
		q, args = q+` AND status = ?`, append(args, f.Status)
	}
	if f.Kind != "" {
		if !f.Kind.valid() {
			return nil, ErrBadKind.With("parameter", "kind")
		}
		q, args = q+` AND kind = ?`, append(args, f.Kind)
	}
	if f.Before > 0 {
		q, args = q+` AND id < ?`, append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(f.Limit)
	var rows []row
	if err := s.d.DB.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("list change requests: %w", err)
	}
	out := make([]Request, 0, len(rows))
	for _, r := range rows {
		out = append(out, *s.request(r))
	}
	return out, nil
}

// row is a change_request row.
type row struct {
	ID            int64      `db:"id"`
	Kind          string     `db:"kind"`
	Target        string     `db:"target"`
	Payload       string     `db:"payload"`
	Base          string     `db:"base"`
	Diff          string     `db:"diff"`
	Impact        string     `db:"impact"`
	Reason        string     `db:"reason"`
	EffectiveFrom *date.Date `db:"effective_from"`
	Status        string     `db:"status"`
	Maker         string     `db:"maker"`
	Checker       string     `db:"checker"`
	Comment       string     `db:"comment"`
	CreatedAt     time.Time  `db:"created_at"`
	ExpiresAt     time.Time  `db:"expires_at"`
	DecidedAt     *time.Time `db:"decided_at"`
}

const rowCols = `id, kind, target, payload, base, diff, impact, reason, effective_from, status, maker, checker, comment,
	created_at, expires_at, decided_at`

func (s *Service) request(r row) *Request {
	out := &Request{ID: r.ID, Kind: Kind(r.Kind), Status: Status(r.Status), Target: r.Target, Reason: r.Reason,
		EffectiveFrom: r.EffectiveFrom, Maker: r.Maker, Checker: r.Checker, Comment: r.Comment,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Diff: []DiffLine{}}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		out.DecidedAt = &t
	}
	if out.Status == StatusPending && !s.now().Before(out.ExpiresAt) {
		out.Status = StatusExpired
	}
	_ = json.Unmarshal([]byte(r.Diff), &out.Diff)
	_ = json.Unmarshal([]byte(r.Impact), &out.Impact)
	if out.Impact.Details == nil {
		out.Impact.Details = []string{}
	}
	var p payload
	_ = json.Unmarshal([]byte(r.Payload), &p)
	out.Title, out.Change = describe(out.Kind, p, r.EffectiveFrom)
	return out
}

// allowed checks actor's permission for kind and act (access.ErrForbidden).
func (s *Service) allowed(actor string, kind Kind, act string) error {
	return s.d.Access.Check(actor, access.Center, access.ChangeObject(string(kind)), act)
}

// refused audits a refused attempt in a transaction of its own.
func (s *Service) refused(ctx context.Context, actor, action, obj string, err error) {
	if _, aerr := s.d.Audit.Write(ctx, refusalRecord(actor, action, obj, err)); aerr != nil {
		s.log.Warn("change: refusal not audited", "action", action, "error", aerr.Error())
	}
}

func refusalRecord(actor, action, obj string, err error) audit.Record {
	return audit.Record{Actor: actor, Action: action, Object: truncate(obj, audit.MaxObject), Result: audit.ResultRefused,
		After: audit.Summary(map[string]any{"code": errs.CodeOf(err)})}
}

func object(id int64) string { return "change:" + strconv.FormatInt(id, 10) }

// checkText checks free text: valid UTF-8, at most max characters.
func checkText(s string, max int, e *errs.Error, field string) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return e.With("field", field)
	}
	return nil
}
