package wechat

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/channels/webhall"
	"gjj/internal/audit"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// OAuth and binding lifetimes.
const (
	// StateTTL is how long an OAuth state waits for WeChat's callback.
	StateTTL = 10 * time.Minute
	// BindTTL is how long an unbound openid waits for its login.
	BindTTL = 15 * time.Minute
)

// ViaWeChat starts the recorded user agent of a web-hall session begun
// through WeChat, so the person's session list shows where it came from.
const ViaWeChat = "[微信公众号] "

// Cookies of this package.
const (
	stateCookie     = "gjj_wechat_state" // the OAuth state, Path=/wechat/oauth
	bindCookie      = "gjj_wechat_bind"  // the pending binding, Path=/wechat/bind
	bindCSRFCookie  = "gjj_wechat_csrf"
	hallCSRFCookie  = "gjj_wechat_hall_csrf"
	stateCookiePath = "/wechat/oauth"
	bindCookiePath  = "/wechat/bind"
	hallCookiePath  = "/web/wechat"
	hallChannel     = webhall.Channel
)

// Refusals of the OAuth entry.
var (
	// ErrBadState: the state is missing, does not match the browser's
	// cookie, has expired or was used already.
	ErrBadState = errs.New(errs.Forbidden, "wechat.bad_state", "授权请求已失效，请从公众号菜单重新进入")
	// ErrOAuthDenied: the follower did not allow the authorization (no code).
	ErrOAuthDenied = errs.New(errs.Forbidden, "wechat.oauth_denied", "您未同意微信授权，无法进入网上业务大厅")
	// ErrOAuthFailed: WeChat did not accept the code.
	ErrOAuthFailed = errs.New(errs.Forbidden, "wechat.oauth_failed", "微信授权失败，请从公众号菜单重新进入")
	// ErrAPIUnavailable: the WeChat API did not answer.
	ErrAPIUnavailable = errs.New(errs.Unavailable, "wechat.api_unavailable", "微信服务暂时不可用，请稍后再试")
)

// oauthStart sends the browser to WeChat's authorize page with a fresh
// state kept for StateTTL and bound to this browser by a cookie.
func (s *Service) oauthStart(c echo.Context) error {
	state, err := randomHex(16)
	if err != nil {
		return err
	}
	next := safeNext(c.QueryParam("next"))
	if err := s.d.KV.Set(c.Request().Context(), stateKey(state), next, StateTTL); err != nil {
		return err
	}
	setCookie(c, stateCookie, state, stateCookiePath, int(StateTTL/time.Second))
	u, err := s.oauth.GetRedirectURL(s.cfg.PublicURL+"/wechat/oauth/callback", "snsapi_base", state)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, u)
}

// oauthCallback checks the state, turns the code into the openid and logs a
// bound follower in to the web hall, or sends an unbound one to /wechat/bind.
func (s *Service) oauthCallback(c echo.Context) error {
	ctx := c.Request().Context()
	state := c.QueryParam("state")
	ck, err := c.Cookie(stateCookie)
	setCookie(c, stateCookie, "", stateCookiePath, -1) // one try per state, even a failed one
	if err != nil || len(state) != 32 || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		return ErrBadState
	}
	next, ok, err := s.d.KV.Get(ctx, stateKey(state))
	if err != nil {
		return err
	}
	if !ok {
		return ErrBadState
	}
	// Single use, also when two callbacks race.
	if won, err := s.d.KV.SetNX(ctx, stateKey(state)+":used", "1", StateTTL); err != nil {
		return err
	} else if !won {
		return ErrBadState
	}
	if err := s.d.KV.Del(ctx, stateKey(state)); err != nil {
		return err
	}
	code := c.QueryParam("code")
	if code == "" {
		return ErrOAuthDenied
	}
	if len(code) > 128 || strings.ContainsFunc(code, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return ErrOAuthFailed
	}
	tok, err := s.oauth.GetUserAccessTokenContext(ctx, code)
	if err != nil {
		if isTransport(err) {
			return ErrAPIUnavailable.Wrap(apiError(err))
		}
		return ErrOAuthFailed.Wrap(apiError(err))
	}
	if !goodOpenID(tok.OpenID) || len(tok.UnionID) > 64 {
		return ErrOAuthFailed
	}
	p, err := s.d.Identity.BoundPrincipal(ctx, Channel, s.cfg.AppID, tok.OpenID)
	if errors.Is(err, identity.ErrNotBound) {
		return s.pendBinding(c, pending{OpenID: tok.OpenID, UnionID: tok.UnionID, Next: next})
	}
	if err != nil {
		return err
	}
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: Channel})
	if _, err := s.d.Audit.Write(ctx, audit.Record{Action: "wechat.login", Object: p.Subject, Result: audit.ResultOK,
		After: audit.Summary(map[string]string{"app_id": s.cfg.AppID})}); err != nil {
		return err
	}
	return s.startWebSession(c, p, next)
}

