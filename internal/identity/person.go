package identity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gjj/internal/audit"
	"gjj/internal/exchange"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// Errors of the personal identity flows. None of them says whether an ID
// number or a phone is known beyond what the three-factor match needs.
var (
	ErrFactorsMismatch    = errs.New(errs.Invalid, "identity.factors_mismatch", "姓名、证件号码与预留手机号不匹配，请核对；如预留手机号已变更，请到柜台或由单位办理变更")
	ErrTooManyAttempts    = errs.New(errs.Busy, "identity.too_many_attempts", "核验失败次数过多，请 1 小时后再试")
	ErrAlreadyRegistered  = errs.New(errs.Conflict, "identity.already_registered", "您已注册，请直接登录；忘记密码可通过“找回密码”重置")
	ErrNotRegistered      = errs.New(errs.Invalid, "identity.not_registered", "尚未注册，请先注册")
	ErrWeakPassword       = errs.New(errs.Invalid, "identity.weak_password", "密码至少 8 位，须同时包含字母和数字，且不能包含证件号码或手机号")
	ErrLevelRequired      = errs.New(errs.Forbidden, "identity.level_required", "该业务需要先完成实名认证（银行卡或人脸核验）")
	ErrBadPIN             = errs.New(errs.Invalid, "identity.bad_pin", "查询密码应为 6 位数字，且不能是相同或连续的数字")
	ErrWrongPIN           = errs.New(errs.Unauthenticated, "identity.wrong_pin", "查询密码不正确")
	ErrPINLocked          = errs.New(errs.Unauthenticated, "identity.pin_locked", "查询密码连续输错次数过多，已暂时锁定，请 15 分钟后再试")
	ErrPINNotSet          = errs.New(errs.Unauthenticated, "identity.pin_not_set", "尚未设置查询密码，请在网上服务大厅或手机APP中设置")
	ErrSameMobile         = errs.New(errs.Invalid, "identity.same_mobile", "新手机号与原预留手机号相同")
	ErrNoAccount          = errs.New(errs.NotFound, "identity.no_account", "未查询到您的住房公积金个人账户")
	ErrBadRealNameMethod  = errs.New(errs.Invalid, "identity.bad_method", "实名认证方式应为 bank_card 或 face")
	ErrBindingTaken       = errs.New(errs.Conflict, "identity.binding_taken", "该渠道账号已绑定其他用户，请先解除绑定")
	ErrNotBound           = errs.New(errs.NotFound, "identity.not_bound", "该渠道账号尚未绑定，请先登录完成绑定")
	ErrPasswordUnchanged  = errs.New(errs.Invalid, "identity.password_unchanged", "新密码不能与原密码相同")
	ErrIDNumberUnreadable = errs.New(errs.Invalid, "identity.bad_id_number", "证件号码格式不正确")
)

// factorLimit is how many three-factor mismatches an ID number may have an hour.
const factorLimit = 10

