// Package notify sends the platform's outbound messages. For now that is SMS
// (12329 短信, domain.md §6): a registry of templates with {var} placeholders
// (Templates), a Gateway interface with two drivers — the outbox (the
// embedded default: nothing leaves the platform, messages are stored for
// staff to read) and a generic signed HTTP gateway — and the sms_message
// table, where every message is recorded with its status.
//
// # Lifecycle of a message
//
// SendSMS validates the phone and renders the template, inserts the row as
// "queued", calls the gateway with a timeout (outside any transaction), then
// records "sent" (with the provider's id), "stored" (outbox driver) or
// "failed" (with a short reason) and appends one audit record ("notify.sms")
// in the same transaction. Delivery receipts (MarkDelivered) move "sent" to
// "delivered" or "undelivered".
//
// # Secrets
//
// Template variables marked secret (the OTP code) are stored as Mask unless
// the outbox driver is in use: with the outbox, the stored row is the
// delivery, so it holds the full text. Audit records hold the masked phone and
// the template id, never the text.
package notify

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// Message statuses.
const (
	StatusQueued      = "queued"      // recorded, gateway not answered yet
	StatusSent        = "sent"        // the HTTP gateway accepted it
	StatusStored      = "stored"      // outbox driver: stored, readable by staff
	StatusFailed      = "failed"      // the gateway refused it or did not answer
	StatusDelivered   = "delivered"   // the carrier confirmed delivery (receipt)
	StatusUndelivered = "undelivered" // the carrier reported it undeliverable (receipt)
)

// Audit actions written by this package; the object is "sms:<id>".
const (
	ActionSMS     = "notify.sms"
	ActionReceipt = "notify.sms_receipt"
)

// DefaultSendTimeout bounds one gateway call when Service.SendTimeout is 0.
const DefaultSendTimeout = 10 * time.Second

// Outbox page sizes.
const (
	DefaultLimit = 20
	MaxLimit     = 200
)

// Errors returned by the service (match with errors.Is).
var (
	// ErrBadPhone: not an 11-digit mainland mobile number.
	ErrBadPhone = errs.New(errs.Invalid, "notify.bad_phone", "手机号码应为 11 位中国大陆手机号")
	// ErrGatewayUnavailable: the gateway refused the message or did not
	// answer in time; the message is recorded as failed.
	ErrGatewayUnavailable = errs.New(errs.Unavailable, "notify.gateway_unavailable", "短信发送失败，请稍后再试")
	// ErrBadLimit: an outbox page size out of 0..MaxLimit.
	ErrBadLimit = errs.Newf(errs.Invalid, "notify.bad_limit", "每页条数应在 1 到 %d 之间", MaxLimit)
	// ErrBadStatus: a delivery receipt status other than delivered/undelivered.
	ErrBadStatus = errs.New(errs.Invalid, "notify.bad_status", "回执状态应为 delivered 或 undelivered")
	// ErrBadProviderID: a delivery receipt without a provider message id.
	ErrBadProviderID = errs.New(errs.Invalid, "notify.bad_provider_id", "回执缺少短信编号")
	// ErrUnknownMessage: no sent message has the receipt's provider id.
	ErrUnknownMessage = errs.New(errs.NotFound, "notify.unknown_message", "未找到该短信")
	// ErrReceiptConflict: a receipt contradicts one already recorded, or the
	// message was never accepted by the gateway.
	ErrReceiptConflict = errs.New(errs.Conflict, "notify.receipt_conflict", "短信回执与当前状态不符")
)

// SMS is one message to send: a template id and its variables.
type SMS struct {
	Phone, Template string
	Vars            map[string]string
}

// Message is a recorded message (text as stored: secret variables masked
// unless the outbox driver is in use).
type Message struct {
	ID                                               int64
	Phone, Template, Text, Status, ProviderID, Error string
	CreatedAt                                        time.Time
	SentAt                                           *time.Time
}

// Filter selects outbox messages: Phone "" means every phone; Limit 0 means
// DefaultLimit, at most MaxLimit.
type Filter struct {
	Phone string
	Limit int
}

