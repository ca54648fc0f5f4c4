package ident

import (
	"strings"

	"gjj/internal/platform/errs"
)

// ErrMobileSyntax is returned by ParseMobile.
var ErrMobileSyntax = errs.New(errs.Invalid, "ident.mobile_syntax", "手机号码应为 11 位数字，以 1 开头")

// ParseMobile checks a mainland mobile number: 11 digits starting with 1 and a
// second digit 3–9. It trims spaces and accepts a "+86" or "86" prefix.
// Errors: ErrMobileSyntax. Any package may call it.
func ParseMobile(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return "", ErrMobileSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrMobileSyntax
		}
	}
	return s, nil
}