// CheckPassword policy: ≥ 8 and ≤ 64 characters, letters and digits, not
// containing the ID number or the mobile.
func checkPasswordPolicy(password, idNumber, mobile string) error {
	n := len([]rune(password))
	if n < 8 || n > 64 {
		return ErrWeakPassword.With("field", "password")
	}
	var letter, digit bool
	for _, r := range password {
		switch {
		case r < 0x20 || r == 0x7f:
			return ErrWeakPassword.With("field", "password")
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	low := strings.ToLower(password)
	if !letter || !digit || (idNumber != "" && strings.Contains(low, strings.ToLower(idNumber))) ||
		(mobile != "" && strings.Contains(low, mobile)) {
		return ErrWeakPassword.With("field", "password")
	}
	return nil
}

// personRow is a person with the reserved mobile of their current account and
// their credential, when registered.
type personRow struct {
	ID       int64  `db:"id"`
	IDType   string `db:"id_type"`
	IDNumber string `db:"id_number"`
	Name     string `db:"name"`
	Level    int    `db:"real_name_level"`
	Mobile   string `db:"reserved_mobile"`
	HasCred  int    `db:"has_cred"`
}

// current account first: open before closed, newest first.
const personSelect = `SELECT p.id, p.id_type, p.id_number, p.name, p.real_name_level, COALESCE(e.reserved_mobile, '') AS reserved_mobile,
	(SELECT COUNT(*) FROM credential c WHERE c.subject_type = 'person' AND c.subject_id = p.id) AS has_cred
	FROM person p LEFT JOIN employee_account e ON e.person_id = p.id `

const personOrder = ` ORDER BY CASE WHEN e.status IN ('03', '04', '05') THEN 1 ELSE 0 END, e.id DESC LIMIT 1`

func (s *Service) personByID(ctx context.Context, q db.Querier, id ident.ResidentID) (*personRow, error) {
	var p personRow
	err := q.GetContext(ctx, &p, personSelect+`WHERE p.id_type = '01' AND p.id_number = ?`+personOrder, id.Number())
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read person: %w", err)
	}
	return &p, nil
}

func (s *Service) personByPK(ctx context.Context, q db.Querier, personID int64) (*personRow, error) {
	var p personRow
	err := q.GetContext(ctx, &p, personSelect+`WHERE p.id = ?`+personOrder, personID)
	if db.NoRows(err) {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, fmt.Errorf("read person: %w", err)
	}
	return &p, nil
}

// matchFactors finds the person whose name, resident ID number and reserved
// mobile all match, counting mismatches per ID number (ErrTooManyAttempts
// after factorLimit an hour). Errors: ErrIDNumberUnreadable, bad phone,
// ErrFactorsMismatch.
func (s *Service) matchFactors(ctx context.Context, name, idNumber, phone string, needName bool) (*personRow, error) {
	id, err := ident.ParseResidentID(idNumber)
	if err != nil {
		return nil, errs.E(err).With("field", "id_number")
	}
	if phone, err = parsePhone(phone); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if needName && name == "" {
		return nil, errs.New(errs.Invalid, "identity.name_required", "请填写姓名").With("field", "name")
	}
	tries := "factors:" + id.Number()
	if n, err := s.counter(ctx, tries); err != nil {
		return nil, err
	} else if n >= factorLimit {
		return nil, ErrTooManyAttempts
	}
	p, err := s.personByID(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if p == nil || p.Mobile != phone || (needName && p.Name != name) {
		if _, err := s.kv.Incr(ctx, tries, time.Hour); err != nil {
			return nil, err
		}
		return nil, ErrFactorsMismatch
	}
	return p, nil
}

// CheckFactors checks the three registration factors (name, resident ID
// number, the mobile reserved on the employee account) and, when they match,
// sends a registration code to that mobile. The answer is the same whether the
// ID number is unknown or a factor differs (ErrFactorsMismatch); an ID already
// registered is ErrAlreadyRegistered only after the factors match. Sending
// limits apply (ErrOTPTooFrequent, …). Any channel may call it before
// Register.
func (s *Service) CheckFactors(ctx context.Context, name, idNumber, phone, ip string) error {
	p, err := s.matchFactors(ctx, name, idNumber, phone, true)
	if err != nil {
		return err
	}
	if p.HasCred > 0 {
		return ErrAlreadyRegistered
	}
	return s.issueOTP(ctx, PurposeRegister, p.Mobile, ip, true)
}

// SendCode answers a client's request for an SMS code (register, login, reset
// or step_up by phone only). The code is sent only when the phone is the
// reserved mobile of an account (registered, for login and reset), but the
// answer is the same either way; the sending limits apply to every phone.
// Step-up codes for a signed-in person go through SendStepUp instead.
func (s *Service) SendCode(ctx context.Context, purpose Purpose, phone, ip string) error {
	phone, err := parsePhone(phone)
	if err != nil {
		return err
	}
	var n int
	switch purpose {
	case PurposeRegister:
		err = s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM employee_account WHERE reserved_mobile = ? AND status NOT IN ('03', '04', '05')`, phone)
	case PurposeLogin, PurposeReset, PurposeStepUp:
		err = s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM employee_account e JOIN credential c ON c.subject_type = 'person' AND c.subject_id = e.person_id
			WHERE e.reserved_mobile = ? AND e.status NOT IN ('03', '04', '05')`, phone)
	default:
		return errs.New(errs.Invalid, "identity.bad_purpose", "验证码用途不正确").With("field", "purpose")
	}
	if err != nil {
		return fmt.Errorf("look up phone: %w", err)
	}
	return s.issueOTP(ctx, purpose, phone, ip, n > 0)
}

// Registration is what a person types to register.
type Registration struct {
	IDNumber string
	Name     string
	Phone    string
	Code     string // the SMS code of purpose register
	Password string
}

// Register creates the person's credential: the three factors must match
// (ErrFactorsMismatch), the password meet the policy (ErrWeakPassword), the SMS
// code be right (ErrOTPWrong, ErrOTPExpired, ErrOTPUsed, ErrOTPLocked); a
// person registers once (ErrAlreadyRegistered). The person becomes level 1.
// Audited; a notice is sent to the mobile. Any channel may call it.
func (s *Service) Register(ctx context.Context, r Registration) (int64, error) {
	p, err := s.matchFactors(ctx, r.Name, r.IDNumber, r.Phone, true)
	if err != nil {
		return 0, err
	}
	if err := checkPasswordPolicy(r.Password, p.IDNumber, p.Mobile); err != nil {
		return 0, err
	}
	if p.HasCred > 0 {
		return 0, ErrAlreadyRegistered
	}
	if err := s.checkOTP(ctx, PurposeRegister, p.Mobile, strings.TrimSpace(r.Code)); err != nil {
		return 0, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return 0, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO credential (subject_type, subject_id, password_hash, totp_secret, failed_logins, password_changed_at, created_at, updated_at)
			VALUES ('person', ?, ?, '', 0, ?, ?, ?)`, p.ID, hash, now, now, now); err != nil {
			if db.IsDuplicate(err) {
				return ErrAlreadyRegistered
			}
			return fmt.Errorf("create credential: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE person SET real_name_level = 1 WHERE id = ? AND real_name_level < 1`, p.ID); err != nil {
			return fmt.Errorf("set level: %w", err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Record{Action: "identity.register", Object: personSubject(p.ID), Result: audit.ResultOK})
		return err
	})
	if err != nil {
		return 0, err
	}
	s.notice(ctx, p.Mobile, "identity.registered", map[string]string{"name": p.Name})
	return p.ID, nil
}

