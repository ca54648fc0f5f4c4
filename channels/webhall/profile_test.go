package webhall_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gjj/channels/hallkit/halltest"
	"gjj/channels/webhall"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/exchange"
)

// TestChangeMobile: codes to the old and the new number, then the new number
// is the reserved mobile and logs in.
func TestChangeMobile(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		const newPhone = "13900000077"
		u := newUser(t, hallServer(t, a))
		u.loginDemo(t, li)
		p := halltest.HTML(t, u.Get(t, "/web/profile"), http.StatusOK)
		halltest.Contains(t, p, "138****0002", "350102********3011", "****1202", "已注册（未实名认证）", `id="p-pin">未设置`)
		halltest.Lacks(t, p, li.IDNumber, li.Mobile, demo.BankCard(li))

		send := func(phone string) halltest.Page {
			return u.Post(t, "/web/profile/mobile", url.Values{"action": {"send"}, "phone": {phone}})
		}
		refused(t, send(li.Mobile), http.StatusBadRequest, "identity.same_mobile", "新手机号与原预留手机号相同")
		refused(t, send("2390000007"), http.StatusBadRequest, "ident.mobile_syntax", "手机号码应为 11 位数字")
		p = halltest.HTML(t, send(newPhone), http.StatusOK)
		halltest.Contains(t, p, "验证码已分别发送至原预留手机号和新手机号 139****0077", `name="old_code"`, `name="new_code"`)
		oldCode, newCode := in.Code(t, li.Mobile, "otp.change_mobile"), in.Code(t, newPhone, "otp.change_mobile")

		confirm := func(oldCode, newCode string) halltest.Page {
			return u.Post(t, "/web/profile/mobile", url.Values{"action": {"confirm"}, "phone": {newPhone}, "old_code": {oldCode}, "new_code": {newCode}})
		}
		// (A wrong new code after a right old one would use up the old code:
		// identity checks them one after the other.)
		p = confirm(flip(oldCode), newCode)
		refused(t, p, http.StatusBadRequest, "identity.otp_wrong", "验证码不正确")
		if !regexp.MustCompile(`id="old_code"[^>]*aria-invalid="true"`).MatchString(p.Body) {
			t.Error("the wrong code's field is not marked")
		}
		halltest.Redirect(t, confirm(oldCode, newCode), "/web/profile?ok=mobile")
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/profile?ok=mobile"), http.StatusOK), "预留手机号已变更", "139****0077")
		if _, err := a.Identity.LoginPerson(context.Background(), newPhone, demo.Password); err != nil {
			t.Errorf("login by the new mobile: %v", err)
		}
		refused(t, confirm(oldCode, newCode), http.StatusBadRequest, "identity.same_mobile", "")
	})
}

