package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/kv"
)

// ErrNoSession is the answer to a missing, unknown, revoked or expired session
// token, and to a token of another channel.
var ErrNoSession = errs.New(errs.Unauthenticated, "identity.no_session", "登录已失效，请重新登录")

// ErrSessionNotFound answers a revocation of a session that is not the
// caller's (or does not exist).
var ErrSessionNotFound = errs.New(errs.NotFound, "identity.session_not_found", "未找到该登录会话")

// SessionTTL is how long a session of each channel lives after its last use.
var SessionTTL = map[string]time.Duration{
	"counter": 30 * time.Minute, // staff in the admin console (柜面 channel)
	"unit":    2 * time.Hour,
	"web":     30 * time.Minute,
	"app":     7 * 24 * time.Hour,
	"wechat":  2 * time.Hour,
	"kiosk":   3 * time.Minute,
	"hotline": 10 * time.Minute,
	"sms":     5 * time.Minute,
	"gov":     30 * time.Minute,
}

// Client describes where a session was started, for the user's session list.
type Client struct {
	IP        string
	UserAgent string
}

// SessionInfo is one live session as its owner sees it.
type SessionInfo struct {
	ID        string    `json:"id"` // the SHA-256 of the token (never the token)
	Channel   string    `json:"channel"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Current   bool      `json:"current"`
}

// session is the key-value record of a session.
type session struct {
	Principal
	Channel string    `json:"channel"`
	Expires time.Time `json:"expires"`
	// Recorded is the expiry last written to user_session; the durable record
	// is refreshed when the sliding expiry has moved a quarter TTL past it.
	Recorded time.Time `json:"recorded"`
	// Checked is when the durable record last confirmed the session is not
	// revoked; a cached copy older than SessionRecheck is confirmed again.
	Checked time.Time `json:"checked"`
}

// SessionRecheck bounds how long a session cached in the key-value store is
// trusted without looking at user_session: a session revoked while Redis was
// unreachable (the cached copy could not be deleted) stops working within
// this time once Redis is back.
const SessionRecheck = time.Minute

// NewSession starts a session for p on the channel and returns its opaque
// token (never stored: the stores keep only its SHA-256) and expiry.
func (s *Service) NewSession(ctx context.Context, p Principal, channel string) (string, time.Time, error) {
	return s.NewSessionFrom(ctx, p, channel, Client{})
}

// NewSessionFrom is NewSession recording the client for the session list. The
// session is written to user_session (durable, listable, revocable) and to the
// key-value store (fast path).
func (s *Service) NewSessionFrom(ctx context.Context, p Principal, channel string, cl Client) (string, time.Time, error) {
	ttl, ok := SessionTTL[channel]
	if !ok {
		return "", time.Time{}, fmt.Errorf("identity: no session TTL for channel %q", channel)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now().UTC()
	exp := now.Add(ttl).Truncate(time.Second)
	pj, _ := json.Marshal(p)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO user_session (token_hash, subject, channel, principal, level, ip, user_agent, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), p.Subject, channel, string(pj), p.Level,
		clip(cl.IP, 64), clip(cl.UserAgent, 200), now.Truncate(time.Microsecond), exp); err != nil {
		return "", time.Time{}, fmt.Errorf("record session: %w", err)
	}
	v, _ := json.Marshal(session{Principal: p, Channel: channel, Expires: exp, Recorded: exp, Checked: now})
	if err := s.kv.Set(ctx, sessionKey(token), string(v), ttl); err != nil && !errors.Is(err, kv.ErrUnavailable) {
		return "", time.Time{}, err
	}
	return token, exp, nil
}

// Session returns the principal of a live session on the channel and extends
// it. A token of another channel, a revoked or an expired one is ErrNoSession.
// The key-value store answers first; when it misses (restarted) or is down,
// the durable record decides, so sessions survive a Redis outage.
func (s *Service) Session(ctx context.Context, token, channel string) (*Principal, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrNoSession
	}
	ttl, ok := SessionTTL[channel]
	if !ok {
		return nil, ErrNoSession
	}
	now := s.now().UTC()
	key := sessionKey(token)
	v, hit, err := s.kv.Get(ctx, key)
	kvUp := err == nil
	if err != nil && !errors.Is(err, kv.ErrUnavailable) {
		return nil, err
	}
	var ss session
	if hit {
		if err := json.Unmarshal([]byte(v), &ss); err != nil || ss.Channel != channel {
			return nil, ErrNoSession
		}
		if now.Sub(ss.Checked) > SessionRecheck {
			rec, err := s.sessionRecord(ctx, tokenHash(token))
			if err != nil {
				return nil, err
			}
			if rec == nil || rec.RevokedAt != nil || !rec.ExpiresAt.After(now) {
				_ = s.kv.Del(ctx, key)
				return nil, ErrNoSession // revoked while the key-value store was away
			}
			ss.Checked = now
		}
	} else {
		rec, err := s.sessionRecord(ctx, tokenHash(token))
		if err != nil {
			return nil, err
		}
		if rec == nil || rec.Channel != channel || rec.RevokedAt != nil || !rec.ExpiresAt.After(now) {
			return nil, ErrNoSession
		}
		if err := json.Unmarshal([]byte(rec.Principal), &ss.Principal); err != nil {
			return nil, fmt.Errorf("read session principal: %w", err)
		}
		ss.Principal.Level = rec.Level
		ss.Channel, ss.Recorded, ss.Checked = channel, rec.ExpiresAt, now
	}
	ss.Expires = now.Add(ttl).Truncate(time.Second)
	if ss.Expires.Sub(ss.Recorded) > ttl/4 {
		res, err := s.db.ExecContext(ctx, `UPDATE user_session SET expires_at = ? WHERE token_hash = ? AND revoked_at IS NULL`, ss.Expires, tokenHash(token))
		if err != nil {
			return nil, fmt.Errorf("extend session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			_ = s.kv.Del(ctx, key)
			return nil, ErrNoSession // revoked while the key-value store was away
		}
		ss.Recorded = ss.Expires
	}
	if kvUp {
		nv, _ := json.Marshal(ss)
		if err := s.kv.Set(ctx, key, string(nv), ttl); err != nil && !errors.Is(err, kv.ErrUnavailable) {
			return nil, err
		}
	}
	p := ss.Principal
	return &p, nil
}

type sessionRow struct {
	Subject   string     `db:"subject"`
	Channel   string     `db:"channel"`
	Principal string     `db:"principal"`
	Level     int        `db:"level"`
	ExpiresAt time.Time  `db:"expires_at"`
	RevokedAt *time.Time `db:"revoked_at"`
}

func (s *Service) sessionRecord(ctx context.Context, hash string) (*sessionRow, error) {
	var r sessionRow
	err := s.db.GetContext(ctx, &r, `SELECT subject, channel, principal, level, expires_at, revoked_at FROM user_session WHERE token_hash = ?`, hash)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	return &r, nil
}

// EndSession revokes a session (logout). An unknown token is not an error.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" || len(token) > 100 {
		return nil
	}
	return s.revoke(ctx, []string{tokenHash(token)})
}

// SetSessionLevel records a raised real-name level on a live session (after
// VerifyRealName), so the person need not log in again.
func (s *Service) SetSessionLevel(ctx context.Context, token, channel string, level int) error {
	p, err := s.Session(ctx, token, channel)
	if err != nil {
		return err
	}
	p.Level = level
	pj, _ := json.Marshal(p)
	if _, err := s.db.ExecContext(ctx, `UPDATE user_session SET level = ?, principal = ? WHERE token_hash = ?`, level, string(pj), tokenHash(token)); err != nil {
		return fmt.Errorf("raise session level: %w", err)
	}
	// The next Session call reads the durable record again.
	return s.kv.Del(ctx, sessionKey(token))
}

// Sessions lists the live sessions of a subject ("person:<id>", …), newest
// first, marking the one of currentToken. Only the subject itself (or staff
// helping them) may call it.
func (s *Service) Sessions(ctx context.Context, subject, currentToken string) ([]SessionInfo, error) {
	var rows []struct {
		Hash      string    `db:"token_hash"`
		Channel   string    `db:"channel"`
		IP        string    `db:"ip"`
		UserAgent string    `db:"user_agent"`
		CreatedAt time.Time `db:"created_at"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT token_hash, channel, ip, user_agent, created_at, expires_at FROM user_session
		WHERE subject = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC LIMIT 100`, subject, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	cur := ""
	if currentToken != "" {
		cur = tokenHash(currentToken)
	}
	out := make([]SessionInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, SessionInfo{ID: r.Hash, Channel: r.Channel, IP: r.IP, UserAgent: r.UserAgent,
			CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Current: r.Hash == cur})
	}
	return out, nil
}

// RevokeSession ends one of the subject's sessions by its SessionInfo.ID
// (ErrSessionNotFound when it is not theirs). Audited.
func (s *Service) RevokeSession(ctx context.Context, subject, id string) error {
	if len(id) != 64 {
		return ErrSessionNotFound
	}
	rec, err := s.sessionRecord(ctx, id)
	if err != nil {
		return err
	}
	if rec == nil || rec.Subject != subject || rec.RevokedAt != nil {
		return ErrSessionNotFound
	}
	if err := s.revoke(ctx, []string{id}); err != nil {
		return err
	}
	_, err = s.audit.Write(ctx, audit.Record{Action: "identity.session_revoke", Object: subject, After: audit.Summary(map[string]string{"channel": rec.Channel})})
	return err
}

// RevokeAll ends every session of the subject on every channel (password
// change, reset, staff action) and returns how many were live.
func (s *Service) RevokeAll(ctx context.Context, subject string) (int, error) {
	var hashes []string
	if err := s.db.SelectContext(ctx, &hashes, `SELECT token_hash FROM user_session WHERE subject = ? AND revoked_at IS NULL AND expires_at > ?`,
		subject, s.now().UTC()); err != nil {
		return 0, fmt.Errorf("list sessions: %w", err)
	}
	return len(hashes), s.revoke(ctx, hashes)
}

// revoke marks the sessions revoked in the durable record first, then drops
// their key-value records. When the key-value store is down the durable mark
// still wins: a surviving key is refused at its next durable refresh.
func (s *Service) revoke(ctx context.Context, hashes []string) error {
	if len(hashes) == 0 {
		return nil
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	keys := make([]string, 0, len(hashes))
	for _, h := range hashes {
		if _, err := s.db.ExecContext(ctx, `UPDATE user_session SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`, now, h); err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		keys = append(keys, "sess:"+h)
	}
	return s.kv.Del(ctx, keys...)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func sessionKey(token string) string { return "sess:" + tokenHash(token) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
