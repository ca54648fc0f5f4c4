package identity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/identity"
)

// A session revoked in user_session while its cached copy could not be
// deleted (Redis unreachable at logout) stops working once the cached copy is
// older than SessionRecheck; a live one keeps working past it.
func TestCachedSessionRechecked(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		clk := &clock{t: time.Now()}
		a.Identity.SetClock(clk.now)
		p := identity.Principal{Subject: "person:recheck", Kind: "person", Level: 1}
		revoked, _, err := a.Identity.NewSession(ctx, p, "app")
		if err != nil {
			t.Fatal(err)
		}
		live, _, err := a.Identity.NewSession(ctx, p, "app")
		if err != nil {
			t.Fatal(err)
		}
		// Revoke the first in the durable record only, as a logout during a
		// Redis outage does.
		if _, err := a.DB.ExecContext(ctx, `UPDATE user_session SET revoked_at = ? WHERE token_hash = ?`,
			clk.now().UTC(), identity.TokenHash(revoked)); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			after       time.Duration
			wantRevoked bool // whether the revoked token is refused by now
		}{
			{0, false}, // the cached copy is still trusted
			{identity.SessionRecheck / 2, false},
			{identity.SessionRecheck, true}, // now past the recheck interval
			{identity.SessionRecheck * 2, true},
		}
		for _, st := range steps {
			clk.add(st.after)
			_, err := a.Identity.Session(ctx, revoked, "app")
			if refused := errors.Is(err, identity.ErrNoSession); refused != st.wantRevoked {
				t.Errorf("+%s: revoked session err = %v, want refused %v", st.after, err, st.wantRevoked)
			}
			if _, err := a.Identity.Session(ctx, live, "app"); err != nil {
				t.Errorf("+%s: live session: %v", st.after, err)
			}
		}
	})
}
