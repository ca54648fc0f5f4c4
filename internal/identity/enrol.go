package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Staff TOTP enrolment: Start makes a new secret and its otpauth URL and QR
// code; Confirm checks a code of the new secret before it replaces the old
// one. Pending enrolments live in the key-value store for EnrolmentTTL; after
// EnrolmentTries wrong codes an enrolment is void.
const (
	EnrolmentTTL   = 10 * time.Minute
	EnrolmentTries = 5
)

// Errors of enrolment.
var (
	ErrEnrolmentNotFound = errs.New(errs.NotFound, "totp.enrolment_not_found", "没有这次动态口令绑定，或已过期、已完成，请重新开始")
	ErrTOTPWrong         = errs.New(errs.Invalid, "totp.code_wrong", "动态口令不正确，请输入验证器上显示的 6 位数字")
	ErrTOTPUsed          = errs.New(errs.Invalid, "totp.code_used", "该动态口令已使用过，请等待验证器显示下一个口令")
	ErrUnknownStaff      = errs.New(errs.NotFound, "totp.unknown_staff", "没有这名工作人员")
)

// Enrolments enrols staff TOTP secrets with the identity service's store,
// key-value store (pending enrolments and the TOTP replay guard shared with
// LoginStaff), audit log, access control and clock. Safe for concurrent use.
type Enrolments struct {
	s      *Service
	issuer string
}

// NewEnrolments returns the enrolment service; issuer is the name shown in
// authenticator apps (the center's name; "" = 住房公积金).
func NewEnrolments(s *Service, issuer string) *Enrolments {
	if issuer == "" {
		issuer = "住房公积金"
	}
	return &Enrolments{s: s, issuer: issuer}
}

// Enrolment is a started enrolment: what the staff member scans.
type Enrolment struct {
	ID       string    `json:"id"`
	Username string    `json:"username"`
	Secret   string    `json:"secret"` // base32, for typing in by hand
	URL      string    `json:"otpauth_url"`
	QRPNG    []byte    `json:"-"` // the URL as a QR code, PNG
	Expires  time.Time `json:"expires_at"`
}

type pendingEnrolment struct {
	Username string `json:"username"`
	CredID   int64  `json:"credential_id"`
	Secret   string `json:"secret"`
	By       string `json:"by"`
}

// Start begins an enrolment for username (empty: the actor's own) by actor
// ("staff:<username>"): enrolling someone else needs access.ObjStaffTOTP /
// access.ActEnrol (sysadmin). Nothing changes until Confirm. Errors:
// access.ErrForbidden, ErrUnknownStaff. Audited (totp.enrol_start).
func (e *Enrolments) Start(ctx context.Context, actor, username string) (*Enrolment, error) {
	self := strings.TrimPrefix(actor, "staff:")
	username = strings.ToLower(strings.TrimSpace(username))
	if username == "" {
		username = self
	}
	if username != self {
		if err := e.s.access.Check(actor, access.Center, access.ObjStaffTOTP, access.ActEnrol); err != nil {
			e.write(ctx, actor, "totp.enrol_start", username, audit.ResultRefused, errs.CodeOf(err))
			return nil, err
		}
	}
	var credID int64
	err := e.s.db.GetContext(ctx, &credID, `SELECT c.id FROM staff_user s JOIN credential c ON c.subject_type = 'staff' AND c.subject_id = s.id
		WHERE s.username = ?`, username)
	if db.NoRows(err) {
		e.write(ctx, actor, "totp.enrol_start", username, audit.ResultRefused, ErrUnknownStaff.Code)
		return nil, ErrUnknownStaff.With("username", username)
	}
	if err != nil {
		return nil, fmt.Errorf("read staff credential: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: e.issuer, AccountName: username, Period: totpPeriod, SecretSize: 20,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("generate TOTP secret: %w", err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, fmt.Errorf("TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("TOTP QR code: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	id := hex.EncodeToString(b[:])
	v, _ := json.Marshal(pendingEnrolment{Username: username, CredID: credID, Secret: key.Secret(), By: actor})
	if err := e.s.kv.Set(ctx, enrolKey(id), string(v), EnrolmentTTL); err != nil {
		return nil, err
	}
	e.write(ctx, actor, "totp.enrol_start", username, audit.ResultOK, "")
	return &Enrolment{ID: id, Username: username, Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes(),
		Expires: e.s.now().Add(EnrolmentTTL).UTC().Truncate(time.Second)}, nil
}

// Confirm checks code against the enrolment's new secret (±1 time step of
// 30 s) and, when right, makes it the staff member's TOTP secret. Only the
// actor who started the enrolment may confirm it. A code's time step counts
// as used for this credential — the same replay guard as staff login — so
// neither a login nor another confirmation can reuse it. After
// EnrolmentTries wrong codes the enrolment is void. Errors:
// ErrEnrolmentNotFound, ErrTOTPWrong (tries_left), ErrTOTPUsed. Audited
// (totp.enrol, refused attempts too); the secret is never audited.
func (e *Enrolments) Confirm(ctx context.Context, actor, id, code string) (username string, err error) {
	raw, ok, err := e.s.kv.Get(ctx, enrolKey(id))
	if err != nil {
		return "", err
	}
	var p pendingEnrolment
	if !ok || json.Unmarshal([]byte(raw), &p) != nil || p.By != actor {
		e.write(ctx, actor, "totp.enrol", "enrolment", audit.ResultRefused, ErrEnrolmentNotFound.Code)
		return "", ErrEnrolmentNotFound
	}
	step, valid := totpStep(p.Secret, code, e.s.now())
	if !valid {
		n, err := e.s.kv.Incr(ctx, enrolKey(id)+":tries", EnrolmentTTL)
		if err != nil {
			return "", err
		}
		e.write(ctx, actor, "totp.enrol", p.Username, audit.ResultRefused, ErrTOTPWrong.Code)
		if n >= EnrolmentTries {
			_ = e.s.kv.Del(ctx, enrolKey(id), enrolKey(id)+":tries")
		}
		return "", ErrTOTPWrong.With("field", "code").With("tries_left", max(EnrolmentTries-n, 0))
	}
	fresh, err := e.s.claimTOTPStep(ctx, p.CredID, step)
	if err != nil {
		return "", err
	}
	if !fresh {
		e.write(ctx, actor, "totp.enrol", p.Username, audit.ResultRefused, ErrTOTPUsed.Code)
		return "", ErrTOTPUsed.With("field", "code")
	}
	err = e.s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE credential SET totp_secret = ?, updated_at = ? WHERE id = ?`, p.Secret, db.Now(), p.CredID); err != nil {
			return fmt.Errorf("store TOTP secret: %w", err)
		}
		_, err := e.s.audit.Append(ctx, tx, audit.Record{Actor: actor, Action: "totp.enrol", Object: "staff:" + p.Username,
			After: audit.Summary(map[string]any{"totp": "replaced"})})
		return err
	})
	if err != nil {
		return "", err
	}
	_ = e.s.kv.Del(ctx, enrolKey(id), enrolKey(id)+":tries")
	return p.Username, nil
}

func enrolKey(id string) string { return "totpenrol:" + id }

func (e *Enrolments) write(ctx context.Context, actor, action, username, result, code string) {
	object := "staff:" + username
	if utf8.RuneCountInString(object) > audit.MaxObject {
		object = string([]rune(object)[:audit.MaxObject])
	}
	r := audit.Record{Actor: actor, Action: action, Object: object, Result: result}
	if code != "" {
		r.After = audit.Summary(map[string]any{"code": code})
	}
	_, _ = e.s.audit.Write(ctx, r)
}
