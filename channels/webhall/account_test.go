package webhall_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/testenv"
)

// TestOverview: the account as the core computes it, and nobody else's.
func TestOverview(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		u := newUser(t, hallServer(t, a))
		u.loginDemo(t, li)
		p := html(t, u.get(t, "/web/"), http.StatusOK)
		// 李明: base 9,800.00 at 12% + 12%, rounded to the yuan: 1,176 + 1,176.
		contains(t, p, li.AccountNo, li.Name, demo.UnitName, demo.UnitNo, "53,210.00", "9,800.00", "单位 12% / 个人 12%",
			"2,352.00", "1,176.00", `id="status">正常<`, "已注册（未实名认证）")
		lacks(t, p, wang.AccountNo, chen.AccountNo, li.IDNumber)
	})
}

func TestStatement(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		today, err := a.Dates.Today(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		u := newUser(t, hallServer(t, a))
		u.loginDemo(t, li)
		lines := regexp.MustCompile(`(?s)<tbody>.*?</tbody>`)
		rows := func(p page) int {
			return strings.Count(lines.FindString(p.body), "<tr")
		}

		all := html(t, u.get(t, "/web/statement"), http.StatusOK)
		contains(t, all, li.AccountNo, "53,210.00", `id="statement-lines"`)
		if n := rows(all); n != 1 {
			t.Fatalf("statement has %d lines, want the opening balance: %s", n, excerpt(all.body))
		}
		// Another account number in the query is ignored: a person sees only their own.
		own := html(t, u.get(t, "/web/statement?account_no="+wang.AccountNo), http.StatusOK)
		contains(t, own, li.AccountNo)
		lacks(t, own, wang.AccountNo, wang.Name)

		q := func(from, to string) string {
			return "/web/statement?" + url.Values{"from": {from}, "to": {to}}.Encode()
		}
		day := today.String()
		before := today.AddDays(-1).String()
		if p := html(t, u.get(t, q(day, day)), http.StatusOK); rows(p) != 1 {
			t.Errorf("statement of the business date has %d lines", rows(p))
		}
		empty := html(t, u.get(t, q("2020-01-01", before)), http.StatusOK)
		contains(t, empty, "该期间没有记账记录", `value="2020-01-01"`)
		if rows(empty) != 0 {
			t.Errorf("statement before the opening has %d lines", rows(empty))
		}

		// Bad filters are answered on the page with the field marked.
		p := u.get(t, q("2026-13-01", ""))
		refused(t, p, http.StatusBadRequest, "date.syntax", "起始日期：日期格式不正确")
		contains(t, p, `value="2026-13-01"`)
		refused(t, u.get(t, q("", "yesterday")), http.StatusBadRequest, "date.syntax", "截止日期：")
		refused(t, u.get(t, q(day, before)), http.StatusBadRequest, "webhall.bad_range", "起始日期不能晚于截止日期")

		// htmx asks for the same page; a refusal is still a page it swaps in.
		req, _ := http.NewRequest(http.MethodGet, u.base+q(day, before), nil)
		req.Header.Set("HX-Request", "true")
		if r := u.do(t, req); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="statement-page"`) {
			t.Errorf("htmx refusal = %d", r.status)
		}
	})
}

func TestCertificate(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		u := newUser(t, hallServer(t, a))
		u.loginDemo(t, li)
		contains(t, html(t, u.get(t, "/web/certificate"), http.StatusOK), li.AccountNo, `id="certificate"`)
		p := u.post(t, "/web/certificate", nil)
		switch {
		case p.status == http.StatusOK:
			if !strings.HasPrefix(p.body, "%PDF-") || p.header.Get("Content-Type") != "application/pdf" {
				t.Errorf("certificate = %q %.8q", p.header.Get("Content-Type"), p.body)
			}
			cd := p.header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, url.PathEscape("缴存证明-ZM")) {
				t.Errorf("Content-Disposition = %q", cd)
			}
		case p.status == http.StatusServiceUnavailable && !testenv.Required("pdf"):
			t.Logf("certificate PDF not checked: no CJK TrueType font (%s)", excerpt(p.body))
		default:
			t.Fatalf("certificate = %d: %s", p.status, excerpt(p.body))
		}
		// Issued for the person's own account, through the web channel.
		e := apitest.LastAudit(t, a)
		if e.Action != "deposit.certificate_issue" || e.Object != "employee:"+li.AccountNo || e.Channel != "web" || !strings.HasPrefix(e.Actor, "person:") {
			t.Errorf("audit = %+v", e.Record)
		}
	})
}
