package wechat_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gjj/channels/wechat"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/demo"
	"gjj/internal/notify"
)

// withTemplates is a second channel over a's services with a template id
// configured for deposit notices.
func withTemplates(t *testing.T, a *app.App, fake *fakeAPI) *wechat.Service {
	t.Helper()
	s, err := wechat.New(wechat.Config{AppID: appID, Secret: secret, Token: token, APIBase: fake.URL, PublicURL: publicURL,
		Templates: map[string]string{notify.DepositCredited: "TPL_DEPOSIT"}},
		wechat.Deps{Identity: a.Identity, Deposit: a.Deposit, KV: a.KV, Gate: a.Gate, Audit: a.Audit})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTemplateMessage(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		fake.mu.Lock()
		fake.templates, fake.tokenCalls, fake.failSend = nil, 0, false
		fake.mu.Unlock()
		const openID = "oTEMPLATE_000000000000000000"
		personID := bind(t, a, liMing, openID)
		vars := map[string]string{"name": "李明", "date": "07月15日", "account_tail": "0002", "amount": "1,960.00", "balance": "55,170.00"}

		// The platform's own channel has no template ids configured: nothing is sent.
		if _, err := a.WeChat.NotifyPerson(ctx, personID, notify.DepositCredited, vars, ""); !errors.Is(err, notify.ErrWeChatTemplateUnset) {
			t.Errorf("without a template id: %v", err)
		}

		s := withTemplates(t, a, fake)
		for i, serial := range []string{"JZ0001", "JZ0002"} {
			n, err := s.NotifyPerson(ctx, personID, notify.DepositCredited, vars, serial)
			if err != nil || n != 1 {
				t.Fatalf("send %d: %d %v", i, n, err)
			}
		}
		fake.mu.Lock()
		got, calls := fake.templates, fake.tokenCalls
		fake.mu.Unlock()
		if len(got) != 2 {
			t.Fatalf("fake received %d template messages", len(got))
		}
		m := got[0]
		data, _ := m["data"].(map[string]any)
		value := func(k string) string { v, _ := data[k].(map[string]any); s, _ := v["value"].(string); return s }
		if m["touser"] != openID || m["template_id"] != "TPL_DEPOSIT" || m["client_msg_id"] != "JZ0001" ||
			m["url"] != publicURL+"/wechat/oauth/start" || value("keyword2") != "1,960.00元" || value("keyword3") != "55,170.00元" ||
			!strings.Contains(value("first"), "李明") {
			t.Errorf("template message %v", m)
		}
		// One stable token for both, kept in the key-value store.
		if calls != 1 {
			t.Errorf("%d token fetches, want 1", calls)
		}
		if e := apitest.LastAudit(t, a); e.Action != notify.ActionWeChat || e.Result != audit.ResultOK || strings.Contains(e.After, openID) {
			t.Errorf("audit %+v", e.Record)
		}

		// WeChat refuses: recorded as failed and answered as unavailable.
		fake.mu.Lock()
		fake.failSend = true
		fake.mu.Unlock()
		if n, err := s.NotifyPerson(ctx, personID, notify.DepositCredited, vars, "JZ0003"); n != 0 || !errors.Is(err, notify.ErrWeChatUnavailable) {
			t.Errorf("refused send: %d %v", n, err)
		}
		if e := apitest.LastAudit(t, a); e.Action != notify.ActionWeChat || e.Result != audit.ResultFailed {
			t.Errorf("failure audit %+v", e.Record)
		}

		// A person without a binding gets nothing.
		if n, err := s.NotifyPerson(ctx, personOf(t, a, demo.Employees[2]), notify.DepositCredited, vars, ""); n != 0 || err != nil {
			t.Errorf("unbound person: %d %v", n, err)
		}
		apitest.VerifyClean(t, a)
	})
}

func TestMenu(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		fake.mu.Lock()
		fake.menus = nil
		fake.mu.Unlock()
		if err := a.WeChat.PublishMenu(context.Background()); err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		got := fake.menus
		fake.mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("%d menus published", len(got))
		}
		buttons, _ := got[0]["button"].([]any)
		if len(buttons) != len(a.WeChat.Menu()) {
			t.Fatalf("published %v", got[0])
		}
		first, _ := buttons[0].(map[string]any)
		sub, _ := first["sub_button"].([]any)
		click, _ := sub[0].(map[string]any)
		if first["name"] != "账户查询" || click["type"] != "click" || click["key"] != string(wechat.Balance) {
			t.Errorf("published %v", got[0])
		}
		if e := apitest.LastAudit(t, a); e.Action != "wechat.menu_publish" || e.Result != audit.ResultOK {
			t.Errorf("audit %+v", e.Record)
		}
	})
}

func TestParseMenu(t *testing.T) {
	good := `[{"name":"查询","sub_button":[{"type":"click","name":"余额","key":"balance"}]},{"type":"view","name":"办事","url":"https://gjj.example.gov.cn/wechat/oauth/start"}]`
	if bs, err := wechat.ParseMenu(good); err != nil || len(bs) != 2 || bs[0].Sub[0].Key != "balance" {
		t.Fatalf("good menu: %v %v", bs, err)
	}
	if err := wechat.CheckMenu(wechat.DefaultMenu(publicURL)); err != nil {
		t.Errorf("default menu: %v", err)
	}
	bad := map[string]string{
		"not JSON":         `{`,
		"unknown member":   `[{"type":"click","name":"余额","key":"balance","color":"red"}]`,
		"empty":            `[]`,
		"four top entries": `[{"type":"click","name":"a","key":"help"},{"type":"click","name":"b","key":"help"},{"type":"click","name":"c","key":"help"},{"type":"click","name":"d","key":"help"}]`,
		"empty group":      `[{"name":"查询"}]`,
		"six in a group":   `[{"name":"g","sub_button":[` + strings.Repeat(`{"type":"click","name":"a","key":"help"},`, 5) + `{"type":"click","name":"a","key":"help"}]}]`,
		"three levels":     `[{"name":"g","sub_button":[{"type":"click","name":"a","key":"help","sub_button":[{"type":"click","name":"b","key":"help"}]}]}]`,
		"long top name":    `[{"type":"click","name":"一二三四五六","key":"help"}]`,
		"no name":          `[{"type":"click","name":"","key":"help"}]`,
		"unknown key":      `[{"type":"click","name":"a","key":"transfer"}]`,
		"view without URL": `[{"type":"view","name":"a"}]`,
		"javascript URL":   `[{"type":"view","name":"a","url":"javascript:alert(1)"}]`,
		"unknown type":     `[{"type":"miniprogram","name":"a"}]`,
		"group with a URL": `[{"name":"g","url":"https://x.cn","sub_button":[{"type":"click","name":"a","key":"help"}]}]`,
	}
	for name, doc := range bad {
		if _, err := wechat.ParseMenu(doc); !errors.Is(err, wechat.ErrBadMenu) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
