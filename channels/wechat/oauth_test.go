package wechat_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"gjj/channels/wechat"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
)

// personOf is the person id of a registered demo employee.
func personOf(t *testing.T, a *app.App, e demo.Employee) int64 {
	t.Helper()
	p, err := a.Identity.LoginPerson(context.Background(), e.IDNumber, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	return p.PersonID()
}

// signedIn checks that the browser is in the web hall as name.
func signedIn(t *testing.T, b *browser, name string) {
	t.Helper()
	p := b.get(t, "/web/")
	if p.status != http.StatusOK || !strings.Contains(p.body, name) {
		t.Fatalf("web hall overview: %d (want %s signed in)", p.status, name)
	}
}

func TestOAuthBindsOnFirstLoginThenLogsInDirectly(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a)
		const openID, unionID = "oLI_MING_000000000000000000a", "uLI_MING_0000000000000000000"
		personID := personOf(t, a, liMing)

		// First visit: not bound, so the login page.
		b := newBrowser(t, srv)
		p := b.enter(t, fake.code(openID, unionID), "/web/statement")
		if p.status != http.StatusSeeOther || b.local(p.location()) != "/wechat/bind" {
			t.Fatalf("unbound callback: %d %s", p.status, p.location())
		}
		if strings.Contains(p.location(), openID) {
			t.Error("the openid is in a URL")
		}
		if p = b.get(t, "/wechat/bind"); p.status != http.StatusOK || !strings.Contains(p.body, `action="/wechat/bind"`) ||
			!strings.Contains(p.body, `href="/web/register"`) {
			t.Fatalf("bind page: %d %s", p.status, p.body)
		}
		// A wrong password: refused on the page, nothing bound.
		p = b.submit(t, "/wechat/bind", url.Values{"login": {liMing.IDNumber}, "password": {"Wrong#2026"}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "identity.bad_credentials") {
			t.Fatalf("wrong password: %d", p.status)
		}
		if got := wechatBindings(t, a, personID); len(got) != 0 {
			t.Fatalf("bound after a wrong password: %v", got)
		}
		// No CSRF token: refused.
		if p = b.do(t, http.MethodPost, "/wechat/bind", url.Values{"login": {liMing.IDNumber}, "password": {demo.Password}}); p.status != http.StatusForbidden {
			t.Fatalf("bind without CSRF token: %d", p.status)
		}
		// The same credential as every channel: bound and signed in, on to the page asked for.
		p = b.submit(t, "/wechat/bind", url.Values{"login": {liMing.IDNumber}, "password": {demo.Password}})
		if p.status != http.StatusSeeOther || p.location() != "/web/statement" {
			t.Fatalf("bind: %d %s %s", p.status, p.location(), p.body)
		}
		if got := wechatBindings(t, a, personID); !slices.Equal(got, []string{openID}) {
			t.Fatalf("bindings %v", got)
		}
		bs, _ := a.Identity.Bindings(context.Background(), personID)
		if bs[0].UnionID != unionID {
			t.Errorf("unionid %q", bs[0].UnionID)
		}
		signedIn(t, b, liMing.Name)
		if e := apitest.LastAudit(t, a); e.Action != "identity.bind" || e.Channel != "wechat" || e.Actor != "person:"+itoa(personID) {
			t.Errorf("bind audit %+v", e.Record)
		}
		// The pending binding is used up.
		if p = b.get(t, "/wechat/bind"); p.status != http.StatusSeeOther || p.location() != "/wechat/oauth/start" {
			t.Errorf("bind page after binding: %d %s", p.status, p.location())
		}

		// Later, in a new browser: straight in, no password.
		b2 := newBrowser(t, srv)
		p = b2.enter(t, fake.code(openID, unionID), "")
		if p.status != http.StatusSeeOther || p.location() != "/web/" {
			t.Fatalf("bound callback: %d %s", p.status, p.location())
		}
		signedIn(t, b2, liMing.Name)
		if e := apitest.LastAudit(t, a); e.Action != "wechat.login" || e.Object != "person:"+itoa(personID) || e.Channel != "wechat" {
			t.Errorf("login audit %+v", e.Record)
		}
		// The session is a web-hall session marked as coming through WeChat.
		sessions, err := a.Identity.Sessions(context.Background(), "person:"+itoa(personID), "")
		if err != nil {
			t.Fatal(err)
		}
		marked := 0
		for _, s := range sessions {
			if s.Channel == "web" && strings.HasPrefix(s.UserAgent, wechat.ViaWeChat) {
				marked++
			}
		}
		if marked != 2 {
			t.Errorf("%d web sessions marked as WeChat, want 2: %+v", marked, sessions)
		}
		// A next that is not a hall page is ignored.
		b3 := newBrowser(t, srv)
		if p = b3.enter(t, fake.code(openID, ""), "https://evil.example.com/"); p.location() != "/web/" {
			t.Errorf("foreign next: %s", p.location())
		}
	})
}

