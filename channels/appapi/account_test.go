package appapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/ledger"
	"gjj/internal/notice"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/testenv"
	"gjj/internal/policy"
)

// addPolicy records an approved parameter version effective on the date.
func addPolicy(t *testing.T, a *app.App, key, value string, on date.Date) {
	t.Helper()
	ctx := t.Context()
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		return a.Policy.AddVersion(ctx, tx, policy.Version{Key: key, Value: value, EffectiveFrom: on, CreatedBy: "maker", ApprovedBy: "checker"})
	}); err != nil {
		t.Fatal(err)
	}
}

func today(t *testing.T, a *app.App) date.Date {
	t.Helper()
	d, err := a.Dates.Today(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAccount: the person's own account with status name, percent ratios and
// the monthly amount in the rounding mode in force.
func TestAccount(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := reqctx.WithActor(t.Context(), reqctx.Actor{ID: "staff:test", Channel: "counter"})
		c := server(t, a)
		e := demo.Employees[0] // base 12,345.67 yuan: 12% is 1,481.4804 yuan
		auth := login(t, c, e.IDNumber, demo.Password)
		got := account(t, c, auth)
		want := accountJSON{AccountNo: e.AccountNo, Name: e.Name, Status: "01", StatusName: "正常", BalanceFen: int64(e.Opening),
			BaseFen: int64(e.Base), UnitRatio: "12%", PersonalRatio: "12%", MonthlyFen: 296_200, UnitMonthlyFen: 148_100,
			PersonalMonthlyFen: 148_100, PaidThrough: today(t, a).MonthOf().Add(-1).String(), UnitNo: demo.UnitNo, UnitName: demo.UnitName}
		if got != want {
			t.Errorf("account\n got %+v\nwant %+v", got, want)
		}

		// The rounding mode in force on the first day of the business month decides.
		addPolicy(t, a, policy.DepositRounding, policy.TruncFen, today(t, a).MonthOf().First())
		if got := account(t, c, auth); got.UnitMonthlyFen != 148_148 || got.MonthlyFen != 296_296 {
			t.Errorf("truncated to fen: %+v", got)
		}

		// A sealed account pays nothing a month.
		if _, err := a.Deposit.SealEmployee(ctx, demo.UnitNo, e.AccountNo, "离职"); err != nil {
			t.Fatal(err)
		}
		if got := account(t, c, auth); got.Status != "02" || got.StatusName != "封存" || got.MonthlyFen != 0 || got.UnitMonthlyFen != 0 {
			t.Errorf("sealed: %+v", got)
		}
	})
}

// TestOwnDataOnly: a token only ever yields its own person's account,
// statement and certificate; parameters naming another account are ignored.
func TestOwnDataOnly(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		ea, eb := demo.Employees[1], demo.Employees[2]
		authA := login(t, c, ea.IDNumber, demo.Password)
		authB := login(t, c, eb.IDNumber, demo.Password)
		for _, tc := range []struct {
			auth string
			e    demo.Employee
		}{{authA, ea}, {authB, eb}} {
			r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/account?account_no=" + ea.AccountNo + "&person_id=1", Auth: tc.auth})
			if got := apitest.Decode[accountJSON](t, r, http.StatusOK); got.AccountNo != tc.e.AccountNo || got.BalanceFen != int64(tc.e.Opening) {
				t.Errorf("%s: account %+v", tc.e.Name, got)
			}
			st := apitest.Decode[statementJSON](t, get(t, c, "/statement", tc.auth), http.StatusOK)
			if len(st.Items) != 1 || st.Items[0].BalanceFen != int64(tc.e.Opening) {
				t.Errorf("%s: statement %+v", tc.e.Name, st)
			}
		}
		if r := get(t, c, "/certificates/deposit", authB); r.Status == http.StatusOK {
			cert, err := a.Deposit.Certificate(t.Context(), r.Header.Get("X-Verify-Code"))
			if err != nil || cert.AccountNo != eb.AccountNo {
				t.Errorf("B's certificate is of %+v (%v)", cert, err)
			}
		}
	})
}

