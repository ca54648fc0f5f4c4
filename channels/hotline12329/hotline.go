// Package hotline12329 is the API of the 12329 hotline's call centre
// (channel code "hotline"), /api/hotline/v1: the IVR's self-service queries
// for a caller verified by ID number + query PIN, the agents' customer view
// and work orders, post-call satisfaction and call statistics. It is a thin
// adapter over identity, the deposit, loan and withdrawal cores and
// internal/workorder; only the call statistics it stores itself.
//
// # Signing
//
// Every request is signed by the call centre with GJJ_HOTLINE_KEY: headers
// X-Timestamp (Unix seconds, within MaxSkew of now), X-Nonce (16–64 letters,
// digits, '-' or '_', used once: a replay is refused with 409 hotline.replay)
// and X-Signature, the hex HMAC-SHA256 of
//
//	METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" BODY
//
// where PATH is the request URI (path and query string) and BODY the raw body
// ("" for GET). See Sign.
//
// # Callers and agents
//
// POST /ivr/verify turns a caller's ID number and PIN (keyed on the phone pad)
// into a hotline session (Session header X-Hotline-Session, SessionTTL);
// identity counts wrong PINs toward its lockout and every refusal is the same
// 401 hotline.verify_failed. The IVR queries and the agents' customer view
// read the session's person.
//
// Agents are identified by the signed call-centre identity: the agent's seat
// id in the query parameter "agent" (part of the signed PATH), not by a
// platform staff session; the call centre authenticates its agents. The audit
// trail records them as "hotline-agent:<id>". An agent sees the caller
// masked; the full record needs a reason and is audited (hotline.full_record).
package hotline12329

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/core/withdrawal"
	"gjj/internal/identity"
	"gjj/internal/kb"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/kv"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
	"gjj/internal/workorder"
)

// Channel is the channel code of the gate and the audit trail.
const Channel = "hotline"

// Limits.
const (
	MaxBody    = 16 << 10
	MaxSkew    = 5 * time.Minute
	SessionTTL = 15 * time.Minute
	seenTTL    = 2*MaxSkew + time.Minute
)

// Refusals.
var (
	ErrBadSignature = errs.New(errs.Unauthenticated, "hotline.bad_signature", "热线接口签名校验失败")
	ErrStale        = errs.New(errs.Unauthenticated, "hotline.stale", "热线接口请求时间戳无效或已过期")
	ErrReplay       = errs.New(errs.Conflict, "hotline.replay", "该请求编号（nonce）已使用")
	ErrVerifyFailed = errs.New(errs.Unauthenticated, "hotline.verify_failed", "身份核验未通过")
	ErrNoSession    = errs.New(errs.Unauthenticated, "hotline.no_session", "来电人未核验身份或核验已过期")
	ErrNoAgent      = errs.New(errs.Invalid, "hotline.no_agent", "请提供坐席工号（agent，1–32 位字母数字）")
	ErrNoReason     = errs.New(errs.Invalid, "hotline.no_reason", "查看完整信息须填写事由（2–200 字）")
	ErrBadStats     = errs.New(errs.Invalid, "hotline.bad_stats", "话务统计数据不正确")
	ErrNoAccount    = errs.New(errs.NotFound, "hotline.no_account", "未查询到来电人的住房公积金个人账户")
	ErrDisabled     = errs.New(errs.Unavailable, "hotline.disabled", "12329 热线接口未启用（未配置 GJJ_HOTLINE_KEY）")
)

// Deps are the services the channel calls.
type Deps struct {
	Key        string // GJJ_HOTLINE_KEY
	Identity   *identity.Service
	Deposit    *deposit.Service
	Loan       *loan.Service       // nil: no loans
	Withdrawal *withdrawal.Service // nil: no applications
	WorkOrders *workorder.Service
	KB         *kb.Service // the agents' knowledge-base search (kb.go); nil answers 503
	KV         kv.Store
	Gate       *channel.Gate
	Audit      *audit.Log
	Log        *slog.Logger
}

// Service is the hotline API. Safe for concurrent use.
type Service struct {
	d   Deps
	now func() time.Time
}

