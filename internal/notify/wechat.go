package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/platform/errs"
)

// WeChat template messages (公众号模板消息). A WeChat template is keyed by
// the same id as the SMS template of the same notice (DepositCredited, …) and
// fills the data items of the template the center registered in its official
// account; the official account's own template id (assigned by WeChat) is
// configured per deployment and handed to NewWeChat.
//
// Quiet hours and retries are the Dispatcher's (queue.go), in front of both
// senders: WeChat.Send itself delivers at once and does not retry.

// WeChatField is one data item of a WeChat template message: the key of the
// registered template ("first", "keyword1", "amount2", …) and its text with
// {var} placeholders filled from the message's variables.
type WeChatField struct {
	Key, Text string
}

// WeChatTemplate is the data of one WeChat template message.
type WeChatTemplate struct {
	ID     string // the notify template id, shared with the SMS notice
	Fields []WeChatField
}

// wechatTemplates is the WeChat registry. Variables as for the SMS template of
// the same id (see the template ids in template.go).
var wechatTemplates = []WeChatTemplate{
	{ID: DepositCredited, Fields: []WeChatField{
		{"first", "尊敬的{name}：您的住房公积金汇缴已到账。"},
		{"keyword1", "尾号{account_tail}"},
		{"keyword2", "{amount}元"},
		{"keyword3", "{balance}元"},
		{"keyword4", "{date}"},
		{"remark", "如有疑问，请致电12329。"},
	}},
}

// WeChatTemplates returns a copy of the WeChat template registry. Any package
// may call it (the admin console lists which ids need a configured template).
func WeChatTemplates() []WeChatTemplate {
	out := make([]WeChatTemplate, len(wechatTemplates))
	for i, t := range wechatTemplates {
		t.Fields = slices.Clone(t.Fields)
		out[i] = t
	}
	return out
}

// WeChatPush is one template message as a pusher sends it.
type WeChatPush struct {
	OpenID     string
	TemplateID string // the official account's template id
	URL        string // the page the message opens ("" for none)
	Data       []WeChatField
	// ClientMsgID lets WeChat drop a repeated send of the same message.
	ClientMsgID string
}

// WeChatPusher delivers one template message through the official account
// (channels/wechat implements it over the WeChat API). Push returns WeChat's
// message id, or an error whose text holds no token, secret or openid.
// Implementations must honour ctx and be safe for concurrent use.
type WeChatPusher interface {
	Push(ctx context.Context, m WeChatPush) (msgID string, err error)
}

// WeChatMessage is one notice to a person's WeChat: the notify template id
// and its variables, the openid it goes to and the person (for the audit
// trail).
type WeChatMessage struct {
	PersonID    int64
	OpenID      string
	Template    string
	Vars        map[string]string
	URL         string
	ClientMsgID string // optional: a business serial, so a repeated send is dropped
}

// Errors of WeChat sending (besides ErrBadTemplate for an unknown template or
// a missing or unusable variable).
var (
	// ErrWeChatTemplateUnset: the deployment has no official-account template
	// id for this notice, so it cannot be sent on WeChat.
	ErrWeChatTemplateUnset = errs.New(errs.Unavailable, "notify.wechat_template_unset", "该通知尚未配置微信模板消息")
	// ErrWeChatUnavailable: WeChat refused the message or did not answer.
	ErrWeChatUnavailable = errs.New(errs.Unavailable, "notify.wechat_unavailable", "微信消息发送失败，请稍后再试")
	// ErrBadOpenID: an empty or malformed openid.
	ErrBadOpenID = errs.New(errs.Invalid, "notify.bad_openid", "微信用户标识不正确")
)

// ActionWeChat is the audit action of a WeChat template message; the object
// is "person:<id>".
const ActionWeChat = "notify.wechat"

// WeChat sends template messages. Safe for concurrent use.
type WeChat struct {
	pusher WeChatPusher
	ids    map[string]string
	audit  *audit.Log
}

// NewWeChat returns the WeChat sender pushing through p, with the official
// account's template ids keyed by notify template id (notices without one
// answer ErrWeChatTemplateUnset), auditing to a.
func NewWeChat(p WeChatPusher, templateIDs map[string]string, a *audit.Log) *WeChat {
	ids := make(map[string]string, len(templateIDs))
	for k, v := range templateIDs {
		if v = strings.TrimSpace(v); v != "" {
			ids[k] = v
		}
	}
	return &WeChat{pusher: p, ids: ids, audit: a}
}

// Send renders m's template and pushes it, then writes one audit record
// (ActionWeChat, result ok or failed, with the template and WeChat's message
// id; never the openid or the text). Any service may call it for a person
// who has a WeChat binding; the caller decides whether the person wants the
// notice. It is not retried: a failure is recorded and returned.
//
// Errors: ErrBadOpenID, ErrBadTemplate (a bug in the caller),
// ErrWeChatTemplateUnset, ErrWeChatUnavailable (the push failed; audited as
// failed); audit errors.
func (w *WeChat) Send(ctx context.Context, m WeChatMessage) (string, error) {
	if m.OpenID == "" || len(m.OpenID) > 128 || strings.ContainsFunc(m.OpenID, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return "", ErrBadOpenID
	}
	data, err := renderWeChat(m.Template, m.Vars)
	if err != nil {
		return "", err
	}
	tid, ok := w.ids[m.Template]
	if !ok {
		return "", ErrWeChatTemplateUnset.With("template", m.Template)
	}
	msgID, pushErr := w.pusher.Push(ctx, WeChatPush{OpenID: m.OpenID, TemplateID: tid, URL: m.URL, Data: data, ClientMsgID: m.ClientMsgID})
	result, status := audit.ResultOK, "sent"
	if pushErr != nil {
		result, status = audit.ResultFailed, "failed"
	}
	rec := context.WithoutCancel(ctx) // the outcome is recorded even if the caller has gone
	if _, err := w.audit.Write(rec, audit.Record{Action: ActionWeChat, Object: fmt.Sprintf("person:%d", m.PersonID), Result: result,
		After: audit.Summary(map[string]string{"template": m.Template, "status": status, "msgid": clip(msgID, maxProviderID)})}); err != nil {
		return "", err
	}
	if pushErr != nil {
		return "", ErrWeChatUnavailable.Wrap(pushErr)
	}
	return msgID, nil
}

// renderWeChat fills the WeChat template id with vars (rules as for SMS:
// every variable present, at most MaxVar characters, no control characters).
func renderWeChat(id string, vars map[string]string) ([]WeChatField, error) {
	i := slices.IndexFunc(wechatTemplates, func(t WeChatTemplate) bool { return t.ID == id })
	if i < 0 {
		return nil, ErrBadTemplate.With("template", id)
	}
	t := wechatTemplates[i]
	out := make([]WeChatField, 0, len(t.Fields))
	for _, f := range t.Fields {
		var b strings.Builder
		for _, p := range parse(f.Text) {
			if p.name == "" {
				b.WriteString(p.text)
				continue
			}
			v := vars[p.name]
			if v == "" || utf8.RuneCountInString(v) > MaxVar || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
				return nil, ErrBadTemplate.With("template", id).With("var", p.name)
			}
			b.WriteString(v)
		}
		out = append(out, WeChatField{Key: f.Key, Text: b.String()})
	}
	return out, nil
}
