// Package bankhook is the settlement bank's payment-result callback (付款结果
// 通知) as an HTTP route, a thin adapter in front of the withdrawal core's
// idempotent result handler (the same one the embedded bank simulator calls):
//
//	POST /hooks/bank/payment-result
//	  body   {"serial","paid","bank_serial","reason"}   (JSON, at most MaxBody bytes)
//	  header X-Timestamp  Unix seconds, within MaxSkew of now
//	  header X-Signature  hex HMAC-SHA256 of the raw body keyed with GJJ_BANK_CALLBACK_KEY
//
// Answers: 200 {"status":"recorded"} (also for a result delivered again:
// the core posts it once); 503 bank.callback_disabled while no key is
// configured; 401 bank.bad_signature; 403 bank.stale_timestamp; 400
// bank.bad_result for a body without a serial; 404 withdrawal.not_found for
// an unknown serial; 409 withdrawal.payment_result_conflict for a result
// contradicting the recorded one (audited for manual reconciliation).
// A refused request changes nothing.
package bankhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/exchange"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/web"
)

// Limits of the callback.
const (
	MaxBody = 4 << 10
	MaxSkew = 5 * time.Minute
)

// Errors of the callback.
var (
	ErrDisabled     = errs.New(errs.Unavailable, "bank.callback_disabled", "银行付款结果通知未启用（未配置 GJJ_BANK_CALLBACK_KEY）")
	ErrBadSignature = errs.New(errs.Unauthenticated, "bank.bad_signature", "银行通知签名校验失败")
	ErrStale        = errs.New(errs.Forbidden, "bank.stale_timestamp", "银行通知时间戳无效或已超过 5 分钟")
	ErrBadResult    = errs.New(errs.Invalid, "bank.bad_result", "银行付款结果通知内容不正确")
)

// Deps are what the callback needs.
type Deps struct {
	// Key is GJJ_BANK_CALLBACK_KEY; empty turns the route to 503.
	Key string
	// Result applies a payment result (withdrawal.Service.PaymentResult); it
	// must be idempotent.
	Result exchange.PaymentCallback
	// Log receives refused callbacks; nil discards them.
	Log *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Register mounts POST /hooks/bank/payment-result on e.
func Register(e *echo.Echo, d Deps) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	h := &handler{d: d}
	e.POST("/hooks/bank/payment-result", h.paymentResult)
}

// Sign is the X-Signature of body under key (for the bank's side and tests).
func Sign(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

type handler struct{ d Deps }

// resultBody is the bank's notification.
type resultBody struct {
	Serial     string `json:"serial"`
	Paid       bool   `json:"paid"`
	BankSerial string `json:"bank_serial"`
	Reason     string `json:"reason"`
}

func (h *handler) paymentResult(c echo.Context) error {
	if h.d.Key == "" || h.d.Result == nil {
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
	got, err := hex.DecodeString(strings.TrimSpace(req.Header.Get("X-Signature")))
	if err != nil || !hmac.Equal(got, mac(h.d.Key, body)) {
		h.d.Log.Warn("bankhook: payment result with a bad signature refused", "remote", c.RealIP())
		return ErrBadSignature
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(req.Header.Get("X-Timestamp")), 10, 64)
	now := h.d.Now()
	if at := time.Unix(secs, 0); err != nil || at.Before(now.Add(-MaxSkew)) || at.After(now.Add(MaxSkew)) {
		h.d.Log.Warn("bankhook: stale payment result refused", "remote", c.RealIP())
		return ErrStale
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	var b resultBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	b.Serial = strings.TrimSpace(b.Serial)
	if b.Serial == "" || len(b.Serial) > 64 || len(b.BankSerial) > 64 || len([]rune(b.Reason)) > 200 {
		return ErrBadResult
	}
	if err := h.d.Result(context.WithoutCancel(req.Context()), exchange.PaymentResult{Serial: b.Serial, Paid: b.Paid,
		BankSerial: strings.TrimSpace(b.BankSerial), Reason: strings.TrimSpace(b.Reason)}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "recorded"})
}

func mac(key string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return m.Sum(nil)
}
