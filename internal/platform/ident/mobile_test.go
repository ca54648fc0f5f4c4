package ident_test

import (
	"errors"
	"testing"

	"gjj/internal/platform/ident"
)

func TestParseMobile(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13800000001", "13800000001"},
		{" 19912345678 ", "19912345678"},
		{"+8613800000001", "13800000001"},
		{"8613800000001", "13800000001"},
		{"12800000001", ""}, // second digit 2
		{"1380000000", ""},
		{"138000000011", ""},
		{"1380000000a", ""},
		{"23800000001", ""},
		{"", ""},
		{"+86 13800000001", ""},
		{"１３８００００００01", ""}, // full-width digits
	} {
		got, err := ident.ParseMobile(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ident.ErrMobileSyntax) {
				t.Errorf("ParseMobile(%q) = %q, %v; want mobile_syntax", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMobile(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseMobile(f *testing.F) {
	for _, s := range []string{"13800000001", "+8613800000001", "", "1", "86", "1990000000x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ident.ParseMobile(s)
		if err != nil {
			return
		}
		if len(got) != 11 || got[0] != '1' || got[1] < '3' {
			t.Fatalf("ParseMobile(%q) = %q", s, got)
		}
		if again, err := ident.ParseMobile(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q, %v", got, again, err)
		}
	})
}