// pending is an unbound openid waiting for its login (key-value store).
type pending struct {
	OpenID  string `json:"openid"`
	UnionID string `json:"unionid,omitempty"`
	Next    string `json:"next,omitempty"`
}

// pendBinding keeps p for BindTTL under a random key held in a cookie and
// sends the browser to the login page.
func (s *Service) pendBinding(c echo.Context, p pending) error {
	key, err := randomHex(16)
	if err != nil {
		return err
	}
	v, _ := json.Marshal(p)
	if err := s.d.KV.Set(c.Request().Context(), bindKey(key), string(v), BindTTL); err != nil {
		return err
	}
	setCookie(c, bindCookie, key, bindCookiePath, int(BindTTL/time.Second))
	return c.Redirect(http.StatusSeeOther, "/wechat/bind")
}

// pendingOf returns the browser's pending binding, or nil.
func (s *Service) pendingOf(c echo.Context) (*pending, string, error) {
	ck, err := c.Cookie(bindCookie)
	if err != nil || len(ck.Value) != 32 {
		return nil, "", nil
	}
	v, ok, err := s.d.KV.Get(c.Request().Context(), bindKey(ck.Value))
	if err != nil || !ok {
		return nil, "", err
	}
	var p pending
	if err := json.Unmarshal([]byte(v), &p); err != nil || p.OpenID == "" {
		return nil, "", nil
	}
	return &p, ck.Value, nil
}

// bindInput is the bind form as typed (the password is never echoed).
type bindInput struct{ Login string }

func (s *Service) bindForm(c echo.Context) error {
	p, _, err := s.pendingOf(c)
	if err != nil {
		return err
	}
	if p == nil {
		return c.Redirect(http.StatusSeeOther, "/wechat/oauth/start")
	}
	return s.render(c, http.StatusOK, "bind", page{Title: "绑定公积金账户", Data: bindInput{}})
}

// bind logs the person in with the credential of every channel
// (identity.LoginPerson: same answers, slow-down and lockout), binds the
// pending openid to them and starts the web-hall session.
func (s *Service) bind(c echo.Context) error {
	ctx := c.Request().Context()
	pend, key, err := s.pendingOf(c)
	if err != nil {
		return err
	}
	if pend == nil {
		return c.Redirect(http.StatusSeeOther, "/wechat/oauth/start")
	}
	in := bindInput{Login: strings.TrimSpace(c.FormValue("login"))}
	v := page{Title: "绑定公积金账户", Data: in}
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: "anonymous", Channel: Channel})
	p, err := s.d.Identity.LoginPerson(ctx, in.Login, c.FormValue("password"))
	if err != nil {
		return s.formError(c, err, "bind", v)
	}
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: Channel})
	err = s.d.Identity.Bind(ctx, identity.Binding{Channel: Channel, AppID: s.cfg.AppID, Subject: pend.OpenID, UnionID: pend.UnionID}, p.PersonID())
	if err != nil {
		return s.formError(c, err, "bind", v)
	}
	if err := s.d.KV.Del(ctx, bindKey(key)); err != nil {
		return err
	}
	setCookie(c, bindCookie, "", bindCookiePath, -1)
	c.SetRequest(c.Request().WithContext(ctx))
	return s.startWebSession(c, p, pend.Next)
}

// startWebSession ends the browser's previous web-hall session, starts a
// "web" session for p marked ViaWeChat, sets the hall's cookie and goes to
// next (default the hall's overview).
func (s *Service) startWebSession(c echo.Context, p *identity.Principal, next string) error {
	ctx := c.Request().Context()
	if ck, err := c.Cookie(webhall.SessionCookie); err == nil {
		if err := s.d.Identity.EndSession(ctx, ck.Value); err != nil {
			return err
		}
	}
	token, _, err := s.d.Identity.NewSessionFrom(ctx, *p, webhall.Channel,
		identity.Client{IP: c.RealIP(), UserAgent: ViaWeChat + c.Request().UserAgent()})
	if err != nil {
		return err
	}
	setCookie(c, webhall.SessionCookie, token, "/web", 0)
	if next == "" {
		next = "/web/"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// setCookie sets (maxAge ≥ 0) or deletes (maxAge < 0) an HttpOnly Lax cookie,
// Secure when the request came over HTTPS. Lax: WeChat's redirect back to the
// callback is a top-level navigation, which carries it.
func setCookie(c echo.Context, name, value, path string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
}

// safeNext keeps a target only when it is a page of the web hall.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/web/") || strings.HasPrefix(s, "/web/login") || strings.ContainsAny(s, "\\\r\n") || len(s) > 200 {
		return ""
	}
	return s
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// stateKey and bindKey store only hashes of the browser's secrets.
func stateKey(state string) string { return "wechat:oauth:" + hashHex(state) }
func bindKey(key string) string    { return "wechat:bind:" + hashHex(key) }

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
