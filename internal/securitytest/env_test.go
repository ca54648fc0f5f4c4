// Package securitytest_test is the platform's security suite (issue 8 part
// 5): a route × role matrix generated from the router, IDOR probes across
// persons and units, CSRF on every form, session fixation and logout,
// SQL-injection and XML-attack probes, security headers and a scan of logs
// and answers for unmasked personal data. Tests only; it runs on both stores.
package securitytest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/channels/bankhook"
	"gjj/channels/gov"
	"gjj/channels/hotline12329"
	"gjj/channels/kiosk"
	"gjj/channels/sms12329"
	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/config"
	"gjj/internal/platform/db"
	"gjj/internal/policy"
	"gjj/internal/signing"
)

// Keys of the signed channels the suite turns on.
const (
	hotlineKey = "sec-hotline-key-0123456789"
	smsKey     = "sec-sms-inbound-key-0123456789"
	wechatTok  = "secwechattoken42"
	wechatApp  = "wxsec0123456789ab"
	csrfTok    = "sec-csrf-token-0123456789abcdefghijklmnop"
	kioskID    = "K-SEC-01"
	agencyID   = "MZ-SEC-01"
	opsToken   = "sec-ops-token-0123456789abcdef"
	bankKey    = "sec-bank-callback-key-0123456789"
)

// wechatAPI is a stand-in for WeChat's API host: every call succeeds.
var wechatAPI = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok","access_token":"sec-access-token","expires_in":7200}`)
}))

// allChannels turns on every channel that needs a key (WeChat, 12329 SMS,
// hotline, ops API, bank callback) so their routes are in the router.
var allChannels = apitest.WithConfig(channelConfig)

// channelConfig turns on every channel that needs a key.
func channelConfig(c *config.Config) {
	c.WeChatAPIBase = wechatAPI.URL
	c.LogLevel = "error"
	c.HotlineKey, c.SMSInboundKey = hotlineKey, smsKey
	c.WeChatAppID, c.WeChatSecret, c.WeChatToken = wechatApp, "sec-wechat-secret-0123456789", wechatTok
	c.PublicURL = "http://localhost:8080"
	c.OpsToken = opsToken
	c.BankCallbackKey = bankKey
}

// role is a kind of caller.
type role int

const (
	anonymous role = iota
	appPerson      // a person with an app bearer token
	webPerson      // a person with a web hall cookie
	unitAgent      // a unit agent: unit API bearer token and unit hall cookie
	sysadmin       // staff roles: console cookie and staff API bearer token
	paramMaker
	paramChecker
	reviewer
	channelAdmin
	hotlineAgent
	auditor
	kioskDevice // a signed kiosk with a person signed in on it
	hotlineIVR  // the 12329 call centre, signed, with a verified caller
	govAgency   // a signed government agency
	smsGateway  // the SMS gateway's signed webhooks
	wechatSrv   // WeChat's signed callbacks
	opsCaller   // the operations API's bearer token
	bankCaller  // the settlement bank's signed payment-result callback
	numRoles
)

var roleNames = [...]string{"anonymous", "app person", "web person", "unit agent", "sysadmin", "param_maker", "param_checker",
	"reviewer", "channel_admin", "hotline_agent", "auditor", "kiosk", "hotline IVR", "gov agency", "SMS gateway", "WeChat", "ops", "bank"}

func (r role) String() string { return roleNames[r] }

// staffRoles maps the staff caller roles to their casbin roles.
var staffRoles = map[role]string{sysadmin: access.RoleSysadmin, paramMaker: access.RoleParamMaker,
	paramChecker: access.RoleParamChecker, reviewer: access.RoleReviewer, channelAdmin: access.RoleChannelAdmin,
	hotlineAgent: access.RoleHotlineAgent, auditor: access.RoleAuditor}

// person A and B of the probes: two registered demo employees of the demo
// unit (not its agent).
var personA, personB = demo.Employees[1], demo.Employees[2]

// env is one platform with a caller of every role.
type env struct {
	t    *testing.T
	a    *app.App
	e    *echo.Echo
	ctx  context.Context
	kkey []byte // the kiosk's signing key
	gkey []byte // the agency's signing key

	persons map[string]identity.Principal // id number → principal (level 1)
	staff   map[role]identity.Principal
	agent   identity.Principal

	mu     sync.Mutex
	tokens map[role]map[string]string // role → session channel → token
	device string                     // the kiosk's device cookie
}

