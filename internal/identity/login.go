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
	"gjj/internal/exchange"
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
	// Level is the real-name level of a person's session (DESIGN §5): 1
	// registered, 2 real-name verified. Level 3 is per operation (StepUp).
	Level int `json:"level,omitempty"`
}

// PersonID is the person a "person" or "agent" principal stands for (0 for staff).
func (p *Principal) PersonID() int64 {
	if p == nil || p.Kind == "staff" {
		return 0
	}
	return p.SubjectID
}

// Lockout policy: after SlowAfter wrong passwords or codes in a row each
// further try must wait SlowDelay after the last failure (a delay in place of a
// captcha); after MaxFailures the credential is locked for LockFor.
const (
	SlowAfter   = 3
	SlowDelay   = 30 * time.Second
	MaxFailures = 5
	LockFor     = 15 * time.Minute
)

// Errors of login. A wrong login name, password or code all give
// ErrBadCredentials so callers cannot tell which factor failed. Staff and
// agent logins (TOTP) answer kv.unavailable while the key-value store that
// guards TOTP replays is away; that is not counted as a failure.
var (
	ErrBadCredentials = errs.New(errs.Unauthenticated, "identity.bad_credentials", "用户名、密码或动态口令不正确")
	ErrLocked         = errs.New(errs.Unauthenticated, "identity.locked", "连续登录失败次数过多，账户已暂时锁定，请 15 分钟后再试")
	ErrNotAgent       = errs.New(errs.Unauthenticated, "identity.not_agent", "您不是该单位的经办人，或单位账号不正确")
	ErrSlowDown       = errs.New(errs.Busy, "identity.retry_later", "登录失败次数较多，请稍后再试")
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
	// SMS sends the OTPs and account notices; set by the wiring (nil: OTPs
	// cannot be sent and their requests answer identity.sms_unavailable).
	SMS SMSFunc
	// RealName checks bank cards and faces for level L2; set by the wiring.
	RealName exchange.RealName
}

// SetClock replaces the wall clock (tests and demos only).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

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
	LastFailed   *time.Time `db:"last_failed_at"`
}

const credentialCols = `c.id, c.subject_id, c.password_hash, c.totp_secret, c.failed_logins, c.locked_until, c.last_failed_at`

// LoginStaff checks a staff member's username, password and TOTP code (always
// required) and returns the principal. Failures are audited.
func (s *Service) LoginStaff(ctx context.Context, username, password, code string) (*Principal, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var row struct {
		credentialRow
		Name   string `db:"display_name"`
		Status string `db:"status"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT `+credentialCols+`, s.display_name, s.status
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
	err = s.db.GetContext(ctx, &row, `SELECT `+credentialCols+`, p.name, u.unit_no
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
		return ErrLocked.With("retry_after_s", int(c.LockedUntil.Sub(now).Seconds())+1)
	}
	if c.Failed >= SlowAfter && c.LastFailed != nil {
		if wait := c.LastFailed.Add(SlowDelay).Sub(now); wait > 0 {
			return ErrSlowDown.With("retry_after_s", int(wait.Seconds())+1)
		}
	}
	ok, err := CheckPassword(c.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	if ok && needTOTP {
		// The replay guard lives in the key-value store: while it is away
		// the login is refused as unavailable (fail closed), not counted
		// as a wrong code, so an outage never locks credentials.
		if ok, err = s.checkTOTP(ctx, c.ID, c.TOTPSecret, code, now); err != nil {
			return err
		}
	}
	if !ok {
		locked, err := s.countFailure(ctx, c.ID, now)
		if err != nil {
			return err
		}
		s.auditLogin(ctx, subject, "refused")
		if locked {
			return ErrLocked.With("retry_after_s", int(LockFor.Seconds()))
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

// countFailure adds one failure to the credential atomically (concurrent wrong
// tries all count) and locks it when the count reaches MaxFailures; it
// reports whether this failure locked it.
func (s *Service) countFailure(ctx context.Context, credID int64, now time.Time) (bool, error) {
	at := now.Truncate(time.Microsecond)
	if _, err := s.db.ExecContext(ctx, `UPDATE credential SET failed_logins = failed_logins + 1, last_failed_at = ?, updated_at = ? WHERE id = ?`,
		at, db.Now(), credID); err != nil {
		return false, fmt.Errorf("count failed login: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE credential SET failed_logins = 0, locked_until = ?, updated_at = ? WHERE id = ? AND failed_logins >= ?`,
		now.Add(LockFor).Truncate(time.Microsecond), db.Now(), credID, MaxFailures)
	if err != nil {
		return false, fmt.Errorf("lock credential: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// checkTOTP validates a 6-digit code (±1 step of 30 s) and refuses a code
// whose time step was already used by this credential (replay guard in kv).
// The error is the key-value store's (kv.unavailable) when the guard cannot
// be checked.
func (s *Service) checkTOTP(ctx context.Context, credID int64, secret, code string, now time.Time) (bool, error) {
	if secret == "" {
		return false, nil
	}
	step, ok := totpStep(secret, code, now)
	if !ok {
		return false, nil
	}
	return s.claimTOTPStep(ctx, credID, step)
}

// totpPeriod is the TOTP time step in seconds.
const totpPeriod = 30

// totpStep reports the time step (Unix time / 30) at which the 6-digit code
// is valid for secret, trying now, the step before and the step after.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew*totpPeriod) * time.Second)
		if ok, err := totp.ValidateCustom(code, secret, at, opts); err == nil && ok {
			return at.Unix() / totpPeriod, true
		}
	}
	return 0, false
}

// claimTOTPStep marks the credential's time step as used (the replay guard
// of staff and agent login and of TOTP enrolment): true when it was not used
// yet. The mark outlives the ±1 step window.
func (s *Service) claimTOTPStep(ctx context.Context, credID, step int64) (bool, error) {
	return s.kv.SetNX(ctx, fmt.Sprintf("totp:%d:%d", credID, step), "1", 3*time.Minute)
}

func (s *Service) auditLogin(ctx context.Context, subject, result string) {
	_, _ = s.audit.Write(ctx, audit.Record{Action: "identity.login", Object: subject, Result: result})
}
