package wechat

import (
	"context"
	"errors"

	"gjj/internal/notify"
)

// NotifyPerson sends a notice (a notify template id such as
// notify.DepositCredited, with its variables) as a template message to every
// WeChat of the person bound to this official account, through notify's
// WeChat sender (rendered, pushed, audited per message). The message opens
// the web hall through the OAuth entry. clientMsgID, when not empty (a
// business serial), lets WeChat drop a repeated send.
//
// It returns how many messages were sent; a person without a binding gets
// none and no error. notify's Dispatcher calls it (as notify.WeChatNotifier)
// for queued notices such as deposit.credited, after the business change
// committed; the dispatcher applies the quiet hours and retries failures, this
// method does neither. Errors: notify.ErrBadTemplate, ErrWeChatTemplateUnset,
// ErrWeChatUnavailable (the first failure; the other bindings are still
// tried), store and audit errors.
func (s *Service) NotifyPerson(ctx context.Context, personID int64, template string, vars map[string]string, clientMsgID string) (int, error) {
	all, err := s.d.Identity.Bindings(ctx, personID)
	if err != nil {
		return 0, err
	}
	sent := 0
	var first error
	for _, b := range all {
		if b.Channel != Channel || b.AppID != s.cfg.AppID {
			continue
		}
		_, err := s.notify.Send(ctx, notify.WeChatMessage{PersonID: personID, OpenID: b.Subject, Template: template, Vars: vars,
			URL: s.entryURL(""), ClientMsgID: clientMsgID})
		switch {
		case err == nil:
			sent++
		case errors.Is(err, notify.ErrWeChatUnavailable):
			if first == nil {
				first = err
			}
		default:
			return sent, err // the same for every binding
		}
	}
	return sent, first
}
