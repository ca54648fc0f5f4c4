package signing_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"gjj/internal/signing"
)

func TestSealer(t *testing.T) {
	master := bytes.Repeat([]byte{7}, 32)
	s, err := signing.NewSealer(master)
	if err != nil || s.Dev() {
		t.Fatal(err)
	}
	dev, err := signing.NewSealer(nil)
	if err != nil || !dev.Dev() {
		t.Fatal("nil master: want the development key", err)
	}
	const key = "Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWo"
	a, _ := s.Seal(key, "kiosk:K-1")
	b, _ := s.Seal(key, "kiosk:K-1")
	if !signing.Sealed(a) || strings.Contains(a, key) || a == b || len(a) > 128 {
		t.Fatalf("sealed %q %q (len %d)", a, b, len(a))
	}
	for _, tc := range []struct {
		name, stored, aad string
		by                *signing.Sealer
		want              string
		err               error
	}{
		{"opens", a, "kiosk:K-1", s, key, nil},
		{"legacy plain text", key, "kiosk:K-1", s, key, nil},
		{"another row", a, "kiosk:K-2", s, "", signing.ErrSealBroken},
		{"another master key", a, "kiosk:K-1", dev, "", signing.ErrSealBroken},
		{"corrupted", a[:len(a)-4] + "AAAA", "kiosk:K-1", s, "", signing.ErrSealBroken},
		{"not base64", signing.SealPrefix + "!!", "kiosk:K-1", s, "", signing.ErrSealBroken},
		{"too short", signing.SealPrefix + "AAAA", "kiosk:K-1", s, "", signing.ErrSealBroken},
	} {
		got, err := tc.by.Open(tc.stored, tc.aad)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: %q %v", tc.name, got, err)
		}
	}
	if k, err := signing.ParseMasterKey(""); k != nil || err != nil {
		t.Errorf("empty: %v %v", k, err)
	}
	if _, err := signing.ParseMasterKey("c2hvcnQ="); err == nil {
		t.Error("a short key was taken")
	}
	if _, err := signing.NewSealer(make([]byte, 16)); err == nil {
		t.Error("a 16-byte master key was taken")
	}
}
