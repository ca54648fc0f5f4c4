package wechat_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/config"
)

// The official account of the tests.
const (
	appID     = "wx0123456789abcdef"
	secret    = "0123456789abcdef0123456789abcdef"
	token     = "gjjtoken2026"
	aesKey    = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	publicURL = "https://gjj.example.gov.cn"
)

// liMing is a registered demo employee; linJing is not registered.
var (
	liMing  = demo.Employees[1]
	linJing = demo.Unregistered
)

// ---------------------------------------------------------------------------
// A local fake of the WeChat API.

type fakeUser struct{ OpenID, UnionID string }

type fakeAPI struct {
	*httptest.Server
	mu         sync.Mutex
	codes      map[string]fakeUser // OAuth code → user (single use)
	tokenCalls int
	templates  []map[string]any // template messages received
	menus      []map[string]any // menus received
	failSend   bool             // template sends answer an error code
}

const accessToken = "ACCESS_TOKEN_OF_THE_FAKE"

func newFake(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{codes: map[string]fakeUser{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// code registers an OAuth code for a WeChat user and returns it.
func (f *fakeAPI) code(openID, unionID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := fmt.Sprintf("CODE%04d", len(f.codes)+1)
	f.codes[c] = fakeUser{openID, unionID}
	return c
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	answer := func(v any) { w.Header().Set("Content-Type", "application/json"); json.NewEncoder(w).Encode(v) }
	body := map[string]any{}
	if r.Method == http.MethodPost {
		json.NewDecoder(r.Body).Decode(&body)
	}
	switch r.Method + " " + r.URL.Path {
	case "POST /cgi-bin/stable_token":
		if body["appid"] != appID || body["secret"] != secret || body["grant_type"] != "client_credential" {
			answer(map[string]any{"errcode": 40013, "errmsg": "invalid appid"})
			return
		}
		f.tokenCalls++
		answer(map[string]any{"access_token": accessToken, "expires_in": 7200})
	case "GET /sns/oauth2/access_token":
		u, ok := f.codes[q.Get("code")]
		if q.Get("appid") != appID || q.Get("secret") != secret || q.Get("grant_type") != "authorization_code" || !ok {
			answer(map[string]any{"errcode": 40029, "errmsg": "invalid code"})
			return
		}
		delete(f.codes, q.Get("code"))
		answer(map[string]any{"access_token": "USER_TOKEN", "expires_in": 7200, "refresh_token": "R", "openid": u.OpenID,
			"scope": "snsapi_base", "unionid": u.UnionID})
	case "POST /cgi-bin/message/template/send":
		if q.Get("access_token") != accessToken {
			answer(map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
			return
		}
		if f.failSend {
			answer(map[string]any{"errcode": 43004, "errmsg": "require subscribe"})
			return
		}
		f.templates = append(f.templates, body)
		answer(map[string]any{"errcode": 0, "errmsg": "ok", "msgid": 42})
	case "POST /cgi-bin/menu/create":
		if q.Get("access_token") != accessToken {
			answer(map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
			return
		}
		f.menus = append(f.menus, body)
		answer(map[string]any{"errcode": 0, "errmsg": "ok"})
	default:
		http.NotFound(w, r)
	}
}

// ---------------------------------------------------------------------------
// Platforms with the WeChat channel on.

// withWeChat turns the channel on against the fake (plain and safe mode).
func withWeChat(f *fakeAPI) apitest.Option {
	return apitest.WithConfig(func(c *config.Config) {
		c.WeChatAppID, c.WeChatSecret, c.WeChatToken, c.WeChatAESKey = appID, secret, token, aesKey
		c.WeChatAPIBase, c.PublicURL, c.LogLevel = f.URL, publicURL, "error"
	})
}

// eachStore runs f on SQLite and on MariaDB + Redis with the channel on.
// Not parallel: the WeChat library's HTTP client is process-wide.
func eachStore(t *testing.T, fake *fakeAPI, f func(t *testing.T, a *app.App)) {
	t.Helper()
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		if a.WeChat == nil {
			t.Fatal("the WeChat channel is off")
		}
		f(t, a)
	}, withWeChat(fake))
}

// bind binds openID to a registered demo employee and returns the person id.
func bind(t *testing.T, a *app.App, e demo.Employee, openID string) int64 {
	t.Helper()
	ctx := context.Background()
	p, err := a.Identity.LoginPerson(ctx, e.IDNumber, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Identity.Bind(ctx, identity.Binding{Channel: "wechat", AppID: appID, Subject: openID}, p.PersonID()); err != nil {
		t.Fatal(err)
	}
	return p.PersonID()
}

// wechatBindings are the person's WeChat openids.
func wechatBindings(t *testing.T, a *app.App, personID int64) []string {
	t.Helper()
	bs, err := a.Identity.Bindings(context.Background(), personID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs {
		if b.Channel == "wechat" && b.AppID == appID {
			out = append(out, b.Subject)
		}
	}
	slices.Sort(out)
	return out
}

// ---------------------------------------------------------------------------
// WeChat's side of the message server.

// sign is WeChat's signature: SHA-1 of the sorted strings, in hex.
func sign(parts ...string) string {
	parts = slices.Clone(parts)
	slices.Sort(parts)
	h := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(h[:])
}

var nonceSeq int

// query is a signed callback query at time at.
func query(at time.Time) url.Values {
	nonceSeq++
	ts, nonce := fmt.Sprint(at.Unix()), fmt.Sprintf("n%d", nonceSeq)
	return url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {sign(token, ts, nonce)}}
}

// textXML is a text message from openID.
func textXML(openID, content string, msgID int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>`,
		openID, time.Now().Unix(), content, msgID)
}

// eventXML is an event from openID.
func eventXML(openID, event, key string, at int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event><EventKey><![CDATA[%s]]></EventKey></xml>`,
		openID, at, event, key)
}

// answer is the server's reply.
type answer struct {
	status int
	body   string
}

// post sends a callback with the query and body to the server.
func post(t *testing.T, h http.Handler, q url.Values, body string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/wechat/callback?"+q.Encode(), strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return answer{rec.Code, rec.Body.String()}
}

// reply is a passive text reply.
type reply struct {
	ToUserName, FromUserName, MsgType, Content string
	CreateTime                                 int64
}

func parseReply(t *testing.T, a answer) reply {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("answer %d %s", a.status, a.body)
	}
	var r reply
	if err := xml.Unmarshal([]byte(a.body), &r); err != nil || r.MsgType != "text" {
		t.Fatalf("not a text reply (%v): %s", err, a.body)
	}
	return r
}

// problemCode is the code of a problem+json answer with the status.
func problemCode(t *testing.T, a answer, status int) string {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	var p struct{ Code string }
	if err := json.Unmarshal([]byte(a.body), &p); err != nil {
		t.Fatalf("not problem+json: %s", a.body)
	}
	return p.Code
}

// ---------------------------------------------------------------------------
// A browser inside WeChat: cookies, no automatic redirects.

type browser struct {
	base string
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{base: srv.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() string { return p.header.Get("Location") }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(t *testing.T, method, path string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(t *testing.T, path string) page { return b.do(t, http.MethodGet, path, nil) }

// submit posts a form with the CSRF token of the last page.
func (b *browser) submit(t *testing.T, path string, form url.Values) page {
	t.Helper()
	form.Set("_csrf", b.csrf)
	return b.do(t, http.MethodPost, path, form)
}

// local strips the test server from a redirect target.
func (b *browser) local(loc string) string { return strings.TrimPrefix(loc, b.base) }

// enter runs the OAuth entry for the WeChat user behind code: start (next as
// given), WeChat's authorize page (checked and skipped), then the callback.
// It returns the callback's answer.
func (b *browser) enter(t *testing.T, code, next string) page {
	t.Helper()
	path := "/wechat/oauth/start"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	start := b.get(t, path)
	if start.status != http.StatusFound {
		t.Fatalf("start: %d %s", start.status, start.body)
	}
	u, err := url.Parse(start.location())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "open.weixin.qq.com" || u.Path != "/connect/oauth2/authorize" || q.Get("appid") != appID ||
		q.Get("redirect_uri") != publicURL+"/wechat/oauth/callback" || q.Get("scope") != "snsapi_base" ||
		q.Get("response_type") != "code" || len(q.Get("state")) != 32 || u.Fragment != "wechat_redirect" {
		t.Fatalf("authorize URL %s", start.location())
	}
	return b.get(t, "/wechat/oauth/callback?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode())
}

// hallServer serves the whole platform.
func hallServer(t *testing.T, a *app.App) *httptest.Server {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// refPattern finds the binding references of the bindings page.
var refPattern = regexp.MustCompile(`name="ref" value="([0-9a-f]{16})"`)