// LoginPerson checks a person's login (resident ID number, or the reserved
// mobile) and password on any personal channel and returns the principal
// (level 1, or 2 when real-name verified). Wrong login or password give
// ErrBadCredentials; slow-down and lockout as for every credential
// (ErrSlowDown, ErrLocked). A mobile shared by several accounts cannot log
// in by mobile.
func (s *Service) LoginPerson(ctx context.Context, login, password string) (*Principal, error) {
	login = strings.TrimSpace(login)
	var where string
	var arg string
	if id, err := ident.ParseResidentID(login); err == nil {
		where, arg = `p.id_type = '01' AND p.id_number = ?`, id.Number()
	} else if m, err := ident.ParseMobile(login); err == nil {
		where, arg = `p.id IN (SELECT person_id FROM employee_account WHERE reserved_mobile = ? AND status NOT IN ('03', '04', '05'))`, m
	} else {
		_, _ = CheckPassword(s.dummyHash, password)
		return nil, ErrBadCredentials
	}
	var rows []struct {
		credentialRow
		Name  string `db:"name"`
		Level int    `db:"real_name_level"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+credentialCols+`, p.name, p.real_name_level
		FROM person p JOIN credential c ON c.subject_type = 'person' AND c.subject_id = p.id WHERE `+where+` LIMIT 2`, arg); err != nil {
		return nil, fmt.Errorf("read person credential: %w", err)
	}
	if len(rows) != 1 {
		_, _ = CheckPassword(s.dummyHash, password)
		s.auditLogin(ctx, "person:?", "refused")
		return nil, ErrBadCredentials
	}
	r := rows[0]
	p := &Principal{Kind: "person", SubjectID: r.SubjectID, Subject: personSubject(r.SubjectID), Name: r.Name, Level: max(1, r.Level)}
	if err := s.verify(ctx, r.credentialRow, password, "", false, p.Subject); err != nil {
		return nil, err
	}
	return p, nil
}

// LoginPersonByCode logs a registered person in with the reserved mobile and
// an SMS code of purpose login (ErrBadCredentials when the phone belongs to no
// single registered person; OTP errors as checkOTP).
func (s *Service) LoginPersonByCode(ctx context.Context, phone, code string) (*Principal, error) {
	phone, err := parsePhone(phone)
	if err != nil {
		return nil, err
	}
	if err := s.checkOTP(ctx, PurposeLogin, phone, strings.TrimSpace(code)); err != nil {
		return nil, err
	}
	var rows []struct {
		ID    int64  `db:"id"`
		Name  string `db:"name"`
		Level int    `db:"real_name_level"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT p.id, p.name, p.real_name_level FROM person p
		JOIN credential c ON c.subject_type = 'person' AND c.subject_id = p.id
		WHERE p.id IN (SELECT person_id FROM employee_account WHERE reserved_mobile = ? AND status NOT IN ('03', '04', '05')) LIMIT 2`, phone); err != nil {
		return nil, fmt.Errorf("read person: %w", err)
	}
	if len(rows) != 1 {
		return nil, ErrBadCredentials
	}
	p := &Principal{Kind: "person", SubjectID: rows[0].ID, Subject: personSubject(rows[0].ID), Name: rows[0].Name, Level: max(1, rows[0].Level)}
	s.auditLogin(ctx, p.Subject, audit.ResultOK)
	return p, nil
}

// PersonPrincipal returns the principal of a registered person (for channels
// that identify a person by a binding, e.g. a WeChat openid).
func (s *Service) PersonPrincipal(ctx context.Context, personID int64) (*Principal, error) {
	p, err := s.personByPK(ctx, s.db, personID)
	if err != nil {
		return nil, err
	}
	if p.HasCred == 0 {
		return nil, ErrNotRegistered
	}
	return &Principal{Kind: "person", SubjectID: p.ID, Subject: personSubject(p.ID), Name: p.Name, Level: max(1, p.Level)}, nil
}

// Reset is a password reset: ID number, reserved mobile, an SMS code of
// purpose reset and the new password.
type Reset struct {
	IDNumber, Phone, Code, Password string
}

// ResetPassword sets a new password for a registered person whose ID number
// and reserved mobile match (ErrFactorsMismatch) after a reset code; it clears
// a lockout and revokes every session on every channel. Audited, noticed.
func (s *Service) ResetPassword(ctx context.Context, r Reset) error {
	p, err := s.matchFactors(ctx, "", r.IDNumber, r.Phone, false)
	if err != nil {
		return err
	}
	if p.HasCred == 0 {
		return ErrFactorsMismatch
	}
	if err := checkPasswordPolicy(r.Password, p.IDNumber, p.Mobile); err != nil {
		return err
	}
	if err := s.checkOTP(ctx, PurposeReset, p.Mobile, strings.TrimSpace(r.Code)); err != nil {
		return err
	}
	return s.setPassword(ctx, p, r.Password, "identity.password_reset")
}

// ChangePassword changes a signed-in person's password after checking the old
// one (ErrBadCredentials, counted like a failed login); every session on every
// channel is revoked, the caller's too (the channel starts a new one).
func (s *Service) ChangePassword(ctx context.Context, personID int64, oldPassword, newPassword string) error {
	p, err := s.personByPK(ctx, s.db, personID)
	if err != nil {
		return err
	}
	c, err := s.personCredential(ctx, personID)
	if err != nil {
		return err
	}
	if err := s.verify(ctx, *c, oldPassword, "", false, personSubject(personID)); err != nil {
		return err
	}
	if err := checkPasswordPolicy(newPassword, p.IDNumber, p.Mobile); err != nil {
		return err
	}
	if newPassword == oldPassword {
		return ErrPasswordUnchanged.With("field", "new_password")
	}
	return s.setPassword(ctx, p, newPassword, "identity.password_change")
}

func (s *Service) personCredential(ctx context.Context, personID int64) (*credentialRow, error) {
	var c credentialRow
	err := s.db.GetContext(ctx, &c, `SELECT `+credentialCols+` FROM credential c WHERE c.subject_type = 'person' AND c.subject_id = ?`, personID)
	if db.NoRows(err) {
		return nil, ErrNotRegistered
	}
	if err != nil {
		return nil, fmt.Errorf("read credential: %w", err)
	}
	return &c, nil
}

// setPassword revokes every session first (a failure leaves the old password
// in place), then stores the new hash and clears failures and lockout.
func (s *Service) setPassword(ctx context.Context, p *personRow, password, action string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := s.RevokeAll(ctx, personSubject(p.ID)); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE credential SET password_hash = ?, failed_logins = 0, locked_until = NULL, last_failed_at = NULL,
			password_changed_at = ?, updated_at = ? WHERE subject_type = 'person' AND subject_id = ?`, hash, now, now, p.ID); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Record{Action: action, Object: personSubject(p.ID), Result: audit.ResultOK})
		return err
	})
	if err != nil {
		return err
	}
	s.notice(ctx, p.Mobile, "identity.password_changed", map[string]string{"name": p.Name})
	return nil
}

