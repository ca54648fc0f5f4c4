// Package ident parses and masks the identifiers the platform receives from
// people and outside systems: resident ID numbers (GB 11643, 公民身份号码),
// unified social credit codes (GB 32100, 统一社会信用代码), business serial
// numbers (业务流水号), and masks mobile numbers and bank cards for display.
//
// Parsers are pure functions safe for any caller; they never panic and return
// *errs.Error of kind errs.Invalid with a stable code and a Chinese message that
// tells the user what to fix. Full identifiers must never be logged: the types
// here print themselves masked.
package ident

import (
	"strings"

	"gjj/internal/platform/errs"
)

// MaxSerialLen is the longest business serial number ParseSerial accepts.
const MaxSerialLen = 64

// ErrSerialSyntax is returned by ParseSerial.
var ErrSerialSyntax = errs.Newf(errs.Invalid, "ident.serial_syntax",
	"业务流水号格式不正确：应为 1–%d 位字母、数字或 _ . : -，不能含空格或汉字", MaxSerialLen)

// ParseSerial checks a business serial number (业务流水号): 1–64 characters of
// [A-Za-z0-9_.:-], no spaces (not even leading or trailing: a serial is an
// idempotency key and is compared exactly). It returns s unchanged or
// ErrSerialSyntax (code ident.serial_syntax). Any package may call it.
func ParseSerial(s string) (string, error) {
	if len(s) == 0 || len(s) > MaxSerialLen {
		return "", ErrSerialSyntax
	}
	for i := 0; i < len(s); i++ {
		if !serialByte(s[i]) {
			return "", ErrSerialSyntax
		}
	}
	return s, nil
}

func serialByte(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	}
	return c == '_' || c == '.' || c == ':' || c == '-'
}

// MaskMobile masks a mobile number for lists, logs and non-owner views: the
// first 3 and last 4 characters stay, the rest become '*'
// ("13800000000" → "138****0000"). Surrounding spaces are dropped. Input shorter
// than 8 characters is masked completely. Any package may call it.
func MaskMobile(s string) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	if n < 8 {
		return strings.Repeat("*", n)
	}
	return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
}

// MaskCard masks a bank card or account number: "****" followed by the last 4
// characters ("6222020200001234" → "****1234"). Input shorter than 8 characters
// shows no digits at all ("****"); empty input stays empty. Any package may call it.
func MaskCard(s string) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	if n == 0 {
		return ""
	}
	if n < 8 {
		return "****"
	}
	return "****" + string(r[n-4:])
}

// MaskIDNumber masks a stored identity document number for lists, summaries
// and documents: a resident ID number as ResidentID.Masked
// ("110105********002X"); any other document (passport, migrated data) like
// a card number ("****1234"), never in full. Any package may call it.
func MaskIDNumber(s string) string {
	if id, err := ParseResidentID(s); err == nil {
		return id.Masked()
	}
	return MaskCard(s)
}
