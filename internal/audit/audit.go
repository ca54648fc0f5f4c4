// Package audit is the platform's append-only, hash-chained operation log
// (留痕). Every guarded operation appends one Record in the same transaction as
// the business change it describes, so both commit or roll back together.
//
// # Chain
//
// Rows are numbered seq = 1, 2, 3, … without gaps. Each row stores the hash of
// the previous row (prev_hash; 64 zeros for seq 1) and its own hash, the
// lowercase hex SHA-256 of this canonical encoding:
//
//	"gjj.audit.v1"
//	then for each field, in this order: an 8-byte big-endian byte length, then the UTF-8 bytes
//	  seq (decimal), at (UTC, "2006-01-02T15:04:05.000000Z"), actor, channel, action, object,
//	  summary_before, summary_after, request_id, result, prev_hash
//
// Length prefixes keep field boundaries fixed: moving text from one field to
// the next changes the hash. The single audit_head row holds the seq and hash
// of the last row; Append locks it, which serialises appends platform-wide.
// Verify recomputes the chain and compares it with the head. Operators should
// record the head hash printed by `gjj audit verify` outside the database:
// a chain can only prove that nothing changed up to a head recorded elsewhere.
//
// # What may be written
//
// Before and After are short summaries of the object's state, typically
// compact JSON of the changed fields. They, and every other field, must never
// contain passwords, OTPs, tokens, secrets or full ID numbers, phone numbers or
// bank card numbers: mask them (110105********002X, 138****0000, ****1234)
// before building a Record. The log cannot tell a secret from a summary, and
// rows can never be edited afterwards.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// Results commonly recorded in Record.Result.
const (
	ResultOK      = "ok"      // the operation took effect
	ResultRefused = "refused" // a rule or permission refused it
	ResultFailed  = "failed"  // it failed for another reason
)

// Column limits, in characters, of the audit_log table. Append refuses longer
// values with an errs.Invalid error instead of letting the store truncate or
// reject them.
const (
	MaxActor     = 64
	MaxChannel   = 16
	MaxAction    = 64
	MaxObject    = 128
	MaxRequestID = 64
	MaxResult    = 16
	// MaxSummary is the limit, in bytes, of Before and After (a MySQL TEXT column).
	MaxSummary = 65535
)

// GenesisHash is the prev_hash of the first row and the head hash of an empty log.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeFormat is the fixed layout of At inside the hash (always UTC, microseconds).
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Record is one audited operation.
//
// On Append, At is always set by the log (db.Now(), taken after the chain is
// locked) so rows are stamped in seq order; Actor, Channel and RequestID are
// filled from reqctx when empty; an empty Result means ResultOK. Action is
// required (dotted, e.g. "bizdate.set"); Object names what was acted on (e.g.
// "business_date", "person:123").
//
// Before and After are short state summaries, typically compact JSON. Never
// put passwords, OTPs, tokens or full ID/phone/card numbers in any field.
type Record struct {
	At        time.Time
	Actor     string
	Channel   string
	Action    string
	Object    string
	Before    string
	After     string
	RequestID string
	Result    string
}

// Entry is a stored Record with its place in the chain.
type Entry struct {
	Seq int64
	Record
	PrevHash string
	Hash     string
}

// Log appends to and reads the audit trail. A Log is safe for concurrent use.
type Log struct {
	d *db.DB
}

// New returns the audit log stored in d.
func New(d *db.DB) *Log { return &Log{d: d} }