// newEnv opens a (seeded) platform with every channel on, registers a kiosk
// and an agency, creates one staff user per staff role (holding only it) and
// prepares sessions lazily.
func newEnv(t *testing.T, a *app.App) *env {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	noAdmissionLimits(t, a)
	v := &env{t: t, a: a, e: e, ctx: ctx, persons: map[string]identity.Principal{}, staff: map[role]identity.Principal{},
		tokens: map[role]map[string]string{}}
	key, err := a.Kiosk.Devices.Register(ctx, kioskID, "鼓楼网点", "大厅 9 号机", "staff:maker")
	if err != nil {
		t.Fatal(err)
	}
	v.kkey = []byte(key)
	key, err = a.Gov.Agencies.Register(ctx, agencyID, "市民政局社会救助核对中心", []string{"basic", "withdrawals", "loans"}, "staff:maker")
	if err != nil {
		t.Fatal(err)
	}
	v.gkey = []byte(key)
	for r, casbinRole := range staffRoles {
		name := "sec_" + strings.TrimPrefix(casbinRole, "role:")
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO staff_user (username, display_name, branch, status, created_at) VALUES (?, ?, 'center', 'active', ?)`,
			name, "安全测试"+r.String(), time.Now().UTC().Truncate(time.Second)); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := a.DB.GetContext(ctx, &id, `SELECT id FROM staff_user WHERE username = ?`, name); err != nil {
			t.Fatal(err)
		}
		if err := a.Access.Grant(access.Grant{Subject: "staff:" + name, Role: casbinRole, Domain: access.Center}); err != nil {
			t.Fatal(err)
		}
		v.staff[r] = identity.Principal{Kind: "staff", SubjectID: id, Subject: "staff:" + name, Name: "安全测试"}
	}
	for _, emp := range demo.Employees[:4] {
		p, err := a.Identity.LoginPerson(ctx, emp.IDNumber, demo.Password)
		if err != nil {
			t.Fatalf("login %s: %v", emp.Name, err)
		}
		v.persons[emp.IDNumber] = *p
	}
	boss := v.persons[demo.AgentID]
	v.agent = identity.Principal{Kind: "agent", SubjectID: boss.SubjectID, Subject: boss.Subject, Name: boss.Name, UnitNo: demo.UnitNo}
	if err := a.Access.Grant(access.Grant{Subject: v.agent.Subject, Role: access.RoleUnitAgent, Domain: "unit:" + demo.UnitNo}); err != nil {
		t.Fatal(err)
	}
	// The kiosk's touch pages need a device cookie: a page session of the
	// signed shell, redeemed at /kiosk/start.
	res := v.do(kioskDevice, http.MethodPost, kiosk.Base+"/page-sessions", nil, nil)
	if res.Code != http.StatusCreated {
		t.Fatalf("kiosk page session: %d %s", res.Code, res.Body)
	}
	u := jsonField(t, res.Body.Bytes(), "url")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == kiosk.DeviceCookie {
			v.device = c.Value
		}
	}
	if v.device == "" {
		t.Fatalf("no kiosk device cookie from %s: %d", u, rec.Code)
	}
	return v
}

// session returns the role's live session token on the identity channel,
// starting one when there is none.
func (v *env) session(r role, channel string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if tok := v.tokens[r][channel]; tok != "" {
		if channel == "kiosk" { // however slow the run, the touch pages never see it idle
			_ = v.a.KV.Set(v.ctx, "kiosk:idle:"+sha(tok), "1", kiosk.IdleTimeout)
		}
		return tok
	}
	var p identity.Principal
	switch {
	case r == appPerson || r == webPerson || r == kioskDevice || r == hotlineIVR:
		p = v.persons[personA.IDNumber]
		p.Level = 2 // real-name verified, as the money operations need
	case r == unitAgent:
		p = v.agent
	default:
		p = v.staff[r]
	}
	var tok string
	if channel == "hotline" { // the call centre's verified caller (X-Hotline-Session)
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		tok = hex.EncodeToString(b)
		if err := v.a.KV.Set(v.ctx, "hotline:session:"+sha(tok), strconv.FormatInt(p.SubjectID, 10), 10*time.Minute); err != nil {
			v.t.Fatal(err)
		}
	} else {
		var err error
		if tok, _, err = v.a.Identity.NewSession(v.ctx, p, channel); err != nil {
			v.t.Fatal(err)
		}
	}
	if channel == "kiosk" { // the touch pages end a session idle for a minute
		if err := v.a.KV.Set(v.ctx, "kiosk:idle:"+sha(tok), "1", kiosk.IdleTimeout); err != nil {
			v.t.Fatal(err)
		}
	}
	if v.tokens[r] == nil {
		v.tokens[r] = map[string]string{}
	}
	v.tokens[r][channel] = tok
	return tok
}

// forget drops the role's sessions (after a call that may have ended them).
func (v *env) forget(r role) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.tokens, r)
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isPage reports whether a path is a cookie-authenticated page (forms with
// CSRF tokens) rather than an API or a machine webhook.
func isPage(path string) bool {
	return !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/hooks/") && !strings.HasPrefix(path, "/wechat/callback") &&
		path != "/metrics" && path != "/healthz" && path != "/readyz"
}

// csrfCookies are the CSRF cookies of every page group.
var csrfCookies = []string{"gjj_web_csrf", "gjj_unit_csrf", "gjj_admin_csrf", "gjj_kiosk_csrf", "gjj_wechat_csrf", "gjj_wechat_hall_csrf"}

// reqOpts vary a request.
type reqOpts struct {
	noCSRF    bool   // send no CSRF token (the cookie is still set)
	csrfField string // the form's _csrf value when not csrfTok
	form      url.Values
	header    map[string]string
}

// request builds a request of role r: its credentials, the CSRF cookie and
// token of every page group (unless o says otherwise), and for the signed
// callers their signatures over the final URI and body. body nil sends an
// empty form to pages and no body elsewhere.
func (v *env) request(r role, method, target string, body []byte, o *reqOpts) *http.Request {
	if o == nil {
		o = &reqOpts{}
	}
	path := target
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	contentType := ""
	if body != nil {
		contentType = "application/json"
	}
	page := isPage(path)
	if page && method != http.MethodGet && body == nil {
		f := url.Values{}
		for k, vs := range o.form {
			f[k] = vs
		}
		if !o.noCSRF {
			f.Set("_csrf", csrfTok)
			if o.csrfField != "" {
				f.Set("_csrf", o.csrfField)
			}
		}
		body, contentType = []byte(f.Encode()), "application/x-www-form-urlencoded"
	}
	// The signed callers sign the URI as sent.
	switch {
	case r == hotlineIVR && strings.HasPrefix(path, "/api/hotline/"):
		target = addQuery(target, "agent", "A1001")
	case r == wechatSrv && strings.HasPrefix(path, "/wechat/"):
		ts, n := strconv.FormatInt(time.Now().Unix(), 10), nonce()
		parts := []string{wechatTok, ts, n}
		slices.Sort(parts)
		h := sha1.Sum([]byte(strings.Join(parts, "")))
		target = addQuery(addQuery(addQuery(target, "signature", hex.EncodeToString(h[:])), "timestamp", ts), "nonce", n)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if page {
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
	}
	for _, name := range csrfCookies {
		req.AddCookie(&http.Cookie{Name: name, Value: csrfTok})
	}
	if page && method != http.MethodGet && !o.noCSRF && o.csrfField == "" {
		req.Header.Set(echo.HeaderXCSRFToken, csrfTok)
	}
	uri := req.URL.RequestURI()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	switch r {
	case anonymous:
	case appPerson:
		req.Header.Set("Authorization", "Bearer "+v.session(r, "app"))
	case webPerson:
		req.AddCookie(&http.Cookie{Name: "gjj_web_session", Value: v.session(r, "web")})
	case unitAgent:
		tok := v.session(r, "unit")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.AddCookie(&http.Cookie{Name: "gjj_unit_session", Value: tok})
	case kioskDevice:
		n := nonce() + "k"
		req.Header.Set(kiosk.HeaderKiosk, kioskID)
		req.Header.Set(signing.HeaderTimestamp, ts)
		req.Header.Set(signing.HeaderNonce, n)
		req.Header.Set(signing.HeaderSignature, signing.Sign(v.kkey, method, uri, ts, n, body))
		tok := v.session(r, "kiosk")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.AddCookie(&http.Cookie{Name: kiosk.DeviceCookie, Value: v.device})
		req.AddCookie(&http.Cookie{Name: kiosk.SessionCookie, Value: tok})
	case hotlineIVR:
		n := nonce() + "h"
		req.Header.Set("X-Timestamp", ts)
		req.Header.Set("X-Nonce", n)
		req.Header.Set("X-Signature", hotline12329.Sign(hotlineKey, method, uri, ts, n, body))
		req.Header.Set("X-Hotline-Session", v.session(r, "hotline"))
	case govAgency:
		n := nonce() + "g"
		req.Header.Set(gov.HeaderAgency, agencyID)
		req.Header.Set(signing.HeaderTimestamp, ts)
		req.Header.Set(signing.HeaderNonce, n)
		req.Header.Set(signing.HeaderSignature, signing.Sign(v.gkey, method, uri, ts, n, body))
	case smsGateway:
		req.Header.Set("X-Signature", sms12329.Sign(smsKey, body))
	case wechatSrv:
	case bankCaller:
		req.Header.Set("X-Timestamp", ts)
		req.Header.Set("X-Signature", bankhook.Sign(bankKey, body))
	case opsCaller:
		req.Header.Set("Authorization", "Bearer "+opsToken)
	default: // staff
		tok := v.session(r, "counter")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.AddCookie(&http.Cookie{Name: "gjj_admin_session", Value: tok})
	}
	for k, val := range o.header {
		req.Header.Set(k, val)
	}
	return req
}

// do sends a request of role r and returns the recorded answer.
func (v *env) do(r role, method, target string, body []byte, o *reqOpts) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	v.e.ServeHTTP(rec, v.request(r, method, target, body, o))
	return rec
}

func addQuery(target, k, val string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + url.QueryEscape(k) + "=" + url.QueryEscape(val)
}

// jsonField is a top-level string member of a JSON object.
func jsonField(t testing.TB, body []byte, name string) string {
	t.Helper()
	m := map[string]any{}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, body)
	}
	s, _ := m[name].(string)
	if s == "" {
		t.Fatalf("no %q in %.300s", name, body)
	}
	return s
}

// verdict is how an answer is read: deny (401/403, a login redirect),
// allow (anything else below 500) or broken (5xx).
type verdict int

const (
	allowed verdict = iota
	denied
	broken
)

func (d verdict) String() string { return [...]string{"allow", "deny", "5xx"}[d] }

// judge reads an answer.
func judge(rec *httptest.ResponseRecorder) verdict {
	switch code := rec.Code; {
	case code >= 500:
		return broken
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return denied
	case code >= 300 && code < 400:
		loc := rec.Header().Get("Location")
		if strings.Contains(loc, "/login") || strings.HasPrefix(loc, "/kiosk/start") {
			return denied
		}
	}
	return allowed
}

// problemCode is the code member of a problem+json answer ("" otherwise).
func problemCode(rec *httptest.ResponseRecorder) string {
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		return ""
	}
	m := map[string]any{}
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	s, _ := m["code"].(string)
	return s
}

func excerpt(rec *httptest.ResponseRecorder) string {
	b := rec.Body.String()
	if len(b) > 300 {
		b = b[:300] + "…"
	}
	return fmt.Sprintf("%d %s %s", rec.Code, rec.Header().Get("Location"), strings.Join(strings.Fields(b), " "))
}

// noAdmissionLimits raises every channel × class capacity of the gate to
// the maximum, so the thousands of requests of a suite are never diverted
// (admission control is tested in internal/channel).
func noAdmissionLimits(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	c := catalog.DefaultCapacity()
	for ch := range c {
		for cl := range c[ch] {
			c[ch][cl] = catalog.Rate{PerSecond: catalog.MaxRatePerSecond, Burst: catalog.MaxBurst}
		}
	}
	today, err := a.Dates.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.ChannelCapacity, Value: c.JSON(), EffectiveFrom: today,
			CreatedBy: "maker", ApprovedBy: "checker"})
	}); err != nil {
		t.Fatal(err)
	}
	a.Gate.Invalidate()
}
