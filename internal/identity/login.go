package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/kv"
)

// Principal is who a session acts for.
type Principal struct {
	Kind      string `json:"kind"`       // "staff" or "agent" (a person acting for a unit)
	SubjectID int64  `json:"subject_id"` // staff_user.id or person.id
	Subject   string `json:"subject"`    // casbin subject: "staff:<username>" or "person:<id>"
	Name      string `json:"name"`
	UnitNo    string `json:"unit_no,omitempty"` // agents: the unit they act for
}

// Lockout policy: after MaxFailures wrong passwords or codes in a row the
// credential is locked for LockFor.
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
)

// Errors of login. A wrong login name, password or code all give
// ErrBadCredentials so callers cannot tell which factor failed.
var (
	ErrBadCredentials = errs.New(errs.Unauthenticated, "identity.bad_credentials", "用户名、密码或动态口令不正确")
	ErrLocked         = errs.New(errs.Unauthenticated, "identity.locked", "连续登录失败次数过多，账户已暂时锁定，请 15 分钟后再试")
	ErrNotAgent       = errs.New(errs.Unauthenticated, "identity.not_agent", "您不是该单位的经办人，或单位账号不正确")
)

// Service checks credentials and keeps sessions.
type Service struct {
	db     *db.DB
	kv     kv.Store
	audit  *audit.Log
	access *access.Enforcer
	now    func() time.Time
	// dummyHash makes unknown logins cost as much as wrong passwords.
	dummyHash string
}

// New returns the identity service.
func New(d *db.DB, store kv.Store, a *audit.Log, en *access.Enforcer) (*Service, error) {
	h, err := HashPassword("not-a-real-password")
	if err != nil {
		return nil, err
	}
	return &Service{db: d, kv: store, audit: a, access: en, now: time.Now, dummyHash: h}, nil
}

type credentialRow struct {
	ID           int64      `db:"id"`
	SubjectID    int64      `db:"subject_id"`
	PasswordHash string     `db:"password_hash"`
	TOTPSecret   string     `db:"totp_secret"`
	Failed       int        `db:"failed_logins"`
	LockedUntil  *time.Time `db:"locked_until"`
}

// LoginStaff checks a staff member's username, password and TOTP code (always
// required) and returns the principal. Failures are audited.
func (s *Service) LoginStaff(ctx context.Context, username, password, code string) (*Principal, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var row struct {
		credentialRow
		Name   string `db:"display_name"`
		Status string `db:"status"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT c.id, c.subject_id, c.password_hash, c.totp_secret, c.failed_logins, c.locked_until, s.display_name, s.status
		FROM staff_user s JOIN credential c ON c.subject_type = 'staff' AND c.subject_id = s.id WHERE s.username = ?`, username)
	if db.NoRows(err) || (err == nil && row.Status != "active") {
		_, _ = CheckPassword(s.dummyHash, password)
		s.auditLogin(ctx, "staff:"+username, "refused")
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("read staff credential: %w", err)
	}
	p := &Principal{Kind: "staff", SubjectID: row.SubjectID, Subject: "staff:" + username, Name: row.Name}
	if err := s.verify(ctx, row.credentialRow, password, code, true, p.Subject); err != nil {
		return nil, err
	}
	return p, nil
}

// LoginAgent checks a unit agent (单位经办人): the unit (unit number or
// unified social credit code), the agent's resident ID number, password and
// TOTP code. The person must be an agent of that unit.
func (s *Service) LoginAgent(ctx context.Context, unitCode, idNumber, password, code string) (*Principal, error) {
	id, err := ident.ParseResidentID(idNumber)
	if err != nil {
		_, _ = CheckPassword(s.dummyHash, password)
		return nil, ErrBadCredentials
	}
	var row struct {
		credentialRow
		Name   string `db:"name"`
		UnitNo string `db:"unit_no"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT c.id, c.subject_id, c.password_hash, c.totp_secret, c.failed_logins, c.locked_until, p.name, u.unit_no
		FROM person p JOIN credential c ON c.subject_type = 'person' AND c.subject_id = p.id
		JOIN unit_agent ua ON ua.person_id = p.id JOIN unit u ON u.id = ua.unit_id
		WHERE p.id_type = '01' AND p.id_number = ? AND (u.unit_no = ? OR u.uscc = ?)`, id.Number(), unitCode, strings.ToUpper(unitCode))
	if db.NoRows(err) {
		_, _ = CheckPassword(s.dummyHash, password)
		s.auditLogin(ctx, "agent:"+id.Masked(), "refused")
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("read agent credential: %w", err)
	}
	p := &Principal{Kind: "agent", SubjectID: row.SubjectID, Subject: fmt.Sprintf("person:%d", row.SubjectID), Name: row.Name, UnitNo: row.UnitNo}
	if err := s.verify(ctx, row.credentialRow, password, code, true, p.Subject); err != nil {
		return nil, err
	}
	// The unit_agent row is the source of truth; the casbin role follows it.
	if err := s.access.Grant(access.Grant{Subject: p.Subject, Role: access.RoleUnitAgent, Domain: "unit:" + p.UnitNo}); err != nil {
		return nil, fmt.Errorf("grant unit agent role: %w", err)
	}
	return p, nil
}

// verify checks lockout, password and (when required) the TOTP code with a
// replay guard, counting failures and locking the credential after
// MaxFailures.
func (s *Service) verify(ctx context.Context, c credentialRow, password, code string, needTOTP bool, subject string) error {
	now := s.now().UTC()
	if c.LockedUntil != nil && c.LockedUntil.After(now) {
		s.auditLogin(ctx, subject, "locked")
		return ErrLocked
	}
	ok, err := CheckPassword(c.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	if ok && needTOTP {
		ok = s.checkTOTP(ctx, c.ID, c.TOTPSecret, code, now)
	}
	if !ok {
		failed := c.Failed + 1
		var locked any
		if failed >= MaxFailures {
			locked = now.Add(LockFor).Truncate(time.Microsecond)
			failed = 0
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE credential SET failed_logins = ?, locked_until = ?, updated_at = ? WHERE id = ?`,
			failed, locked, db.Now(), c.ID); err != nil {
			return fmt.Errorf("count failed login: %w", err)
		}
		s.auditLogin(ctx, subject, "refused")
		if locked != nil {
			return ErrLocked
		}
		return ErrBadCredentials
	}
	if c.Failed != 0 || c.LockedUntil != nil {
		if _, err := s.db.ExecContext(ctx, `UPDATE credential SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?`, db.Now(), c.ID); err != nil {
			return fmt.Errorf("reset failed logins: %w", err)
		}
	}
	s.auditLogin(ctx, subject, audit.ResultOK)
	return nil
}

// checkTOTP validates a 6-digit code (±1 step of 30 s) and refuses a code
// whose time step was already used by this credential (replay guard in kv).
func (s *Service) checkTOTP(ctx context.Context, credID int64, secret, code string, now time.Time) bool {
	if secret == "" || len(code) != 6 {
		return false
	}
	opts := totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew*30) * time.Second)
		ok, err := totp.ValidateCustom(code, secret, at, opts)
		if err != nil || !ok {
			continue
		}
		step := at.Unix() / 30
		fresh, err := s.kv.SetNX(ctx, fmt.Sprintf("totp:%d:%d", credID, step), "1", 3*time.Minute)
		return err == nil && fresh
	}
	return false
}

func (s *Service) auditLogin(ctx context.Context, subject, result string) {
	_, _ = s.audit.Write(ctx, audit.Record{Action: "identity.login", Object: subject, Result: result})
}
