// Package config reads the platform's configuration from the environment.
// A bad value fails Load with one line that names the variable.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Config is the process configuration. See README.md §Configuration.
type Config struct {
	// Database is "sqlite:<path>" or "mysql:<go-sql-driver DSN>".
	Database string `env:"GJJ_DATABASE" envDefault:"sqlite:data/gjj.db"`
	// Redis is "host:port" or a redis:// URL; empty means in-process cache,
	// sessions and limiters (one instance only).
	Redis string `env:"GJJ_REDIS"`
	// RedisPrefix prefixes every key the platform writes to Redis, so several
	// deployments (or test runs) can share one Redis.
	RedisPrefix string `env:"GJJ_REDIS_PREFIX" envDefault:"gjj:"`
	// Addr is the listen address of `gjj serve`.
	Addr string `env:"GJJ_ADDR" envDefault:":8080"`
	// Demo seeds demo data into an empty database at `gjj serve` start.
	Demo bool `env:"GJJ_DEMO"`
	// OpsToken, when set, enables the internal operations API (/api/ops/v1)
	// for callers presenting "Authorization: Bearer <token>".
	OpsToken string `env:"GJJ_OPS_TOKEN"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"GJJ_LOG_LEVEL" envDefault:"info"`
	// BodyLimit is the largest request body accepted, e.g. "1M".
	BodyLimit string `env:"GJJ_BODY_LIMIT" envDefault:"1M"`
	// PublicURL is the site root printed on documents for verification.
	PublicURL string `env:"GJJ_PUBLIC_URL" envDefault:"http://localhost:8080"`
	// Center is the fund center's name printed on certificates.
	Center string `env:"GJJ_CENTER_NAME" envDefault:"住房公积金管理中心"`
	// PDFFont is a TrueType font with Chinese glyphs for PDFs; empty probes
	// the Debian fonts-lxgw-wenkai path.
	PDFFont string `env:"GJJ_PDF_FONT"`
	// SMSGatewayURL is the HTTP SMS gateway (internal/notify); empty keeps
	// messages in the SMS outbox (staff read them, nothing is sent).
	SMSGatewayURL string `env:"GJJ_SMS_GATEWAY_URL"`
	// SMSGatewayKey is the gateway's API key, also the HMAC key of request
	// signatures; required with SMSGatewayURL.
	SMSGatewayKey string `env:"GJJ_SMS_GATEWAY_KEY"`
	// SMSSignature is the registered SMS signature put before every text,
	// e.g. "【某市住房公积金】"; required with SMSGatewayURL.
	SMSSignature string `env:"GJJ_SMS_SIGNATURE"`
	// WeChatAppID is the official account's app id (wx…); with WeChatToken
	// it turns the WeChat channel (channels/wechat) on.
	WeChatAppID string `env:"GJJ_WECHAT_APPID"`
	// WeChatSecret is the app secret for the WeChat API (OAuth, template
	// messages, menu); required with WeChatAppID. Never shown.
	WeChatSecret string `env:"GJJ_WECHAT_SECRET"`
	// WeChatToken is the message-server token that signs callbacks.
	WeChatToken string `env:"GJJ_WECHAT_TOKEN"`
	// WeChatAESKey is the EncodingAESKey of safe mode (43 characters);
	// empty accepts plain-text callbacks only.
	WeChatAESKey string `env:"GJJ_WECHAT_AES_KEY"`
	// WeChatAPIBase is the WeChat API host (a forward proxy or a local fake).
	WeChatAPIBase string `env:"GJJ_WECHAT_API_BASE" envDefault:"https://api.weixin.qq.com"`
	// WeChatTemplates are the official account's template-message ids per
	// notice: "deposit.credited=<id>,withdrawal.paid=<id>"; a notice without
	// one is not sent on WeChat (see WeChatTemplateIDs).
	WeChatTemplates string `env:"GJJ_WECHAT_TEMPLATES"`
	// WeChatMenuFile is a JSON file with the custom menu (WeChat's "button"
	// array); empty publishes the shipped default menu.
	WeChatMenuFile string `env:"GJJ_WECHAT_MENU_FILE"`
	// SecretKey is the master key (base64 of 32 bytes) that encrypts kiosk
	// keys and agency secrets at rest; empty derives a development key and
	// logs a warning. Never shown.
	SecretKey string `env:"GJJ_SECRET_KEY"`
	// SMSInboundKey is the HMAC key of the SMS gateway's 12329 webhooks
	// (channels/sms12329); empty leaves the 12329 SMS channel off. Never shown.
	SMSInboundKey string `env:"GJJ_SMS_INBOUND_KEY"`
	// HotlineKey is the HMAC key of the 12329 call centre's requests
	// (channels/hotline12329); empty leaves /api/hotline/v1 off. Never shown.
	HotlineKey string `env:"GJJ_HOTLINE_KEY"`
	// BankCallbackKey is the HMAC key of the settlement bank's payment-result
	// callback POST /hooks/bank/payment-result (channels/bankhook); empty
	// answers it 503 bank.callback_disabled. Never shown.
	BankCallbackKey string `env:"GJJ_BANK_CALLBACK_KEY"`
}

