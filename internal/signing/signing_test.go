package signing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/signing"
)

func TestNoncesRefuseReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := signing.NewNonces(d)
		now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
		steps := []struct {
			name          string
			client, nonce string
			at            time.Time
			want          error
		}{
			{"first seen", "kiosk:K-01", "aaaaaaaaaaaaaaaa", now, nil},
			{"replayed", "kiosk:K-01", "aaaaaaaaaaaaaaaa", now.Add(time.Second), signing.ErrReplayed},
			{"same nonce, other client", "gov:K-01", "aaaaaaaaaaaaaaaa", now, nil},
			{"other nonce", "kiosk:K-01", "bbbbbbbbbbbbbbbb", now, nil},
			// Well past twice the window the old nonces are forgotten (the
			// prune runs at most once a minute, so this call prunes).
			{"later, new nonce", "kiosk:K-01", "cccccccccccccccc", now.Add(3 * signing.Window), nil},
			{"forgotten after twice the window", "kiosk:K-01", "aaaaaaaaaaaaaaaa", now.Add(3 * signing.Window), nil},
			{"recent still refused", "kiosk:K-01", "cccccccccccccccc", now.Add(3*signing.Window + time.Second), signing.ErrReplayed},
		}
		for _, s := range steps {
			if err := n.Remember(ctx, s.client, s.nonce, s.at); !errors.Is(err, s.want) && err != s.want {
				t.Fatalf("%s: Remember = %v, want %v", s.name, err, s.want)
			}
		}
	})
}

func TestNewKey(t *testing.T) {
	a, err := signing.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := signing.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 43 || a == b {
		t.Errorf("keys %q, %q: want two different 43-character keys", a, b)
	}
}
