package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/policy"
)

var changeID = regexp.MustCompile(`^/admin/changes/(\d+)\?`)

// submitted checks a propose form's redirect to the new request and returns
// the request's page path.
func submittedPath(t testing.TB, p page) string {
	t.Helper()
	m := changeID.FindStringSubmatch(p.location())
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("submit = %d %q: %s", p.status, p.location(), excerpt(p.body))
	}
	return "/admin/changes/" + m[1]
}

// TestParamChange: the maker proposes a parameter version on its page and
// sees the diff and impact; bad values and a missing reason are refused
// with the core's message; the maker cannot approve their own request; the
// checker finds it in the queue and approves it, and the new value is in
// force; a rejection needs a comment.
func TestParamChange(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		otp := apitest.NewOTP()
		maker, checker := newUser(t, srv), newUser(t, srv)
		maker.login(t, otp, "maker")
		checker.login(t, otp, "checker")
		path := "/admin/params/" + policy.DepositRatioUnitMax

		p := html(t, maker.get(t, path), http.StatusOK)
		contains(t, p, `id="propose-form"`, "暂无待复核的变更申请")
		lacks(t, html(t, checker.get(t, path), http.StatusOK), `id="propose-form"`)
		lacks(t, html(t, maker.get(t, "/admin/params/"+policy.ChannelCapacity), http.StatusOK), `id="propose-form"`)

		bad := []struct {
			form url.Values
			want string
		}{
			{url.Values{"value": {"13%"}, "reason": {"上调"}}, "5%至12%"},
			{url.Values{"value": {"11%"}}, "请填写变更原因"},
			{url.Values{"value": {"12%"}, "reason": {"不变"}}, "变更后的取值与当前取值相同"},
			{url.Values{"value": {"11%"}, "reason": {"补录"}, "effective_from": {"2000-01-01"}}, "生效日期不能早于当前营业日期"},
		}
		for _, b := range bad {
			p := maker.post(t, path+"/changes", b.form)
			if p.status < 400 || p.status >= 500 {
				t.Fatalf("%v = %d: %s", b.form, p.status, excerpt(p.body))
			}
			contains(t, p, b.want, `id="propose-form"`)
		}

		p = maker.post(t, path+"/changes", url.Values{"value": {"11%"}, "reason": {"按市政府通知下调单位缴存比例上限"}})
		req := submittedPath(t, p)
		p = html(t, maker.get(t, p.location()), http.StatusOK)
		contains(t, p, "变更申请已提交", "单位缴存比例上限", "12%", "11%", "待复核", `id="change-impact"`, `id="own-request"`)
		lacks(t, p, `id="decide-form"`)
		contains(t, html(t, maker.get(t, path), http.StatusOK), "按市政府通知下调", `href="`+req+`"`)

		p = html(t, maker.post(t, req+"/approve", url.Values{"comment": {"自己批"}}), http.StatusForbidden)
		contains(t, p, "不能复核自己提交的变更")

		p = html(t, checker.get(t, "/admin/changes"), http.StatusOK)
		contains(t, p, "参数变更：单位缴存比例上限", "staff:maker")
		p = html(t, checker.get(t, req), http.StatusOK)
		contains(t, p, `id="decide-form"`)
		p = html(t, checker.post(t, req+"/reject", nil), http.StatusBadRequest)
		contains(t, p, "驳回时请填写审批意见")
		p = checker.post(t, req+"/approve", url.Values{"comment": {"同意"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), req+"?") {
			t.Fatalf("approve = %d %q: %s", p.status, p.location(), excerpt(p.body))
		}
		p = html(t, checker.get(t, p.location()), http.StatusOK)
		contains(t, p, "已批准变更申请", "已批准", "staff:checker")
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := a.Policy.Bps(ctx, policy.DepositRatioUnitMax, today); err != nil || v != 1100 {
			t.Errorf("in force: %d %v", v, err)
		}
		contains(t, html(t, maker.get(t, path), http.StatusOK), `id="param-current">11%<`, "staff:maker", "staff:checker")
		html(t, checker.post(t, req+"/approve", nil), http.StatusConflict)

		// A second request, rejected.
		p = maker.post(t, path+"/changes", url.Values{"value": {"10%"}, "reason": {"再次下调"}, "effective_from": {today.AddDays(1).String()}})
		req2 := submittedPath(t, p)
		checker.get(t, req2)
		p = checker.post(t, req2+"/reject", url.Values{"comment": {"依据不足"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("reject = %d: %s", p.status, excerpt(p.body))
		}
		contains(t, html(t, checker.get(t, "/admin/changes?status=rejected"), http.StatusOK), "参数变更：单位缴存比例上限", "已驳回")
		contains(t, html(t, checker.get(t, "/admin/changes"), http.StatusOK), "没有符合条件的变更申请")
		html(t, checker.get(t, "/admin/changes/999999"), http.StatusNotFound)
		p = html(t, checker.get(t, "/admin/changes?status=bogus"), http.StatusBadRequest)
		contains(t, p, "状态应为")
		apitest.VerifyClean(t, a)
	})
}

// TestCapacityChange is the channel scenario of issue 6: the maker (channel
// admin) proposes lowering the app channel's query capacity on the channels
// page, the checker approves it, the gate diverts at the new capacity and
// the dashboard shows the diversions.
func TestCapacityChange(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		otp := apitest.NewOTP()
		maker, checker := newUser(t, srv), newUser(t, srv)
		maker.login(t, otp, "maker")
		checker.login(t, otp, "checker")

		p := html(t, maker.get(t, "/admin/channels"), http.StatusOK)
		contains(t, p, `id="capacity-form"`, `id="state-form"`, `id="item-form"`)
		lacks(t, html(t, checker.get(t, "/admin/channels"), http.StatusOK), `id="capacity-form"`)

		p = html(t, maker.post(t, "/admin/channels/changes", url.Values{"kind": {"capacity"}, "channel": {"app"}, "item_class": {"query"},
			"rate_per_s": {"abc"}, "burst": {"1"}}), http.StatusBadRequest)
		contains(t, p, "应为数字", `value="abc"`)
		p = html(t, maker.post(t, "/admin/channels/changes", url.Values{"kind": {"capacity"}, "channel": {"app"}, "item_class": {"query"},
			"rate_per_s": {"0"}, "burst": {"1"}}), http.StatusBadRequest)
		contains(t, p, `id="form-error"`)

		p = maker.post(t, "/admin/channels/changes", url.Values{"kind": {"capacity"}, "channel": {"app"}, "item_class": {"query"},
			"rate_per_s": {"1"}, "burst": {"1"}, "reason": {"压力测试"}})
		req := submittedPath(t, p)
		contains(t, html(t, checker.get(t, "/admin/channels"), http.StatusOK), "渠道容量：手机APP查询类事项")
		checker.get(t, req)
		p = checker.post(t, req+"/approve", url.Values{"comment": {"同意"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("approve = %d: %s", p.status, excerpt(p.body))
		}
		contains(t, html(t, checker.get(t, "/admin/channels"), http.StatusOK), "1，1")

		diverted := 0
		client := &http.Client{}
		for range 5 {
			resp, err := client.Get(srv.URL + "/api/app/v1/notices")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				diverted++
			}
		}
		if diverted == 0 {
			t.Fatal("the gate admitted five requests a second at the new capacity of one")
		}
		p = html(t, maker.get(t, "/admin/"), http.StatusOK)
		contains(t, p, `id="total-diverted">`+strconv.Itoa(diverted)+`<`, "超出容量，分流 "+strconv.Itoa(diverted)+" 次")

		// Channel and item switches are submitted the same way.
		p = maker.post(t, "/admin/channels/changes", url.Values{"kind": {"item_switch"}, "item": {"GR-01"}, "channel": {"kiosk"},
			"enabled": {"false"}, "reason": {"终端升级"}})
		contains(t, html(t, maker.get(t, submittedPath(t, p)), http.StatusOK), "事项开关", "个人账户及明细查询")
		p = maker.post(t, "/admin/channels/changes", url.Values{"kind": {"channel_state"}, "channel": {"sms"}, "enabled": {"true"}})
		contains(t, html(t, p, http.StatusConflict), "变更后的取值与当前取值相同")
	})
}

