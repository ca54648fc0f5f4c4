package apitest

import (
	"context"
	"sync"
	"testing"

	"gjj/internal/app"
)

// ---------------------------------------------------------------------------
// SMS the identity service sends, captured.

// SMS is one message the identity service asked to send.
type SMS struct {
	Phone, Template string
	Vars            map[string]string
}

// Inbox records the SMS of a platform (CaptureSMS). It is safe for
// concurrent use.
type Inbox struct {
	mu   sync.Mutex
	sent []SMS
}

// CaptureSMS replaces a's SMS sender (a.Identity.SMS) with one that records
// every message in the returned inbox instead of sending it (nothing reaches
// the SMS outbox). Call it before the test's first request.
func CaptureSMS(a *app.App) *Inbox {
	in := &Inbox{}
	a.Identity.SMS = func(_ context.Context, phone, template string, vars map[string]string) error {
		in.mu.Lock()
		defer in.mu.Unlock()
		in.sent = append(in.sent, SMS{Phone: phone, Template: template, Vars: vars})
		return nil
	}
	return in
}

// Code returns the "code" variable of the newest message with the template
// (otp.register, otp.login, …) sent to phone; "" for a template without one.
// It fails the test when no such message was sent.
func (in *Inbox) Code(t testing.TB, phone, template string) string {
	t.Helper()
	in.mu.Lock()
	defer in.mu.Unlock()
	for i := len(in.sent) - 1; i >= 0; i-- {
		if m := in.sent[i]; m.Phone == phone && m.Template == template {
			return m.Vars["code"]
		}
	}
	t.Fatalf("no %s SMS to %s", template, phone)
	return ""
}

// Count is how many messages went to phone.
func (in *Inbox) Count(phone string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, m := range in.sent {
		if m.Phone == phone {
			n++
		}
	}
	return n
}

// Len is how many messages went to anyone.
func (in *Inbox) Len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.sent)
}
