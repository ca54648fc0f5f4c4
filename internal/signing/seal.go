package signing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Keys at rest. The kiosk keys and agency secrets must be known to the
// server (it computes the same HMAC), so they cannot be hashed: they are
// stored sealed with AES-256-GCM under the master key (GJJ_SECRET_KEY), each
// bound to its row by the additional data ("kiosk:<id>", "agency:<id>") so a
// sealed value copied to another row does not open. A stored value is
// SealPrefix + base64(nonce ‖ ciphertext ‖ tag); a value without the prefix
// is a key stored in plain text by an earlier version, which Open returns as
// it is (Sealed reports which) and the registries re-seal at start.

// SealPrefix marks a sealed value (version 1: AES-256-GCM, 12-byte nonce).
const SealPrefix = "v1:"

// devKeyLabel derives the development master key used when none is
// configured: anyone can derive it, so it protects nothing in production.
const devKeyLabel = "gjj development master key - not for production"

// ErrSealBroken: a sealed value that does not open under the master key (a
// different key, another row's value, or corrupted).
var ErrSealBroken = errors.New("signing: sealed key does not open under the master key")

// Sealer seals and opens keys at rest. Safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
	dev  bool
}

// NewSealer returns the sealer with a 32-byte master key; a nil key derives
// the development key (Dev reports true; the platform logs a warning).
func NewSealer(master []byte) (*Sealer, error) {
	dev := master == nil
	if dev {
		k := sha256.Sum256([]byte(devKeyLabel))
		master = k[:]
	}
	if len(master) != 32 {
		return nil, fmt.Errorf("signing: master key of %d bytes, want 32", len(master))
	}
	b, err := aes.NewCipher(master)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: g, dev: dev}, nil
}

// ParseMasterKey decodes GJJ_SECRET_KEY (standard base64 of 32 bytes); ""
// returns nil (the development key).
func ParseMasterKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, errors.New("GJJ_SECRET_KEY: want the base64 of 32 random bytes")
	}
	return k, nil
}

// Dev reports whether the sealer uses the development key.
func (s *Sealer) Dev() bool { return s.dev }

// Seal returns plain sealed for the row named by aad.
func (s *Sealer) Seal(plain, aad string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(aad))
	return SealPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Sealed reports whether a stored value is sealed (not legacy plain text).
func Sealed(stored string) bool { return strings.HasPrefix(stored, SealPrefix) }

// Open returns the key of a stored value: a sealed one opened for aad
// (ErrSealBroken when it does not open), a legacy plain one as it is.
func (s *Sealer) Open(stored, aad string) (string, error) {
	if !Sealed(stored) {
		return stored, nil
	}
	raw, err := base64.StdEncoding.DecodeString(stored[len(SealPrefix):])
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n+s.aead.Overhead() {
		return "", ErrSealBroken
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return "", ErrSealBroken
	}
	return string(plain), nil
}