// SendStepUp sends a step-up code (L3) to the signed-in person's reserved
// mobile for one operation. Sending limits apply.
func (s *Service) SendStepUp(ctx context.Context, personID int64, ip string) error {
	p, err := s.personByPK(ctx, s.db, personID)
	if err != nil {
		return err
	}
	if p.Mobile == "" {
		return ErrNoAccount
	}
	return s.issueOTP(ctx, PurposeStepUp, p.Mobile, ip, true)
}

// StepUp checks a step-up code for one operation that needs level L3 (money
// moving, card or phone changes): the session must be at least L2
// (ErrLevelRequired) and the code right (OTP errors). Core services call it
// (or the channel, right before the operation) with the session's principal.
func (s *Service) StepUp(ctx context.Context, p *Principal, code string) error {
	if p == nil || p.Kind != "person" {
		return ErrLevelRequired
	}
	if p.Level < 2 {
		return ErrLevelRequired
	}
	row, err := s.personByPK(ctx, s.db, p.SubjectID)
	if err != nil {
		return err
	}
	return s.checkOTP(ctx, PurposeStepUp, row.Mobile, strings.TrimSpace(code))
}

// RealNameProof is the evidence of a real-name check: a bank card with its
// bank-reserved mobile (method "bank_card"), or a live face image ("face").
type RealNameProof struct {
	Method     string
	CardNo     string
	BankMobile string
	FaceImage  []byte
}