// Service sends and records SMS. Safe for concurrent use.
type Service struct {
	d     *db.DB
	gw    Gateway
	audit *audit.Log
	// SendTimeout bounds one gateway call (DefaultSendTimeout when 0). Set it
	// before the service is used.
	SendTimeout time.Duration
}

// New returns the SMS service over store d sending through gw, auditing to a.
func New(d *db.DB, gw Gateway, a *audit.Log) *Service {
	return &Service{d: d, gw: gw, audit: a}
}

// Gateway returns the name of the driver in use ("outbox", "http", …).
func (s *Service) Gateway() string { return s.gw.Name() }

// SendSMS renders m's template, records the message and hands it to the
// gateway. Any service may call it (identity for OTPs and notices, the core
// for business notices); the caller decides whether the person wants it.
//
// It returns the recorded message. Errors: ErrBadPhone (errs.Invalid
// notify.bad_phone), ErrBadTemplate (errs.Invalid notify.bad_template: unknown
// template, missing or unusable variable — a bug in the caller), ErrTooLong;
// ErrGatewayUnavailable (errs.Unavailable) when the gateway fails or times
// out — then the returned message is the one recorded as failed; store and
// audit errors.
func (s *Service) SendSMS(ctx context.Context, m SMS) (*Message, error) {
	phone, err := ParsePhone(m.Phone)
	if err != nil {
		return nil, err
	}
	text, err := s.textOf(ctx, m.Template)
	if err != nil {
		return nil, err
	}
	full, masked, secrets, err := render(m.Template, text, m.Vars)
	if err != nil {
		return nil, err
	}
	_, isOutbox := s.gw.(outbox)
	stored := masked
	if isOutbox {
		stored = full
	}
	msg := &Message{Phone: phone, Template: m.Template, Text: stored, Status: StatusQueued, CreatedAt: db.Now()}
	gwName := clip(s.gw.Name(), 32)
	err = s.d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO sms_message (phone, template, text, status, gateway, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, msg.Phone, msg.Template, msg.Text, msg.Status, gwName, msg.CreatedAt)
		if err != nil {
			return fmt.Errorf("notify: insert message: %w", err)
		}
		msg.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, err
	}

	timeout := s.SendTimeout
	if timeout <= 0 {
		timeout = DefaultSendTimeout
	}
	sendCtx, cancel := context.WithTimeout(ctx, timeout)
	providerID, sendErr := s.gw.Send(sendCtx, phone, full)
	cancel()

	// The outcome is recorded even if the caller has gone away meanwhile.
	rec := context.WithoutCancel(ctx)
	result := audit.ResultOK
	switch {
	case sendErr != nil:
		msg.Status, msg.Error, result = StatusFailed, scrub(sendErr.Error(), secrets, phone), audit.ResultFailed
	case isOutbox:
		msg.Status = StatusStored
	default:
		msg.Status, msg.ProviderID = StatusSent, clip(providerID, maxProviderID)
		now := db.Now()
		msg.SentAt = &now
	}
	err = s.d.InTx(rec, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(rec, `UPDATE sms_message SET status = ?, provider_id = ?, error = ?, sent_at = ? WHERE id = ?`,
			msg.Status, msg.ProviderID, msg.Error, msg.SentAt, msg.ID); err != nil {
			return fmt.Errorf("notify: record status: %w", err)
		}
		_, err := s.audit.Append(rec, tx, audit.Record{Action: ActionSMS, Object: fmt.Sprintf("sms:%d", msg.ID), Result: result,
			After: audit.Summary(map[string]string{"phone": ident.MaskMobile(phone), "template": msg.Template,
				"gateway": gwName, "status": msg.Status})})
		return err
	})
	if err != nil {
		return nil, err
	}
	if sendErr != nil {
		return msg, ErrGatewayUnavailable.Wrap(fmt.Errorf("sms %d via %s: %s", msg.ID, gwName, msg.Error))
	}
	return msg, nil
}

