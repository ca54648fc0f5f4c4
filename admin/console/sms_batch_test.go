package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/notify"
)

// TestSMSBatchAndTemplatePages: a maker proposes a batch SMS on 短信群发 (a
// refused form keeps what was typed and shows the core's message), the
// checker approves it and the notices are queued; a maker proposes a new
// template text on 短信模板 (a text with an unknown variable is refused),
// the page shows the approved text after approval; CSRF-less posts are
// refused and submit nothing; the auditor reads both pages without forms.
func TestSMSBatchAndTemplatePages(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		otp := apitest.NewOTP()
		maker := newUser(t, srv)
		maker.login(t, otp, "maker")
		checker := newUser(t, srv)
		checker.login(t, otp, "checker")
		approve := func(kind change.Kind) {
			t.Helper()
			rows, err := a.Changes.List(ctx, change.Filter{Status: change.StatusPending, Kind: kind, Limit: 10})
			if err != nil || len(rows) != 1 {
				t.Fatalf("pending %+v %v", rows, err)
			}
			checker.get(t, "/admin/changes")
			p := checker.post(t, "/admin/changes/"+strconv.FormatInt(rows[0].ID, 10)+"/approve", url.Values{"comment": {"同意"}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("approve = %d: %s", p.status, excerpt(p.body))
			}
		}
		queued := func() int64 {
			var n int64
			if err := a.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM notice_queue WHERE template = ?`, notify.Broadcast); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Batch SMS.
		p := html(t, maker.get(t, "/admin/sms/batch"), http.StatusOK)
		contains(t, p, `id="batch-form"`, notify.BroadcastSuffix, "短信群发")
		bad := url.Values{"audience": {"unit"}, "unit": {"999999999999"}, "body": {"本周六系统升级，网上业务暂停。"}}
		p = html(t, maker.post(t, "/admin/sms/batch/changes", bad), http.StatusNotFound)
		contains(t, p, `id="form-error"`, "本周六系统升级，网上业务暂停。")
		form := url.Values{"audience": {"unit"}, "unit": {demo.UnitNo}, "body": {"本周六系统升级，网上业务暂停。"}, "reason": {"升级"}}
		p = maker.post(t, "/admin/sms/batch/changes", form)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/admin/changes/") {
			t.Fatalf("propose = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		contains(t, html(t, maker.get(t, p.location()), http.StatusOK), "群发短信：单位 "+demo.UnitNo+" 的职工", "本周六系统升级，网上业务暂停。"+notify.BroadcastSuffix)
		contains(t, html(t, maker.get(t, "/admin/sms/batch"), http.StatusOK), `id="pending-changes"`)
		if n := queued(); n != 0 {
			t.Fatalf("%d queued before approval", n)
		}
		approve(change.KindSMSBatch)
		if n := queued(); n == 0 {
			t.Fatal("nothing queued after approval")
		}

		// Template text.
		id := notify.SMSNoLoan
		p = html(t, maker.get(t, "/admin/sms/templates?edit="+id), http.StatusOK)
		contains(t, p, `id="tpl-form"`, `id="edit-`+id+`"`)
		p = html(t, maker.post(t, "/admin/sms/templates/changes", url.Values{"key": {id}, "body": {"{name}：无贷款，{amount}元。"}}), http.StatusBadRequest)
		contains(t, p, notify.ErrUnknownVar.Message, `id="form-error"`)
		text := "{name}您好：您名下没有未结清的公积金贷款。"
		if p = maker.post(t, "/admin/sms/templates/changes", url.Values{"key": {id}, "body": {text}}); p.status != http.StatusSeeOther {
			t.Fatalf("propose template = %d: %s", p.status, excerpt(p.body))
		}
		approve(change.KindSMSTemplate)
		p = html(t, maker.get(t, "/admin/sms/templates?q=no_loan"), http.StatusOK)
		contains(t, p, text, "已按审批修改")

		// CSRF-less: refused, nothing submitted.
		n := len(mustList(t, a))
		form.Del("_csrf")
		html(t, maker.postRaw(t, "/admin/sms/batch/changes", form, nil), http.StatusForbidden)
		html(t, maker.postRaw(t, "/admin/sms/templates/changes", url.Values{"key": {id}, "body": {"{name}：无。"}}, nil), http.StatusForbidden)
		if len(mustList(t, a)) != n {
			t.Errorf("a CSRF-less post submitted a request")
		}

		u := newUser(t, srv)
		u.login(t, otp, "auditor")
		lacks(t, html(t, u.get(t, "/admin/sms/batch"), http.StatusOK), `id="batch-form"`)
		lacks(t, html(t, u.get(t, "/admin/sms/templates"), http.StatusOK), `id="tpl-form"`)
		apitest.VerifyClean(t, a)
	})
}