// VerifyRealName raises a registered person to level 2 after a bank-card
// 4-element or a face check through exchange (exchange.ErrRealNameMismatch,
// counted against the ID like factor mismatches). A card that passed becomes
// the account's bank card. Audited. Returns the new level.
func (s *Service) VerifyRealName(ctx context.Context, personID int64, proof RealNameProof) (int, error) {
	p, err := s.personByPK(ctx, s.db, personID)
	if err != nil {
		return 0, err
	}
	if s.RealName == nil {
		return 0, errs.New(errs.Unavailable, "identity.realname_unavailable", "实名核验服务暂不可用，请稍后再试")
	}
	tries := "realname:" + p.IDNumber
	if n, err := s.counter(ctx, tries); err != nil {
		return 0, err
	} else if n >= MaxFailures {
		return 0, ErrTooManyAttempts
	}
	var card string
	switch proof.Method {
	case "bank_card":
		card = strings.ReplaceAll(strings.TrimSpace(proof.CardNo), " ", "")
		if len(card) < 12 || len(card) > 19 || !allDigits(card) {
			return 0, errs.New(errs.Invalid, "identity.bad_card", "银行卡号应为 12 至 19 位数字").With("field", "card_no")
		}
		mobile, err := parsePhone(proof.BankMobile)
		if err != nil {
			return 0, errs.E(err).With("field", "bank_mobile")
		}
		err = s.RealName.CheckBankCard4(ctx, exchange.BankCard4{Name: p.Name, IDNumber: p.IDNumber, CardNo: card, Mobile: mobile})
		if err != nil {
			return 0, s.realNameFailed(ctx, tries, err)
		}
	case "face":
		if err := s.RealName.CheckFace(ctx, p.Name, p.IDNumber, proof.FaceImage); err != nil {
			return 0, s.realNameFailed(ctx, tries, err)
		}
	default:
		return 0, ErrBadRealNameMethod.With("field", "method")
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE person SET real_name_level = 2, real_name_method = ?, real_name_at = ? WHERE id = ?`, proof.Method, now, p.ID); err != nil {
			return fmt.Errorf("set level: %w", err)
		}
		if card != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE employee_account SET bank_card = ?, updated_at = ? WHERE person_id = ? AND status NOT IN ('03', '04', '05')`,
				card, now, p.ID); err != nil {
				return fmt.Errorf("set bank card: %w", err)
			}
		}
		_, err := s.audit.Append(ctx, tx, audit.Record{Action: "identity.real_name", Object: personSubject(p.ID), Result: audit.ResultOK,
			After: audit.Summary(map[string]string{"method": proof.Method, "card": ident.MaskCard(card)})})
		return err
	})
	if err != nil {
		return 0, err
	}
	return 2, nil
}