// Outbox returns recorded messages, newest first: for staff helping a caller
// (the admin SMS outbox), for operations and for tests reading OTPs. Callers
// must check the viewer may see full phone numbers and texts. Errors:
// ErrBadPhone for a non-empty malformed phone, ErrBadLimit; store errors.
func (s *Service) Outbox(ctx context.Context, f Filter) ([]Message, error) {
	if f.Limit < 0 || f.Limit > MaxLimit {
		return nil, ErrBadLimit
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	q := selectMessages
	var args []any
	if f.Phone != "" {
		phone, err := ParsePhone(f.Phone)
		if err != nil {
			return nil, err
		}
		q, args = q+" WHERE phone = ?", append(args, phone)
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", f.Limit)
	var rows []messageRow
	if err := s.d.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("notify: outbox: %w", err)
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.message()
	}
	return out, nil
}

// MarkDelivered records a delivery receipt for the message the gateway
// accepted under providerID: status is StatusDelivered or StatusUndelivered.
// A repeated identical receipt changes nothing. The 12329 SMS channel's
// receipt callback calls it. Errors: ErrBadProviderID and ErrBadStatus
// (errs.Invalid), ErrUnknownMessage, ErrReceiptConflict (a different receipt
// was recorded already, or the message was not sent); store and audit errors.
func (s *Service) MarkDelivered(ctx context.Context, providerID, status string) error {
	if providerID == "" {
		return ErrBadProviderID
	}
	if len(providerID) > maxProviderID {
		return ErrUnknownMessage
	}
	if status != StatusDelivered && status != StatusUndelivered {
		return ErrBadStatus
	}
	return s.d.InTx(ctx, func(tx *db.Tx) error {
		var cur struct {
			ID     int64  `db:"id"`
			Status string `db:"status"`
		}
		err := tx.GetContext(ctx, &cur, "SELECT id, status FROM sms_message WHERE provider_id = ? ORDER BY id DESC LIMIT 1"+
			tx.Dialect.ForUpdate(), providerID)
		if db.NoRows(err) {
			return ErrUnknownMessage
		}
		if err != nil {
			return fmt.Errorf("notify: find message: %w", err)
		}
		switch cur.Status {
		case status:
			return nil
		case StatusSent:
		default:
			return ErrReceiptConflict.With("status", cur.Status)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE sms_message SET status = ?, delivered_at = ? WHERE id = ?", status, db.Now(), cur.ID); err != nil {
			return fmt.Errorf("notify: record receipt: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: ActionReceipt, Object: fmt.Sprintf("sms:%d", cur.ID),
			Before: audit.Summary(map[string]string{"status": cur.Status}), After: audit.Summary(map[string]string{"status": status})})
		return err
	})
}

// ParsePhone checks an 11-digit mainland mobile number (1[3-9]xxxxxxxxx) and
// returns it without surrounding spaces, or ErrBadPhone. Any package may call it.
func ParsePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return "", ErrBadPhone
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrBadPhone
		}
	}
	return s, nil
}

const selectMessages = `SELECT id, phone, template, text, status, provider_id, error, created_at, sent_at FROM sms_message`

type messageRow struct {
	ID         int64      `db:"id"`
	Phone      string     `db:"phone"`
	Template   string     `db:"template"`
	Text       string     `db:"text"`
	Status     string     `db:"status"`
	ProviderID string     `db:"provider_id"`
	Error      string     `db:"error"`
	CreatedAt  time.Time  `db:"created_at"`
	SentAt     *time.Time `db:"sent_at"`
}

func (r messageRow) message() Message {
	m := Message{ID: r.ID, Phone: r.Phone, Template: r.Template, Text: r.Text, Status: r.Status,
		ProviderID: r.ProviderID, Error: r.Error, CreatedAt: r.CreatedAt.UTC()}
	if r.SentAt != nil {
		t := r.SentAt.UTC()
		m.SentAt = &t
	}
	return m
}

// scrub keeps a gateway error storable: secrets and the phone replaced,
// control characters dropped, at most 255 characters.
func scrub(s string, secrets []string, phone string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, Mask)
	}
	s = strings.ReplaceAll(s, phone, ident.MaskMobile(phone))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if s == "" {
		s = "gateway error"
	}
	return clip(s, 255)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
