package money_test

import (
	"errors"
	"math"
	"testing"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in   string
		want money.Fen
	}{
		{"1234.56", 123456},
		{"1,234.56", 123456},
		{"1,234,567.8", 123456780},
		{"0.01", 1},
		{"-0.01", -1},
		{"+5", 500},
		{"¥12", 1200},
		{"￥12.3", 1230},
		{"¥-12", -1200},
		{" 7.05 ", 705},
		{"0", 0},
		{"-0", 0},
		{"0.00", 0},
		{"007", 700},
		{"00000000000000000000.01", 1},
		{"10000000000000", money.Max},
		{"10,000,000,000,000.00", money.Max},
		{"-10000000000000.00", -money.Max},
		{"9999999999999.99", money.Max - 1},
	}
	for _, tc := range tests {
		got, err := money.ParseYuan(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseYuanRejects(t *testing.T) {
	tests := []struct {
		in   string
		want *errs.Error
	}{
		{"1.234", money.ErrSyntax},
		{"1,23", money.ErrSyntax},
		{"1,2345", money.ErrSyntax},
		{",123", money.ErrSyntax},
		{"1234,567", money.ErrSyntax},
		{"1,,234", money.ErrSyntax},
		{"", money.ErrSyntax},
		{"   ", money.ErrSyntax},
		{"abc", money.ErrSyntax},
		{"1e5", money.ErrSyntax},
		{"1.", money.ErrSyntax},
		{".5", money.ErrSyntax},
		{"-", money.ErrSyntax},
		{"--1", money.ErrSyntax},
		{"+-1", money.ErrSyntax},
		{"1 000", money.ErrSyntax},
		{"１２", money.ErrSyntax},
		{"1.2.3", money.ErrSyntax},
		{"0x10", money.ErrSyntax},
		{"NaN", money.ErrSyntax},
		{"12元", money.ErrSyntax},
		{"99999999999999999", money.ErrRange},
		{"10000000000000.01", money.ErrRange},
		{"-10000000000000.01", money.ErrRange},
		{"99999999999999999999999999", money.ErrRange},
		{"9223372036854775807", money.ErrRange},
	}
	for _, tc := range tests {
		got, err := money.ParseYuan(tc.in)
		if !errors.Is(err, tc.want) || got != 0 {
			t.Errorf("ParseYuan(%q) = %d, %v; want %s", tc.in, got, err, tc.want.Code)
		}
		if errs.KindOf(err) != errs.Invalid {
			t.Errorf("ParseYuan(%q): kind %s, want invalid", tc.in, errs.KindOf(err))
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		f              money.Fen
		str, formatted string
	}{
		{0, "0.00", "0.00"},
		{1, "0.01", "0.01"},
		{-1, "-0.01", "-0.01"},
		{10, "0.10", "0.10"},
		{123456, "1234.56", "1,234.56"},
		{-123456789, "-1234567.89", "-1,234,567.89"},
		{100000, "1000.00", "1,000.00"},
		{99999, "999.99", "999.99"},
		{money.Max, "10000000000000.00", "10,000,000,000,000.00"},
		{math.MaxInt64, "92233720368547758.07", "92,233,720,368,547,758.07"},
		{math.MinInt64, "-92233720368547758.08", "-92,233,720,368,547,758.08"},
	}
	for _, tc := range tests {
		if got := tc.f.String(); got != tc.str {
			t.Errorf("Fen(%d).String() = %q, want %q", tc.f, got, tc.str)
		}
		if got := tc.f.Format(); got != tc.formatted {
			t.Errorf("Fen(%d).Format() = %q, want %q", tc.f, got, tc.formatted)
		}
	}
}

func TestYuan(t *testing.T) {
	if got := money.Yuan(400000); got != 40000000 {
		t.Errorf("Yuan(400000) = %d", got)
	}
}

func TestCheckPositive(t *testing.T) {
	tests := []struct {
		f    money.Fen
		want error
	}{
		{1, nil},
		{money.Max, nil},
		{0, money.ErrNegative},
		{-1, money.ErrNegative},
		{money.Max + 1, money.ErrRange},
	}
	for _, tc := range tests {
		if err := tc.f.CheckPositive(); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("Fen(%d).CheckPositive() = %v, want %v", tc.f, err, tc.want)
		}
	}
}

func TestAdd(t *testing.T) {
	tests := []struct {
		a, b, want money.Fen
		err        error
	}{
		{1, 2, 3, nil},
		{-5, 3, -2, nil},
		{math.MaxInt64, 0, math.MaxInt64, nil},
		{math.MaxInt64, 1, 0, money.ErrRange},
		{math.MinInt64, -1, 0, money.ErrRange},
		{math.MinInt64, math.MaxInt64, -1, nil},
		{math.MaxInt64 - 1, 1, math.MaxInt64, nil},
	}
	for _, tc := range tests {
		got, err := money.Add(tc.a, tc.b)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("Add(%d, %d) = %d, %v; want %d, %v", tc.a, tc.b, got, err, tc.want, tc.err)
		}
	}
}

func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{
		"1234.56", "1,234.56", "0.01", "-0.01", "¥12", "1.234", "1,23", "", "abc", "1e5",
		"99999999999999999", "10000000000000", "-10,000,000,000,000.00", "000000000000000000001",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := money.ParseYuan(s)
		if err != nil {
			if !errors.Is(err, money.ErrSyntax) && !errors.Is(err, money.ErrRange) {
				t.Fatalf("ParseYuan(%q) error %v", s, err)
			}
			if v != 0 {
				t.Fatalf("ParseYuan(%q) = %d with error", s, v)
			}
			return
		}
		if v > money.Max || v < -money.Max {
			t.Fatalf("ParseYuan(%q) = %d beyond ±Max", s, v)
		}
		for _, text := range []string{v.String(), v.Format()} {
			back, err := money.ParseYuan(text)
			if err != nil || back != v {
				t.Fatalf("ParseYuan(%q) = %d; its form %q parses as %d, %v", s, v, text, back, err)
			}
		}
	})
}
