package appapi_test

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"gjj/channels/appapi"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/identity"
)

const base = appapi.Base

// appSchemes are the security schemes app requests may use.
var appSchemes = []string{"appSession"}

func init() {
	// The certificate answers a PDF; kin-openapi validates it as a file.
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
}

// ---------------------------------------------------------------------------
// JSON shapes of the answers.

type sessionJSON struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	Level     int    `json:"level"`
}

type accountJSON struct {
	AccountNo          string `json:"account_no"`
	Name               string `json:"name"`
	Status             string `json:"status"`
	StatusName         string `json:"status_name"`
	BalanceFen         int64  `json:"balance_fen"`
	BaseFen            int64  `json:"base_fen"`
	UnitRatio          string `json:"unit_ratio"`
	PersonalRatio      string `json:"personal_ratio"`
	MonthlyFen         int64  `json:"monthly_fen"`
	UnitMonthlyFen     int64  `json:"unit_monthly_fen"`
	PersonalMonthlyFen int64  `json:"personal_monthly_fen"`
	PaidThrough        string `json:"paid_through"`
	UnitNo             string `json:"unit_no"`
	UnitName           string `json:"unit_name"`
}

type statementJSON struct {
	Items []struct {
		Seq        int64  `json:"seq"`
		Date       string `json:"date"`
		Type       string `json:"type"`
		TypeName   string `json:"type_name"`
		Month      string `json:"month"`
		AmountFen  int64  `json:"amount_fen"`
		BalanceFen int64  `json:"balance_fen"`
		Summary    string `json:"summary"`
		Reversal   bool   `json:"reversal"`
	} `json:"items"`
	NextBefore int64 `json:"next_before"`
}

type sessionInfoJSON struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	IP      string `json:"ip"`
	Current bool   `json:"current"`
}

// ---------------------------------------------------------------------------
// The SMS the identity service sends, captured (apitest.CaptureSMS) and read
// with this suite's names.

type inbox struct{ *apitest.Inbox }

func capture(a *app.App) inbox { return inbox{apitest.CaptureSMS(a)} }

// code returns the newest code sent to phone with the template (otp.<purpose>).
func (in inbox) code(t *testing.T, phone, template string) string {
	t.Helper()
	return in.Code(t, phone, template)
}

// count is how many messages went to phone.
func (in inbox) count(phone string) int { return in.Count(phone) }

// ---------------------------------------------------------------------------
// A settable clock for the identity service.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ---------------------------------------------------------------------------
// Calls.

func server(t *testing.T, a *app.App) *apitest.Client {
	t.Helper()
	return apitest.Server(t, a, appSchemes)
}

// requestCode asks for an SMS code and expects the uniform 202.
func requestCode(t *testing.T, c *apitest.Client, phone, purpose string) {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sms-codes", Body: map[string]string{"phone": phone, "purpose": purpose}})
	if got := apitest.Decode[map[string]int](t, r, http.StatusAccepted); got["expires_in_s"] != int(identity.OTPLife.Seconds()) {
		t.Fatalf("sms code answer %v", got)
	}
}

// login logs in on the app with an ID number and password and returns the
// Authorization header value.
func login(t *testing.T, c *apitest.Client, idNumber, password string) string {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/sessions", Body: map[string]string{"id_number": idNumber, "password": password}})
	s := apitest.Decode[sessionJSON](t, r, http.StatusCreated)
	if s.Token == "" || s.Level < 1 {
		t.Fatalf("session %+v", s)
	}
	if exp, err := time.Parse(time.RFC3339, s.ExpiresAt); err != nil || time.Until(exp) < 6*24*time.Hour {
		t.Errorf("expires_at %q: want about 7 days ahead (%v)", s.ExpiresAt, err)
	}
	return apitest.Bearer(s.Token)
}

func get(t *testing.T, c *apitest.Client, path, auth string) apitest.Result {
	t.Helper()
	return c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + path, Auth: auth})
}

func account(t *testing.T, c *apitest.Client, auth string) accountJSON {
	t.Helper()
	return apitest.Decode[accountJSON](t, get(t, c, "/account", auth), http.StatusOK)
}

// problemBody is a problem answer without its request id, for comparing
// answers that must not differ.
func problemBody(t *testing.T, r apitest.Result) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem is not JSON: %s", r.Body)
	}
	p = maps.Clone(p)
	delete(p, "request_id")
	return p
}

// bearerToken strips "Bearer ".
func bearerToken(auth string) string { return auth[len("Bearer "):] }

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
