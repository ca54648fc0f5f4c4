package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/ident"
)

var typedID = regexp.MustCompile(`id="q-id" value="[^"]*"`)

// TestAccountLookup finds accounts by account number, name and full or
// masked ID number; results never show a full ID number; a bad criterion
// gets its message (400, also as an htmx fragment).
func TestAccountLookup(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "reviewer")
		li := demo.Employees[1] // 李明
		masked := ident.MaskIDNumber(li.IDNumber)

		contains(t, html(t, u.get(t, "/admin/accounts"), http.StatusOK), "请输入查询条件")
		tests := []struct {
			name, query string
			status      int
			want        []string
			notWant     []string
		}{
			{"account number", "account_no=" + li.AccountNo, 200, []string{"查询结果（共 1 条）", li.Name, masked, demo.UnitName}, nil},
			{"account prefix", "account_no=2010000000", 200, []string{"查询结果（共 5 条）", "王建国", "林静"}, nil},
			{"name", "name=" + url.QueryEscape(li.Name), 200, []string{"查询结果（共 1 条）", li.AccountNo}, []string{"王建国"}},
			{"full ID", "id_number=" + li.IDNumber, 200, []string{"查询结果（共 1 条）", li.AccountNo}, nil},
			{"masked ID", "id_number=" + url.QueryEscape(masked), 200, []string{"查询结果（共 1 条）", li.AccountNo}, nil},
			{"lower-case x", "id_number=" + strings.ToLower(demo.AgentID), 200, []string{"王建国"}, nil},
			{"name and account", "name=" + url.QueryEscape(li.Name) + "&account_no=" + demo.Employees[2].AccountNo, 200, []string{"未找到符合条件的个人账户"}, nil},
			{"nobody", "name=" + url.QueryEscape("无此人"), 200, []string{"未找到符合条件的个人账户"}, nil},
			{"bad ID", "id_number=12345", 400, []string{"证件号码应为 18 位居民身份证号码"}, nil},
			{"bad ID check digit", "id_number=350102198805123012", 400, []string{"证件号码应为 18 位居民身份证号码"}, nil},
			{"bad account", "account_no=20A", 400, []string{"个人账号应为数字"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := html(t, u.get(t, "/admin/accounts?"+tt.query), tt.status)
				contains(t, p, tt.want...)
				lacks(t, p, tt.notWant...)
				// The search field shows what was typed; nothing else may.
				body := typedID.ReplaceAllString(p.body, "")
				for _, e := range demo.Employees {
					if strings.Contains(body, e.IDNumber) || strings.Contains(body, e.Mobile) {
						t.Errorf("page shows %s's full ID number or mobile", e.Name)
					}
				}
				if strings.Count(p.body, `id="form-error"`) > 1 {
					t.Error("the error is shown twice")
				}
				// htmx gets the result part only, with the same status.
				f := u.htmx(t, "/admin/accounts?"+tt.query)
				if f.status != tt.status || strings.Contains(f.body, "<html") {
					t.Fatalf("htmx = %d: %s", f.status, f.body)
				}
				contains(t, f, tt.want...)
			})
		}
		p := html(t, u.get(t, "/admin/accounts?account_no=2010000000&page=2"), http.StatusOK)
		contains(t, p, "未找到符合条件的个人账户")
	})
}

// TestAccountReveal: the record is masked and its reading audited; the full
// record needs a reason — without one nothing is shown or written, with one
// the reason is audited (staff.reveal) and the full ID number, mobile and
// bank card are shown.
func TestAccountReveal(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "reviewer")
		li := demo.Employees[1]
		card := demo.BankCard(li)
		path := "/admin/accounts/" + li.AccountNo

		p := html(t, u.get(t, path), http.StatusOK)
		contains(t, p, li.Name, ident.MaskIDNumber(li.IDNumber), ident.MaskMobile(li.Mobile), ident.MaskCard(card), "查看完整信息", "最近")
		lacks(t, p, li.IDNumber, li.Mobile, card)
		if e, ok := lastAudit(t, a, "staff.read"); !ok || e.Object != "employee:"+li.AccountNo || e.Actor != "staff:reviewer" {
			t.Errorf("read audit %+v", e.Record)
		}
		html(t, u.get(t, "/admin/accounts/209999999999"), http.StatusNotFound)

		for _, reason := range []string{"", "查看", strings.Repeat("长", 201)} {
			before := apitest.Snapshot(t, a)
			p = html(t, u.post(t, path+"/reveal", url.Values{"reason": {reason}}), http.StatusBadRequest)
			contains(t, p, "请填写查看完整信息的事由")
			lacks(t, p, li.IDNumber, li.Mobile, card)
			apitest.Unchanged(t, a, before)
		}

		before := apitest.Snapshot(t, a)
		reason := "职工持身份证到柜面办理，核对身份"
		p = html(t, u.post(t, path+"/reveal", url.Values{"reason": {reason}}), http.StatusOK)
		contains(t, p, li.IDNumber, li.Mobile, card, "本次查看已记录审计日志", reason)
		if strings.Contains(p.body, "id=\"reveal-form\"") {
			t.Error("the revealed page still asks for a reason")
		}
		apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
		e, ok := lastAudit(t, a, "staff.reveal")
		if !ok || e.Object != "employee:"+li.AccountNo || e.Actor != "staff:reviewer" || e.Channel != "counter" ||
			!strings.Contains(e.After, reason) {
			t.Errorf("reveal audit %+v", e.Record)
		}
		if strings.Contains(e.After, li.IDNumber) || strings.Contains(e.After, li.Mobile) {
			t.Errorf("the audit record holds personal data: %s", e.After)
		}
		html(t, u.post(t, "/admin/accounts/209999999999/reveal", url.Values{"reason": {reason}}), http.StatusNotFound)
		apitest.VerifyClean(t, a)
	})
}
