package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"gjj/internal/notify"
)

// DefaultAPIBase is WeChat's API host, the one the library's URLs name.
const DefaultAPIBase = "https://api.weixin.qq.com"

// APITimeout bounds one call to the WeChat API.
const APITimeout = 10 * time.Second

// apiHost is the host of every WeChat API URL the library builds.
const apiHost = "api.weixin.qq.com"

// SetAPIBase points the WeChat library at base (a forward proxy or a local
// fake; DefaultAPIBase for WeChat itself) with a timeout per call: it
// replaces the library's process-wide HTTP client (util.DefaultHTTPClient),
// whose requests to api.weixin.qq.com are then sent to base's scheme and host
// with their path and query unchanged. Proxy settings of the environment
// (HTTPS_PROXY) apply. New calls it; tests that swap fakes must not run in
// parallel.
func SetAPIBase(base string, timeout time.Duration) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("wechat: API base %q: want an http(s) root URL", base)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var rt http.RoundTripper = tr
	if u.Scheme != "https" || u.Host != apiHost {
		rt = rewrite{scheme: u.Scheme, host: u.Host, next: tr}
	}
	util.DefaultHTTPClient = &http.Client{Transport: rt, Timeout: timeout}
	return nil
}

// rewrite sends requests for the WeChat API host to another host.
type rewrite struct {
	scheme, host string
	next         http.RoundTripper
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == apiHost {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = rw.scheme, rw.host, ""
	}
	return rw.next.RoundTrip(r)
}

// apiError keeps a library error loggable: a transport failure carries the
// URL, whose query holds the access token, the app secret or an OAuth code,
// so only its operation and cause are kept.
func apiError(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("wechat api: %s: %w", ue.Op, ue.Err)
	}
	return fmt.Errorf("wechat api: %w", err)
}

// isTransport reports whether err is a failure to reach the API (as opposed
// to an answer with an error code).
func isTransport(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// pusher sends notify's template messages through the official account.
type pusher struct{ tpl *message.Template }

// Push sends one template message. The library call takes no context: the
// client's timeout (APITimeout) bounds it.
func (p pusher) Push(_ context.Context, m notify.WeChatPush) (string, error) {
	data := make(map[string]*message.TemplateDataItem, len(m.Data))
	for _, f := range m.Data {
		data[f.Key] = &message.TemplateDataItem{Value: f.Text}
	}
	id, err := p.tpl.Send(&message.TemplateMessage{ToUser: m.OpenID, TemplateID: m.TemplateID, URL: m.URL, Data: data,
		ClientMsgID: m.ClientMsgID})
	if err != nil {
		return "", apiError(err)
	}
	return strconv.FormatInt(id, 10), nil
}