// Load reads the configuration from the environment map (os.Environ as a map
// when nil) and validates it.
func Load(environ map[string]string) (Config, error) {
	var c Config
	opts := env.Options{}
	if environ != nil {
		opts.Environment = environ
	}
	if err := env.ParseWithOptions(&c, opts); err != nil {
		if ae, ok := err.(env.AggregateError); ok && len(ae.Errors) > 0 {
			err = ae.Errors[0]
		}
		var pe env.ParseError
		if errors.As(err, &pe) {
			return c, fmt.Errorf("%s: cannot read the value as %s (%v)", envName(pe.Name), pe.Type, pe.Err)
		}
		return c, fmt.Errorf("configuration: %v", err)
	}
	return c, c.Validate()
}

// envName returns the environment variable of a Config field.
func envName(field string) string {
	if f, ok := reflect.TypeOf(Config{}).FieldByName(field); ok {
		return f.Tag.Get("env")
	}
	return field
}

// Validate checks every value and names the first bad variable.
func (c Config) Validate() error {
	kind, rest, _ := strings.Cut(c.Database, ":")
	switch {
	case kind == "sqlite" && rest != "":
	case kind == "mysql" && strings.Contains(rest, "/"):
	default:
		return fmt.Errorf(`GJJ_DATABASE=%q: want "sqlite:<path>" or "mysql:user:pass@tcp(host:3306)/db?parseTime=true&loc=UTC"`, redact(c.Database))
	}
	if c.Redis != "" {
		if strings.Contains(c.Redis, "://") {
			u, err := url.Parse(c.Redis)
			if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
				return fmt.Errorf(`GJJ_REDIS=%q: want "host:port" or "redis://host:port/db"`, redact(c.Redis))
			}
		} else if _, port, err := net.SplitHostPort(c.Redis); err != nil || port == "" {
			return fmt.Errorf(`GJJ_REDIS=%q: want "host:port" or "redis://host:port/db"`, c.Redis)
		}
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf(`GJJ_ADDR=%q: want a listen address such as ":8080" or "127.0.0.1:8080"`, c.Addr)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf(`GJJ_LOG_LEVEL=%q: want debug, info, warn or error`, c.LogLevel)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf(`GJJ_PUBLIC_URL=%q: want the public site root such as "https://gjj.example.gov.cn"`, c.PublicURL)
	}
	if _, err := ParseSize(c.BodyLimit); err != nil {
		return fmt.Errorf(`GJJ_BODY_LIMIT=%q: want a size such as "512K" or "1M"`, c.BodyLimit)
	}
	if err := c.validateSMS(); err != nil {
		return err
	}
	if err := c.validateWeChat(); err != nil {
		return err
	}
	if err := c.validateExtras(); err != nil { // extras.go
		return err
	}
	for _, k := range []struct{ name, key string }{{"GJJ_SMS_INBOUND_KEY", c.SMSInboundKey}, {"GJJ_HOTLINE_KEY", c.HotlineKey},
		{"GJJ_BANK_CALLBACK_KEY", c.BankCallbackKey}} {
		if k.key != "" && (len(k.key) < 16 || strings.ContainsFunc(k.key, func(r rune) bool { return r <= ' ' || r > '~' })) {
			return fmt.Errorf("%s: want at least 16 printable ASCII characters without spaces, or empty to leave the channel off", k.name)
		}
	}
	return nil
}

