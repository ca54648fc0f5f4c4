package apitest_test

import (
	"context"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/demo"
	"gjj/internal/identity"
)

// TestCaptureSMS: the inbox records what the identity service sends, answers
// the newest code per phone and template, counts per phone, and fails a test
// that asks for a message nobody sent.
func TestCaptureSMS(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t))
	in := apitest.CaptureSMS(a)
	ctx := context.Background()
	li, chen := demo.Employees[1], demo.Employees[2]
	for _, phone := range []string{li.Mobile, "13999999999"} { // nothing goes to an unregistered phone
		if err := a.Identity.SendCode(ctx, identity.PurposeLogin, phone, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	if code := in.Code(t, li.Mobile, "otp.login"); len(code) != 6 {
		t.Errorf("login code %q", code)
	}
	// Later messages through the same sender: the newest code wins.
	for _, code := range []string{"111111", "222222"} {
		if err := a.Identity.SMS(ctx, li.Mobile, "otp.reset", map[string]string{"code": code}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Identity.SMS(ctx, chen.Mobile, "otp.reset", map[string]string{"code": "333333"}); err != nil {
		t.Fatal(err)
	}
	if got := in.Code(t, li.Mobile, "otp.reset"); got != "222222" {
		t.Errorf("reset code = %q, want the newest 222222", got)
	}
	if in.Count(li.Mobile) != 3 || in.Count(chen.Mobile) != 1 || in.Count("13999999999") != 0 || in.Len() != 4 {
		t.Errorf("counts %d %d %d, all %d; want 3 1 0, 4", in.Count(li.Mobile), in.Count(chen.Mobile), in.Count("13999999999"), in.Len())
	}
	if got := failures(func(t testing.TB) { in.Code(t, chen.Mobile, "otp.login") }); !strings.Contains(got, "no otp.login SMS to "+chen.Mobile) {
		t.Errorf("a missing message failed with %q", got)
	}
}
