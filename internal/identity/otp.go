package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// Purpose says what an SMS one-time code (OTP) is for. A code works only for
// its purpose and phone.
type Purpose string

// The OTP purposes.
const (
	PurposeRegister     Purpose = "register"      // registration (to the reserved mobile)
	PurposeLogin        Purpose = "login"         // login by mobile + code
	PurposeReset        Purpose = "reset"         // password reset
	PurposeStepUp       Purpose = "step_up"       // L3: confirm one operation
	PurposeChangeMobile Purpose = "change_mobile" // to the old and the new number when the reserved mobile changes
)

// ParsePurpose checks a purpose named by a client (identity.bad_purpose).
func ParsePurpose(s string) (Purpose, error) {
	switch p := Purpose(s); p {
	case PurposeRegister, PurposeLogin, PurposeReset, PurposeStepUp:
		return p, nil
	}
	return "", errs.New(errs.Invalid, "identity.bad_purpose", "验证码用途应为 register、login、reset 或 step_up").With("field", "purpose")
}

// OTP policy (issue 4): 6 digits, 5 minutes, single use, at most 5 tries;
// sending limited per phone (1 a minute, 10 a day) and per client IP.
const (
	OTPDigits      = 6
	OTPLife        = 5 * time.Minute
	OTPMaxTries    = 5
	OTPPerPhoneDay = 10
	OTPPerIPHour   = 30
	otpResendAfter = time.Minute
)

// OTP errors. None says whether the phone belongs to anyone.
var (
	ErrOTPTooFrequent = errs.New(errs.Busy, "identity.otp_too_frequent", "验证码发送过于频繁，请 1 分钟后再试")
	ErrOTPDailyLimit  = errs.New(errs.Busy, "identity.otp_daily_limit", "该手机号今日获取验证码次数已达上限，请明天再试")
	ErrOTPIPLimit     = errs.New(errs.Busy, "identity.otp_ip_limit", "当前网络获取验证码过于频繁，请稍后再试")
	ErrOTPWrong       = errs.New(errs.Invalid, "identity.otp_wrong", "验证码不正确")
	ErrOTPExpired     = errs.New(errs.Invalid, "identity.otp_expired", "验证码已失效，请重新获取")
	ErrOTPUsed        = errs.New(errs.Invalid, "identity.otp_used", "验证码已使用过，请重新获取")
	ErrOTPLocked      = errs.New(errs.Invalid, "identity.otp_locked", "验证码输错次数过多，已失效，请重新获取")
)

// SMSFunc sends a templated SMS (internal/notify behind it). Identity calls it
// with the template ids otp.<purpose>, identity.registered,
// identity.password_changed and identity.mobile_changed.
type SMSFunc func(ctx context.Context, phone, template string, vars map[string]string) error

// issueOTP applies the sending limits, stores a fresh code for (purpose,
// phone) and sends it. When send is false the limits are applied and nothing
// is stored or sent: callers use it for phones that belong to no one, so the
// answer is the same either way.
func (s *Service) issueOTP(ctx context.Context, purpose Purpose, phone, ip string, send bool) error {
	now := s.now()
	if ip != "" {
		n, err := s.kv.Incr(ctx, fmt.Sprintf("otpip:%s:%d", ip, now.Unix()/3600), time.Hour)
		if err != nil {
			return err
		}
		if n > OTPPerIPHour {
			return ErrOTPIPLimit.With("retry_after_s", 3600-now.Unix()%3600)
		}
	}
	fresh, err := s.kv.SetNX(ctx, "otpmin:"+phone, "1", otpResendAfter)
	if err != nil {
		return err
	}
	if !fresh {
		return ErrOTPTooFrequent.With("retry_after_s", int(otpResendAfter/time.Second))
	}
	n, err := s.kv.Incr(ctx, "otpday:"+phone+":"+now.In(chinaTime).Format("20060102"), 24*time.Hour)
	if err != nil {
		return err
	}
	if n > OTPPerPhoneDay {
		return ErrOTPDailyLimit
	}
	if !send {
		return nil
	}
	code, err := randomDigits(OTPDigits)
	if err != nil {
		return err
	}
	key := otpKey(purpose, phone)
	if err := s.kv.Set(ctx, key, otpHash(purpose, phone, code), OTPLife); err != nil {
		return err
	}
	if err := s.kv.Del(ctx, key+":tries"); err != nil {
		return err
	}
	if s.SMS == nil {
		return errs.New(errs.Unavailable, "identity.sms_unavailable", "短信服务暂不可用，请稍后再试")
	}
	return s.SMS(ctx, phone, "otp."+string(purpose), map[string]string{"code": code})
}

