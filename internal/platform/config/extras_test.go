package config_test

import (
	"strings"
	"testing"

	"gjj/internal/platform/config"
)

func TestWeChatTemplatesAndSecretKey(t *testing.T) {
	base := map[string]string{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
		"GJJ_WECHAT_TOKEN": "gjjtoken"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	good, err := config.Load(with("GJJ_WECHAT_TEMPLATES", " deposit.credited=AbC_12-3 , withdrawal.paid=X9 ",
		"GJJ_SECRET_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := good.WeChatTemplateIDs()
	if err != nil || len(ids) != 2 || ids["deposit.credited"] != "AbC_12-3" || ids["withdrawal.paid"] != "X9" {
		t.Errorf("ids %v %v", ids, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{with("GJJ_WECHAT_TEMPLATES", "deposit.credited"), "GJJ_WECHAT_TEMPLATES"},
		{with("GJJ_WECHAT_TEMPLATES", "deposit.credited=a b"), "GJJ_WECHAT_TEMPLATES"},
		{with("GJJ_WECHAT_TEMPLATES", "=x"), "GJJ_WECHAT_TEMPLATES"},
		{with("GJJ_WECHAT_TEMPLATES", "a=x,a=y"), "GJJ_WECHAT_TEMPLATES"},
		{map[string]string{"GJJ_WECHAT_TEMPLATES": "deposit.credited=x"}, "GJJ_WECHAT_APPID"},
		{with("GJJ_SECRET_KEY", "c2hvcnQ="), "GJJ_SECRET_KEY"},
		{with("GJJ_SECRET_KEY", "not base64!"), "GJJ_SECRET_KEY"},
	} {
		_, err := config.Load(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.env, err, tc.want)
		}
		if err != nil && tc.env["GJJ_SECRET_KEY"] != "" && strings.Contains(err.Error(), tc.env["GJJ_SECRET_KEY"]) {
			t.Errorf("the secret key is printed: %v", err)
		}
	}
}