// TestRealNameAndBankCard: the bank-card check raises the web session to
// level 2; changing the card then needs a step-up code.
func TestRealNameAndBankCard(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		in := apitest.CaptureSMS(a)
		ctx := context.Background()
		const newCard = "6222020200008888"
		a.RealName.AddCard(exchange.BankCard4{Name: chen.Name, IDNumber: chen.IDNumber, CardNo: newCard, Mobile: chen.Mobile})
		u := newUser(t, hallServer(t, a))
		u.loginDemo(t, chen)
		p := halltest.HTML(t, u.Get(t, "/web/profile"), http.StatusOK)
		halltest.Contains(t, p, `action="/web/profile/realname"`)
		halltest.Lacks(t, p, `action="/web/profile/bankcard"`)
		refused(t, u.Post(t, "/web/profile/bankcard", url.Values{"action": {"send"}}), http.StatusForbidden, "identity.level_required", "该业务需要先完成实名认证")
		refused(t, u.Post(t, "/web/profile/bankcard", url.Values{"action": {"confirm"}, "card_no": {newCard}, "bank_mobile": {chen.Mobile}, "sms_code": {"123456"}}),
			http.StatusForbidden, "identity.level_required", "")

		realName := func(card string) halltest.Page {
			return u.Post(t, "/web/profile/realname", url.Values{"card_no": {card}, "bank_mobile": {chen.Mobile}})
		}
		refused(t, realName("6222020200001299"), http.StatusBadRequest, "exchange.realname_mismatch", "实名核验未通过")
		refused(t, realName("12ab"), http.StatusBadRequest, "identity.bad_card", "银行卡号应为 12 至 19 位数字")
		halltest.Redirect(t, realName(demo.BankCard(chen)), "/web/profile?ok=realname")
		if p, err := a.Identity.Session(ctx, u.session(), webhall.Channel); err != nil || p.Level != 2 {
			t.Fatalf("web session after the check = %+v %v", p, err)
		}
		p = halltest.HTML(t, u.Get(t, "/web/profile?ok=realname"), http.StatusOK)
		halltest.Contains(t, p, "实名认证已完成", `id="p-level">已实名认证`, `action="/web/profile/bankcard"`)

		halltest.HTML(t, u.Post(t, "/web/profile/bankcard", url.Values{"action": {"send"}}), http.StatusOK)
		code := in.Code(t, chen.Mobile, "otp.step_up")
		change := func(card, code string) halltest.Page {
			return u.Post(t, "/web/profile/bankcard", url.Values{"action": {"confirm"}, "card_no": {card}, "bank_mobile": {chen.Mobile}, "sms_code": {code}})
		}
		refused(t, change(newCard, flip(code)), http.StatusBadRequest, "identity.otp_wrong", "验证码不正确")
		halltest.Redirect(t, change(newCard, code), "/web/profile?ok=bankcard")
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/profile?ok=bankcard"), http.StatusOK), "银行卡已变更", "****8888")
		refused(t, change(newCard, code), http.StatusBadRequest, "identity.otp_used", "验证码已使用过")
	})
}

// TestQueryPIN: the PIN needs the password and a non-trivial 6-digit PIN; the
// hotline can then identify the person.
func TestQueryPIN(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		u := newUser(t, hallServer(t, a))
		u.loginDemo(t, li)
		u.Get(t, "/web/profile")
		set := func(password, pin, pin2 string) halltest.Page {
			return u.Post(t, "/web/profile/pin", url.Values{"password": {password}, "pin": {pin}, "pin2": {pin2}})
		}
		refused(t, set(demo.Password, "135790", "135791"), http.StatusBadRequest, "webhall.pin_mismatch", "两次输入的查询密码不一致")
		refused(t, set(demo.Password, "123456", "123456"), http.StatusBadRequest, "identity.bad_pin", "不能是相同或连续的数字")
		refused(t, set("Wrong#2026x", "135790", "135790"), http.StatusUnauthorized, "identity.bad_credentials", "")
		halltest.Redirect(t, set(demo.Password, "135790", "135790"), "/web/profile?ok=pin")
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/profile?ok=pin"), http.StatusOK), "查询密码已设置", `id="p-pin">已设置`)
		if _, err := a.Identity.CheckQueryPIN(context.Background(), li.Mobile, "135790"); err != nil {
			t.Errorf("hotline PIN check: %v", err)
		}
	})
}

// TestChangePassword: every session on every channel ends; the new password
// logs in.
func TestChangePassword(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		const next = "Li#Ming2026new"
		srv := hallServer(t, a)
		appTok := appSession(t, a, li.IDNumber, demo.Password)
		u := newUser(t, srv)
		u.loginDemo(t, li)
		u.Get(t, "/web/profile")
		change := func(old, pw, pw2 string) halltest.Page {
			return u.Post(t, "/web/profile/password", url.Values{"old_password": {old}, "new_password": {pw}, "new_password2": {pw2}})
		}
		refused(t, change(demo.Password, next, next+"x"), http.StatusBadRequest, "webhall.password_mismatch", "两次输入的密码不一致")
		refused(t, change(demo.Password, "abcdefgh", "abcdefgh"), http.StatusBadRequest, "identity.weak_password", "密码至少 8 位")
		refused(t, change("Wrong#2026x", next, next), http.StatusUnauthorized, "identity.bad_credentials", "")
		token := u.session()
		halltest.Redirect(t, change(demo.Password, next, next), "/web/login?ok=password")
		if u.session() != "" {
			t.Error("the session cookie was kept after the password change")
		}
		for ch, tok := range map[string]string{webhall.Channel: token, "app": appTok} {
			if _, err := a.Identity.Session(ctx, tok, ch); err == nil {
				t.Errorf("the %s session survived the password change", ch)
			}
		}
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/login?ok=password"), http.StatusOK), "密码已修改")
		u.login(t, li.IDNumber, next)
	})
}

