package webhall_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gjj/channels/hallkit/halltest"
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
		p := halltest.HTML(t, u.Get(t, "/web/"), http.StatusOK)
		// 李明: base 9,800.00 at 12% + 12%, rounded to the yuan: 1,176 + 1,176.
		halltest.Contains(t, p, li.AccountNo, li.Name, demo.UnitName, demo.UnitNo, "53,210.00", "9,800.00", "单位 12% / 个人 12%",
			"2,352.00", "1,176.00", `id="status">正常<`, "已注册（未实名认证）")
		halltest.Lacks(t, p, wang.AccountNo, chen.AccountNo, li.IDNumber)
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
		rows := func(p halltest.Page) int {
			return strings.Count(lines.FindString(p.Body), "<tr")
		}

		all := halltest.HTML(t, u.Get(t, "/web/statement"), http.StatusOK)
		halltest.Contains(t, all, li.AccountNo, "53,210.00", `id="statement-lines"`)
		if n := rows(all); n != 1 {
			t.Fatalf("statement has %d lines, want the opening balance: %s", n, halltest.Excerpt(all.Body))
		}
		// Another account number in the query is ignored: a person sees only their own.
		own := halltest.HTML(t, u.Get(t, "/web/statement?account_no="+wang.AccountNo), http.StatusOK)
		halltest.Contains(t, own, li.AccountNo)
		halltest.Lacks(t, own, wang.AccountNo, wang.Name)

		q := func(from, to string) string {
			return "/web/statement?" + url.Values{"from": {from}, "to": {to}}.Encode()
		}
		day := today.String()
		before := today.AddDays(-1).String()
		if p := halltest.HTML(t, u.Get(t, q(day, day)), http.StatusOK); rows(p) != 1 {
			t.Errorf("statement of the business date has %d lines", rows(p))
		}
		empty := halltest.HTML(t, u.Get(t, q("2020-01-01", before)), http.StatusOK)
		halltest.Contains(t, empty, "该期间没有记账记录", `value="2020-01-01"`)
		if rows(empty) != 0 {
			t.Errorf("statement before the opening has %d lines", rows(empty))
		}

		// Bad filters are answered on the page with the field marked.
		p := u.Get(t, q("2026-13-01", ""))
		refused(t, p, http.StatusBadRequest, "date.syntax", "起始日期：日期格式不正确")
		halltest.Contains(t, p, `value="2026-13-01"`)
		refused(t, u.Get(t, q("", "yesterday")), http.StatusBadRequest, "date.syntax", "截止日期：")
		refused(t, u.Get(t, q(day, before)), http.StatusBadRequest, "webhall.bad_range", "起始日期不能晚于截止日期")

		// htmx asks for the same page; a refusal is still a page it swaps in.
		req, _ := http.NewRequest(http.MethodGet, u.Base+q(day, before), nil)
		req.Header.Set("HX-Request", "true")
		if r := u.Do(t, req); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="statement-page"`) {
			t.Errorf("htmx refusal = %d", r.Status)
		}
	})
}

func TestCertificate(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		u := newUser(t, hallServer(t, a))
		u.loginDemo(t, li)
		halltest.Contains(t, halltest.HTML(t, u.Get(t, "/web/certificate"), http.StatusOK), li.AccountNo, `id="certificate"`)
		p := u.Post(t, "/web/certificate", nil)
		switch {
		case p.Status == http.StatusOK:
			if !strings.HasPrefix(p.Body, "%PDF-") || p.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("certificate = %q %.8q", p.Header.Get("Content-Type"), p.Body)
			}
			cd := p.Header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, url.PathEscape("缴存证明-ZM")) {
				t.Errorf("Content-Disposition = %q", cd)
			}
		case p.Status == http.StatusServiceUnavailable && !testenv.Required("pdf"):
			t.Logf("certificate PDF not checked: no CJK TrueType font (%s)", halltest.Excerpt(p.Body))
		default:
			t.Fatalf("certificate = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		// Issued for the person's own account, through the web channel.
		e := apitest.LastAudit(t, a)
		if e.Action != "deposit.certificate_issue" || e.Object != "employee:"+li.AccountNo || e.Channel != "web" || !strings.HasPrefix(e.Actor, "person:") {
			t.Errorf("audit = %+v", e.Record)
		}
	})
}
