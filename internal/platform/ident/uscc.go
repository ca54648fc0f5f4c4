package ident

import (
	"strings"
	"unicode/utf8"

	"gjj/internal/platform/errs"
)

// Errors returned by ParseUSCC. All are of kind errs.Invalid.
var (
	ErrUSCCLength = errs.New(errs.Invalid, "ident.uscc_length",
		"统一社会信用代码应为18位，请检查是否多输或漏输了字符")
	ErrUSCCSyntax = errs.New(errs.Invalid, "ident.uscc_syntax",
		"统一社会信用代码只能由数字和大写字母组成（不使用 I、O、Z、S、V），第3至8位必须是数字，请核对")
	ErrUSCCChecksum = errs.New(errs.Invalid, "ident.uscc_checksum",
		"统一社会信用代码校验位（最后一位）与前17位不符，请逐位核对代码")
)

// usccAlphabet lists the 31 characters of GB 32100; a character's value is its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are W_i = 3^i mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 organisation-code weights.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// USCC is a checked unified social credit code (统一社会信用代码, GB 32100-2015).
// The zero value is "no code". A USCC identifies an organisation, not a person,
// so it prints in full.
type USCC struct {
	code       string
	orgWarning bool
}

// ParseUSCC checks and normalises a unified social credit code. It trims
// surrounding white space and upper-cases letters; the result must be 18
// characters of the GB 32100 alphabet 0-9 A-H J-N P-R T U W-Y (I, O, Z, S, V are
// not used), characters 3–8 (the registering authority's region code) must be
// digits and the 18th character must be the MOD 31 check character. The inner
// GB 11714 organisation-code check (characters 9–17) is only reported through
// OrgCodeWarning, because codes from other registries do not always satisfy it.
//
// Errors (kind errs.Invalid): ErrUSCCLength (ident.uscc_length), ErrUSCCSyntax
// (ident.uscc_syntax), ErrUSCCChecksum (ident.uscc_checksum). Any package may
// call it; it never panics.
func ParseUSCC(s string) (USCC, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n != 18 {
		return USCC{}, ErrUSCCLength
	}
	if len(s) != n {
		return USCC{}, ErrUSCCSyntax
	}
	s = strings.ToUpper(s)
	var vals [18]int
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(usccAlphabet, s[i])
		if v < 0 || (i >= 2 && i < 8 && v > 9) {
			return USCC{}, ErrUSCCSyntax
		}
		vals[i] = v
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += vals[i] * usccWeights[i]
	}
	if (31-sum%31)%31 != vals[17] {
		return USCC{}, ErrUSCCChecksum
	}
	return USCC{code: s, orgWarning: !orgCodeValid(s[8:17])}, nil
}

// orgCodeValid applies the GB 11714 check to a 9-character organisation code.
func orgCodeValid(oc string) bool {
	sum := 0
	for i := 0; i < 8; i++ {
		c := oc[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return false
		}
		sum += v * orgWeights[i]
	}
	var want byte
	switch c := 11 - sum%11; c {
	case 10:
		want = 'X'
	case 11:
		want = '0'
	default:
		want = byte('0' + c)
	}
	return oc[8] == want
}

// IsZero reports whether u is the zero value (no code).
func (u USCC) IsZero() bool { return u.code == "" }

// Code returns the normalised 18-character code.
func (u USCC) Code() string { return u.code }

// String returns Code().
func (u USCC) String() string { return u.code }

// RegionCode returns characters 3–8, the registering authority's GB/T 2260
// administrative division code ("" for the zero value).
func (u USCC) RegionCode() string {
	if u.IsZero() {
		return ""
	}
	return u.code[2:8]
}

// OrgCode returns characters 9–17, the embedded GB 11714 organisation code
// ("" for the zero value).
func (u USCC) OrgCode() string {
	if u.IsZero() {
		return ""
	}
	return u.code[8:17]
}

// OrgCodeWarning reports whether the embedded organisation code fails its
// GB 11714 check. The code is still accepted; callers may show a warning or ask
// the staff member to compare it with the business licence.
func (u USCC) OrgCodeWarning() bool { return u.orgWarning }
