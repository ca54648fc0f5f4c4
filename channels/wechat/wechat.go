// Package wechat is the WeChat official-account channel (官方微信公众号,
// channel code "wechat"): the message server that answers the account's
// followers, the OAuth (网页授权) entry into the personal web hall, template
// messages and the account's custom menu. It is a thin adapter like the
// halls: it parses, authenticates and calls identity and the deposit core;
// it holds no business rules and never touches the database.
//
// # Routes
//
//   - GET /wechat/callback: WeChat's server check (signature, then echostr).
//   - POST /wechat/callback: messages and events. Every request must carry a
//     valid signature (token, timestamp, nonce) and a timestamp within MaxSkew
//     of now; the body is at most MaxBody bytes of XML without DTDs, entity
//     declarations or processing instructions (checked before anything parses
//     it; encoding/xml would not expand entities, but nothing such belongs in
//     a WeChat message); a message id (or, for events, the sender, time and
//     event) is answered once: a replay gets "success" and nothing else. Safe
//     mode (encrypt_type=aes with msg_signature) is decrypted with the
//     configured EncodingAESKey and answered encrypted.
//   - GET /wechat/oauth/start?next=/web/…: a random state, kept in the
//     key-value store for StateTTL and bound to a cookie, then the WeChat
//     authorize URL (scope snsapi_base).
//   - GET /wechat/oauth/callback?code&state: the state must match the cookie
//     and be unused; the code becomes the openid (and unionid) through the
//     WeChat API. A bound openid starts a personal web-hall session; an
//     unbound one goes to /wechat/bind.
//   - GET|POST /wechat/bind: log in once with the credential of every channel
//     (ID number or reserved mobile + password); success binds the openid to
//     the person and starts the web-hall session.
//   - GET /web/wechat, POST /web/wechat/unbind: the signed-in person's WeChat
//     bindings and their removal (linked from the hall's profile page).
//
// # How the H5 pages authenticate
//
// The H5 pages are the personal web hall's own pages (/web/…), so a WeChat
// login starts an ordinary identity session on the "web" channel and sets the
// hall's session cookie; its user agent is recorded as ViaWeChat + the
// browser's, so the person's session list shows it came through WeChat. The
// hall's pages therefore count against the "web" channel in the gate; the
// routes of this package count against "wechat" (ZH-01). The message server
// is not refused as a route: each account command passes the gate on its own
// (Admit: GR-01 balance and statement, DK-02 loans), and a closed or busy
// item is answered in the chat with the gate's message.
//
// The library's message server (officialaccount/server) is not used: it reads
// the body unbounded, checks neither timestamp nor replays, switches to JSON
// on the request's Content-Type and panics on write errors. The callback uses
// the library's message types, signature and AES helpers instead.
//
// # Process-wide settings
//
// The WeChat library keeps its HTTP client in a package variable: New points
// it at Config.APIBase (see SetAPIBase) and quiets the library's logrus
// output, so one process serves one WeChat configuration.
package wechat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/silenceper/wechat/v2/officialaccount"
	offConfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/officialaccount/oauth"
	"github.com/sirupsen/logrus"

	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/identity"
	"gjj/internal/kb"
	"gjj/internal/notify"
	"gjj/internal/platform/kv"
)

// Channel is the channel code of identity bindings, the gate and the audit trail.
const Channel = "wechat"

// Config configures the channel (internal/platform/config supplies the
// GJJ_WECHAT_* values; the rest default).
type Config struct {
	AppID  string // the official account's app id
	Secret string // its app secret
	Token  string // the message-server token
	// AESKey is the EncodingAESKey; empty refuses safe-mode messages.
	AESKey string
	// APIBase is the WeChat API host ("" = DefaultAPIBase): a forward proxy
	// or, in tests, a local fake.
	APIBase string
	// PublicURL is the site root (GJJ_PUBLIC_URL): the OAuth redirect, the
	// links in replies and the menu's pages start with it.
	PublicURL string
	// Keywords map a follower's text to a command (nil: DefaultKeywords).
	Keywords map[string]Command
	// Menu is the custom menu PublishMenu publishes (nil: DefaultMenu).
	Menu []Button
	// Templates are the official account's template ids keyed by notify
	// template id (notify.DepositCredited, …); notices without one are not
	// sent on WeChat.
	Templates map[string]string
}