// Append adds r to the log inside the caller's transaction tx and returns its
// sequence number; the row becomes visible only when tx commits and vanishes
// if tx rolls back. It locks the chain head until tx ends, so call it as the
// last statement of the transaction to keep that lock short (every audited
// transaction of the platform waits for it).
//
// Any service may call it. Errors: errs.Invalid (codes "audit.action_required",
// "audit.field_too_long", "audit.field_invalid") when r does not fit the
// table; store errors otherwise (retryable ones are retried by db.InTx).
func (l *Log) Append(ctx context.Context, tx *db.Tx, r Record) (seq int64, err error) {
	if tx == nil {
		return 0, errors.New("audit: Append needs a transaction")
	}
	r = fill(ctx, r)
	if err := validate(r); err != nil {
		return 0, err
	}
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := tx.GetContext(ctx, &head, "SELECT seq, hash FROM audit_head WHERE id = 1"+tx.Dialect.ForUpdate()); err != nil {
		if db.NoRows(err) {
			return 0, errors.New("audit: audit_head row is missing; the chain cannot continue (run `gjj audit verify`)")
		}
		return 0, fmt.Errorf("audit: lock head: %w", err)
	}
	r.At = db.Now()
	e := Entry{Seq: head.Seq + 1, Record: r, PrevHash: head.Hash}
	e.Hash = hashOf(e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, actor, channel, action, object, summary_before, summary_after, request_id, result, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.Actor, e.Channel, e.Action, e.Object, e.Before, e.After, e.RequestID, e.Result, e.PrevHash, e.Hash); err != nil {
		return 0, fmt.Errorf("audit: insert seq %d: %w", e.Seq, err)
	}
	res, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?", e.Seq, e.Hash, head.Seq)
	if err != nil {
		return 0, fmt.Errorf("audit: move head: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n != 1 {
		return 0, fmt.Errorf("audit: head moved under a held lock (seq %d)", head.Seq)
	}
	return e.Seq, nil
}

// Write appends r in a transaction of its own, for events that change nothing
// else in the store (a refused request, a login, a failed attempt). Anyone may
// call it; errors are those of Append.
func (l *Log) Write(ctx context.Context, r Record) (seq int64, err error) {
	err = l.d.InTx(ctx, func(tx *db.Tx) error {
		s, err := l.Append(ctx, tx, r)
		seq = s
		return err
	})
	return seq, err
}

// Filter selects entries for List. Empty strings match everything.
type Filter struct {
	Object string
	Actor  string
	Action string
	// ObjectsFrom, when set, keeps only entries whose object is one of the
	// values the SQL subquery returns (e.g. every account of a unit); its
	// placeholders take ObjectsArgs. It is for trusted code in this
	// repository, never built from user input.
	ObjectsFrom string
	ObjectsArgs []any
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
	// BeforeSeq, when > 0, returns only entries with seq < BeforeSeq (the next
	// page starts before the smallest seq of the previous one).
	BeforeSeq int64
}

// DefaultLimit and MaxLimit bound a List page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List returns entries matching f, newest (highest seq) first. It is for the
// admin console's audit-trail view; callers must check the viewer may see the
// trail. Errors: errs.Invalid "audit.limit" for a negative or too large limit;
// store errors otherwise.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit < 0 || f.Limit > MaxLimit {
		return nil, errs.Newf(errs.Invalid, "audit.limit", "每页条数应在 1 到 %d 之间", MaxLimit)
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	var where []string
	var args []any
	if f.Object != "" {
		where, args = append(where, "object = ?"), append(args, f.Object)
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.ObjectsFrom != "" {
		where, args = append(where, "object IN ("+f.ObjectsFrom+")"), append(args, f.ObjectsArgs...)
	}
	if f.BeforeSeq > 0 {
		where, args = append(where, "seq < ?"), append(args, f.BeforeSeq)
	}
	q := selectRows
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT " + strconv.Itoa(f.Limit)
	var rows []row
	if err := l.d.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

const selectRows = `SELECT seq, at, actor, channel, action, object, summary_before, summary_after,
	request_id, result, prev_hash, hash FROM audit_log`

type row struct {
	Seq       int64     `db:"seq"`
	At        time.Time `db:"at"`
	Actor     string    `db:"actor"`
	Channel   string    `db:"channel"`
	Action    string    `db:"action"`
	Object    string    `db:"object"`
	Before    string    `db:"summary_before"`
	After     string    `db:"summary_after"`
	RequestID string    `db:"request_id"`
	Result    string    `db:"result"`
	PrevHash  string    `db:"prev_hash"`
	Hash      string    `db:"hash"`
}

func (r row) entry() Entry {
	return Entry{
		Seq: r.Seq,
		Record: Record{
			At: r.At.UTC(), Actor: r.Actor, Channel: r.Channel, Action: r.Action, Object: r.Object,
			Before: r.Before, After: r.After, RequestID: r.RequestID, Result: r.Result,
		},
		PrevHash: r.PrevHash,
		Hash:     r.Hash,
	}
}

func fill(ctx context.Context, r Record) Record {
	if r.Actor == "" || r.Channel == "" {
		a := reqctx.ActorOf(ctx)
		if r.Actor == "" {
			r.Actor = a.ID
		}
		if r.Channel == "" {
			r.Channel = a.Channel
		}
	}
	if r.RequestID == "" {
		r.RequestID = reqctx.RequestID(ctx)
	}
	if r.Result == "" {
		r.Result = ResultOK
	}
	return r
}

func validate(r Record) error {
	if r.Action == "" {
		return errs.New(errs.Invalid, "audit.action_required", "审计记录缺少操作名称")
	}
	short := []struct {
		name, v string
		max     int
	}{
		{"actor", r.Actor, MaxActor},
		{"channel", r.Channel, MaxChannel},
		{"action", r.Action, MaxAction},
		{"object", r.Object, MaxObject},
		{"request_id", r.RequestID, MaxRequestID},
		{"result", r.Result, MaxResult},
	}
	for _, f := range short {
		if !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, unicode.IsControl) {
			return errs.Newf(errs.Invalid, "audit.field_invalid", "审计记录字段 %s 含有无效字符", f.name).With("field", f.name)
		}
		if utf8.RuneCountInString(f.v) > f.max {
			return errs.Newf(errs.Invalid, "audit.field_too_long", "审计记录字段 %s 过长（最多 %d 个字符）", f.name, f.max).
				With("field", f.name).With("max", f.max)
		}
	}
	for _, f := range []struct{ name, v string }{{"before", r.Before}, {"after", r.After}} {
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return errs.Newf(errs.Invalid, "audit.field_invalid", "审计记录字段 %s 含有无效字符", f.name).With("field", f.name)
		}
		if len(f.v) > MaxSummary {
			return errs.Newf(errs.Invalid, "audit.field_too_long", "审计记录字段 %s 过长（最多 %d 字节）", f.name, MaxSummary).
				With("field", f.name).With("max", MaxSummary)
		}
	}
	return nil
}

// hashOf is the chain hash of e (see the package documentation).
func hashOf(e Entry) string {
	h := sha256.New()
	h.Write([]byte("gjj.audit.v1"))
	var n [8]byte
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(TimeFormat),
		e.Actor, e.Channel, e.Action, e.Object, e.Before, e.After, e.RequestID, e.Result, e.PrevHash,
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Summary encodes v as compact JSON for Record.Before/After. Use it instead of
// splicing strings so free text cannot forge fields; values that cannot be
// encoded yield `{"unencodable":true}`.
func Summary(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return `{"unencodable":true}`
	}
	return string(b)
}
