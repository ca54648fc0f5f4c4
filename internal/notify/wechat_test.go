package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"gjj/internal/audit"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

// pusher records pushes and fails when err is set.
type pusher struct {
	mu     sync.Mutex
	pushes []notify.WeChatPush
	err    error
}

func (p *pusher) Push(_ context.Context, m notify.WeChatPush) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return "", p.err
	}
	p.pushes = append(p.pushes, m)
	return "4242", nil
}

func TestWeChatTemplates(t *testing.T) {
	ids := map[string]bool{}
	for _, tp := range notify.Templates() {
		ids[tp.ID] = true
	}
	for _, wt := range notify.WeChatTemplates() {
		if !ids[wt.ID] {
			t.Errorf("WeChat template %s has no SMS template of the same id", wt.ID)
		}
		if len(wt.Fields) == 0 {
			t.Errorf("WeChat template %s has no fields", wt.ID)
		}
	}
	// The copy is a copy.
	ws := notify.WeChatTemplates()
	ws[0].Fields[0].Text = "changed"
	if notify.WeChatTemplates()[0].Fields[0].Text == "changed" {
		t.Error("WeChatTemplates shares the registry")
	}
}

func TestWeChatSend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		p := &pusher{}
		w := notify.NewWeChat(p, map[string]string{notify.DepositCredited: " TPL-deposit "}, a)
		vars := varsOf(t, notify.DepositCredited)

		id, err := w.Send(ctx, notify.WeChatMessage{PersonID: 7, OpenID: "oOPENID-1", Template: notify.DepositCredited, Vars: vars,
			URL: "https://gjj.example.gov.cn/wechat/oauth/start", ClientMsgID: "JZ2026071500001"})
		if err != nil || id != "4242" {
			t.Fatalf("send: %q %v", id, err)
		}
		if len(p.pushes) != 1 {
			t.Fatalf("%d pushes", len(p.pushes))
		}
		got := p.pushes[0]
		want := map[string]string{"first": "尊敬的张三：您的住房公积金汇缴已到账。", "keyword1": "尾号0001", "keyword2": "1,234.50元",
			"keyword3": "56,789.00元", "keyword4": "07月15日", "remark": "如有疑问，请致电12329。"}
		if got.OpenID != "oOPENID-1" || got.TemplateID != "TPL-deposit" || got.ClientMsgID != "JZ2026071500001" || len(got.Data) != len(want) {
			t.Errorf("push %+v", got)
		}
		for _, f := range got.Data {
			if want[f.Key] != f.Text {
				t.Errorf("field %s = %q, want %q", f.Key, f.Text, want[f.Key])
			}
		}
		e := lastAudit(t, a)
		if e.Action != notify.ActionWeChat || e.Object != "person:7" || e.Result != audit.ResultOK ||
			!strings.Contains(e.After, `"msgid":"4242"`) || strings.Contains(e.After, "oOPENID") {
			t.Errorf("audit %+v", e.Record)
		}

		// A failed push is recorded and answered as unavailable.
		p.err = errors.New("errcode=40001")
		if _, err := w.Send(ctx, notify.WeChatMessage{PersonID: 7, OpenID: "oOPENID-1", Template: notify.DepositCredited, Vars: vars}); !errors.Is(err, notify.ErrWeChatUnavailable) {
			t.Errorf("failed push: %v", err)
		}
		if e := lastAudit(t, a); e.Action != notify.ActionWeChat || e.Result != audit.ResultFailed {
			t.Errorf("failed push audit %+v", e.Record)
		}
		p.err = nil

		// Refusals: nothing pushed, nothing audited.
		before := count(t, d, "audit_log")
		missing := map[string]string{"name": "张三"}
		refusals := []struct {
			name string
			w    *notify.WeChat
			m    notify.WeChatMessage
			want *errs.Error
		}{
			{"no openid", w, notify.WeChatMessage{Template: notify.DepositCredited, Vars: vars}, notify.ErrBadOpenID},
			{"openid with a space", w, notify.WeChatMessage{OpenID: "o x", Template: notify.DepositCredited, Vars: vars}, notify.ErrBadOpenID},
			{"unknown template", w, notify.WeChatMessage{OpenID: "o1", Template: "nope", Vars: vars}, notify.ErrBadTemplate},
			{"SMS-only template", w, notify.WeChatMessage{OpenID: "o1", Template: notify.OTPLogin, Vars: vars}, notify.ErrBadTemplate},
			{"missing variable", w, notify.WeChatMessage{OpenID: "o1", Template: notify.DepositCredited, Vars: missing}, notify.ErrBadTemplate},
			{"no template id", notify.NewWeChat(p, nil, a), notify.WeChatMessage{OpenID: "o1", Template: notify.DepositCredited, Vars: vars}, notify.ErrWeChatTemplateUnset},
		}
		for _, r := range refusals {
			if _, err := r.w.Send(ctx, r.m); !errors.Is(err, r.want) {
				t.Errorf("%s: %v, want %s", r.name, err, r.want.Code)
			}
		}
		if len(p.pushes) != 1 || count(t, d, "audit_log") != before {
			t.Errorf("refusals pushed %d or audited %d", len(p.pushes)-1, count(t, d, "audit_log")-before)
		}
		verifyAudit(t, d, a)
	})
}