// TestStatement: signed amounts, date filters, paging and bad parameters
// (400 naming the field).
func TestStatement(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		e := demo.Employees[1]
		auth := login(t, c, e.IDNumber, demo.Password)
		d := today(t, a)
		// Two more movements: 100.00 in, then 30.00 out.
		for i, l := range [][2]ledger.Line{
			{{Account: ledger.BankCode(app.SettlementBank), Side: ledger.Debit, Amount: 10_000}, {Account: ledger.PersonalCode(e.AccountNo), Side: ledger.Credit, Amount: 10_000}},
			{{Account: ledger.PersonalCode(e.AccountNo), Side: ledger.Debit, Amount: 3_000}, {Account: ledger.BankCode(app.SettlementBank), Side: ledger.Credit, Amount: 3_000}},
		} {
			if _, err := a.Ledger.Post(t.Context(), ledger.Request{Serial: "APPTEST-" + string(rune('A'+i)), BizType: policy.BizOther, Memo: "测试",
				Lines: l[:]}); err != nil {
				t.Fatal(err)
			}
		}
		st := apitest.Decode[statementJSON](t, get(t, c, "/statement", auth), http.StatusOK)
		if len(st.Items) != 3 || st.NextBefore != 0 {
			t.Fatalf("statement %+v", st)
		}
		open := int64(e.Opening)
		if it := st.Items[0]; it.AmountFen != -3_000 || it.BalanceFen != open+7_000 || it.Summary != "测试" || it.Type != policy.BizOther || it.TypeName == "" || it.Date != d.String() {
			t.Errorf("newest line %+v", it)
		}
		if it := st.Items[1]; it.AmountFen != 10_000 || it.BalanceFen != open+10_000 {
			t.Errorf("second line %+v", it)
		}
		if it := st.Items[2]; it.AmountFen != open || it.BalanceFen != open || it.Summary != "期初余额迁移" || it.Month != "" || it.Reversal {
			t.Errorf("opening line %+v", it)
		}

		// Paging.
		page := apitest.Decode[statementJSON](t, get(t, c, "/statement?limit=2", auth), http.StatusOK)
		if len(page.Items) != 2 || page.NextBefore != st.Items[1].Seq {
			t.Fatalf("first page %+v", page)
		}
		page = apitest.Decode[statementJSON](t, get(t, c, "/statement?limit=2&before="+itoa(page.NextBefore), auth), http.StatusOK)
		if len(page.Items) != 1 || page.Items[0].Seq != st.Items[2].Seq || page.NextBefore != 0 {
			t.Fatalf("second page %+v", page)
		}

		// Date filters.
		for q, n := range map[string]int{
			"?from=" + d.String():                       3,
			"?from=" + d.String() + "&to=" + d.String(): 3,
			"?to=" + d.AddDays(-1).String():             0,
			"?from=" + d.AddDays(1).String():            0,
		} {
			if got := apitest.Decode[statementJSON](t, get(t, c, "/statement"+q, auth), http.StatusOK); len(got.Items) != n {
				t.Errorf("%s: %d lines, want %d", q, len(got.Items), n)
			}
		}

		// Bad parameters.
		for _, tc := range []struct {
			query, field string
			spec         apitest.SpecCheck
		}{
			{"?from=2026-02-30", "from", apitest.SpecInvalid},
			{"?to=yesterday", "to", apitest.SpecInvalid},
			{"?from=2026/01/01", "from", apitest.SpecInvalid},
			{"?from=" + d.String() + "&to=" + d.AddDays(-1).String(), "from", apitest.SpecValid},
			{"?limit=0", "limit", apitest.SpecInvalid},
			{"?limit=501", "limit", apitest.SpecInvalid},
			{"?before=-1", "before", apitest.SpecInvalid},
		} {
			r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/statement" + tc.query, Auth: auth, Spec: tc.spec})
			if p := apitest.CheckProblem(t, r, http.StatusBadRequest, "request.invalid_query"); p["field"] != tc.field {
				t.Errorf("%s: field %v, want %s", tc.query, p["field"], tc.field)
			}
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestCertificate: the PDF of a new certificate of the person's own account,
// verifiable by its code; issuing it is audited.
func TestCertificate(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		e := demo.Employees[1]
		auth := login(t, c, e.IDNumber, demo.Password)
		before := apitest.Snapshot(t, a)
		r := get(t, c, "/certificates/deposit", auth)
		if r.Status == http.StatusServiceUnavailable && !testenv.Required("pdf") {
			t.Skipf("no PDF font (apt-get install fonts-lxgw-wenkai): %s", r.Body)
		}
		if r.Status != http.StatusOK {
			t.Fatalf("certificate: %s", r)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("Content-Type %q", ct)
		}
		if !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
			t.Errorf("body starts %q", r.Body[:min(16, len(r.Body))])
		}
		certNo := r.Header.Get("X-Certificate-No")
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, certNo+".pdf") || certNo == "" {
			t.Errorf("Content-Disposition %q, cert %q", cd, certNo)
		}
		cert, err := a.Deposit.Certificate(t.Context(), r.Header.Get("X-Verify-Code"))
		if err != nil || cert.AccountNo != e.AccountNo || cert.CertNo != certNo {
			t.Fatalf("certificate by its code = %+v, %v", cert, err)
		}
		apitest.Wrote(t, a, before, map[string]int64{"certificate": 1, "audit_log": 1})
		if last := apitest.LastAudit(t, a); last.Action != "deposit.certificate_issue" || last.Channel != "app" || last.Actor == "anonymous" {
			t.Errorf("audit %+v", last.Record)
		}
		apitest.CheckProblem(t, get(t, c, "/certificates/deposit", apitest.Bearer("nope")), http.StatusUnauthorized, "identity.no_session")

		// A closed account gets no certificate.
		if _, err := a.DB.ExecContext(t.Context(), `UPDATE employee_account SET status = ? WHERE account_no = ?`, deposit.EmpTransferred, e.AccountNo); err != nil {
			t.Fatal(err)
		}
		apitest.CheckProblem(t, get(t, c, "/certificates/deposit", auth), http.StatusConflict, "deposit.employee_status")
	})
}

