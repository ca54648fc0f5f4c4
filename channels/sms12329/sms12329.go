// Package sms12329 is the 12329 SMS channel (channel code "sms"): the SMS
// gateway's inbound webhook that answers query commands sent to 12329, the
// gateway's delivery receipts, and the subscriptions (签约/退订) and quiet
// hours (免打扰) that business notices honour. It is a thin adapter: it
// authenticates the gateway, parses a command, identifies the sender through
// identity (reserved mobile + query PIN) and answers through notify, so every
// answer lands in the SMS outbox or goes out through the gateway.
//
// # Routes
//
//   - POST /hooks/sms12329/inbound: JSON {"from","text","received_at"} with
//     header X-Signature: the hex HMAC-SHA256 of the raw body keyed with
//     GJJ_SMS_INBOUND_KEY. received_at (RFC 3339) must lie within MaxSkew of
//     now and the same body is accepted once (a replay is refused with 409
//     sms12329.replay). The answer is always {"status":"accepted"}: whether
//     the sender is known, or the PIN right, is never said to the gateway —
//     the sender gets an SMS (the figures, or the neutral text).
//   - POST /hooks/sms12329/receipts: JSON {"provider_id","status"} signed the
//     same way (freshness through "reported_at"); status delivered or
//     undelivered updates the message (notify.MarkDelivered).
//
// # Commands
//
// A Grammar maps the first word of the text (case-insensitive) to a Rule:
// the command and whether the query PIN must follow ("CX 135790"). With the
// PIN the sender is checked by identity.CheckQueryPIN (the reserved mobile
// + PIN; wrong PINs count toward identity's lockout); without it the sender
// must still be a reserved mobile of an open account. An unknown sender, a
// wrong, missing or locked PIN all get the same neutral answer.
package sms12329

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/identity"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/kv"
	"gjj/internal/platform/web"
)

// Channel is the channel code of the gate and the audit trail.
const Channel = "sms"

// Limits of the webhook.
const (
	// MaxBody is the largest webhook body accepted.
	MaxBody = 4 << 10
	// MaxSkew is how far received_at (reported_at) may lie from now.
	MaxSkew = 5 * time.Minute
	// seenTTL keeps a body's replay key past the freshness window.
	seenTTL = 2*MaxSkew + time.Minute
)

// Refusals of the webhook (the gateway sees them, never a person).
var (
	ErrBadSignature = errs.New(errs.Unauthenticated, "sms12329.bad_signature", "短信网关签名校验失败")
	ErrStale        = errs.New(errs.Unauthenticated, "sms12329.stale", "短信网关请求时间无效或已过期")
	ErrReplay       = errs.New(errs.Conflict, "sms12329.replay", "该短信网关请求已处理")
	ErrBadMessage   = errs.New(errs.Invalid, "sms12329.bad_message", "上行短信内容不正确")
)

// Command is what an inbound SMS asks for.
type Command string

// The commands.
const (
	Balance     Command = "balance"     // CX: balance and state
	Statement   Command = "statement"   // MX: the last three postings
	Loan        Command = "loan"        // DK: loan balance and next instalment
	Subscribe   Command = "subscribe"   // KT: business notices on
	Unsubscribe Command = "unsubscribe" // TD: business notices off
	Help        Command = "help"        // anything else
)

// Rule is one keyword of the grammar.
type Rule struct {
	Command Command
	PIN     bool // the query PIN must follow the keyword
}

// Grammar maps a keyword (upper case) to its rule.
type Grammar map[string]Rule

// DefaultGrammar is the center's command set: queries need the PIN,
// subscription changes only the reserved mobile.
var DefaultGrammar = Grammar{
	"CX": {Balance, true}, "余额": {Balance, true},
	"MX": {Statement, true}, "明细": {Statement, true},
	"DK": {Loan, true}, "贷款": {Loan, true},
	"KT": {Subscribe, false}, "开通": {Subscribe, false},
	"TD": {Unsubscribe, false}, "退订": {Unsubscribe, false},
}

// Config configures the channel.
type Config struct {
	// Key is GJJ_SMS_INBOUND_KEY, the HMAC key of the gateway's webhooks.
	Key string
	// Grammar is the command set (nil: DefaultGrammar).
	Grammar Grammar
	// Quiet is the quiet-hours window for notices (zero: DefaultQuiet).
	Quiet QuietHours
}

