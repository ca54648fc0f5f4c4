package console_test

import (
	"net/http"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/notify"
)

// TestSMSTemplates: the 短信模板 page lists every notify template with its
// variables, the OTP code marked secret, and filters by id or text.
func TestSMSTemplates(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "hotline")
		p := html(t, u.get(t, "/admin/sms/templates"), http.StatusOK)
		for _, tpl := range notify.Templates() {
			if tpl.ID == notify.Broadcast {
				lacks(t, p, `id="tpl-`+tpl.ID+`"`) // the batch SMS carrier: its text is each batch's (短信群发)
				continue
			}
			contains(t, p, `id="tpl-`+tpl.ID+`"`)
		}
		contains(t, p, "code（保密）", `<div class="mono">name</div>`)
		p = html(t, u.htmx(t, "/admin/sms/templates?q=otp.login"), http.StatusOK)
		contains(t, p, `id="tpl-otp.login"`, "共 1 个模板")
		lacks(t, p, `id="tpl-deposit.credited"`, "<html")
	})
}
