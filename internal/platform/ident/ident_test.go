package ident_test

import (
	"errors"
	"strings"
	"testing"

	"gjj/internal/platform/ident"
)

func TestParseSerial(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"R20260701-000001", true},
		{"a", true},
		{"unit:U01.2026_07-remit", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{" R1", false},
		{"R1 ", false},
		{"R 1", false},
		{"R/1", false},
		{"流水1", false},
		{"R1\n", false},
		{"R1\x00", false},
		{"R1'; DROP TABLE x", false},
	}
	for _, tc := range tests {
		got, err := ident.ParseSerial(tc.in)
		if tc.ok {
			if err != nil || got != tc.in {
				t.Errorf("ParseSerial(%q) = %q, %v; want it unchanged", tc.in, got, err)
			}
			continue
		}
		if !errors.Is(err, ident.ErrSerialSyntax) || got != "" {
			t.Errorf("ParseSerial(%q) = %q, %v; want ident.serial_syntax", tc.in, got, err)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"mobile", ident.MaskMobile("13800000000"), "138****0000"},
		{"mobile spaces", ident.MaskMobile(" 13912345678 "), "139****5678"},
		{"mobile long", ident.MaskMobile("008613800000000"), "008********0000"},
		{"mobile short", ident.MaskMobile("1234567"), "*******"},
		{"mobile empty", ident.MaskMobile(""), ""},
		{"card", ident.MaskCard("6222020200001234"), "****1234"},
		{"card 19", ident.MaskCard("6222020200001234567"), "****4567"},
		{"card short", ident.MaskCard("1234567"), "****"},
		{"card empty", ident.MaskCard(""), ""},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func FuzzParseSerial(f *testing.F) {
	for _, s := range []string{"R20260701-000001", "", " x", "a:b.c_d-e", strings.Repeat("9", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ident.ParseSerial(s)
		if err != nil {
			if !errors.Is(err, ident.ErrSerialSyntax) {
				t.Fatalf("ParseSerial(%q) error %v", s, err)
			}
			return
		}
		if got != s || len(got) < 1 || len(got) > 64 {
			t.Fatalf("ParseSerial(%q) = %q", s, got)
		}
		for _, r := range got {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("_.:-", r)) {
				t.Fatalf("ParseSerial accepted %q with %q", s, r)
			}
		}
		if again, err := ident.ParseSerial(got); err != nil || again != got {
			t.Fatalf("reparse of %q = %q, %v", got, again, err)
		}
	})
}
