package policy_test

import (
	"errors"
	"math"
	"testing"

	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

func TestFormatPercent(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"bps 12%", policy.FormatBps(1200), "12%"},
		{"bps 12.5%", policy.FormatBps(1250), "12.5%"},
		{"bps 12.25%", policy.FormatBps(1225), "12.25%"},
		{"bps 5%", policy.FormatBps(500), "5%"},
		{"bps 0", policy.FormatBps(0), "0%"},
		{"bps 0.05%", policy.FormatBps(5), "0.05%"},
		{"bps 0.1%", policy.FormatBps(10), "0.1%"},
		{"bps 150%", policy.FormatBps(15000), "150%"},
		{"bps negative", policy.FormatBps(-1250), "-12.5%"},
		{"bps min int", policy.FormatBps(math.MinInt64), "-92233720368547758.08%"},
		{"ppm 2.6%", policy.FormatPPM(26000), "2.6%"},
		{"ppm 1.5%", policy.FormatPPM(15000), "1.5%"},
		{"ppm 3.025%", policy.FormatPPM(30250), "3.025%"},
		{"ppm 2.775%", policy.FormatPPM(27750), "2.775%"},
		{"ppm 0.0001%", policy.FormatPPM(1), "0.0001%"},
		{"ppm 0.35%", policy.FormatPPM(3500), "0.35%"},
		{"ppm 10%", policy.FormatPPM(100000), "10%"},
		{"ppm 0", policy.FormatPPM(0), "0%"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in      string
		ppm     bool // ParsePercentPPM instead of ParsePercentBps
		want    int64
		wantErr *errs.Error
	}{
		{in: "12%", want: 1200},
		{in: "12.5%", want: 1250},
		{in: "12.50%", want: 1250},
		{in: "12.25%", want: 1225},
		{in: "0%", want: 0},
		{in: "0.05%", want: 5},
		{in: "150%", want: 15000},
		{in: " 5 % ", want: 500},
		{in: "12％", want: 1200},
		{in: "012%", want: 1200},
		{in: "2.6%", ppm: true, want: 26000},
		{in: "1.5%", ppm: true, want: 15000},
		{in: "3.025%", ppm: true, want: 30250},
		{in: "0.0001%", ppm: true, want: 1},
		{in: "2.6000%", ppm: true, want: 26000},
		{in: "12.345%", wantErr: policy.ErrBpsPrecision},
		{in: "12.500%", wantErr: policy.ErrBpsPrecision},
		{in: "2.60001%", ppm: true, wantErr: policy.ErrPPMPrecision},
		{in: "-1%", wantErr: policy.ErrPercentNegative},
		{in: "-0.5%", ppm: true, wantErr: policy.ErrPercentNegative},
		{in: "-%", wantErr: policy.ErrPercentSyntax},
		{in: "--1%", wantErr: policy.ErrPercentSyntax},
		{in: "+1%", wantErr: policy.ErrPercentSyntax},
		{in: "12", wantErr: policy.ErrPercentSyntax},
		{in: "0.12", wantErr: policy.ErrPercentSyntax},
		{in: "", wantErr: policy.ErrPercentSyntax},
		{in: "%", wantErr: policy.ErrPercentSyntax},
		{in: "abc%", wantErr: policy.ErrPercentSyntax},
		{in: "1e2%", wantErr: policy.ErrPercentSyntax},
		{in: "12.%", wantErr: policy.ErrPercentSyntax},
		{in: ".5%", wantErr: policy.ErrPercentSyntax},
		{in: "1.2.3%", wantErr: policy.ErrPercentSyntax},
		{in: "12%%", wantErr: policy.ErrPercentSyntax},
		{in: "1 2%", wantErr: policy.ErrPercentSyntax},
		{in: "１２%", wantErr: policy.ErrPercentSyntax},
		{in: "1,200%", wantErr: policy.ErrPercentSyntax},
		{in: "1000000000%", wantErr: policy.ErrPercentRange},
		{in: "99999999999999999999%", ppm: true, wantErr: policy.ErrPercentRange},
	}
	for _, tc := range tests {
		parse := policy.ParsePercentBps
		if tc.ppm {
			parse = policy.ParsePercentPPM
		}
		got, err := parse(tc.in)
		if tc.wantErr == nil {
			if err != nil || got != tc.want {
				t.Errorf("parse(%q, ppm=%v) = %d, %v; want %d", tc.in, tc.ppm, got, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, tc.wantErr) || err.Error() != tc.wantErr.Error() || errs.KindOf(err) != errs.Invalid || got != 0 {
			t.Errorf("parse(%q, ppm=%v) = %d, %v; want %v", tc.in, tc.ppm, got, err, tc.wantErr)
		}
	}
}

func TestPercentRoundTrip(t *testing.T) {
	for v := int64(0); v <= 200_000; v += 7 {
		if got, err := policy.ParsePercentBps(policy.FormatBps(v)); err != nil || got != v {
			t.Fatalf("bps %d → %q → %d, %v", v, policy.FormatBps(v), got, err)
		}
		if got, err := policy.ParsePercentPPM(policy.FormatPPM(v)); err != nil || got != v {
			t.Fatalf("ppm %d → %q → %d, %v", v, policy.FormatPPM(v), got, err)
		}
	}
}
