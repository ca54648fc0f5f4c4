package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/silenceper/wechat/v2/officialaccount/menu"

	"gjj/internal/audit"
	"gjj/internal/platform/errs"
)

// Button is one entry of the official account's custom menu: a group (Type
// "", with Sub), a click button (Type "click", Key a Command, answered in the
// chat) or a view button (Type "view", URL a page).
type Button struct {
	Type string   `json:"type,omitempty"`
	Name string   `json:"name"`
	Key  string   `json:"key,omitempty"`
	URL  string   `json:"url,omitempty"`
	Sub  []Button `json:"sub_button,omitempty"`
}

// DefaultMenu is the shipped menu: queries answered in the chat, the web
// hall through the OAuth entry, the binding page and help.
func DefaultMenu(publicURL string) []Button {
	entry := publicURL + "/wechat/oauth/start"
	return []Button{
		{Name: "账户查询", Sub: []Button{
			{Type: "click", Name: "余额查询", Key: string(Balance)},
			{Type: "click", Name: "缴存明细", Key: string(Statement)},
			{Type: "click", Name: "贷款查询", Key: string(Loan)},
		}},
		{Type: "view", Name: "网上办事", URL: entry},
		{Name: "服务", Sub: []Button{
			{Type: "view", Name: "账户绑定", URL: entry + "?next=/web/wechat"},
			{Type: "click", Name: "使用帮助", Key: string(Help)},
		}},
	}
}

// ErrBadMenu is a menu WeChat would refuse (details name the rule).
var ErrBadMenu = errs.New(errs.Invalid, "wechat.bad_menu", "微信菜单定义不正确")

// ParseMenu reads a menu from its JSON form (an array of Button, as WeChat's
// "button" member) and checks it (CheckMenu). Unknown members are refused.
func ParseMenu(doc string) ([]Button, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(doc)))
	d.DisallowUnknownFields()
	var bs []Button
	if err := d.Decode(&bs); err != nil || d.More() {
		return nil, ErrBadMenu.With("reason", "json")
	}
	return bs, CheckMenu(bs)
}

// CheckMenu checks WeChat's rules: 1–3 top entries, 1–5 entries per group,
// no deeper nesting, names of at most 16 bytes (top) and 60 bytes (sub),
// click keys that are commands, view URLs of http(s) up to 1024 bytes.
func CheckMenu(bs []Button) error {
	if len(bs) == 0 || len(bs) > 3 {
		return ErrBadMenu.With("reason", "top_count")
	}
	for _, b := range bs {
		if b.Type == "" {
			if len(b.Sub) == 0 || len(b.Sub) > 5 || b.Key != "" || b.URL != "" {
				return ErrBadMenu.With("reason", "group").With("name", b.Name)
			}
			if err := checkName(b.Name, 16); err != nil {
				return err
			}
			for _, sb := range b.Sub {
				if err := checkLeaf(sb, 60); err != nil {
					return err
				}
			}
			continue
		}
		if err := checkLeaf(b, 16); err != nil {
			return err
		}
	}
	return nil
}

func checkName(name string, max int) error {
	if name == "" || len(name) > max {
		return ErrBadMenu.With("reason", "name").With("name", name)
	}
	return nil
}

func checkLeaf(b Button, maxName int) error {
	if err := checkName(b.Name, maxName); err != nil {
		return err
	}
	if len(b.Sub) > 0 {
		return ErrBadMenu.With("reason", "depth").With("name", b.Name)
	}
	switch b.Type {
	case "click":
		switch Command(b.Key) {
		case Balance, Statement, Loan, Help:
		default:
			return ErrBadMenu.With("reason", "key").With("name", b.Name)
		}
		if b.URL != "" {
			return ErrBadMenu.With("reason", "click_url").With("name", b.Name)
		}
	case "view":
		u, err := url.Parse(b.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(b.URL) > 1024 || b.Key != "" {
			return ErrBadMenu.With("reason", "url").With("name", b.Name)
		}
	default:
		return ErrBadMenu.With("reason", "type").With("name", b.Name)
	}
	return nil
}

// Menu returns the configured menu.
func (s *Service) Menu() []Button { return append([]Button(nil), s.buttons...) }

// PublishMenu replaces the official account's custom menu with the
// configured one through the WeChat API and audits it ("wechat.menu_publish",
// ok or failed). For staff (an admin action; the caller checks the
// permission). Errors: ErrAPIUnavailable when WeChat refuses or does not
// answer; audit errors.
func (s *Service) PublishMenu(ctx context.Context) error {
	err := s.menu.SetMenu(toLibrary(s.buttons))
	result := audit.ResultOK
	if err != nil {
		result = audit.ResultFailed
	}
	names := make([]string, len(s.buttons))
	for i, b := range s.buttons {
		names[i] = b.Name
	}
	if _, aerr := s.d.Audit.Write(context.WithoutCancel(ctx), audit.Record{Action: "wechat.menu_publish", Object: "wechat:" + s.cfg.AppID,
		Result: result, After: audit.Summary(map[string]any{"top": names})}); aerr != nil {
		return aerr
	}
	if err != nil {
		return ErrAPIUnavailable.Wrap(fmt.Errorf("publish menu: %w", apiError(err)))
	}
	return nil
}

func toLibrary(bs []Button) []*menu.Button {
	out := make([]*menu.Button, len(bs))
	for i, b := range bs {
		out[i] = &menu.Button{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL}
		if len(b.Sub) > 0 {
			out[i].SubButtons = toLibrary(b.Sub)
		}
	}
	return out
}
