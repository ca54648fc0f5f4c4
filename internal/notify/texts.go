package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Template texts under maker-checker and batch SMS (群发).
//
// The text of a template may be replaced by an approved change request (kind
// sms_template in internal/access/change): the new text must use exactly the
// variables of the built-in one. SendSMS renders the approved text
// (sms_template_text) when there is one, the built-in text otherwise.
//
// A batch SMS (kind sms_batch) is queued as one notice per recipient with the
// template Broadcast, whose only variable is the whole text (BroadcastText
// appends BroadcastSuffix); the Dispatcher sends it honouring TD
// unsubscriptions and the quiet hours like every notice. Broadcast has no
// WeChat form: such notices are settled "none" on WeChat.

// Broadcast is the template of a batch SMS: variable text (the approved
// text with BroadcastSuffix, up to MaxText characters).
const Broadcast = "notice.broadcast"

// BroadcastSuffix ends every batch SMS: the 12329 signature and how to
// unsubscribe.
const BroadcastSuffix = "【住房公积金12329】回复TD退订"

// MaxBroadcast is the longest batch text a staff member may write, in
// characters (MaxText less the suffix).
var MaxBroadcast = MaxText - utf8.RuneCountInString(BroadcastSuffix)

// ActionTemplateText is the audit action of an approved template text; the
// object is "sms_template:<id>".
const ActionTemplateText = "notify.template_text"

// Errors of template texts and batch texts.
var (
	// ErrBadText: an empty text, one with control characters or braces that
	// are not variables.
	ErrBadText = errs.New(errs.Invalid, "notify.bad_text", "短信内容不能为空，不能含控制字符")
	// ErrBroadcastTooLong: a batch text longer than MaxBroadcast.
	ErrBroadcastTooLong = errs.Newf(errs.Invalid, "notify.broadcast_too_long", "群发短信内容过长（最多 %d 个字，另加签名和退订提示）", MaxBroadcast)
	// ErrUnknownTemplate: no built-in template has the id (or it cannot be edited).
	ErrUnknownTemplate = errs.New(errs.Invalid, "notify.unknown_template", "没有这个短信模板")
	// ErrUnknownVar: the text uses a variable the template does not have.
	ErrUnknownVar = errs.New(errs.Invalid, "notify.unknown_var", "短信内容使用了模板没有的变量")
	// ErrMissingVar: the text leaves out a variable of the template.
	ErrMissingVar = errs.New(errs.Invalid, "notify.missing_var", "短信内容缺少模板的变量")
)

// BroadcastText checks a batch text written by staff and returns it with
// BroadcastSuffix, as sent. Braces are refused (the text has no variables).
// Errors: ErrBadText, ErrBroadcastTooLong.
func BroadcastText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" || !utf8.ValidString(text) || strings.ContainsFunc(text, unicode.IsControl) || strings.ContainsAny(text, "{}") {
		return "", ErrBadText.With("field", "body")
	}
	if utf8.RuneCountInString(text) > MaxBroadcast {
		return "", ErrBroadcastTooLong.With("field", "body")
	}
	return text + BroadcastSuffix, nil
}

// BroadcastDedup is the queue key of batch batch's notice to a person.
func BroadcastDedup(batch, personID int64) string {
	return fmt.Sprintf("sms_batch:%d:%d", batch, personID)
}

// ValidateTemplateText checks a proposed text for template id: a built-in
// template other than Broadcast; not empty, no control characters, at most
// MaxText characters; exactly the built-in variables. It returns the
// trimmed text. Errors: ErrUnknownTemplate, ErrBadText, ErrTooLong,
// ErrUnknownVar (with "var"), ErrMissingVar (with "var").
func ValidateTemplateText(id, text string) (string, error) {
	t, ok := lookup(id)
	if !ok || id == Broadcast {
		return "", ErrUnknownTemplate.With("field", "key")
	}
	text = strings.TrimSpace(text)
	if text == "" || !utf8.ValidString(text) || strings.ContainsFunc(text, unicode.IsControl) {
		return "", ErrBadText.With("field", "body")
	}
	if utf8.RuneCountInString(text) > MaxText {
		return "", ErrTooLong.With("field", "body")
	}
	want := t.Vars()
	got := Template{Text: text}.Vars()
	for _, v := range got {
		if !slices.Contains(want, v) {
			return "", ErrUnknownVar.With("field", "body").With("var", v)
		}
	}
	for _, v := range want {
		if !slices.Contains(got, v) {
			return "", ErrMissingVar.With("field", "body").With("var", v)
		}
	}
	return text, nil
}