func (s *Service) realNameFailed(ctx context.Context, tries string, err error) error {
	if errs.CodeOf(err) == exchange.ErrRealNameMismatch.Code {
		if _, ierr := s.kv.Incr(ctx, tries, time.Hour); ierr != nil {
			return ierr
		}
	}
	return err
}

// ChangeBankCard replaces the account's bank card (used for withdrawals) with
// one that passes the 4-element check for the person. It needs an L2 session
// (ErrLevelRequired) and a step-up code (L3). Audited.
func (s *Service) ChangeBankCard(ctx context.Context, p *Principal, cardNo, bankMobile, code string) error {
	if err := s.StepUp(ctx, p, code); err != nil {
		return err
	}
	_, err := s.VerifyRealName(ctx, p.SubjectID, RealNameProof{Method: "bank_card", CardNo: cardNo, BankMobile: bankMobile})
	return err
}

// SendChangeMobileCodes sends change_mobile codes to the person's reserved
// mobile and to the new number (ErrSameMobile when equal). Limits apply per phone.
func (s *Service) SendChangeMobileCodes(ctx context.Context, personID int64, newPhone, ip string) error {
	p, err := s.personByPK(ctx, s.db, personID)
	if err != nil {
		return err
	}
	if newPhone, err = parsePhone(newPhone); err != nil {
		return err
	}
	if newPhone == p.Mobile {
		return ErrSameMobile.With("field", "phone")
	}
	if err := s.issueOTP(ctx, PurposeChangeMobile, p.Mobile, ip, true); err != nil {
		return err
	}
	return s.issueOTP(ctx, PurposeChangeMobile, newPhone, "", true)
}