// TestNotices: published, unexpired notices of the app channel (or of every
// channel), newest first, without login.
func TestNotices(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := t.Context()
		c := server(t, a)
		now := time.Now()
		past, soon := now.Add(-2*time.Hour), now.Add(-time.Hour)
		for _, d := range []notice.Draft{
			{Title: "仅网厅", Body: "正文", Category: notice.CategoryNotice, Channels: []string{catalog.Web}},
			{Title: "已过期", Body: "正文", Category: notice.CategoryNotice, PublishAt: past, ExpiresAt: &soon},
			{Title: "尚未发布", Body: "正文", Category: notice.CategoryNotice, PublishAt: now.Add(time.Hour)},
			{Title: "APP 专享", Body: "正文", Category: notice.CategoryGuide, Channels: []string{catalog.App, catalog.WeChat}},
		} {
			if _, err := a.Notices.Publish(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		type item struct {
			ID           int64    `json:"id"`
			Title        string   `json:"title"`
			Category     string   `json:"category"`
			CategoryName string   `json:"category_name"`
			Channels     []string `json:"channels"`
		}
		list := apitest.Decode[struct {
			Items []item `json:"items"`
		}](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/notices", Auth: "-"}), http.StatusOK)
		var titles []string
		for _, it := range list.Items {
			titles = append(titles, it.Title)
		}
		want := []string{"APP 专享", notice.DemoNotices[2].Title, notice.DemoNotices[1].Title, notice.DemoNotices[0].Title}
		if strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Errorf("titles %q, want %q", titles, want)
		}
		if it := list.Items[0]; it.Category != "guide" || it.CategoryName != "办事指南" || strings.Join(it.Channels, ",") != "app,wechat" {
			t.Errorf("first %+v", it)
		}
		one := apitest.Decode[struct {
			Items []item `json:"items"`
		}](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/notices?limit=1", Auth: "-"}), http.StatusOK)
		if len(one.Items) != 1 {
			t.Errorf("limit 1: %d", len(one.Items))
		}
		r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/notices?limit=0", Auth: "-", Spec: apitest.SpecInvalid})
		if p := apitest.CheckProblem(t, r, http.StatusBadRequest, "request.invalid_query"); p["field"] != "limit" {
			t.Errorf("field %v", p["field"])
		}
	})
}

// TestGate: every route sits behind the channel gate; switching an item off
// on the app channel closes its routes and only those.
func TestGate(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		auth := login(t, c, demo.Employees[1].IDNumber, demo.Password)
		m := catalog.DefaultMatrix()
		m.Items["GR-01"].Channels[catalog.App].Enabled = false
		m.Items["GG-01"].Channels[catalog.App].Enabled = false
		addPolicy(t, a, policy.ChannelMatrix, m.JSON(), today(t, a))
		a.Gate.Invalidate()
		for _, path := range []string{"/account", "/statement"} {
			p := apitest.CheckProblem(t, get(t, c, path, auth), http.StatusServiceUnavailable, "channel.closed")
			if alts, _ := p["alternatives"].([]any); len(alts) == 0 {
				t.Errorf("%s: no alternatives in %v", path, p)
			}
		}
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: base + "/notices", Auth: "-"}), http.StatusServiceUnavailable, "channel.closed")
		apitest.Decode[map[string]any](t, get(t, c, "/profile", auth), http.StatusOK)
		login(t, c, demo.Employees[2].IDNumber, demo.Password)
	})
}