// TemplateText is the text in force for template id: the approved one, or
// the built-in one. q may be a transaction. Errors: ErrUnknownTemplate;
// store errors.
func TemplateText(ctx context.Context, q db.Querier, id string) (string, error) {
	t, ok := lookup(id)
	if !ok {
		return "", ErrUnknownTemplate
	}
	var texts []string
	if err := q.SelectContext(ctx, &texts, `SELECT text FROM sms_template_text WHERE template = ?`, id); err != nil {
		return "", fmt.Errorf("notify: template text: %w", err)
	}
	if len(texts) == 1 {
		return texts[0], nil
	}
	return t.Text, nil
}

// ApprovedTexts returns the approved texts by template id (the console's
// SMS templates page). Errors: store errors.
func ApprovedTexts(ctx context.Context, q db.Querier) (map[string]string, error) {
	var rows []struct {
		Template string `db:"template"`
		Text     string `db:"text"`
	}
	if err := q.SelectContext(ctx, &rows, `SELECT template, text FROM sms_template_text`); err != nil {
		return nil, fmt.Errorf("notify: template texts: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Template] = r.Text
	}
	return out, nil
}

// TextApproval names who made an approved template text and where it came from.
type TextApproval struct {
	Maker, Checker, ChangeRef string
}

// SetTemplateTextTx makes text the text of template id in tx, with one
// audit record (ActionTemplateText). Only the change service calls it, when a
// checker approves an sms_template request. Errors: those of
// ValidateTemplateText; store and audit errors.
func SetTemplateTextTx(ctx context.Context, tx *db.Tx, a *audit.Log, id, text string, by TextApproval) error {
	text, err := ValidateTemplateText(id, text)
	if err != nil {
		return err
	}
	before, err := TemplateText(ctx, tx, id)
	if err != nil {
		return err
	}
	now := db.Now()
	n, err := tx.ExecCount(ctx, `UPDATE sms_template_text SET text = ?, change_ref = ?, maker = ?, checker = ?, updated_at = ? WHERE template = ?`,
		text, by.ChangeRef, by.Maker, by.Checker, now, id)
	if err != nil {
		return fmt.Errorf("notify: set template text: %w", err)
	}
	if n == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sms_template_text (template, text, change_ref, maker, checker, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, text, by.ChangeRef, by.Maker, by.Checker, now); err != nil {
			return fmt.Errorf("notify: set template text: %w", err)
		}
	}
	_, err = a.Append(ctx, tx, audit.Record{Actor: by.Checker, Action: ActionTemplateText, Object: "sms_template:" + id,
		Before: audit.Summary(map[string]string{"text": before}),
		After:  audit.Summary(map[string]string{"text": text, "maker": by.Maker, "change": by.ChangeRef})})
	return err
}

// SentSince counts the messages of template id recorded since t (the impact
// of a template change). Errors: store errors.
func SentSince(ctx context.Context, q db.Querier, id string, t time.Time) (int64, error) {
	var n int64
	if err := q.GetContext(ctx, &n, `SELECT COUNT(*) FROM sms_message WHERE template = ? AND created_at >= ?`, id, t.UTC()); err != nil {
		return 0, fmt.Errorf("notify: count messages: %w", err)
	}
	return n, nil
}

// Unsubscribed returns the phones that unsubscribed from business notices
// (TD), for an impact preview. q may be a transaction. Errors: store errors.
func Unsubscribed(ctx context.Context, q db.Querier) (map[string]bool, error) {
	var phones []string
	if err := q.SelectContext(ctx, &phones, `SELECT phone FROM sms_subscription WHERE subscribed = 0`); err != nil {
		return nil, fmt.Errorf("notify: unsubscribed phones: %w", err)
	}
	out := make(map[string]bool, len(phones))
	for _, p := range phones {
		out[p] = true
	}
	return out, nil
}

// textOf is the approved text of template id, "" for the built-in one.
func (s *Service) textOf(ctx context.Context, id string) (string, error) {
	var texts []string
	if err := s.d.SelectContext(ctx, &texts, `SELECT text FROM sms_template_text WHERE template = ?`, id); err != nil {
		return "", fmt.Errorf("notify: template text: %w", err)
	}
	if len(texts) == 1 {
		return texts[0], nil
	}
	return "", nil
}

// hasWeChatForm reports whether the template has a WeChat template message.
func hasWeChatForm(id string) bool {
	return slices.ContainsFunc(wechatTemplates, func(t WeChatTemplate) bool { return t.ID == id })
}