func TestOAuthRefusals(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a)
		const openID = "oREFUSALS_000000000000000000"
		bind(t, a, liMing, openID)
		b := newBrowser(t, srv)
		start := func() string {
			t.Helper()
			p := b.get(t, "/wechat/oauth/start")
			u, _ := url.Parse(p.location())
			return u.Query().Get("state")
		}
		callback := func(br *browser, code, state string) page {
			return br.get(t, "/wechat/oauth/callback?"+url.Values{"code": {code}, "state": {state}}.Encode())
		}
		refused := func(name string, p page, status int, code string) {
			t.Helper()
			if p.status != status || !strings.Contains(p.body, code) {
				t.Errorf("%s: %d, want %d %s", name, p.status, status, code)
			}
			for _, c := range p.header.Values("Set-Cookie") {
				if strings.HasPrefix(c, "gjj_web_session=") {
					t.Errorf("%s: a session was started", name)
				}
			}
		}

		state := start()
		refused("forged state", callback(b, fake.code(openID, ""), strings.Repeat("0", 32)), http.StatusForbidden, "wechat.bad_state")
		// The forged try cleared the browser's state cookie: even the real state is refused now.
		refused("state after a forged try", callback(b, fake.code(openID, ""), state), http.StatusForbidden, "wechat.bad_state")

		state = start()
		other := newBrowser(t, srv)
		refused("state of another browser", callback(other, fake.code(openID, ""), state), http.StatusForbidden, "wechat.bad_state")

		state = start()
		refused("no code (authorization declined)", callback(b, "", state), http.StatusForbidden, "wechat.oauth_denied")
		state = start()
		refused("unknown code", callback(b, "NOPE", state), http.StatusForbidden, "wechat.oauth_failed")

		// A state works once, even with its cookie replayed.
		state = start()
		cookies := b.c.Jar.Cookies(mustURL(t, srv.URL+"/wechat/oauth/callback"))
		if p := callback(b, fake.code(openID, ""), state); p.status != http.StatusSeeOther || p.location() != "/web/" {
			t.Fatalf("genuine callback: %d %s", p.status, p.location())
		}
		replay := newBrowser(t, srv)
		replay.c.Jar.SetCookies(mustURL(t, srv.URL+"/wechat/oauth/callback"), cookies)
		refused("replayed state", callback(replay, fake.code(openID, ""), state), http.StatusForbidden, "wechat.bad_state")
	})
}

func TestAppRegisteredPersonLogsInThroughWeChat(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		inbox := apitest.CaptureSMS(a)
		api := apitest.Server(t, a, []string{"appSession"})
		const password = "Lin#Jing2026"
		r := api.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/sms-codes", Body: map[string]string{"phone": linJing.Mobile, "purpose": "register"}})
		if r.Status != http.StatusAccepted {
			t.Fatalf("sms code: %s", r)
		}
		r = api.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/registrations", Body: map[string]string{"id_number": linJing.IDNumber,
			"name": linJing.Name, "phone": linJing.Mobile, "sms_code": inbox.Code(t, linJing.Mobile, "otp.register"), "password": password}})
		reg := apitest.Decode[struct {
			PersonID int64 `json:"person_id"`
		}](t, r, http.StatusCreated)

		srv := hallServer(t, a)
		b := newBrowser(t, srv)
		const openID = "oLIN_JING_000000000000000000"
		if p := b.enter(t, fake.code(openID, ""), ""); b.local(p.location()) != "/wechat/bind" {
			t.Fatalf("callback: %d %s", p.status, p.location())
		}
		b.get(t, "/wechat/bind")
		// By reserved mobile, with the password set on the app.
		p := b.submit(t, "/wechat/bind", url.Values{"login": {linJing.Mobile}, "password": {password}})
		if p.status != http.StatusSeeOther || p.location() != "/web/" {
			t.Fatalf("bind: %d %s", p.status, p.body)
		}
		signedIn(t, b, linJing.Name)
		if got := wechatBindings(t, a, reg.PersonID); !slices.Equal(got, []string{openID}) {
			t.Errorf("bindings %v", got)
		}
	})
}

