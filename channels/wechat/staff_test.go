package wechat_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
)

const menuJSON = `[{"type":"click","name":"查余额","key":"balance"},
 {"name":"办事","sub_button":[{"type":"view","name":"网上大厅","url":"https://gjj.example.gov.cn/wechat/oauth/start"}]}]`

// TestStaffPublishesConfiguredMenu: the menu of GJJ_WECHAT_MENU_FILE and the
// template ids of GJJ_WECHAT_TEMPLATES are what staff see; a channel admin
// publishes the menu to (the fake) WeChat, audited; a reviewer may not; a
// refusal by WeChat answers 503 and is audited as failed.
func TestStaffPublishesConfiguredMenu(t *testing.T) {
	fake := newFake(t)
	file := filepath.Join(t.TempDir(), "menu.json")
	if err := os.WriteFile(file, []byte(menuJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	withMenu := apitest.WithConfig(func(c *config.Config) { c.WeChatMenuFile = file })
	eachStoreWith(t, func(t *testing.T, a *app.App) {
		fake.mu.Lock()
		fake.menus = nil
		fake.mu.Unlock()
		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		token := func(user string) string {
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/sessions", Auth: "-",
				Body: map[string]string{"username": user, "password": demo.Password, "totp": otp.Code(t, user)}})
			return apitest.Decode[map[string]any](t, r, http.StatusCreated)["token"].(string)
		}
		maker, reviewer, auditor := token("maker"), token("reviewer"), token("auditor")

		shown := apitest.Decode[map[string]any](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: "/api/admin/v1/wechat/menu",
			Auth: apitest.Bearer(auditor)}), http.StatusOK)
		menu, _ := shown["menu"].([]any)
		tpls, _ := shown["templates"].(map[string]any)
		if len(menu) != 2 || tpls["deposit.credited"] != "TPL_DEPOSIT" || shown["app_id"] != appID {
			t.Fatalf("shown %v", shown)
		}
		publish := func(tok string) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/admin/v1/wechat/menu/publish", Auth: apitest.Bearer(tok)})
		}
		apitest.CheckProblem(t, publish(reviewer), http.StatusForbidden, "access.forbidden")
		apitest.CheckProblem(t, publish(auditor), http.StatusForbidden, "access.forbidden")
		got := apitest.Decode[map[string]any](t, publish(maker), http.StatusOK)
		if got["published"] != true || got["buttons"] != float64(2) {
			t.Fatalf("publish %v", got)
		}
		fake.mu.Lock()
		menus := fake.menus
		fake.mu.Unlock()
		if len(menus) != 1 {
			t.Fatalf("%d menus at WeChat", len(menus))
		}
		buttons, _ := menus[0]["button"].([]any)
		first, _ := buttons[0].(map[string]any)
		if len(buttons) != 2 || first["name"] != "查余额" || first["key"] != "balance" {
			t.Errorf("published %v", menus[0])
		}
		if e := apitest.LastAudit(t, a); e.Action != "wechat.menu_publish" || e.Actor != "staff:maker" || e.Result != audit.ResultOK {
			t.Errorf("audit %+v", e.Record)
		}
		// WeChat does not answer (the fake closed): 503, audited as failed.
		down := newFake(t)
		down.Close()
		s := withTemplates(t, a, down) // the library's client now points at the closed fake
		if err := s.PublishMenu(t.Context()); err == nil {
			t.Error("publish to a closed WeChat succeeded")
		}
		if e := apitest.LastAudit(t, a); e.Action != "wechat.menu_publish" || e.Result != audit.ResultFailed {
			t.Errorf("failure audit %+v", e.Record)
		}
	}, withWeChat(fake), withTemplateIDs, withMenu)
}

// eachStoreWith runs f on both stores with the options.
func eachStoreWith(t *testing.T, f func(t *testing.T, a *app.App), opts ...apitest.Option) {
	t.Helper()
	apitest.EachStore(t, f, opts...)
}