// Deps are the services the channel calls.
type Deps struct {
	Identity *identity.Service
	Deposit  *deposit.Service
	// KV keeps OAuth states, pending bindings, message de-duplication and
	// the WeChat access token (Redis when configured, shared by instances).
	KV   kv.Store
	Gate *channel.Gate // nil admits everything
	// Audit records logins through WeChat, menu publication and template
	// messages.
	Audit *audit.Log
	Log   *slog.Logger
	// KB is the knowledge base the 帮助 keyword and unmatched questions
	// search (channel wechat, commands_kb.go); nil answers the plain help.
	KB *kb.Service
}

// Service is a configured WeChat channel. Safe for concurrent use.
type Service struct {
	cfg      Config
	d        Deps
	oauth    *oauth.Oauth
	tpl      *message.Template
	menu     *menu.Menu
	notify   *notify.WeChat
	keywords map[string]Command
	buttons  []Button
	now      func() time.Time
}

// New checks cfg and returns the channel. It sets the WeChat library's
// process-wide HTTP client (SetAPIBase) and log level. Errors name a bad
// setting (config.Load has already checked the environment's).
func New(cfg Config, d Deps) (*Service, error) {
	if cfg.AppID == "" || cfg.Token == "" {
		return nil, errors.New("wechat: the app id and the token are required")
	}
	if d.Identity == nil || d.Deposit == nil || d.KV == nil || d.Audit == nil {
		return nil, errors.New("wechat: identity, deposit, kv and audit are required")
	}
	if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wechat: public URL %q: want the site root", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	cfg.APIBase = cmp.Or(cfg.APIBase, DefaultAPIBase)
	if err := SetAPIBase(cfg.APIBase, APITimeout); err != nil {
		return nil, err
	}
	// The library logs through the global logrus; its debug output would
	// include raw messages (stack.md §4).
	logrus.SetLevel(logrus.WarnLevel)
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, d: d, keywords: cfg.Keywords, buttons: cfg.Menu, now: time.Now}
	if s.keywords == nil {
		s.keywords = DefaultKeywords
	}
	if s.buttons == nil {
		s.buttons = DefaultMenu(cfg.PublicURL)
	}
	if err := CheckMenu(s.buttons); err != nil {
		return nil, fmt.Errorf("wechat: menu: %w", err)
	}
	if err := checkTemplates(cfg.Templates); err != nil {
		return nil, err
	}
	oa := officialaccount.NewOfficialAccount(&offConfig.Config{AppID: cfg.AppID, AppSecret: cfg.Secret, Token: cfg.Token,
		EncodingAESKey: cfg.AESKey, Cache: newCache(d.KV), UseStableAK: true})
	// The library creates these lazily without locking: create them once here.
	s.oauth, s.tpl, s.menu = oa.GetOauth(), oa.GetTemplate(), oa.GetMenu()
	s.notify = notify.NewWeChat(pusher{s.tpl}, cfg.Templates, d.Audit)
	return s, nil
}

// AppID is the official account's app id (bindings are keyed on it).
func (s *Service) AppID() string { return s.cfg.AppID }

// Register mounts the channel's routes on e.
func (s *Service) Register(e *echo.Echo) {
	e.GET("/wechat/callback", s.callback)
	e.POST("/wechat/callback", s.callback)
	login := s.gate(Channel, itemLogin)
	e.GET("/wechat/oauth/start", s.inPage(s.oauthStart), login, noStore)
	e.GET("/wechat/oauth/callback", s.inPage(s.oauthCallback), login, noStore)
	bindCSRF := csrf(bindCookiePath, bindCSRFCookie)
	e.GET("/wechat/bind", s.inPage(s.bindForm), bindCSRF, login, noStore)
	e.POST("/wechat/bind", s.inPage(s.bind), bindCSRF, login, noStore)
	hallCSRF := csrf(hallCookiePath, hallCSRFCookie)
	e.GET("/web/wechat", s.inPage(s.bindings), hallCSRF, s.requirePerson, s.gate(hallChannel, itemLogin), noStore)
	// Unbinding is never refused by the gate: a person can always remove a binding.
	e.POST("/web/wechat/unbind", s.inPage(s.unbind), hallCSRF, s.requirePerson, noStore)
}

// gate is the channel gate's middleware for the item.
func (s *Service) gate(ch, item string) echo.MiddlewareFunc {
	return s.d.Gate.Middleware(ch, item) // a nil gate only calls next
}

// noStore keeps the pages and redirects of this package out of caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// logError records a failure the follower only sees as a friendly text.
func (s *Service) logError(ctx context.Context, what string, err error) {
	s.d.Log.ErrorContext(ctx, "wechat: "+what, "err", err)
}
