package policy

import (
	"strconv"
	"strings"

	"gjj/internal/platform/errs"
)

// Errors returned by ParsePercentBps and ParsePercentPPM (kind errs.Invalid).
var (
	ErrPercentSyntax = errs.New(errs.Invalid, "policy.percent_syntax",
		"百分比格式不正确，应为数字加百分号，例如 12%、12.5%")
	ErrPercentNegative = errs.New(errs.Invalid, "policy.percent_negative", "百分比不能为负数")
	ErrPercentRange    = errs.New(errs.Invalid, "policy.percent_range", "百分比数值过大")
	ErrBpsPrecision    = errs.New(errs.Invalid, "policy.percent_precision",
		"比例最多保留两位小数，例如 12% 或 12.25%")
	ErrPPMPrecision = errs.New(errs.Invalid, "policy.percent_precision",
		"利率最多保留四位小数，例如 2.6% 或 3.025%")
)

// maxPercentDigits bounds the integer part of a parsed percentage (up to
// 999,999,999%), far above any parameter yet small enough never to overflow.
const maxPercentDigits = 9

// FormatBps formats basis points as a percent string with no trailing zeros:
// 1200 → "12%", 1250 → "12.5%", 1225 → "12.25%", 15000 → "150%". Use it wherever
// an API or page shows a ratio. Any package may call it.
func FormatBps(bps int64) string { return formatScaled(bps, 2) }

// FormatPPM formats an interest rate in millionths as a percent string with no
// trailing zeros: 26000 → "2.6%", 15000 → "1.5%", 30250 → "3.025%". Any package
// may call it.
func FormatPPM(ppm int64) string { return formatScaled(ppm, 4) }

// ParsePercentBps parses a ratio such as "12%", "12.5%" or "12.25%" (surrounding
// spaces and a full-width ％ are accepted) into basis points. It refuses a
// missing percent sign, more than two decimals (ErrBpsPrecision), negatives
// (ErrPercentNegative), absurdly large values (ErrPercentRange) and anything
// else (ErrPercentSyntax); all are errs.Invalid. Any package may call it; the
// allowed range of a particular parameter is checked by its Spec.
func ParsePercentBps(s string) (int64, error) { return parseScaled(s, 2, ErrBpsPrecision) }

// ParsePercentPPM parses an interest rate such as "2.6%" or "3.025%" into
// millionths (26000, 30250). Up to four decimals (ErrPPMPrecision beyond);
// otherwise as ParsePercentBps.
func ParsePercentPPM(s string) (int64, error) { return parseScaled(s, 4, ErrPPMPrecision) }

// pow10 holds 10^n for the scales used here.
var pow10 = [...]uint64{1, 10, 100, 1000, 10000}

func formatScaled(v int64, decimals int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-(v + 1)) + 1 // safe for math.MinInt64
	}
	p := pow10[decimals]
	s := strconv.FormatUint(u/p, 10)
	if f := u % p; f != 0 {
		frac := strconv.FormatUint(f, 10)
		frac = strings.Repeat("0", decimals-len(frac)) + frac
		s += "." + strings.TrimRight(frac, "0")
	}
	if neg {
		s = "-" + s
	}
	return s + "%"
}

func parseScaled(s string, decimals int, precision *errs.Error) (int64, error) {
	s = strings.TrimSpace(s)
	num, ok := strings.CutSuffix(s, "%")
	if !ok {
		if num, ok = strings.CutSuffix(s, "％"); !ok {
			return 0, ErrPercentSyntax
		}
	}
	num = strings.TrimSpace(num)
	if strings.HasPrefix(num, "-") {
		if _, err := parseScaled(num[1:]+"%", decimals, precision); err == nil {
			return 0, ErrPercentNegative
		}
		return 0, ErrPercentSyntax
	}
	intPart, frac, hasDot := strings.Cut(num, ".")
	if intPart == "" || !digits(intPart) || (hasDot && (frac == "" || !digits(frac))) {
		return 0, ErrPercentSyntax
	}
	if len(frac) > decimals {
		return 0, precision
	}
	if len(strings.TrimLeft(intPart, "0")) > maxPercentDigits {
		return 0, ErrPercentRange
	}
	whole, err := strconv.ParseUint(intPart, 10, 64)
	if err != nil {
		return 0, ErrPercentSyntax
	}
	var f uint64
	if frac != "" {
		f, _ = strconv.ParseUint(frac, 10, 64)
		f *= pow10[decimals-len(frac)]
	}
	return int64(whole*pow10[decimals] + f), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