// Deps are the services the channel calls.
type Deps struct {
	Identity *identity.Service
	Deposit  *deposit.Service
	Loan     *loan.Service // nil answers DK with "no loan"
	Notify   *notify.Service
	KV       kv.Store // replay keys
	DB       *db.DB   // subscriptions and reserved-mobile checks
	Gate     *channel.Gate
	Audit    *audit.Log
	Log      *slog.Logger
}

// Service is the configured channel. Safe for concurrent use.
type Service struct {
	cfg  Config
	d    Deps
	Subs *Subscriptions
	now  func() time.Time
	loop *loop
}

// New returns the channel. Errors: a missing key or dependency.
func New(cfg Config, d Deps) (*Service, error) {
	if len(cfg.Key) < 16 {
		return nil, errors.New("sms12329: the inbound key must have at least 16 characters")
	}
	if d.Identity == nil || d.Deposit == nil || d.Notify == nil || d.KV == nil || d.DB == nil || d.Audit == nil {
		return nil, errors.New("sms12329: identity, deposit, notify, kv, db and audit are required")
	}
	if cfg.Grammar == nil {
		cfg.Grammar = DefaultGrammar
	}
	if cfg.Quiet == (QuietHours{}) {
		cfg.Quiet = DefaultQuiet
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, d: d, now: time.Now}
	s.Subs = notify.NewSubscriptions(d.DB, d.Audit, cfg.Quiet)
	return s, nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now; s.Subs.SetClock(now) }

// Register mounts the webhook routes on e.
func (s *Service) Register(e *echo.Echo) {
	e.POST("/hooks/sms12329/inbound", s.inbound)
	e.POST("/hooks/sms12329/receipts", s.receipt)
}

// Sign is the X-Signature of a body: hex HMAC-SHA256 keyed with key. The
// gateway (and tests) call it.
func Sign(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// verified reads the body, checks its signature and that it was not seen,
// and leaves it for BindJSON.
func (s *Service) verified(c echo.Context, ts func([]byte) (time.Time, bool)) ([]byte, error) {
	req := c.Request()
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBody {
		return nil, errs.New(errs.Invalid, web.CodeTooLarge, "请求内容过大")
	}
	got, err := hex.DecodeString(req.Header.Get("X-Signature"))
	want, _ := hex.DecodeString(Sign(s.cfg.Key, body))
	if err != nil || !hmac.Equal(got, want) {
		return nil, ErrBadSignature
	}
	at, ok := ts(body)
	if now := s.now(); !ok || at.Before(now.Add(-MaxSkew)) || at.After(now.Add(MaxSkew)) {
		return nil, ErrStale
	}
	sum := sha256.Sum256(body)
	fresh, err := s.d.KV.SetNX(req.Context(), "sms12329:seen:"+hex.EncodeToString(sum[:]), "1", seenTTL)
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, ErrReplay
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// Inbound is an upstream SMS as the gateway posts it.
type Inbound struct {
	From       string    `json:"from"`
	Text       string    `json:"text"`
	ReceivedAt time.Time `json:"received_at"`
}

func (s *Service) inbound(c echo.Context) error {
	if _, err := s.verified(c, stamp("received_at")); err != nil {
		return err
	}
	var m Inbound
	if err := web.BindJSON(c, &m); err != nil {
		return err
	}
	phone, err := notify.ParsePhone(m.From)
	if err != nil || len(m.Text) > 160*4 {
		return ErrBadMessage
	}
	if err := s.Handle(c.Request().Context(), phone, m.Text); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "accepted"})
}

// Receipt is a delivery receipt as the gateway posts it.
type Receipt struct {
	ProviderID string    `json:"provider_id"`
	Status     string    `json:"status"`
	ReportedAt time.Time `json:"reported_at"`
}

func (s *Service) receipt(c echo.Context) error {
	if _, err := s.verified(c, stamp("reported_at")); err != nil {
		return err
	}
	var r Receipt
	if err := web.BindJSON(c, &r); err != nil {
		return err
	}
	if err := s.d.Notify.MarkDelivered(c.Request().Context(), r.ProviderID, r.Status); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "recorded"})
}
