package staffapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/notify"
)

type smsOutboxJSON struct {
	Items []struct {
		Phone     string `json:"phone"`
		Text      string `json:"text"`
		CreatedAt string `json:"created_at"`
		Status    string `json:"status"`
	} `json:"items"`
}

// TestSMSOutbox: a permitted role reads one phone's messages newest first,
// in full, and the read is audited without the phone; other roles get 403;
// bad queries 400.
func TestSMSOutbox(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		const phone, other = "13912345678", "13700000000"
		for _, m := range []notify.SMS{
			{Phone: phone, Template: notify.OTPRegister, Vars: map[string]string{"code": "246810"}},
			{Phone: other, Template: notify.OTPLogin, Vars: map[string]string{"code": "111111"}},
			{Phone: phone, Template: notify.IdentityRegistered, Vars: map[string]string{"name": "赵六"}},
		} {
			if _, err := a.Notify.SendSMS(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		admin, _ := staffLogin(t, c, otp, "admin")       // sysadmin: permitted
		reviewer, _ := staffLogin(t, c, otp, "reviewer") // business reviewer: not permitted
		path := staffBase + "/sms-outbox?phone=" + phone

		t.Run("listed", func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "GET", Path: path, Auth: admin})
			got := apitest.Decode[smsOutboxJSON](t, r, http.StatusOK)
			if len(got.Items) != 2 {
				t.Fatalf("items %+v", got.Items)
			}
			if got.Items[0].Text != "尊敬的赵六：您已成功注册住房公积金网上服务，今后可在网上业务大厅、手机APP、微信公众号等渠道使用同一账号登录。如非本人操作，请致电12329。" ||
				!strings.Contains(got.Items[1].Text, "246810") {
				t.Errorf("texts %q, %q", got.Items[0].Text, got.Items[1].Text)
			}
			for _, it := range got.Items {
				at, err := time.Parse(time.RFC3339, it.CreatedAt)
				if it.Phone != phone || it.Status != notify.StatusStored || err != nil || time.Since(at) > time.Hour {
					t.Errorf("item %+v", it)
				}
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			e := apitest.LastAudit(t, a)
			if e.Action != "staff.read" || e.Actor != "staff:admin" || e.Object != staffBase+"/sms-outbox" || strings.Contains(e.Before+e.After+e.Object, phone) {
				t.Errorf("audit %+v", e.Record)
			}
		})
		t.Run("limit", func(t *testing.T) {
			got := apitest.Decode[smsOutboxJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: path + "&limit=1", Auth: admin}), http.StatusOK)
			if len(got.Items) != 1 || !strings.HasPrefix(got.Items[0].Text, "尊敬的赵六") {
				t.Errorf("items %+v", got.Items)
			}
		})
		t.Run("hotline agent", func(t *testing.T) {
			maker, _ := staffLogin(t, c, otp, "maker")
			apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "GET", Path: path, Auth: maker}), http.StatusForbidden, "access.forbidden")
			if err := a.Access.Grant(access.Grant{Subject: "staff:maker", Role: access.RoleHotlineAgent, Domain: access.Center}); err != nil {
				t.Fatal(err)
			}
			got := apitest.Decode[smsOutboxJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: path, Auth: maker}), http.StatusOK)
			if len(got.Items) != 2 {
				t.Errorf("items %+v", got.Items)
			}
		})
		t.Run("nobody", func(t *testing.T) {
			got := apitest.Decode[smsOutboxJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/sms-outbox?phone=13600000000", Auth: admin}), http.StatusOK)
			if got.Items == nil || len(got.Items) != 0 {
				t.Errorf("items %+v", got.Items)
			}
		})
		runBad(t, a, c, []badCase{
			{"other role", apitest.Call{Method: "GET", Path: path, Auth: reviewer}, 403, "access.forbidden"},
			{"no session", apitest.Call{Method: "GET", Path: path, Auth: "-", Spec: apitest.SpecInvalid}, 401, "identity.no_session"},
			{"no phone", apitest.Call{Method: "GET", Path: staffBase + "/sms-outbox", Auth: admin, Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
			{"bad phone", apitest.Call{Method: "GET", Path: staffBase + "/sms-outbox?phone=12345", Auth: admin, Spec: apitest.SpecInvalid}, 400, "notify.bad_phone"},
			{"limit 0", apitest.Call{Method: "GET", Path: path + "&limit=0", Auth: admin, Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
			{"limit too big", apitest.Call{Method: "GET", Path: path + "&limit=201", Auth: admin, Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
			{"limit not a number", apitest.Call{Method: "GET", Path: path + "&limit=ten", Auth: admin, Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
		})
	})
}
