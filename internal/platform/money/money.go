// Package money holds amounts of Chinese yuan as int64 fen (分). Every amount in
// the platform is a Fen: database columns are BIGINT fen, JSON fields are
// *_fen integers. Fractions appear only inside calculations (shopspring/decimal)
// and are rounded once, explicitly, before they become a Fen.
package money

import (
	"math"
	"strconv"
	"strings"

	"gjj/internal/platform/errs"
)

// Fen is an amount in fen (1/100 yuan).
type Fen int64

// Max is the largest amount accepted anywhere (10 trillion yuan). Keeping every
// amount below it means sums of many amounts cannot overflow int64 unnoticed.
const Max Fen = 1_000_000_000_000_000

// Errors returned by the parsers and checked arithmetic.
var (
	ErrSyntax   = errs.New(errs.Invalid, "money.syntax", "金额格式不正确，应为元，最多两位小数，例如 1234.56")
	ErrRange    = errs.New(errs.Invalid, "money.out_of_range", "金额超出允许范围")
	ErrNegative = errs.New(errs.Invalid, "money.not_positive", "金额必须大于零")
)

// Yuan returns whole yuan as Fen.
func Yuan(y int64) Fen { return Fen(y * 100) }

// ParseYuan parses a yuan amount such as "1234.56", "1,234.5", "-0.01" or "¥12".
// At most two decimals; thousands separators must be well placed; the result
// must lie within ±Max. It never panics.
func ParseYuan(s string) (Fen, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimPrefix(s, "￥")
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && (len(frac) == 0 || len(frac) > 2)) {
		return 0, ErrSyntax
	}
	if strings.Contains(intPart, ",") {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, ErrSyntax
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, ErrSyntax
			}
		}
		intPart = strings.Join(groups, "")
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return 0, ErrSyntax
	}
	// Leading zeros do not make an amount large ("0000…01" is one fen).
	if len(strings.TrimLeft(intPart, "0")) > 16 {
		return 0, ErrRange
	}
	whole, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return 0, ErrRange
	}
	for len(frac) < 2 {
		frac += "0"
	}
	cents, _ := strconv.ParseInt(frac, 10, 64)
	if whole > int64(Max/100) {
		return 0, ErrRange
	}
	v := Fen(whole*100 + cents)
	if v > Max {
		return 0, ErrRange
	}
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String formats the amount as plain yuan with two decimals: "1234.56", "-0.01".
func (f Fen) String() string {
	neg := f < 0
	u := uint64(f)
	if neg {
		u = uint64(-(f + 1)) + 1 // safe for math.MinInt64
	}
	s := strconv.FormatUint(u/100, 10) + "." + pad2(u%100)
	if neg {
		return "-" + s
	}
	return s
}

// Format formats the amount with thousands separators: "1,234.56".
func (f Fen) Format() string {
	s := f.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String() + "." + frac
}

func pad2(v uint64) string {
	if v < 10 {
		return "0" + strconv.FormatUint(v, 10)
	}
	return strconv.FormatUint(v, 10)
}

// CheckPositive reports ErrNegative for f <= 0 and ErrRange for f > Max.
func (f Fen) CheckPositive() error {
	if f <= 0 {
		return ErrNegative
	}
	if f > Max {
		return ErrRange
	}
	return nil
}

// Add returns a+b, or ErrRange when the sum would overflow int64.
func Add(a, b Fen) (Fen, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, ErrRange
	}
	return a + b, nil
}
