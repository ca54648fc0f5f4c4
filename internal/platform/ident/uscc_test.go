package ident_test

import (
	"errors"
	"strings"
	"testing"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// refUSCCCheck recomputes the GB 32100 check character independently of the
// package: W_i = 3^i mod 31, check = alphabet[(31 − S mod 31) mod 31].
func refUSCCCheck(body string) byte {
	const alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	s, w := 0, 1
	for i := 0; i < 17; i++ {
		s += strings.IndexByte(alpha, body[i]) * w
		w = w * 3 % 31
	}
	return alpha[(31-s%31)%31]
}

func TestParseUSCCValid(t *testing.T) {
	// A body whose inner organisation code check fails (M000100Y → 4, not 5),
	// completed with a correct outer check character.
	warnBody := "91350100M000100Y5"
	warn := warnBody + string(refUSCCCheck(warnBody))
	tests := []struct {
		in, code, region, org string
		warning               bool
	}{
		// domain.md §7.2 vectors.
		{"91350100M000100Y43", "91350100M000100Y43", "350100", "M000100Y4", false},
		{"91110000802100433B", "91110000802100433B", "110000", "802100433", false},
		{"91440300708461136T", "91440300708461136T", "440300", "708461136", false},
		// Lower case and white space are normalised.
		{" 91350100m000100y43\n", "91350100M000100Y43", "350100", "M000100Y4", false},
		{warn, warn, "350100", "M000100Y5", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ident.ParseUSCC(tc.in)
			if err != nil {
				t.Fatalf("ParseUSCC(%q) = %v", tc.in, err)
			}
			if u.Code() != tc.code || u.String() != tc.code || u.RegionCode() != tc.region || u.OrgCode() != tc.org {
				t.Errorf("got %q region %q org %q, want %q %q %q", u.Code(), u.RegionCode(), u.OrgCode(), tc.code, tc.region, tc.org)
			}
			if u.OrgCodeWarning() != tc.warning {
				t.Errorf("OrgCodeWarning = %v, want %v", u.OrgCodeWarning(), tc.warning)
			}
		})
	}
}

func TestParseUSCCInvalid(t *testing.T) {
	regionLetter := "9135A100M000100Y4"
	tests := []struct {
		name, in string
		want     *errs.Error
	}{
		{"wrong check (§7.2)", "91350100M000100Y44", ident.ErrUSCCChecksum},
		{"swapped chars", "91351000M000100Y43", ident.ErrUSCCChecksum},
		{"empty", "", ident.ErrUSCCLength},
		{"17 chars", "91350100M000100Y4", ident.ErrUSCCLength},
		{"19 chars", "91350100M000100Y431", ident.ErrUSCCLength},
		{"letter I", "91350100I000100Y43", ident.ErrUSCCSyntax},
		{"letter O", "91350100O000100Y43", ident.ErrUSCCSyntax},
		{"letter Z", "91350100Z000100Y43", ident.ErrUSCCSyntax},
		{"letter S", "91350100S000100Y43", ident.ErrUSCCSyntax},
		{"letter V", "91350100V000100Y43", ident.ErrUSCCSyntax},
		{"punctuation", "91350100-000100Y43", ident.ErrUSCCSyntax},
		{"letter in region code", regionLetter + string(refUSCCCheck(regionLetter)), ident.ErrUSCCSyntax},
		{"full-width", "９1350100M000100Y43", ident.ErrUSCCSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ident.ParseUSCC(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseUSCC(%q) = %v, %v; want %s", tc.in, u, err, tc.want.Code)
			}
			if errs.KindOf(err) != errs.Invalid || !u.IsZero() {
				t.Errorf("kind %s, value %v", errs.KindOf(err), u)
			}
		})
	}
}

func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{
		"91350100M000100Y43", "91110000802100433B", "91440300708461136T", "91350100M000100Y44",
		"91350100m000100y43", "", "ΩΩΩ", "000000000000000000",
	} {
		f.Add(s)
	}
	const alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ident.ParseUSCC(s)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid || !strings.HasPrefix(errs.CodeOf(err), "ident.uscc_") {
				t.Fatalf("ParseUSCC(%q) error %v is not an ident.uscc_* invalid error", s, err)
			}
			return
		}
		c := u.Code()
		if len(c) != 18 {
			t.Fatalf("ParseUSCC(%q).Code() = %q, not 18 chars", s, c)
		}
		for i := 0; i < 18; i++ {
			if strings.IndexByte(alpha, c[i]) < 0 || (i >= 2 && i < 8 && (c[i] < '0' || c[i] > '9')) {
				t.Fatalf("Code %q has %q at %d", c, c[i], i)
			}
		}
		if refUSCCCheck(c) != c[17] {
			t.Fatalf("Code %q: check %c, reference %c", c, c[17], refUSCCCheck(c))
		}
		again, err := ident.ParseUSCC(c)
		if err != nil || again != u {
			t.Fatalf("reparse of %q = %v, %v; want %v", c, again, err, u)
		}
	})
}
