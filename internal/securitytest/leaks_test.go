package securitytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/testenv"
)

// logBuffer collects log output; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eachStoreLogged is apitest.EachStore with the platform's log (at debug
// level) written to a buffer the test reads.
func eachStoreLogged(t *testing.T, f func(t *testing.T, a *app.App, logs *logBuffer)) {
	open := func(t *testing.T, database string, redis bool) {
		cfg := config.Config{Database: database, Addr: ":0", LogLevel: "debug", BodyLimit: "1M"}
		channelConfig(&cfg)
		cfg.LogLevel = "debug"
		if redis {
			cfg.Redis, cfg.RedisPrefix = testenv.RedisNamespace(t)
		}
		logs := &logBuffer{}
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		if _, err := a.SeedDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		f(t, a, logs)
	}
	t.Run("sqlite", func(t *testing.T) { open(t, apitest.SQLite(t), false) })
	t.Run("mysql", func(t *testing.T) { open(t, "mysql:"+dbtest.MySQLDatabase(t), true) })
}

// revealRoutes show full personal data on purpose (audited staff reveal,
// the person's own certificate pages).
var revealRoutes = map[string]bool{"POST /admin/accounts/:account_no/reveal": true}

// TestNoUnmaskedPersonalData runs a broad flow set — every route as the
// people, staff and machines with personal data in query strings, forms and
// JSON bodies, logins right and wrong, SMS codes, a withdrawal — with the log
// captured, then scans every log line for full resident ID numbers, reserved
// mobiles and bank cards of the demo persons, session tokens and passwords,
// and every JSON answer and page for other persons' full ID numbers and cards,
// anyone's tokens but a login's own, and passwords.
func TestNoUnmaskedPersonalData(t *testing.T) {
	eachStoreLogged(t, func(t *testing.T, a *app.App, logs *logBuffer) {
		inbox := apitest.CaptureSMS(a)
		v := newEnv(t, a)
		withdrawalOfB(t, v, inbox) // staff lists show an application of B
		probe := map[string]any{"id_number": personA.IDNumber, "phone": personA.Mobile, "mobile": personA.Mobile,
			"bank_card": demo.BankCard(personA), "card_no": demo.BankCard(personA), "password": demo.Password,
			"account_no": personA.AccountNo, "name": personA.Name, "pin": "123456", "login": personA.IDNumber}
		body, _ := json.Marshal(probe)
		query := "?id_number=" + personA.IDNumber + "&phone=" + personA.Mobile + "&card_no=" + demo.BankCard(personA)
		type answer struct{ what, body string }
		var answers []answer
		callers := []role{anonymous, appPerson, webPerson, unitAgent, reviewer, auditor, hotlineAgent, kioskDevice, hotlineIVR, govAgency, smsGateway}
		for _, rt := range routes(v.e) {
			path := concrete(rt.Path)
			for _, r := range callers {
				var b []byte
				var o *reqOpts
				if mutating(rt.Method) {
					if isPage(path) {
						o = &reqOpts{form: map[string][]string{}}
						for k, val := range probe {
							o.form[k] = []string{fmt.Sprint(val)}
						}
					} else {
						b = body
					}
				}
				target := path
				if !mutating(rt.Method) {
					target += query
				}
				rec := v.do(r, rt.Method, target, b, o)
				if mutating(rt.Method) {
					v.forget(r)
				}
				if ct := rec.Header().Get("Content-Type"); (strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/html")) && !revealRoutes[rt.Method+" "+rt.Path] {
					answers = append(answers, answer{rt.Method + " " + rt.Path + " as " + r.String(), rec.Body.String()})
				}
			}
		}
		// Logins right and wrong, SMS codes, a withdrawal with a bank card.
		for _, pw := range []string{demo.Password, "Wrong#2026"} {
			v.do(anonymous, http.MethodPost, "/api/app/v1/sessions", []byte(`{"id_number":"`+personA.IDNumber+`","password":"`+pw+`"}`), nil)
			v.do(anonymous, http.MethodPost, "/web/login", nil, &reqOpts{form: map[string][]string{"login": {personA.IDNumber}, "password": {pw}}})
			v.do(anonymous, http.MethodPost, "/unit/login", nil, &reqOpts{form: map[string][]string{"unit_code": {demo.UnitNo},
				"id_number": {demo.AgentID}, "password": {pw}, "totp": {"123456"}}})
		}
		v.do(anonymous, http.MethodPost, "/api/app/v1/sms-codes", []byte(`{"purpose":"login","phone":"`+personA.Mobile+`"}`), nil)
		v.do(hotlineIVR, http.MethodPost, "/api/hotline/v1/ivr/verify", []byte(`{"id_number":"`+personA.IDNumber+`","pin":"123456"}`), nil)

		secrets := map[string]string{"password": demo.Password}
		for _, e := range demo.Employees {
			secrets["ID number of "+e.Name] = e.IDNumber
			secrets["mobile of "+e.Name] = e.Mobile
			secrets["bank card of "+e.Name] = demo.BankCard(e)
		}
		v.mu.Lock()
		for r, m := range v.tokens {
			for ch, tok := range m {
				secrets[fmt.Sprintf("%s token of %s", ch, r)] = tok
			}
		}
		v.mu.Unlock()
		lines := strings.Split(logs.String(), "\n")
		if len(lines) < 1000 {
			t.Fatalf("only %d log lines: is the log captured?", len(lines))
		}
		found := map[string]int{}
		for _, line := range lines {
			for what, s := range secrets {
				if strings.Contains(line, s) {
					if found[what]++; found[what] == 1 {
						t.Errorf("log line with the %s: %.400s", what, line)
					}
				}
			}
		}
		// Answers (JSON and pages): never a password or someone's session
		// token; never the full ID number or bank card of a person other than
		// the caller.
		for _, ans := range answers {
			for what, s := range secrets {
				own := strings.HasSuffix(what, personA.Name) || strings.Contains(what, "mobile of")
				if strings.Contains(what, "token") || what == "password" || !own {
					if strings.Contains(ans.body, s) && !(strings.Contains(what, "of "+demo.Employees[0].Name) && strings.Contains(ans.what, "unit agent")) {
						t.Errorf("%s answers the %s: %.300s", ans.what, what, ans.body)
					}
				}
			}
		}
	})
}