// ChangeMobile replaces the reserved mobile of the person's open account after
// codes sent to the old and the new number (SendChangeMobileCodes). Audited;
// the old number gets a notice.
func (s *Service) ChangeMobile(ctx context.Context, personID int64, newPhone, oldCode, newCode string) error {
	p, err := s.personByPK(ctx, s.db, personID)
	if err != nil {
		return err
	}
	if newPhone, err = parsePhone(newPhone); err != nil {
		return err
	}
	if newPhone == p.Mobile {
		return ErrSameMobile.With("field", "phone")
	}
	// Both codes must be right before either is used up.
	oldHash, err := s.matchOTP(ctx, PurposeChangeMobile, p.Mobile, strings.TrimSpace(oldCode))
	if err != nil {
		return errs.E(err).With("field", "old_code")
	}
	newHash, err := s.matchOTP(ctx, PurposeChangeMobile, newPhone, strings.TrimSpace(newCode))
	if err != nil {
		return errs.E(err).With("field", "new_code")
	}
	if err := s.consumeOTP(ctx, PurposeChangeMobile, p.Mobile, oldHash); err != nil {
		return errs.E(err).With("field", "old_code")
	}
	if err := s.consumeOTP(ctx, PurposeChangeMobile, newPhone, newHash); err != nil {
		return errs.E(err).With("field", "new_code")
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE employee_account SET reserved_mobile = ?, updated_at = ? WHERE person_id = ? AND status NOT IN ('03', '04', '05')`,
			newPhone, db.Now(), p.ID)
		if err != nil {
			return fmt.Errorf("change mobile: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoAccount
		}
		if _, err := tx.ExecContext(ctx, `UPDATE person SET mobile = ? WHERE id = ?`, newPhone, p.ID); err != nil {
			return fmt.Errorf("change mobile: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "identity.mobile_change", Object: personSubject(p.ID), Result: audit.ResultOK,
			Before: audit.Summary(map[string]string{"mobile": ident.MaskMobile(p.Mobile)}),
			After:  audit.Summary(map[string]string{"mobile": ident.MaskMobile(newPhone)})})
		return err
	})
	if err != nil {
		return err
	}
	s.notice(ctx, p.Mobile, "identity.mobile_changed", map[string]string{"name": p.Name, "mobile": ident.MaskMobile(newPhone)})
	return nil
}

// Profile is what a person sees of their identity.
type Profile struct {
	PersonID   int64  `json:"-"`
	Name       string `json:"name"`
	IDNumber   string `json:"id_number"` // masked
	Mobile     string `json:"mobile"`    // masked
	BankCard   string `json:"bank_card"` // masked
	Level      int    `json:"level"`
	PINSet     bool   `json:"pin_set"`
	HasAccount bool   `json:"has_account"`
}

// Profile returns the person's own profile, masked.
func (s *Service) Profile(ctx context.Context, personID int64) (*Profile, error) {
	p, err := s.personByPK(ctx, s.db, personID)
	if err != nil {
		return nil, err
	}
	var card string
	if err := s.db.GetContext(ctx, &card, `SELECT COALESCE(MAX(bank_card), '') FROM employee_account WHERE person_id = ? AND status NOT IN ('03', '04', '05')`, personID); err != nil {
		return nil, fmt.Errorf("read bank card: %w", err)
	}
	var pin string
	if err := s.db.GetContext(ctx, &pin, `SELECT COALESCE(MAX(pin_hash), '') FROM credential WHERE subject_type = 'person' AND subject_id = ?`, personID); err != nil {
		return nil, fmt.Errorf("read pin: %w", err)
	}
	out := &Profile{PersonID: p.ID, Name: p.Name, IDNumber: ident.MaskIDNumber(p.IDNumber), Mobile: ident.MaskMobile(p.Mobile),
		Level: max(1, p.Level), PINSet: pin != "", HasAccount: p.Mobile != ""}
	if card != "" {
		out.BankCard = ident.MaskCard(card)
	}
	return out, nil
}

// SetQueryPIN sets the 6-digit query PIN used by the hotline and SMS channels
// (ErrBadPIN for a trivial one), after the login password is re-entered
// (ErrBadCredentials, counted). Audited.
func (s *Service) SetQueryPIN(ctx context.Context, personID int64, password, pin string) error {
	if !goodPIN(pin) {
		return ErrBadPIN.With("field", "pin")
	}
	c, err := s.personCredential(ctx, personID)
	if err != nil {
		return err
	}
	if err := s.verify(ctx, *c, password, "", false, personSubject(personID)); err != nil {
		return err
	}
	hash, err := HashPassword(pin)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE credential SET pin_hash = ?, pin_failed = 0, pin_locked_until = NULL, updated_at = ? WHERE id = ?`,
			hash, db.Now(), c.ID); err != nil {
			return fmt.Errorf("set pin: %w", err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Record{Action: "identity.pin_set", Object: personSubject(personID), Result: audit.ResultOK})
		return err
	})
}

// goodPIN refuses non-6-digit PINs, one repeated digit and runs (123456, 654321).
func goodPIN(pin string) bool {
	if len(pin) != 6 || !allDigits(pin) {
		return false
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		same = same && pin[i] == pin[0]
		up = up && pin[i] == pin[i-1]+1
		down = down && pin[i]+1 == pin[i-1]
	}
	return !same && !up && !down
}

