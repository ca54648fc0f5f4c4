package staffapi_test

import (
	"net/http"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel"
	"gjj/internal/platform/config"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/testenv"
)

// twoInstances opens two platforms on one MariaDB database and one Redis
// key namespace, as two instances of one deployment.
func twoInstances(t *testing.T) (*app.App, *app.App) {
	t.Helper()
	database := "mysql:" + dbtest.MySQLDatabase(t)
	addr, prefix := testenv.RedisNamespace(t)
	shared := apitest.WithConfig(func(c *config.Config) { c.Redis, c.RedisPrefix = addr, prefix })
	return apitest.OpenApp(t, database, shared), apitest.OpenApp(t, database, shared)
}

// within polls check until it reports true, failing the test after d.
func within(t *testing.T, d time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChangesAcrossInstances: a role grant approved on instance A is
// enforced on instance B within a second (casbin watcher), and a capacity
// change approved on A makes B's gate divert at the new capacity sooner
// than its parameter cache would expire (gate invalidation message).
func TestChangesAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	ca, cb := apitest.Server(t, a, apitest.SessionSchemes), apitest.Server(t, b, apitest.SessionSchemes)

	// Role grant. Sessions are shared (database + Redis): maker's token works on both.
	maker := staffAuth(t, a, "maker")
	prereg := apitest.Call{Method: "GET", Path: staffBase + "/preregistrations", Auth: maker}
	apitest.CheckProblem(t, cb.Do(t, prereg), http.StatusForbidden, "access.forbidden")
	cr := submitChange(t, ca, staffAuth(t, a, "admin"), map[string]any{"kind": "role_grant", "subject": "maker", "role": "reviewer", "action": "grant"})
	apitest.Decode[changeJSON](t, decideChange(t, ca, staffAuth(t, a, "checker"), cr.ID, "approve", ""), http.StatusOK)
	within(t, time.Second, "role grant enforced on B", func() bool { return cb.Do(t, prereg).Status == http.StatusOK })
	// And revoked again.
	cr = submitChange(t, ca, staffAuth(t, a, "admin"), map[string]any{"kind": "role_grant", "subject": "maker", "role": "reviewer", "action": "revoke"})
	apitest.Decode[changeJSON](t, decideChange(t, ca, staffAuth(t, a, "checker"), cr.ID, "approve", ""), http.StatusOK)
	within(t, time.Second, "role revocation enforced on B", func() bool { return cb.Do(t, prereg).Status == http.StatusForbidden })

	// Capacity. B reads its parameters now (they stay cached for
	// channel.DefaultCacheTTL); the change must reach it well before.
	if channel.DefaultCacheTTL < 2*time.Second {
		t.Fatalf("cache TTL %v too short to tell the message from the expiry", channel.DefaultCacheTTL)
	}
	apitest.Decode[map[string]any](t, appNotices(t, cb), http.StatusOK)
	start := time.Now()
	cr = submitChange(t, ca, staffAuth(t, a, "maker"), map[string]any{"kind": "capacity", "channel": "app", "item_class": "query",
		"rate_per_s": 0.001, "burst": 1})
	apitest.Decode[changeJSON](t, decideChange(t, ca, staffAuth(t, a, "checker"), cr.ID, "approve", ""), http.StatusOK)
	var last apitest.Result
	within(t, time.Second, "B diverts at the new capacity", func() bool {
		last = appNotices(t, cb)
		return last.Status == http.StatusTooManyRequests
	})
	if waited := time.Since(start); waited >= channel.DefaultCacheTTL {
		t.Fatalf("B diverted after %v, no sooner than its cache expiry", waited)
	}
	apitest.CheckProblem(t, last, http.StatusTooManyRequests, "channel.busy")
	apitest.VerifyClean(t, b)
}