func TestUnbind(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a)
		const openID, other = "oUNBIND_00000000000000000000", "oOTHER_PHONE_000000000000000"
		personID := bind(t, a, liMing, openID)
		bind(t, a, liMing, other)
		if err := a.Identity.Bind(context.Background(), identity.Binding{Channel: "wechat", AppID: "wxfedcba9876543210", Subject: openID}, personID); err != nil {
			t.Fatal(err)
		}

		// Without a hall session the page sends the browser to log in.
		anon := newBrowser(t, srv)
		if p := anon.get(t, "/web/wechat"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/web/login") {
			t.Errorf("anonymous: %d %s", p.status, p.location())
		}

		b := newBrowser(t, srv)
		if p := b.enter(t, fake.code(openID, ""), "/web/wechat"); p.location() != "/web/wechat" {
			t.Fatalf("enter: %d %s", p.status, p.location())
		}
		p := b.get(t, "/web/wechat")
		refs := refPattern.FindAllStringSubmatch(p.body, -1)
		if p.status != http.StatusOK || len(refs) != 2 || strings.Contains(p.body, openID) {
			t.Fatalf("bindings page: %d %d refs\n%s", p.status, len(refs), p.body)
		}
		// The profile page links here.
		if prof := b.get(t, "/web/profile"); !strings.Contains(prof.body, `href="/web/wechat"`) {
			t.Error("the profile page has no link to the WeChat bindings")
		}

		if p := b.do(t, http.MethodPost, "/web/wechat/unbind", url.Values{"ref": {refs[0][1]}}); p.status != http.StatusForbidden {
			t.Errorf("unbind without CSRF token: %d", p.status)
		}
		b.get(t, "/web/wechat")
		if p := b.submit(t, "/web/wechat/unbind", url.Values{"ref": {"0123456789abcdef"}}); p.status != http.StatusNotFound ||
			!strings.Contains(p.body, "wechat.no_binding") {
			t.Errorf("unbind of an unknown ref: %d", p.status)
		}
		if got := wechatBindings(t, a, personID); len(got) != 2 {
			t.Fatalf("refusals unbound: %v", got)
		}
		for _, ref := range refs {
			b.get(t, "/web/wechat")
			if p := b.submit(t, "/web/wechat/unbind", url.Values{"ref": {ref[1]}}); p.status != http.StatusSeeOther || p.location() != "/web/wechat?ok=unbound" {
				t.Fatalf("unbind: %d %s", p.status, p.body)
			}
		}
		if got := wechatBindings(t, a, personID); len(got) != 0 {
			t.Errorf("after unbinding: %v", got)
		}
		if e := apitest.LastAudit(t, a); e.Action != "identity.unbind" || e.Actor != "person:"+itoa(personID) {
			t.Errorf("unbind audit %+v", e.Record)
		}
		// The other official account's binding stays.
		bs, _ := a.Identity.Bindings(context.Background(), personID)
		if len(bs) != 1 || bs[0].AppID != "wxfedcba9876543210" {
			t.Errorf("remaining bindings %+v", bs)
		}
		if p := b.get(t, "/web/wechat?ok=unbound"); !strings.Contains(p.body, "已解除微信绑定") || !strings.Contains(p.body, `id="no-bindings"`) {
			t.Errorf("page after unbinding: %s", p.body)
		}
		// The unbound WeChat must log in again.
		if p := newBrowser(t, srv).enter(t, fake.code(openID, ""), ""); b.local(p.location()) != "/wechat/bind" {
			t.Errorf("after unbinding: %d %s", p.status, p.location())
		}
	})
}
