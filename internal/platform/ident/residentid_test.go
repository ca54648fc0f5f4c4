package ident_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// refIDCheck recomputes the GB 11643 check character independently of the
// package: W_i = 2^(17−i) mod 11, check = (12 − S mod 11) mod 11 with 10 → 'X'.
func refIDCheck(body string) byte {
	s := 0
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		s += int(body[i]-'0') * w
	}
	c := (12 - s%11) % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

func TestParseResidentIDValid(t *testing.T) {
	leap := "11010120000229001" + string(refIDCheck("11010120000229001"))
	tests := []struct {
		in     string
		number string
		birth  string
		sex    ident.Sex
		masked string
	}{
		// domain.md §7.1 vectors.
		{"11010519491231002X", "11010519491231002X", "1949-12-31", ident.Female, "110105********002X"},
		{"440308199001011239", "440308199001011239", "1990-01-01", ident.Male, "440308********1239"},
		{"320106198503150049", "320106198503150049", "1985-03-15", ident.Female, "320106********0049"},
		{"110101199003070011", "110101199003070011", "1990-03-07", ident.Male, "110101********0011"},
		// Lowercase x, surrounding white space.
		{"11010519491231002x", "11010519491231002X", "1949-12-31", ident.Female, "110105********002X"},
		{"  11010519491231002X\t\n", "11010519491231002X", "1949-12-31", ident.Female, "110105********002X"},
		// Legacy 15-digit numbers.
		{"110105491231002", "11010519491231002X", "1949-12-31", ident.Female, "110105********002X"},
		{" 440308900101123 ", "440308199001011239", "1990-01-01", ident.Male, "440308********1239"},
		// 29 February in a leap year.
		{leap, leap, "2000-02-29", ident.Male, "110101********" + leap[14:]},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			id, err := ident.ParseResidentID(tc.in)
			if err != nil {
				t.Fatalf("ParseResidentID(%q) = %v", tc.in, err)
			}
			if id.Number() != tc.number {
				t.Errorf("Number = %q, want %q", id.Number(), tc.number)
			}
			if id.BirthDate() != date.MustParse(tc.birth) {
				t.Errorf("BirthDate = %v, want %s", id.BirthDate(), tc.birth)
			}
			if id.Sex() != tc.sex {
				t.Errorf("Sex = %v, want %v", id.Sex(), tc.sex)
			}
			if id.Masked() != tc.masked {
				t.Errorf("Masked = %q, want %q", id.Masked(), tc.masked)
			}
		})
	}
}

func TestParseResidentIDInvalid(t *testing.T) {
	future := date.FromTime(time.Now()).AddDays(1)
	futureBody := fmt.Sprintf("110101%04d%02d%02d001", future.Year(), future.Month(), future.Day())
	tests := []struct {
		name, in string
		want     *errs.Error
	}{
		{"wrong check (§7.1)", "110105194912310021", ident.ErrIDChecksum},
		{"wrong check digit", "440308199001011238", ident.ErrIDChecksum},
		{"empty", "", ident.ErrIDLength},
		{"17 digits", "11010519491231002", ident.ErrIDLength},
		{"19 chars", "11010519491231002X1", ident.ErrIDLength},
		{"16 digits", "1101054912310021", ident.ErrIDLength},
		{"letter in body", "1101051949123100AX", ident.ErrIDSyntax},
		{"X in the middle", "110105194912X1002X", ident.ErrIDSyntax},
		{"Y as check", "11010519491231002Y", ident.ErrIDSyntax},
		{"inner space", "110105 9491231002X", ident.ErrIDSyntax},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", ident.ErrIDSyntax},
		{"15 with X", "11010549123100X", ident.ErrIDSyntax},
		{"month 13", "110105194913310021", ident.ErrIDBirthDate},
		{"31 April", "110105199004310021", ident.ErrIDBirthDate},
		{"29 Feb 1900", "110105190002290021", ident.ErrIDBirthDate},
		{"before 1900", "110105189912310021", ident.ErrIDBirthDate},
		{"future", futureBody + string(refIDCheck(futureBody)), ident.ErrIDBirthDate},
		{"15-digit bad date", "110105491331002", ident.ErrIDBirthDate},
		{"all zeros", "000000000000000000", ident.ErrIDBirthDate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := ident.ParseResidentID(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseResidentID(%q) = %v, %v; want %v", tc.in, id, err, tc.want.Code)
			}
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("kind = %s, want invalid", errs.KindOf(err))
			}
			if !id.IsZero() {
				t.Errorf("failed parse returned %v", id)
			}
		})
	}
}

func TestResidentIDNeverPrintsInFull(t *testing.T) {
	id, err := ident.ParseResidentID("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "id", id)
	for _, s := range []string{fmt.Sprint(id), fmt.Sprintf("%v|%s|%+v|%#v", id, id, id, id), logged.String()} {
		if strings.Contains(s, id.Number()) || !strings.Contains(s, "110105********002X") {
			t.Errorf("formatted as %q", s)
		}
	}
	var zero ident.ResidentID
	if zero.Masked() != "" || zero.Sex() != ident.SexUnknown || !zero.IsZero() {
		t.Errorf("zero value: %q %v", zero.Masked(), zero.Sex())
	}
}

func TestSexCodes(t *testing.T) {
	tests := []struct {
		s          ident.Sex
		code, name string
	}{
		{ident.Male, "1", "男"},
		{ident.Female, "2", "女"},
		{ident.SexUnknown, "0", "未知"},
	}
	for _, tc := range tests {
		if tc.s.Code() != tc.code || tc.s.String() != tc.name {
			t.Errorf("%d: Code %q String %q, want %q %q", tc.s, tc.s.Code(), tc.s.String(), tc.code, tc.name)
		}
	}
}

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "440308199001011239", "110105491231002",
		"110105194912310021", "", " 320106198503150049 ", "１１０１０５", "99999920991231999X",
	} {
		f.Add(s)
	}
	today := date.FromTime(time.Now())
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ident.ParseResidentID(s)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid || !strings.HasPrefix(errs.CodeOf(err), "ident.id_") {
				t.Fatalf("ParseResidentID(%q) error %v is not an ident.id_* invalid error", s, err)
			}
			return
		}
		n := id.Number()
		if len(n) != 18 {
			t.Fatalf("ParseResidentID(%q).Number() = %q, not 18 chars", s, n)
		}
		for i := 0; i < 17; i++ {
			if n[i] < '0' || n[i] > '9' {
				t.Fatalf("Number %q has a non-digit at %d", n, i)
			}
		}
		if refIDCheck(n) != n[17] {
			t.Fatalf("Number %q: check char %c, reference %c", n, n[17], refIDCheck(n))
		}
		b := id.BirthDate()
		if got := fmt.Sprintf("%04d%02d%02d", b.Year(), b.Month(), b.Day()); got != n[6:14] {
			t.Fatalf("BirthDate %v does not match %q", b, n)
		}
		if b.Year() < 1900 || b.After(today) {
			t.Fatalf("BirthDate %v out of range", b)
		}
		if m := id.Masked(); len(m) != 18 || m[:6] != n[:6] || m[14:] != n[14:] || m[6:14] != "********" {
			t.Fatalf("Masked %q of %q", m, n)
		}
		if (id.Sex() == ident.Male) != ((n[16]-'0')%2 == 1) {
			t.Fatalf("Sex %v of %q", id.Sex(), n)
		}
		again, err := ident.ParseResidentID(n)
		if err != nil || again != id {
			t.Fatalf("reparse of %q = %v, %v; want %v", n, again, err, id)
		}
	})
}