// validateSMS checks the SMS gateway settings: none, or a URL with a key and
// a signature. The key is never shown.
func (c Config) validateSMS() error {
	if c.SMSGatewayURL == "" {
		if c.SMSGatewayKey != "" {
			return fmt.Errorf("GJJ_SMS_GATEWAY_KEY is set but GJJ_SMS_GATEWAY_URL is empty: set both, or neither for the SMS outbox")
		}
		return nil
	}
	if u, err := url.Parse(c.SMSGatewayURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		shown := redact(c.SMSGatewayURL)
		if i := strings.IndexByte(shown, '?'); i >= 0 {
			shown = shown[:i] + "?…" // a query may carry a key
		}
		return fmt.Errorf(`GJJ_SMS_GATEWAY_URL=%q: want the gateway's http(s) URL without credentials, such as "https://sms.example.com/send"`, shown)
	}
	if len(c.SMSGatewayKey) < 16 || strings.ContainsFunc(c.SMSGatewayKey, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return fmt.Errorf("GJJ_SMS_GATEWAY_KEY: want at least 16 printable ASCII characters without spaces when GJJ_SMS_GATEWAY_URL is set")
	}
	sig := []rune(c.SMSSignature)
	if len(sig) < 4 || len(sig) > 18 || sig[0] != '【' || sig[len(sig)-1] != '】' ||
		strings.ContainsFunc(string(sig[1:len(sig)-1]), func(r rune) bool { return r < ' ' || r == '【' || r == '】' }) {
		return fmt.Errorf(`GJJ_SMS_SIGNATURE=%q: want the registered signature in 【】 (2–16 characters inside), such as "【某市住房公积金】"`, c.SMSSignature)
	}
	return nil
}

// validateWeChat checks the WeChat settings: none, or an app id with its
// secret and token (and optionally the safe-mode key). Secrets are never shown.
func (c Config) validateWeChat() error {
	if u, err := url.Parse(c.WeChatAPIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf(`GJJ_WECHAT_API_BASE=%q: want the API host's root URL such as "https://api.weixin.qq.com"`, redact(c.WeChatAPIBase))
	}
	if c.WeChatAppID == "" {
		if c.WeChatToken != "" || c.WeChatSecret != "" || c.WeChatAESKey != "" {
			return fmt.Errorf("GJJ_WECHAT_APPID is empty but GJJ_WECHAT_TOKEN, GJJ_WECHAT_SECRET or GJJ_WECHAT_AES_KEY is set: set the app id, or none of them")
		}
		return nil
	}
	if len(c.WeChatAppID) != 18 || !strings.HasPrefix(c.WeChatAppID, "wx") || !alnum(c.WeChatAppID) {
		return fmt.Errorf(`GJJ_WECHAT_APPID=%q: want the official account's app id ("wx" and 16 letters or digits)`, c.WeChatAppID)
	}
	if len(c.WeChatSecret) < 16 || len(c.WeChatSecret) > 64 || !alnum(c.WeChatSecret) {
		return fmt.Errorf("GJJ_WECHAT_SECRET: want the app secret (16 to 64 letters or digits) when GJJ_WECHAT_APPID is set")
	}
	if len(c.WeChatToken) < 3 || len(c.WeChatToken) > 32 || !alnum(c.WeChatToken) {
		return fmt.Errorf("GJJ_WECHAT_TOKEN: want the message-server token (3 to 32 letters or digits) when GJJ_WECHAT_APPID is set")
	}
	if c.WeChatAESKey != "" {
		key, err := base64.StdEncoding.DecodeString(c.WeChatAESKey + "=")
		if len(c.WeChatAESKey) != 43 || err != nil || len(key) != 32 {
			return fmt.Errorf("GJJ_WECHAT_AES_KEY: want the 43-character EncodingAESKey of the official account, or nothing for plain-text mode")
		}
	}
	return nil
}

// alnum reports whether s is ASCII letters and digits only.
func alnum(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') })
}

// ParseSize parses "512", "512K", "1M" into bytes (at most 1G).
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	var n int64
	if s == "" {
		return 0, fmt.Errorf("empty size")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("bad size")
		}
		n = n*10 + int64(r-'0')
		if n > 1<<30 {
			return 0, fmt.Errorf("size too large")
		}
	}
	if n*mult > 1<<30 || n == 0 {
		return 0, fmt.Errorf("size out of range")
	}
	return n * mult, nil
}

// redact hides a password in a DSN or URL ("user:***@…").
func redact(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	head := s[:at]
	if i := strings.LastIndex(head, ":"); i >= 0 {
		return head[:i] + ":***" + s[at:]
	}
	return s
}