// checkOTP consumes the code for (purpose, phone): right once, within its
// life, within OTPMaxTries tries. Errors: ErrOTPWrong, ErrOTPExpired,
// ErrOTPUsed, ErrOTPLocked, kv.unavailable.
func (s *Service) checkOTP(ctx context.Context, purpose Purpose, phone, code string) error {
	h, err := s.matchOTP(ctx, purpose, phone, code)
	if err != nil {
		return err
	}
	return s.consumeOTP(ctx, purpose, phone, h)
}

// matchOTP checks the code without using it up (a wrong code counts a try)
// and returns its hash for consumeOTP. Operations that need two codes match
// both before consuming either, so a typo in one does not burn the other.
func (s *Service) matchOTP(ctx context.Context, purpose Purpose, phone, code string) (string, error) {
	if len(code) != OTPDigits || !allDigits(code) {
		return "", ErrOTPWrong.With("field", "sms_code")
	}
	key := otpKey(purpose, phone)
	h := otpHash(purpose, phone, code)
	want, ok, err := s.kv.Get(ctx, key)
	if err != nil {
		return "", err
	}
	if !ok {
		if used, _, err := s.kv.Get(ctx, "otpused:"+h); err == nil && used != "" {
			return "", ErrOTPUsed.With("field", "sms_code")
		}
		return "", ErrOTPExpired.With("field", "sms_code")
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(h)) != 1 {
		n, err := s.kv.Incr(ctx, key+":tries", OTPLife)
		if err != nil {
			return "", err
		}
		if n >= OTPMaxTries {
			if err := s.kv.Del(ctx, key); err != nil {
				return "", err
			}
			return "", ErrOTPLocked.With("field", "sms_code")
		}
		return "", ErrOTPWrong.With("field", "sms_code").With("tries_left", OTPMaxTries-n)
	}
	return h, nil
}

// consumeOTP uses up a matched code: of concurrent uses exactly one wins
// (ErrOTPUsed for the others).
func (s *Service) consumeOTP(ctx context.Context, purpose Purpose, phone, h string) error {
	first, err := s.kv.SetNX(ctx, "otpused:"+h, "1", 2*OTPLife)
	if err != nil {
		return err
	}
	if !first {
		return ErrOTPUsed.With("field", "sms_code")
	}
	key := otpKey(purpose, phone)
	return s.kv.Del(ctx, key, key+":tries")
}

func otpKey(purpose Purpose, phone string) string { return "otp:" + string(purpose) + ":" + phone }

// otpHash is what the store keeps instead of the code.
func otpHash(purpose Purpose, phone, code string) string {
	sum := sha256.Sum256([]byte(string(purpose) + "|" + phone + "|" + code))
	return hex.EncodeToString(sum[:])
}

func randomDigits(n int) (string, error) {
	b := make([]byte, n)
	for i := range b {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// chinaTime is the zone of "a day" in the daily sending limit.
var chinaTime = time.FixedZone("CST", 8*3600)

// parsePhone is ident.ParseMobile with the form field named.
func parsePhone(phone string) (string, error) {
	p, err := ident.ParseMobile(phone)
	if err != nil {
		return "", errs.E(err).With("field", "phone")
	}
	return p, nil
}