// TestSessions: the list shows every channel with the current one marked;
// revoking the app session from the page ends it; nobody can end another
// person's session.
func TestSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := hallServer(t, a)
		appTok := appSession(t, a, li.IDNumber, demo.Password)
		other := newUser(t, srv) // a second browser
		other.loginDemo(t, li)
		u := newUser(t, srv)
		u.loginDemo(t, li)
		p := halltest.HTML(t, u.Get(t, "/web/sessions"), http.StatusOK)
		halltest.Contains(t, p, "手机APP", "网上业务大厅（个人）", "本机", "10.1.2.3", "GJJApp/1.0", "127.0.0.1", "Go-http-client")
		if n := strings.Count(p.Body, `<tr`); n != 4 { // header + three sessions
			t.Errorf("session list has %d rows: %s", n, halltest.Excerpt(p.Body))
		}
		if strings.Count(p.Body, "本机") != 1 {
			t.Error("not exactly one session is marked current")
		}
		halltest.Lacks(t, p, appTok, u.session())

		subject := func(token, channel string) string {
			p, err := a.Identity.Session(ctx, token, channel)
			if err != nil {
				t.Fatal(err)
			}
			return p.Subject
		}
		liSubject := subject(u.session(), webhall.Channel)
		// idOf is the list id of li's session on channel (current: the one of u).
		idOf := func(channel string, current bool) string {
			list, err := a.Identity.Sessions(ctx, liSubject, u.session())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list {
				if s.Channel == channel && s.Current == current {
					return s.ID
				}
			}
			t.Fatalf("no %s session (current %v)", channel, current)
			return ""
		}
		appID := idOf("app", false)
		halltest.Redirect(t, u.Post(t, "/web/sessions/revoke", url.Values{"id": {appID}}), "/web/sessions?ok=revoked")
		if _, err := a.Identity.Session(ctx, appTok, "app"); err == nil {
			t.Fatal("the app token works after it was revoked on the web page")
		}
		refused(t, u.Post(t, "/web/sessions/revoke", url.Values{"id": {appID}}), http.StatusNotFound, "identity.session_not_found", "未找到该登录会话")

		// Another person's session cannot be ended from here.
		chenTok := appSession(t, a, chen.IDNumber, demo.Password)
		chenList, err := a.Identity.Sessions(ctx, subject(chenTok, "app"), chenTok)
		if err != nil || len(chenList) != 1 {
			t.Fatalf("chen's sessions = %v %v", chenList, err)
		}
		refused(t, u.Post(t, "/web/sessions/revoke", url.Values{"id": {chenList[0].ID}}), http.StatusNotFound, "identity.session_not_found", "")
		if _, err := a.Identity.Session(ctx, chenTok, "app"); err != nil {
			t.Fatalf("another person's session was ended: %v", err)
		}

		// "Every other" ends the second browser's session and keeps this one.
		halltest.Redirect(t, u.Post(t, "/web/sessions/revoke", url.Values{"id": {"others"}}), "/web/sessions?ok=revoked_all")
		halltest.Redirect(t, other.Get(t, "/web/"), "/web/login")
		p = halltest.HTML(t, u.Get(t, "/web/sessions"), http.StatusOK)
		if n := strings.Count(p.Body, `<tr`); n != 2 {
			t.Errorf("after ending the others the list has %d rows", n)
		}
		// Ending the current session is a logout.
		cur := idOf(webhall.Channel, true)
		halltest.Redirect(t, u.Post(t, "/web/sessions/revoke", url.Values{"id": {cur}}), "/web/login?ok=logout")
		halltest.Redirect(t, u.Get(t, "/web/"), "/web/login")
	})
}

// flip returns another 6-digit code than code.
func flip(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
