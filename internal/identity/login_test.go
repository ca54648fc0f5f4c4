package identity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
)

// code returns the demo TOTP code for a moment.
func code(t *testing.T, at time.Time) string {
	c, err := totp.GenerateCode(demo.TOTPSecret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStaffLogin(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		now := time.Now()
		p, err := a.Identity.LoginStaff(ctx, "Checker", demo.Password, code(t, now))
		if err != nil || p.Subject != "staff:checker" || p.Kind != "staff" {
			t.Fatalf("login = %+v, %v", p, err)
		}
		// The same code again is a replay.
		if _, err := a.Identity.LoginStaff(ctx, "checker", demo.Password, code(t, now)); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("replayed TOTP: %v", err)
		}
		bad := []struct{ user, pw, otp string }{
			{"reviewer", "wrong", code(t, now)},
			{"reviewer", demo.Password, "000000"},
			{"reviewer", demo.Password, ""},
			{"nobody", demo.Password, code(t, now)},
		}
		for _, b := range bad {
			if _, err := a.Identity.LoginStaff(ctx, b.user, b.pw, b.otp); !errors.Is(err, identity.ErrBadCredentials) {
				t.Errorf("LoginStaff(%s, …) = %v, want bad credentials", b.user, err)
			}
		}
		// Five failures in a row lock the account, even for the right password
		// (from the third on, each try waits identity.SlowDelay).
		clk := &clock{t: time.Now()}
		a.Identity.SetClock(clk.now)
		if _, err := a.Identity.LoginStaff(ctx, "reviewer", "wrong", ""); !errors.Is(err, identity.ErrSlowDown) {
			t.Fatalf("fourth try at once: %v, want retry later", err)
		}
		for range 2 {
			clk.add(identity.SlowDelay)
			_, _ = a.Identity.LoginStaff(ctx, "reviewer", "wrong", "")
		}
		if _, err := a.Identity.LoginStaff(ctx, "reviewer", demo.Password, code(t, clk.now())); !errors.Is(err, identity.ErrLocked) {
			t.Fatalf("after 5 failures: %v, want locked", err)
		}
	})
}

func TestAgentLoginAndSessions(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		p, err := a.Identity.LoginAgent(ctx, demo.UnitNo, demo.AgentID, demo.Password, code(t, time.Now()))
		if err != nil || p.UnitNo != demo.UnitNo || p.Kind != "agent" {
			t.Fatalf("agent login = %+v, %v", p, err)
		}
		if ok, _ := a.Access.Allowed(p.Subject, "unit:"+demo.UnitNo, "/api/unit/v1/account", "GET"); !ok {
			t.Fatal("agent has no unit_agent role after login")
		}
		// By credit code too; a person who is not an agent of the unit cannot.
		if _, err := a.Identity.LoginAgent(ctx, demo.UnitUSCC, demo.AgentID, demo.Password, code(t, time.Now().Add(30*time.Second))); err != nil {
			t.Fatalf("login by credit code: %v", err)
		}
		if _, err := a.Identity.LoginAgent(ctx, demo.UnitNo, demo.Employees[1].IDNumber, demo.Password, code(t, time.Now().Add(-30*time.Second))); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("employee who is not an agent: %v", err)
		}
		tok, exp, err := a.Identity.NewSession(ctx, *p, "unit")
		if err != nil || len(tok) < 40 || time.Until(exp) < time.Hour {
			t.Fatalf("session = %q %v %v", tok, exp, err)
		}
		got, err := a.Identity.Session(ctx, tok, "unit")
		if err != nil || got.Subject != p.Subject || got.UnitNo != demo.UnitNo {
			t.Fatalf("Session = %+v, %v", got, err)
		}
		if _, err := a.Identity.Session(ctx, tok, "counter"); !errors.Is(err, identity.ErrNoSession) {
			t.Fatalf("unit token on the counter channel: %v", err)
		}
		if err := a.Identity.EndSession(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Identity.Session(ctx, tok, "unit"); !errors.Is(err, identity.ErrNoSession) {
			t.Fatalf("after logout: %v", err)
		}
	})
}
