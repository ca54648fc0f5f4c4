package ident

import (
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// Errors returned by ParseResidentID. All are of kind errs.Invalid.
var (
	ErrIDLength = errs.New(errs.Invalid, "ident.id_length",
		"身份证号码应为18位（旧版为15位），请检查是否多输或漏输了数字")
	ErrIDSyntax = errs.New(errs.Invalid, "ident.id_syntax",
		"身份证号码只能由数字组成，18位号码的最后一位可以是 X，请检查是否混入了字母、空格或全角字符")
	ErrIDBirthDate = errs.New(errs.Invalid, "ident.id_birth_date",
		"身份证号码中的出生日期（18位号码的第7至14位）不是有效日期，请核对号码")
	ErrIDChecksum = errs.New(errs.Invalid, "ident.id_checksum",
		"身份证号码校验位（最后一位）与前17位不符，请逐位核对号码")
)

// idWeights are the ISO 7064 MOD 11-2 weights W_i = 2^(17−i) mod 11.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps S mod 11 to the check character.
const idCheckChars = "10X98765432"

// Sex is the sex code of GB/T 2261.1 as derived from a resident ID number.
type Sex uint8

// The sex codes a resident ID number can carry (GB/T 2261.1).
const (
	SexUnknown Sex = 0 // 未知的性别 (only for the zero ResidentID)
	Male       Sex = 1 // 男
	Female     Sex = 2 // 女
)

// Code returns the GB/T 2261.1 code: "1" male, "2" female, "0" unknown.
func (s Sex) Code() string {
	switch s {
	case Male:
		return "1"
	case Female:
		return "2"
	}
	return "0"
}

// String returns the Chinese name of the sex.
func (s Sex) String() string {
	switch s {
	case Male:
		return "男"
	case Female:
		return "女"
	}
	return "未知"
}

// ResidentID is a checked 18-character resident ID number (公民身份号码,
// GB 11643-1999). The zero value is "no number". It prints masked (String,
// GoString and slog all show Masked()), so it cannot leak into logs by accident;
// call Number for the full value where the owner or the store needs it.
type ResidentID struct {
	num   string
	birth date.Date
}

// ParseResidentID checks and normalises a resident ID number. It trims
// surrounding white space, accepts a lowercase 'x' check character (normalised
// to 'X') and converts a legacy 15-digit number to 18 digits (inserting "19"
// before the year and appending the check character). The birth date must be a
// real date from 1900-01-01 up to today (Asia/Shanghai), and the MOD 11-2 check
// character must match.
//
// Errors (kind errs.Invalid): ErrIDLength (ident.id_length), ErrIDSyntax
// (ident.id_syntax), ErrIDBirthDate (ident.id_birth_date), ErrIDChecksum
// (ident.id_checksum). Any package may call it; it never panics.
func ParseResidentID(s string) (ResidentID, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n != 18 && n != 15:
		return ResidentID{}, ErrIDLength
	case len(s) != n: // multi-byte characters such as full-width digits
		return ResidentID{}, ErrIDSyntax
	}
	if len(s) == 15 {
		if !allDigits(s) {
			return ResidentID{}, ErrIDSyntax
		}
		body := s[:6] + "19" + s[6:]
		birth, ok := birthDate(body[6:14])
		if !ok {
			return ResidentID{}, ErrIDBirthDate
		}
		return ResidentID{num: body + string(idCheckChar(body)), birth: birth}, nil
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if !allDigits(s[:17]) || !(last == 'X' || last >= '0' && last <= '9') {
		return ResidentID{}, ErrIDSyntax
	}
	birth, ok := birthDate(s[6:14])
	if !ok {
		return ResidentID{}, ErrIDBirthDate
	}
	if idCheckChar(s[:17]) != last {
		return ResidentID{}, ErrIDChecksum
	}
	return ResidentID{num: s[:17] + string(last), birth: birth}, nil
}

// idCheckChar computes the MOD 11-2 check character of 17 digits.
func idCheckChar(body string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// birthDate parses YYYYMMDD as a real date in [1900-01-01, today].
func birthDate(s string) (date.Date, bool) {
	t, err := time.Parse("20060102", s)
	if err != nil || t.Year() < 1900 {
		return date.Date{}, false
	}
	d := date.Of(t.Year(), t.Month(), t.Day())
	if d.After(date.FromTime(time.Now())) {
		return date.Date{}, false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsZero reports whether id is the zero value (no number).
func (id ResidentID) IsZero() bool { return id.num == "" }

// Number returns the full normalised 18-character number (uppercase 'X').
// Show it only to its owner and store it only where the schema requires it.
func (id ResidentID) Number() string { return id.num }

// BirthDate returns the birth date encoded in characters 7–14.
func (id ResidentID) BirthDate() date.Date { return id.birth }

// Sex returns Male for an odd sequence digit (character 17), Female for an even
// one, SexUnknown for the zero value.
func (id ResidentID) Sex() Sex {
	if id.IsZero() {
		return SexUnknown
	}
	if (id.num[16]-'0')%2 == 1 {
		return Male
	}
	return Female
}

// Masked returns the number with characters 7–14 hidden, keeping the first 6 and
// the last 4: "110105********002X". The zero value gives "".
func (id ResidentID) Masked() string {
	if id.IsZero() {
		return ""
	}
	return id.num[:6] + "********" + id.num[14:]
}

// String returns Masked(), so that formatting a ResidentID never prints the full number.
func (id ResidentID) String() string { return id.Masked() }

// GoString returns Masked() for %#v.
func (id ResidentID) GoString() string { return id.Masked() }

// LogValue makes log/slog record the masked number.
func (id ResidentID) LogValue() slog.Value { return slog.StringValue(id.Masked()) }
