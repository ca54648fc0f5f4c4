package change

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gjj/internal/notify"
	"gjj/internal/platform/db"
)

// prepareSMSTemplate validates an sms_template submission: key is a notify
// template id, body its new text with exactly the built-in variables
// (notify.ValidateTemplateText). The base is the text in force, so approving
// is refused as stale after another text of the same template was approved.
// The impact counts the template's messages of the last 30 days.
func (s *Service) prepareSMSTemplate(ctx context.Context, in Input, pr *prepared) error {
	key := strings.TrimSpace(in.Key)
	if key == "" {
		return required("key")
	}
	if strings.TrimSpace(in.Body) == "" {
		return required("body")
	}
	text, err := notify.ValidateTemplateText(key, in.Body)
	if err != nil {
		return err
	}
	cur, err := notify.TemplateText(ctx, s.d.DB, key)
	if err != nil {
		return withField(err, "key")
	}
	if cur == text {
		return ErrNoChange.With("field", "body")
	}
	n, err := notify.SentSince(ctx, s.d.DB, key, s.now().Add(-30*24*time.Hour))
	if err != nil {
		return err
	}
	pr.p, pr.base, pr.target = payload{Key: key, Body: text}, cur, key
	pr.diff = []DiffLine{{Field: "body", Title: "短信模板 " + key, Before: cur, After: text}}
	pr.impact = Impact{Summary: fmt.Sprintf("批准后各渠道发送的「%s」短信立即使用新文本（近 30 天发送 %d 条）", key, n), Count: &n,
		Details: []string{key}}
	return nil
}

// applySMSTemplate makes the approved text the template's text in tx
// (notify writes its own audit record).
func (s *Service) applySMSTemplate(ctx context.Context, tx *db.Tx, p payload, r row, checker string) error {
	return notify.SetTemplateTextTx(ctx, tx, s.d.Audit, p.Key, p.Body,
		notify.TextApproval{Maker: r.Maker, Checker: checker, ChangeRef: object(r.ID)})
}

// describeSMSTemplate is an sms_template request's Chinese title and content.
func describeSMSTemplate(p payload, c map[string]any) (string, map[string]any) {
	c["key"], c["body"] = p.Key, p.Body
	return "短信模板变更：" + p.Key, c
}
