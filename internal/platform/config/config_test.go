package config_test

import (
	"strings"
	"testing"

	"gjj/internal/platform/config"
)

func TestLoad(t *testing.T) {
	c, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Database != "sqlite:data/gjj.db" || c.Addr != ":8080" || c.Redis != "" || c.Demo || c.BodyLimit != "1M" {
		t.Fatalf("defaults = %+v", c)
	}
	good := []map[string]string{
		{"GJJ_DATABASE": "mysql:gjj:gjj@tcp(127.0.0.1:3306)/gjj?parseTime=true&loc=UTC", "GJJ_REDIS": "127.0.0.1:6379"},
		{"GJJ_REDIS": "redis://:secret@127.0.0.1:6379/2", "GJJ_ADDR": "127.0.0.1:9000", "GJJ_DEMO": "1"},
		{"GJJ_DEMO": "true", "GJJ_LOG_LEVEL": "debug", "GJJ_BODY_LIMIT": "512K"},
		{"GJJ_SMS_GATEWAY_URL": "https://sms.example.com/send", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef", "GJJ_SMS_SIGNATURE": "【某市住房公积金】"},
		{"GJJ_SMS_SIGNATURE": "【某市住房公积金】"}, // unused without a gateway
		{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_SECRET": "0123456789abcdef0123456789abcdef", "GJJ_WECHAT_TOKEN": "gjjtoken"},
		{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_SECRET": "0123456789abcdef0123456789abcdef", "GJJ_WECHAT_TOKEN": "gjjtoken",
			"GJJ_WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "GJJ_WECHAT_API_BASE": "http://127.0.0.1:9000/"},
		{"GJJ_SMS_INBOUND_KEY": "0123456789abcdef", "GJJ_HOTLINE_KEY": "fedcba9876543210-hotline"},
	}
	for _, env := range good {
		if _, err := config.Load(env); err != nil {
			t.Errorf("Load(%v) = %v", env, err)
		}
	}
	bad := []struct {
		env     map[string]string
		name    string
		secrets string
	}{
		{map[string]string{"GJJ_DATABASE": "postgres:x"}, "GJJ_DATABASE", ""},
		{map[string]string{"GJJ_DATABASE": "sqlite:"}, "GJJ_DATABASE", ""},
		{map[string]string{"GJJ_DATABASE": "mysql:gjj:s3cret@tcp(h:1)"}, "GJJ_DATABASE", "s3cret"},
		{map[string]string{"GJJ_REDIS": "localhost"}, "GJJ_REDIS", ""},
		{map[string]string{"GJJ_REDIS": "http://:pw@x:1"}, "GJJ_REDIS", "pw@"},
		{map[string]string{"GJJ_ADDR": "8080"}, "GJJ_ADDR", ""},
		{map[string]string{"GJJ_DEMO": "maybe"}, "GJJ_DEMO", ""},
		{map[string]string{"GJJ_LOG_LEVEL": "loud"}, "GJJ_LOG_LEVEL", ""},
		{map[string]string{"GJJ_BODY_LIMIT": "2T"}, "GJJ_BODY_LIMIT", ""},
		{map[string]string{"GJJ_BODY_LIMIT": "0"}, "GJJ_BODY_LIMIT", ""},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "ftp://sms.example.com", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef", "GJJ_SMS_SIGNATURE": "【某市】"}, "GJJ_SMS_GATEWAY_URL", ""},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "https://u:s3cret@sms.example.com/", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef", "GJJ_SMS_SIGNATURE": "【某市】"}, "GJJ_SMS_GATEWAY_URL", "s3cret"},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "sms.example.com/send?key=s3cret", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef", "GJJ_SMS_SIGNATURE": "【某市】"}, "GJJ_SMS_GATEWAY_URL", "s3cret"},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "https://sms.example.com/send", "GJJ_SMS_SIGNATURE": "【某市】"}, "GJJ_SMS_GATEWAY_KEY", ""},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "https://sms.example.com/send", "GJJ_SMS_GATEWAY_KEY": "short-s3cret", "GJJ_SMS_SIGNATURE": "【某市】"}, "GJJ_SMS_GATEWAY_KEY", "s3cret"},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "https://sms.example.com/send", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef s3cret"}, "GJJ_SMS_GATEWAY_KEY", "s3cret"},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "https://sms.example.com/send", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef"}, "GJJ_SMS_SIGNATURE", ""},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "https://sms.example.com/send", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef", "GJJ_SMS_SIGNATURE": "某市住房公积金"}, "GJJ_SMS_SIGNATURE", ""},
		{map[string]string{"GJJ_SMS_GATEWAY_URL": "https://sms.example.com/send", "GJJ_SMS_GATEWAY_KEY": "0123456789abcdef", "GJJ_SMS_SIGNATURE": "【】"}, "GJJ_SMS_SIGNATURE", ""},
		{map[string]string{"GJJ_SMS_GATEWAY_KEY": "0123456789abcdef-s3cret"}, "GJJ_SMS_GATEWAY_KEY", "s3cret"},
		{map[string]string{"GJJ_WECHAT_TOKEN": "gjjtoken"}, "GJJ_WECHAT_APPID", ""},
		{map[string]string{"GJJ_WECHAT_APPID": "wx0123", "GJJ_WECHAT_SECRET": "0123456789abcdef", "GJJ_WECHAT_TOKEN": "gjjtoken"}, "GJJ_WECHAT_APPID", ""},
		{map[string]string{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_TOKEN": "gjjtoken"}, "GJJ_WECHAT_SECRET", ""},
		{map[string]string{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_SECRET": "s3cret-s3cret-s3cret", "GJJ_WECHAT_TOKEN": "gjjtoken"}, "GJJ_WECHAT_SECRET", "s3cret"},
		{map[string]string{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_SECRET": "0123456789abcdef"}, "GJJ_WECHAT_TOKEN", ""},
		{map[string]string{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_SECRET": "0123456789abcdef", "GJJ_WECHAT_TOKEN": "tok en s3cret"}, "GJJ_WECHAT_TOKEN", "s3cret"},
		{map[string]string{"GJJ_WECHAT_APPID": "wx0123456789abcdef", "GJJ_WECHAT_SECRET": "0123456789abcdef", "GJJ_WECHAT_TOKEN": "gjjtoken",
			"GJJ_WECHAT_AES_KEY": "s3cret-too-short"}, "GJJ_WECHAT_AES_KEY", "s3cret"},
		{map[string]string{"GJJ_WECHAT_API_BASE": "ftp://api.weixin.qq.com"}, "GJJ_WECHAT_API_BASE", ""},
		{map[string]string{"GJJ_WECHAT_API_BASE": "https://u:s3cret@proxy.example.com"}, "GJJ_WECHAT_API_BASE", "s3cret"},
		{map[string]string{"GJJ_WECHAT_API_BASE": "https://proxy.example.com/cgi-bin"}, "GJJ_WECHAT_API_BASE", ""},
		{map[string]string{"GJJ_SMS_INBOUND_KEY": "short-s3cret"}, "GJJ_SMS_INBOUND_KEY", "s3cret"},
		{map[string]string{"GJJ_HOTLINE_KEY": "0123456789abcdef s3cret"}, "GJJ_HOTLINE_KEY", "s3cret"},
	}
	for _, b := range bad {
		_, err := config.Load(b.env)
		if err == nil || !strings.Contains(err.Error(), b.name) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%v) = %v; want one line naming %s", b.env, err, b.name)
			continue
		}
		if b.secrets != "" && strings.Contains(err.Error(), b.secrets) {
			t.Errorf("Load(%v) error shows the secret: %v", b.env, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512": 512, "512K": 512 << 10, "1M": 1 << 20, "1G": 1 << 30} {
		if got, err := config.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "K", "-1", "1.5M", "2G", "99999999999"} {
		if _, err := config.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}