// TestRoleGrantChange: the sysadmin proposes a grant on the users page (not
// for themselves), the checker approves it, and the grantee's menu and
// pages follow at once.
func TestRoleGrantChange(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		otp := apitest.NewOTP()
		admin, checker, hotline := newUser(t, srv), newUser(t, srv), newUser(t, srv)
		admin.login(t, otp, "admin")
		checker.login(t, otp, "checker")
		hotline.login(t, otp, "hotline")

		contains(t, html(t, admin.get(t, "/admin/users"), http.StatusOK), `id="grant-form"`)
		p := html(t, admin.post(t, "/admin/users/changes", url.Values{"subject": {"admin"}, "role": {access.RoleAuditor}, "action": {"grant"}}),
			http.StatusForbidden)
		contains(t, p, "不能为自己授予或收回角色")
		html(t, hotline.get(t, "/admin/audit"), http.StatusForbidden)

		p = admin.post(t, "/admin/users/changes", url.Values{"subject": {"hotline"}, "role": {access.RoleAuditor}, "action": {"grant"},
			"reason": {"兼任审计"}})
		req := submittedPath(t, p)
		checker.get(t, req)
		if p := checker.post(t, req+"/approve", nil); p.status != http.StatusSeeOther {
			t.Fatalf("approve = %d: %s", p.status, excerpt(p.body))
		}
		p = html(t, hotline.get(t, "/admin/audit"), http.StatusOK)
		contains(t, p, `href="/admin/audit"`, "审计员")
		contains(t, html(t, admin.get(t, "/admin/users"), http.StatusOK), "12329坐席、审计员")
	})
}