// CheckQueryPIN identifies a caller of the hotline or SMS channel: the
// reserved mobile (or the resident ID number) plus the query PIN. Five wrong
// PINs lock it for 15 minutes (ErrPINLocked); ErrWrongPIN otherwise, also for
// an unknown caller; ErrPINNotSet when the person has none.
func (s *Service) CheckQueryPIN(ctx context.Context, login, pin string) (*Principal, error) {
	login = strings.TrimSpace(login)
	var where, arg string
	if id, err := ident.ParseResidentID(login); err == nil {
		where, arg = `p.id_type = '01' AND p.id_number = ?`, id.Number()
	} else if m, err := ident.ParseMobile(login); err == nil {
		where, arg = `p.id IN (SELECT person_id FROM employee_account WHERE reserved_mobile = ? AND status NOT IN ('03', '04', '05'))`, m
	} else {
		return nil, ErrWrongPIN
	}
	var rows []struct {
		CredID int64      `db:"cred_id"`
		ID     int64      `db:"id"`
		Name   string     `db:"name"`
		Level  int        `db:"real_name_level"`
		PIN    string     `db:"pin_hash"`
		Failed int        `db:"pin_failed"`
		Locked *time.Time `db:"pin_locked_until"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT c.id AS cred_id, p.id, p.name, p.real_name_level, c.pin_hash, c.pin_failed, c.pin_locked_until
		FROM person p JOIN credential c ON c.subject_type = 'person' AND c.subject_id = p.id WHERE `+where+` LIMIT 2`, arg); err != nil {
		return nil, fmt.Errorf("read pin: %w", err)
	}
	if len(rows) != 1 {
		_, _ = CheckPassword(s.dummyHash, pin)
		return nil, ErrWrongPIN
	}
	r := rows[0]
	now := s.now().UTC()
	subject := personSubject(r.ID)
	if r.Locked != nil && r.Locked.After(now) {
		return nil, ErrPINLocked
	}
	if r.PIN == "" {
		return nil, ErrPINNotSet
	}
	ok, err := CheckPassword(r.PIN, pin)
	if err != nil {
		return nil, fmt.Errorf("check pin: %w", err)
	}
	if !ok {
		if _, err := s.db.ExecContext(ctx, `UPDATE credential SET pin_failed = pin_failed + 1 WHERE id = ?`, r.CredID); err != nil {
			return nil, fmt.Errorf("count pin failure: %w", err)
		}
		res, err := s.db.ExecContext(ctx, `UPDATE credential SET pin_failed = 0, pin_locked_until = ? WHERE id = ? AND pin_failed >= ?`,
			now.Add(LockFor).Truncate(time.Microsecond), r.CredID, MaxFailures)
		if err != nil {
			return nil, fmt.Errorf("lock pin: %w", err)
		}
		_, _ = s.audit.Write(ctx, audit.Record{Action: "identity.pin_check", Object: subject, Result: "refused"})
		if n, _ := res.RowsAffected(); n > 0 {
			return nil, ErrPINLocked
		}
		return nil, ErrWrongPIN
	}
	if r.Failed > 0 {
		if _, err := s.db.ExecContext(ctx, `UPDATE credential SET pin_failed = 0 WHERE id = ?`, r.CredID); err != nil {
			return nil, fmt.Errorf("reset pin failures: %w", err)
		}
	}
	return &Principal{Kind: "person", SubjectID: r.ID, Subject: subject, Name: r.Name, Level: max(1, r.Level)}, nil
}

// notice sends an account notice; a failure to send is recorded by notify and
// does not undo the operation.
func (s *Service) notice(ctx context.Context, phone, template string, vars map[string]string) {
	if s.SMS != nil && phone != "" {
		_ = s.SMS(ctx, phone, template, vars)
	}
}

// counter reads an Incr counter of the key-value store (0 when absent).
func (s *Service) counter(ctx context.Context, key string) (int, error) {
	v, ok, err := s.kv.Get(ctx, key)
	if err != nil || !ok {
		return 0, err
	}
	n, _ := strconv.Atoi(v)
	return n, nil
}

func personSubject(id int64) string { return fmt.Sprintf("person:%d", id) }