// New returns the hotline API. An empty key serves every route with 503
// hotline.disabled (the routes stay documented and mounted). Errors: a key
// shorter than 16 characters or a missing dependency.
func New(d Deps) (*Service, error) {
	if d.Key != "" && len(d.Key) < 16 {
		return nil, errors.New("hotline12329: the key must have at least 16 characters")
	}
	if d.Identity == nil || d.Deposit == nil || d.WorkOrders == nil || d.KV == nil || d.Audit == nil {
		return nil, errors.New("hotline12329: identity, deposit, work orders, kv, db and audit are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d, now: time.Now}, nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Sign is the X-Signature of a request (see the package comment). The call
// centre (and tests) call it.
func Sign(key, method, uri, timestamp, nonce string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	io.WriteString(m, method+"\n"+uri+"\n"+timestamp+"\n"+nonce+"\n")
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Register mounts /api/hotline/v1.
func (s *Service) Register(e *echo.Echo) {
	g := e.Group("/api/hotline/v1", s.signed)
	q := func(item string) echo.MiddlewareFunc { return s.d.Gate.Middleware(Channel, item) }
	g.POST("/ivr/verify", s.verify, q("ZH-01"))
	g.GET("/ivr/balance", s.balance, s.session, q("GR-01"))
	g.GET("/ivr/last-deposit", s.lastDeposit, s.session, q("GR-01"))
	g.GET("/ivr/loan", s.loan, s.session, q("DK-02"))
	g.GET("/ivr/withdrawals", s.withdrawals, s.session, q("GR-01"))
	g.GET("/agent/customer", s.customer, s.agent, s.session)
	g.POST("/agent/customer/full", s.fullRecord, s.agent, s.session)
	g.GET("/agent/workorders", s.listOrders, s.agent)
	g.POST("/agent/workorders", s.createOrder, s.agent)
	g.POST("/agent/workorders/:id", s.updateOrder, s.agent)
	g.POST("/workorders/:id/satisfaction", s.rate)
	g.POST("/stats", s.stats)
	g.GET("/kb", s.searchKB, s.agent, q(itemPublish)) // kb.go
}

func validNonce(n string) bool {
	if len(n) < 16 || len(n) > 64 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// signed checks the signature, freshness and nonce of every request.
func (s *Service) signed(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.d.Key == "" {
			return ErrDisabled
		}
		req := c.Request()
		body, err := io.ReadAll(io.LimitReader(req.Body, MaxBody+1))
		if err != nil {
			return err
		}
		if len(body) > MaxBody {
			return errs.New(errs.Invalid, web.CodeTooLarge, "请求内容过大")
		}
		ts, nonce := req.Header.Get("X-Timestamp"), req.Header.Get("X-Nonce")
		got, herr := hex.DecodeString(req.Header.Get("X-Signature"))
		want, _ := hex.DecodeString(Sign(s.d.Key, req.Method, req.URL.RequestURI(), ts, nonce, body))
		if herr != nil || !validNonce(nonce) || !hmac.Equal(got, want) {
			return ErrBadSignature
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		now := s.now()
		if at := time.Unix(sec, 0); err != nil || at.Before(now.Add(-MaxSkew)) || at.After(now.Add(MaxSkew)) {
			return ErrStale
		}
		fresh, err := s.d.KV.SetNX(req.Context(), "hotline:nonce:"+nonce, "1", seenTTL)
		if err != nil {
			return err
		}
		if !fresh {
			return ErrReplay
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		return next(c)
	}
}

// session resolves X-Hotline-Session to the verified caller.
func (s *Service) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok := c.Request().Header.Get("X-Hotline-Session")
		if len(tok) != 64 {
			return ErrNoSession
		}
		v, ok, err := s.d.KV.Get(c.Request().Context(), sessionKey(tok))
		if err != nil {
			return err
		}
		id, perr := strconv.ParseInt(v, 10, 64)
		if !ok || perr != nil {
			return ErrNoSession
		}
		c.Set("person", id)
		ctx := c.Request().Context()
		if reqctx.ActorOf(ctx).Channel != Channel {
			ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: "person:" + v, Channel: Channel})
		}
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func sessionKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return "hotline:session:" + hex.EncodeToString(sum[:])
}

func personOf(c echo.Context) int64 { id, _ := c.Get("person").(int64); return id }

// agent requires the signed "agent" query parameter and makes it the actor.
func (s *Service) agent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := c.QueryParam("agent")
		if a == "" || len(a) > 32 || strings.ContainsFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) {
			return ErrNoAgent
		}
		c.Set("agent", a)
		ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "hotline-agent:" + a, Channel: Channel})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
