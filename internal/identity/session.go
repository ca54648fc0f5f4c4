package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"gjj/internal/platform/errs"
)

// ErrNoSession is the answer to a missing, unknown or expired session token.
var ErrNoSession = errs.New(errs.Unauthenticated, "identity.no_session", "登录已失效，请重新登录")

// Session TTLs by channel: a session lives this long after its last use.
var sessionTTL = map[string]time.Duration{
	"counter": 30 * time.Minute, // staff in the admin console (柜面 channel)
	"unit":    2 * time.Hour,
}

type session struct {
	Principal
	Channel string    `json:"channel"`
	Expires time.Time `json:"expires"`
}

// NewSession starts a session for p on the channel and returns its opaque
// token (never stored: the store keeps only its SHA-256) and expiry.
func (s *Service) NewSession(ctx context.Context, p Principal, channel string) (string, time.Time, error) {
	ttl, ok := sessionTTL[channel]
	if !ok {
		return "", time.Time{}, fmt.Errorf("identity: no session TTL for channel %q", channel)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	exp := s.now().UTC().Add(ttl).Truncate(time.Second)
	v, _ := json.Marshal(session{Principal: p, Channel: channel, Expires: exp})
	if err := s.kv.Set(ctx, sessionKey(token), string(v), ttl); err != nil {
		return "", time.Time{}, err
	}
	return token, exp, nil
}

// Session returns the principal of a live session on the channel and extends
// it; a token of another channel is ErrNoSession.
func (s *Service) Session(ctx context.Context, token, channel string) (*Principal, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrNoSession
	}
	v, ok, err := s.kv.Get(ctx, sessionKey(token))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoSession
	}
	var ss session
	if err := json.Unmarshal([]byte(v), &ss); err != nil || ss.Channel != channel {
		return nil, ErrNoSession
	}
	ttl := sessionTTL[channel]
	ss.Expires = s.now().UTC().Add(ttl).Truncate(time.Second)
	nv, _ := json.Marshal(ss)
	if err := s.kv.Set(ctx, sessionKey(token), string(nv), ttl); err != nil {
		return nil, err
	}
	return &ss.Principal, nil
}

// EndSession revokes a session (logout).
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.kv.Del(ctx, sessionKey(token))
}

func sessionKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return "sess:" + hex.EncodeToString(h[:])
}
