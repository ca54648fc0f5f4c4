package identity_test

import (
	"strings"
	"testing"

	"gjj/internal/identity"
)

func TestPasswordHash(t *testing.T) {
	h, err := identity.HashPassword("Demo#2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "Demo#2026") {
		t.Fatalf("hash = %q", h)
	}
	h2, _ := identity.HashPassword("Demo#2026")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"Demo#2026", true}, {"demo#2026", false}, {"", false}, {"Demo#2026 ", false}} {
		ok, err := identity.CheckPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA"} {
		if _, err := identity.CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted hash %q", bad)
		}
	}
}
