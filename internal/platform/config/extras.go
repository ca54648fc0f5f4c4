package config

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// validateExtras checks GJJ_WECHAT_TEMPLATES and GJJ_SECRET_KEY (the menu
// file is read and checked by the WeChat channel at start).
func (c Config) validateExtras() error {
	if _, err := c.WeChatTemplateIDs(); err != nil {
		return err
	}
	if c.WeChatTemplates != "" && c.WeChatAppID == "" {
		return fmt.Errorf("GJJ_WECHAT_TEMPLATES is set but GJJ_WECHAT_APPID is empty: set the WeChat channel up, or leave the templates empty")
	}
	if c.SecretKey != "" {
		if k, err := base64.StdEncoding.DecodeString(c.SecretKey); err != nil || len(k) != 32 {
			return fmt.Errorf("GJJ_SECRET_KEY: want the base64 of 32 random bytes (e.g. `openssl rand -base64 32`), or empty for the development key")
		}
	}
	return nil
}

// WeChatTemplateIDs parses GJJ_WECHAT_TEMPLATES ("notice=id,notice=id"):
// notice ids such as deposit.credited (letters, digits, '.', '_'), template
// ids of 1–64 letters, digits, '-' or '_'. Errors name the variable.
func (c Config) WeChatTemplateIDs() (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(c.WeChatTemplates) == "" {
		return out, nil
	}
	bad := func(item string) error {
		return fmt.Errorf(`GJJ_WECHAT_TEMPLATES: %q: want "notice=template_id" pairs separated by commas, e.g. "deposit.credited=AbC_123"`, item)
	}
	for _, item := range strings.Split(c.WeChatTemplates, ",") {
		item = strings.TrimSpace(item)
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" || len(k) > 64 || len(v) > 64 {
			return nil, bad(item)
		}
		if strings.ContainsFunc(k, func(r rune) bool { return !(r == '.' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) ||
			strings.ContainsFunc(v, func(r rune) bool {
				return !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
			}) {
			return nil, bad(item)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("GJJ_WECHAT_TEMPLATES: notice %q given twice", k)
		}
		out[k] = v
	}
	return out, nil
}
