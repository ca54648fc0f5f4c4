// Package signing checks the signed requests of machine clients — the
// self-service kiosks (channels/kiosk) and the government systems
// (channels/gov), and keeps the nonces it has seen: every request carries the client's id, a timestamp, a
// nonce and an HMAC-SHA256 over them, the method, the path with its query and
// the body, made with the key the center issued to that client. A request
// older or newer than Window, a nonce seen before (replay) or a wrong
// signature is refused with a stable code before the handler runs.
//
// The string signed (each part on its own line, "\n" between, none after):
//
//	METHOD
//	/path?query            (as sent, the request URI)
//	timestamp              (Unix seconds, the X-Timestamp header)
//	nonce                  (X-Nonce: 16–64 of A–Z a–z 0–9 - _)
//	hex(SHA-256(body))     (of the empty string for no body)
//
// and X-Signature is the lower-case hex HMAC-SHA256 of that string. Nonces
// are kept in the store (Nonces, table signed_nonce) for twice the window, so
// a replay is refused on every instance and across restarts. The client
// registries (internal/kiosk, internal/govshare) issue keys with NewKey.
package signing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Headers of a signed request (the id header is the client's, e.g.
// X-Kiosk-Id or X-Agency-Id).
const (
	HeaderTimestamp = "X-Timestamp"
	HeaderNonce     = "X-Nonce"
	HeaderSignature = "X-Signature"
)

// Window is how far a request's timestamp may be from the server's clock.
const Window = 5 * time.Minute

// Refusals of a signed request. None says whether the client id exists.
var (
	ErrMissing  = errs.New(errs.Unauthenticated, "signature.missing", "请求未签名或签名信息不完整")
	ErrStale    = errs.New(errs.Unauthenticated, "signature.stale", "请求时间戳已过期或与服务器时间相差过大")
	ErrReplayed = errs.New(errs.Unauthenticated, "signature.replayed", "该请求已处理过（重放的请求被拒绝）")
	ErrInvalid  = errs.New(errs.Unauthenticated, "signature.invalid", "请求签名不正确或终端未登记")
	errBadNonce = errs.New(errs.Unauthenticated, "signature.missing", "请求随机串（X-Nonce）应为 16–64 位字母、数字、- 或 _")
)

const (
	clientKey    = "signing.client"
	pruneEvery   = time.Minute
	maxBodyBytes = 1 << 20
)

// KeyFunc returns the signing key of an active client, or ErrInvalid (or
// a store error) when there is none.
type KeyFunc func(ctx context.Context, id string) ([]byte, error)

// NewKey returns a fresh signing key (32 random bytes, base64url, 43
// characters), for a registry that issues keys to its clients.
func NewKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Nonces is the store of the nonces seen (table signed_nonce), shared by
// every Verifier of the process.
type Nonces struct {
	db        *db.DB
	lastPrune atomic.Int64
}

// NewNonces returns the nonce store kept in d.
func NewNonces(d *db.DB) *Nonces { return &Nonces{db: d} }

// Remember records the nonce of client (scope and id, e.g. "kiosk:K-01")
// seen at now: ErrReplayed when it was seen before, a store error as it is.
// At most once a minute it then forgets the nonces older than twice Window.
func (n *Nonces) Remember(ctx context.Context, client, nonce string, now time.Time) error {
	_, err := n.db.ExecContext(ctx, `INSERT INTO signed_nonce (client, nonce, seen_at) VALUES (?, ?, ?)`,
		client, nonce, now.UTC().Truncate(time.Microsecond))
	if db.IsDuplicate(err) {
		return ErrReplayed
	}
	if err != nil {
		return fmt.Errorf("record nonce: %w", err)
	}
	if last := n.lastPrune.Load(); now.UnixNano()-last > int64(pruneEvery) && n.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		_, _ = n.db.ExecContext(ctx, `DELETE FROM signed_nonce WHERE seen_at < ?`, now.UTC().Add(-2*Window))
	}
	return nil
}

// Verifier checks the signed requests of one kind of client.
type Verifier struct {
	// Nonces is where the nonces seen are kept.
	Nonces *Nonces
	// Scope prefixes the client id in the nonce table ("kiosk", "gov").
	Scope string
	// IDHeader names the header carrying the client id (X-Kiosk-Id …).
	IDHeader string
	Key      KeyFunc
	// Refused, when set, is told of every refused request (for the audit
	// trail); its error is ignored.
	Refused func(c echo.Context, id string, e *errs.Error)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Sign is the X-Signature of a request (see the package comment).
func Sign(key []byte, method, uri, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%s", method, uri, timestamp, nonce, hex.EncodeToString(sum[:]))
	return hex.EncodeToString(m.Sum(nil))
}

// Client is the id of the signed client of a request that passed
// Middleware ("" outside it).
func Client(c echo.Context) string {
	s, _ := c.Get(clientKey).(string)
	return s
}

// Middleware admits only correctly signed, fresh, first-seen requests
// (ErrMissing, ErrStale, ErrInvalid, ErrReplayed otherwise; a store failure
// is returned as it is). The body is read and given back to the handler.
func (v *Verifier) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := v.check(c)
			if err != nil {
				if e := errs.E(err); e != nil && e.Kind == errs.Unauthenticated && v.Refused != nil {
					v.Refused(c, id, e)
				}
				return err
			}
			c.Set(clientKey, id)
			return next(c)
		}
	}
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) check(c echo.Context) (string, error) {
	req := c.Request()
	h := req.Header
	id, ts, nonce, sig := h.Get(v.IDHeader), h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature)
	if id == "" || ts == "" || nonce == "" || sig == "" || len(id) > 32 {
		return id, ErrMissing
	}
	if !goodNonce(nonce) {
		return id, errBadNonce
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return id, ErrStale
	}
	now := v.now()
	if d := now.Sub(time.Unix(secs, 0)); d > Window || d < -Window {
		return id, ErrStale
	}
	var body []byte
	if req.Body != nil {
		if body, err = io.ReadAll(io.LimitReader(req.Body, maxBodyBytes+1)); err != nil {
			return id, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	ctx := req.Context()
	key, err := v.Key(ctx, id)
	if err != nil {
		return id, err
	}
	want := Sign(key, req.Method, req.URL.RequestURI(), ts, nonce, body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return id, ErrInvalid
	}
	if err := v.Nonces.Remember(ctx, v.Scope+":"+id, nonce, now); err != nil {
		return id, err
	}
	return id, nil
}

func goodNonce(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
