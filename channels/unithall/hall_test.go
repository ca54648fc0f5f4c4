package unithall_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gjj/channels/hallkit/halltest"
	"gjj/channels/unithall"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/platform/date"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/testenv"
)

// TestSeededPolicyAdmitsHall fails until access seeds the rule that lets a
// unit agent open the hall's pages: the hall checks (subject, unit:<no>,
// page route template, method) like the API does for its routes.
func TestSeededPolicyAdmitsHall(t *testing.T) {
	a := openApp(t, sqliteSpec(t), false)
	p, err := a.Identity.LoginAgent(context.Background(), demo.UnitNo, demo.AgentID, demo.Password, (&otpSteps{}).code(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]string{{"/unit/", "GET"}, {"/unit/employees/:account_no/seal", "POST"}} {
		if ok, err := a.Access.Allowed(p.Subject, "unit:"+demo.UnitNo, r[0], r[1]); err != nil || !ok {
			t.Errorf("unit agent may not %s %s (%v): access.rolePolicies needs %v", r[1], r[0], err, hallPolicy[1:])
		}
	}
}

func TestLogin(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a, false)
		u := newUser(t, srv)
		otp := &otpSteps{}

		if p := u.Get(t, "/unit/"); p.Status != http.StatusSeeOther || p.Location() != "/unit/login" {
			t.Fatalf("overview without a session = %d %q", p.Status, p.Location())
		}
		if p := u.Get(t, "/unit/employees?q=1"); p.Status != http.StatusSeeOther || p.Location() != "/unit/login?next=%2Funit%2Femployees%3Fq%3D1" {
			t.Fatalf("page without a session = %d %q", p.Status, p.Location())
		}
		// An htmx request is told where to go instead of getting the login page swapped in.
		req, _ := http.NewRequest(http.MethodGet, u.Base+"/unit/employees?q=1", nil)
		req.Header.Set("HX-Request", "true")
		if p := u.Do(t, req); p.Status != http.StatusNoContent || !strings.HasPrefix(p.Header.Get("HX-Redirect"), "/unit/login") {
			t.Fatalf("htmx request without a session = %d %q", p.Status, p.Header.Get("HX-Redirect"))
		}
		login := halltest.HTML(t, u.Get(t, "/unit/login?next=/unit/employees"), http.StatusOK)
		halltest.Contains(t, login, "单位经办人登录", "单位账号或统一社会信用代码", "动态口令", `name="_csrf"`, `value="/unit/employees"`)

		// Every wrong factor gets the same message; the typed unit code and ID stay.
		bad := []url.Values{
			{"unit_code": {demo.UnitNo}, "id_number": {demo.AgentID}, "password": {"wrong"}, "totp": {"123456"}},
			{"unit_code": {demo.UnitNo}, "id_number": {demo.AgentID}, "password": {demo.Password}, "totp": {"000000"}},
			{"unit_code": {"100000000099"}, "id_number": {demo.AgentID}, "password": {demo.Password}, "totp": {"000000"}},
			{"unit_code": {demo.UnitNo}, "id_number": {"110105194912310021"}, "password": {demo.Password}, "totp": {"000000"}},
		}
		for _, f := range bad {
			p := halltest.HTML(t, u.Post(t, "/unit/login", f), http.StatusUnauthorized)
			halltest.Contains(t, p, "用户名、密码或动态口令不正确", `value="`+f.Get("unit_code")+`"`)
			if strings.Contains(p.Body, f.Get("password")) {
				t.Error("the password is echoed back")
			}
			if sessionCookie(u) != "" {
				t.Fatal("a refused login set a session cookie")
			}
		}

		p := u.Post(t, "/unit/login", url.Values{"unit_code": {demo.UnitUSCC}, "id_number": {demo.AgentID},
			"password": {demo.Password}, "totp": {otp.code(t)}, "next": {"/unit/employees"}})
		if p.Status != http.StatusSeeOther || p.Location() != "/unit/employees" {
			t.Fatalf("login = %d %q: %s", p.Status, p.Location(), halltest.Excerpt(p.Body))
		}
		sc := strings.Join(p.Header.Values("Set-Cookie"), "\n")
		for _, attr := range []string{unithall.SessionCookie + "=", "Path=/unit", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(sc, attr) {
				t.Errorf("session cookie lacks %s: %s", attr, sc)
			}
		}
		home := halltest.HTML(t, u.Get(t, "/unit/"), http.StatusOK)
		halltest.Contains(t, home, demo.UnitName, demo.UnitNo, "缴存人数", "王建国", "退出登录")
		if cc := home.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}

		// An outside target after login is ignored.
		if p := u.Post(t, "/unit/logout", nil); p.Status != http.StatusSeeOther || p.Location() != "/unit/login" {
			t.Fatalf("logout = %d %q", p.Status, p.Location())
		}
		if p := u.Get(t, "/unit/"); p.Status != http.StatusSeeOther {
			t.Fatalf("overview after logout = %d", p.Status)
		}
		u.Get(t, "/unit/login")
		p = u.Post(t, "/unit/login", url.Values{"unit_code": {demo.UnitNo}, "id_number": {demo.AgentID},
			"password": {demo.Password}, "totp": {otp.code(t)}, "next": {"//evil.example/unit/"}})
		if p.Status != http.StatusSeeOther || p.Location() != "/unit/" {
			t.Fatalf("login with an outside next = %d %q", p.Status, p.Location())
		}
	})
}

func sessionCookie(u *user) string { return u.Cookie("/unit/", unithall.SessionCookie) }

func TestCSRF(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a, false)
		u := newUser(t, srv)
		u.login(t, &otpSteps{})
		u.Get(t, "/unit/ratios")
		form := func() url.Values { return url.Values{"unit_ratio": {"10"}, "personal_ratio": {"10"}} }
		refused := []struct {
			name   string
			form   url.Values
			header map[string]string
		}{
			{"no token", form(), nil},
			{"wrong token", withCSRF(form(), "forged"), nil},
			{"token in the wrong header", form(), map[string]string{"X-Csrf": u.CSRF}},
			{"cross-site with the token", withCSRF(form(), u.CSRF), map[string]string{"Sec-Fetch-Site": "cross-site"}},
		}
		for _, r := range refused {
			p := halltest.HTML(t, u.PostRaw(t, "/unit/ratios", r.form, r.header), http.StatusForbidden)
			halltest.Contains(t, p, "页面已失效或请求来源不明")
			if un, _ := a.Deposit.Unit(context.Background(), demo.UnitNo); un.UnitBps != 1200 {
				t.Fatalf("%s: ratios changed to %d", r.name, un.UnitBps)
			}
		}
		// The htmx header carries the token as well as the form field.
		if p := u.PostRaw(t, "/unit/ratios", form(), map[string]string{"X-CSRF-Token": u.CSRF}); p.Status != http.StatusSeeOther {
			t.Fatalf("with the header token = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		// A browser's same-origin request passes on Sec-Fetch-Site alone.
		f := url.Values{"unit_ratio": {"12"}, "personal_ratio": {"12"}}
		if p := u.PostRaw(t, "/unit/ratios", f, map[string]string{"Sec-Fetch-Site": "same-origin"}); p.Status != http.StatusSeeOther {
			t.Fatalf("same-origin = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		// The login form is protected too.
		anon := newUser(t, srv)
		p := anon.PostRaw(t, "/unit/login", url.Values{"unit_code": {demo.UnitNo}}, nil)
		halltest.HTML(t, p, http.StatusForbidden)
	})
}

func withCSRF(f url.Values, token string) url.Values { f.Set("_csrf", token); return f }

// TestOtherUnitRefused: an agent can neither see nor act on another unit's
// employees and bills.
func TestOtherUnitRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		importOtherUnit(t, a)
		srv := hallServer(t, a, false)
		u := newUser(t, srv)
		u.login(t, &otpSteps{})

		p := halltest.HTML(t, u.Get(t, "/unit/employees/"+otherEmp), http.StatusNotFound)
		if strings.Contains(p.Body, otherName) {
			t.Error("another unit's employee is shown")
		}
		p = halltest.HTML(t, u.Get(t, "/unit/employees?q="+url.QueryEscape(otherName)), http.StatusOK)
		if strings.Contains(p.Body, otherEmp) {
			t.Error("another unit's employee is listed")
		}
		for _, path := range []string{"/unit/employees/" + otherEmp + "/seal", "/unit/employees/" + otherEmp + "/base",
			"/unit/employees/" + otherEmp + "/certificate"} {
			p := halltest.HTML(t, u.Post(t, path, url.Values{"reason": {"离职"}, "base": {"5000"}}), http.StatusForbidden)
			halltest.Contains(t, p, "该职工不属于本单位")
		}
		p = halltest.HTML(t, u.Get(t, "/unit/statements/employee?account_no="+otherEmp), http.StatusForbidden)
		halltest.Contains(t, p, "该职工不属于本单位")
		if strings.Contains(p.Body, otherName) {
			t.Error("another unit's statement is shown")
		}
		e, err := a.Deposit.Employee(ctx, otherEmp)
		if err != nil || e.Status != deposit.EmpNormal || e.Base != 800_000 {
			t.Fatalf("other unit's employee changed: %+v %v", e, err)
		}
		// Transfer-in needs the account sealed at its unit first.
		p = halltest.HTML(t, u.Post(t, "/unit/employees/transfer", url.Values{"account_no": {otherEmp}}), http.StatusConflict)
		halltest.Contains(t, p, "当前状态为", `value="`+otherEmp+`"`)

		b, err := a.Deposit.GenerateBill(ctx, otherUnitNo, nextOf(t, a, otherUnitNo))
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(b.ID, 10)
		halltest.HTML(t, u.Get(t, "/unit/remittances/"+id), http.StatusNotFound)
		halltest.HTML(t, u.Post(t, "/unit/remittances/"+id+"/payment", url.Values{"bank_serial": {"X1"}, "amount": {b.Total.String()}}), http.StatusNotFound)
		if r := u.Get(t, "/unit/remittances/"+id+"/bill.xlsx"); r.Status != http.StatusNotFound {
			t.Fatalf("other unit's bill download = %d", r.Status)
		}
	})
}

func nextOf(t *testing.T, a *app.App, unitNo string) date.Month {
	t.Helper()
	un, err := a.Deposit.Unit(context.Background(), unitNo)
	if err != nil {
		t.Fatal(err)
	}
	return un.PaidThrough.Next()
}

// TestPagesRender opens every page with demo data and checks that no full ID
// number, mobile or bank card number appears anywhere.
func TestPagesRender(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a, true)
		u := newUser(t, srv)
		u.login(t, &otpSteps{})
		next := nextOf(t, a, demo.UnitNo).String()
		gen := u.Post(t, "/unit/remittances", url.Values{"month": {next}})
		billURL := strings.SplitN(gen.Location(), "?", 2)[0]
		if gen.Status != http.StatusSeeOther || !strings.HasPrefix(billURL, "/unit/remittances/") {
			t.Fatalf("generate = %d %q: %s", gen.Status, gen.Location(), halltest.Excerpt(gen.Body))
		}
		pages := map[string][]string{
			"/unit/":                       {"单位概况", "缴至年月", "暂收未分摊", "缴纳 " + next + " 汇缴清册"},
			"/unit/employees":              {"职工管理", "李明", "陈芳", "共 5 人", "201000000002"},
			"/unit/employees?q=李明":         {"201000000002", "共 1 人"},
			"/unit/employees?status=02":    {"没有符合条件的职工"},
			"/unit/employees?page=2":       {"第 2 / 1 页"},
			"/unit/employees/new":          {"职工开户（个人账户设立）", "身份证号码"},
			"/unit/employees/transfer":     {"同城转移（转入本单位）"},
			"/unit/employees/import":       {"上传缴存基数表"},
			"/unit/employees/201000000002": {"李明", "办理封存", "缴存基数调整", "350102********3011"},
			"/unit/ratios":                 {"当前缴存比例", "12%", `value="12"`},
			"/unit/remittances":            {"生成汇缴清册", "清册记录", "待缴款"},
			billURL:                        {"汇缴清册 · " + next, "个人账号", "姓名", "缴存基数（元）", "单位部分（元）", "个人部分（元）", "王建国", "模拟银行转账", "确认缴款"},
			"/unit/supplements":            {"生成补缴清册", "201000000005"},
			"/unit/deferrals":              {"申请缓缴", `value="` + next + `"`},
			"/unit/statements":             {"单位业务明细"},
			"/unit/statements/employee":    {"个人明细账"},
			"/unit/statements/employee?account_no=201000000002": {"李明", "账户余额"},
			"/unit/logs": {"操作日志", "生成汇缴清册", "登录"},
		}
		for path, want := range pages {
			t.Run(path, func(t *testing.T) {
				p := halltest.HTML(t, u.Get(t, path), http.StatusOK)
				halltest.Contains(t, p, want...)
				noPersonalData(t, p.Body)
			})
		}
		if p := u.Get(t, "/unit/static/"); p.Status != http.StatusNotFound {
			t.Errorf("static directory listing = %d", p.Status)
		}
		for _, s := range []struct{ path, ctype, has string }{
			{"/unit/static/htmx.min.js", "javascript", "htmx"},
			{"/unit/static/hall.css", "text/css", ".menu"},
		} {
			p := u.Get(t, s.path)
			if p.Status != http.StatusOK || !strings.Contains(p.Header.Get("Content-Type"), s.ctype) || !strings.Contains(p.Body, s.has) {
				t.Errorf("%s = %d %q", s.path, p.Status, p.Header.Get("Content-Type"))
			}
		}
	})
}

// noPersonalData fails when a demo employee's full ID number, mobile or bank
// card number is on a page.
func noPersonalData(t *testing.T, body string) {
	t.Helper()
	for _, e := range demo.Employees {
		for _, s := range []string{e.IDNumber, e.Mobile, "62220202000012" + e.AccountNo[len(e.AccountNo)-2:]} {
			if strings.Contains(body, s) {
				t.Errorf("page shows %s in full", s)
			}
		}
	}
}

func TestEmployeeForms(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := hallServer(t, a, false)
		u := newUser(t, srv)
		u.login(t, &otpSteps{})
		u.Get(t, "/unit/employees/new")
		count := func() int {
			_, n, err := a.Deposit.Employees(ctx, demo.UnitNo, deposit.EmployeeFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		newID := residentID("35010219930615002")
		form := func(mod func(url.Values)) url.Values {
			f := url.Values{"name": {"赵六"}, "id_number": {newID}, "phone": {"13900000066"}, "base": {"8800.50"},
				"bank_card": {"6222020200006666"}, "start_month": {""}}
			if mod != nil {
				mod(f)
			}
			return f
		}
		bad := []struct {
			mod    func(url.Values)
			status int
			msg    string
		}{
			{func(f url.Values) { f.Set("id_number", newID[:17]+"0") }, 400, "身份证"},
			{func(f url.Values) { f.Set("base", "12.345") }, 400, "缴存基数："},
			{func(f url.Values) { f.Set("base", "100") }, 400, "元至"},
			{func(f url.Values) { f.Set("phone", "12345") }, 400, "手机"},
			{func(f url.Values) { f.Set("start_month", "2026/01") }, 400, "起缴年月："},
			{func(f url.Values) { f.Set("id_number", demo.Employees[1].IDNumber); f.Set("name", "李明") }, 409, "已有个人账户"},
		}
		for _, b := range bad {
			f := form(b.mod)
			p := halltest.HTML(t, u.Post(t, "/unit/employees", f), b.status)
			halltest.Contains(t, p, b.msg, `value="`+f.Get("name")+`"`, `value="`+f.Get("base")+`"`)
		}
		if n := count(); n != 5 {
			t.Fatalf("refused forms opened accounts: %d employees", n)
		}
		p := u.Post(t, "/unit/employees", form(nil))
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location(), "/unit/employees/29") {
			t.Fatalf("open = %d %q: %s", p.Status, p.Location(), halltest.Excerpt(p.Body))
		}
		acct := strings.TrimPrefix(strings.SplitN(p.Location(), "?", 2)[0], "/unit/employees/")
		id, _ := ident.ParseResidentID(newID)
		emp := halltest.HTML(t, u.Get(t, p.Location()), http.StatusOK)
		halltest.Contains(t, emp, "职工开户成功", "赵六", id.Masked(), "8,800.50")
		if strings.Contains(emp.Body, newID) || strings.Contains(emp.Body, "13900000066") || strings.Contains(emp.Body, "6222020200006666") {
			t.Error("the new employee's personal data is shown in full")
		}

		// Base change: out of bounds keeps the input; in bounds applies.
		p = halltest.HTML(t, u.Post(t, "/unit/employees/"+acct+"/base", url.Values{"base": {"99999"}}), http.StatusBadRequest)
		halltest.Contains(t, p, "超出允许范围", `value="99999"`)
		if p := u.Post(t, "/unit/employees/"+acct+"/base", url.Values{"base": {"9000"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("base = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		// Seal with a reason, then unseal; unsealing twice is refused.
		if p := u.Post(t, "/unit/employees/"+acct+"/seal", url.Values{"reason": {"离职"}, "remark": {"合同到期"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("seal = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, u.Get(t, "/unit/employees/"+acct), "封存", "离职：合同到期", "办理启封")
		if p := u.Post(t, "/unit/employees/"+acct+"/unseal", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("unseal = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		p = halltest.HTML(t, u.Post(t, "/unit/employees/"+acct+"/unseal", nil), http.StatusConflict)
		halltest.Contains(t, p, "当前状态为")
		e, err := a.Deposit.Employee(ctx, acct)
		if err != nil || e.Status != deposit.EmpNormal || e.Base != 900_000 {
			t.Fatalf("employee = %+v %v", e, err)
		}

		// A deposit certificate as a PDF download (needs the CJK TrueType font).
		cert := u.Post(t, "/unit/employees/"+acct+"/certificate", nil)
		switch {
		case cert.Status == http.StatusOK:
			if !strings.HasPrefix(cert.Body, "%PDF") || cert.Header.Get("Content-Type") != "application/pdf" ||
				!strings.Contains(cert.Header.Get("Content-Disposition"), url.PathEscape("缴存证明-ZM")) {
				t.Errorf("certificate = %q %q %.8q", cert.Header.Get("Content-Type"), cert.Header.Get("Content-Disposition"), cert.Body)
			}
		case cert.Status == http.StatusServiceUnavailable && !testenv.Required("pdf"):
			t.Logf("certificate PDF not checked: no CJK TrueType font (%s)", halltest.Excerpt(cert.Body))
		default:
			t.Errorf("certificate = %d: %s", cert.Status, halltest.Excerpt(cert.Body))
		}

		// Transfer-in of a sealed account of another unit.
		importOtherUnit(t, a)
		if _, err := a.Deposit.SealEmployee(ctx, otherUnitNo, otherEmp, "离职"); err != nil {
			t.Fatal(err)
		}
		if p := u.Post(t, "/unit/employees/transfer", url.Values{"account_no": {otherEmp}}); p.Status != http.StatusSeeOther {
			t.Fatalf("transfer = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, u.Get(t, "/unit/employees?q="+otherEmp), otherName, "共 1 人")
	})
}

func TestImportExport(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		srv := hallServer(t, a, false)
		u := newUser(t, srv)
		u.login(t, &otpSteps{})
		u.Get(t, "/unit/employees/import")

		exp := u.Get(t, "/unit/employees/export.xlsx")
		if exp.Status != http.StatusOK || !strings.Contains(exp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export = %d %v", exp.Status, exp.Header)
		}
		f, err := excelize.OpenReader(strings.NewReader(exp.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil || len(rows) != 6 || rows[0][0] != "个人账号" {
			t.Fatalf("export rows = %v %v", rows, err)
		}
		month := nextOf(t, a, demo.UnitNo).String()
		// One bad row: nothing is applied and the report names it.
		sheet := [][]string{{"个人账号", "姓名", "缴存基数(元)"}, {"201000000002", "李明", "10000"}, {"201000000003", "陈芳", "99999999"}}
		p := halltest.HTML(t, upload(t, u, sheet, month), http.StatusBadRequest)
		halltest.Contains(t, p, "全部未导入", "错误报告", "201000000003", `value="`+month+`"`)
		if e, _ := a.Deposit.Employee(context.Background(), "201000000002"); e.Base != demo.Employees[1].Base {
			t.Fatalf("a rejected sheet changed a base: %d", e.Base)
		}
		sheet[2][2] = "8000"
		p = upload(t, u, sheet, month)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("import = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, u.Get(t, p.Location()), "已按表格调整 2 名职工的缴存基数")
	})
}

// upload posts a base sheet to the import form as a browser would.
func upload(t *testing.T, u *user, rows [][]string, month string) halltest.Page {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var x bytes.Buffer
	if err := f.Write(&x); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", u.CSRF)
	_ = w.WriteField("effective_month", month)
	fw, _ := w.CreateFormFile("file", "bases.xlsx")
	_, _ = fw.Write(x.Bytes())
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, u.Base+"/unit/employees/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return u.Do(t, req)
}

func TestRemittance(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := hallServer(t, a, false)
		u := newUser(t, srv)
		u.login(t, &otpSteps{})
		next := nextOf(t, a, demo.UnitNo)

		// Ratios out of bounds: the bounds are in the message, nothing changes.
		u.Get(t, "/unit/ratios")
		p := halltest.HTML(t, u.Post(t, "/unit/ratios", url.Values{"unit_ratio": {"20"}, "personal_ratio": {"12"}}), http.StatusBadRequest)
		halltest.Contains(t, p, "超出允许范围", "5%", "12%", `value="20"`)
		p = halltest.HTML(t, u.Post(t, "/unit/ratios", url.Values{"unit_ratio": {"abc"}, "personal_ratio": {"12"}}), http.StatusBadRequest)
		halltest.Contains(t, p, "单位缴存比例：")

		// A month that is not the next one is refused with the expected month.
		rem := halltest.HTML(t, u.Get(t, "/unit/remittances"), http.StatusOK)
		halltest.Contains(t, rem, `value="`+next.String()+`"`)
		p = halltest.HTML(t, u.Post(t, "/unit/remittances", url.Values{"month": {next.Add(-3).String()}}), http.StatusConflict)
		halltest.Contains(t, p, "已汇缴", `value="`+next.Add(-3).String()+`"`)

		gen := u.Post(t, "/unit/remittances", url.Values{"month": {next.String()}})
		if gen.Status != http.StatusSeeOther {
			t.Fatalf("generate = %d: %s", gen.Status, halltest.Excerpt(gen.Body))
		}
		billURL := strings.SplitN(gen.Location(), "?", 2)[0]
		id, _ := strconv.ParseInt(strings.TrimPrefix(billURL, "/unit/remittances/"), 10, 64)
		b, err := a.Deposit.Bill(ctx, demo.UnitNo, id)
		if err != nil || len(b.Lines) != 5 {
			t.Fatalf("bill = %+v %v", b, err)
		}
		bp := halltest.HTML(t, u.Get(t, gen.Location()), http.StatusOK)
		halltest.Contains(t, bp, "汇缴清册已生成", b.Total.Format(), "李明", "林静")
		if strings.Contains(bp.Body, "模拟银行转账") {
			t.Error("the simulated transfer is offered outside demo mode")
		}
		if p := u.Post(t, billURL+"/simulated-transfer", nil); p.Status == http.StatusSeeOther {
			t.Fatal("simulated transfer ran outside demo mode")
		}

		// The bill as Excel: one row per line and the totals.
		x := u.Get(t, billURL+"/bill.xlsx")
		if x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("bill.xlsx = %d %q", x.Status, x.Header.Get("Content-Type"))
		}
		xf, err := excelize.OpenReader(strings.NewReader(x.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := xf.GetRows(xf.GetSheetName(0))
		text := ""
		for _, r := range rows {
			text += strings.Join(r, "|") + "\n"
		}
		for _, want := range []string{"个人账号|姓名", "201000000001|王建国", "合计（5 人）", demo.UnitName} {
			if !strings.Contains(text, want) {
				t.Errorf("bill.xlsx lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(text, b.Total.String()) && !strings.Contains(text, b.Total.Format()) {
			t.Errorf("bill.xlsx lacks the total %s:\n%s", b.Total, text)
		}

		// Payment: an unknown serial, a wrong claimed amount, then the real one.
		p = halltest.HTML(t, u.Post(t, billURL+"/payment", url.Values{"bank_serial": {"NOPE-1"}, "amount": {b.Total.String()}}), http.StatusNotFound)
		halltest.Contains(t, p, "银行未查到", `value="NOPE-1"`)
		a.Bank.Credit(exchange.Receipt{Serial: "BK-HALL-1", BankCode: app.SettlementBank, Amount: b.Total})
		p = halltest.HTML(t, u.Post(t, billURL+"/payment", url.Values{"bank_serial": {"BK-HALL-1"}, "amount": {(b.Total + 1).String()}}), http.StatusConflict)
		halltest.Contains(t, p, "与银行到账金额")
		p = u.Post(t, billURL+"/payment", url.Values{"bank_serial": {"BK-HALL-1"}, "amount": {b.Total.Format()}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("pay = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, u.Get(t, p.Location()), "缴款已到账", "已入账", "BK-HALL-1")
		home := u.Get(t, "/unit/")
		halltest.Contains(t, home, `id="paid-through">`+next.String()+`<`)
		if un, _ := a.Deposit.Unit(ctx, demo.UnitNo); un.PaidThrough != next {
			t.Fatalf("paid through %s, want %s", un.PaidThrough, next)
		}
		// Paying again is refused; the history shows it posted.
		p = halltest.HTML(t, u.Post(t, billURL+"/payment", url.Values{"bank_serial": {"BK-HALL-2"}, "amount": {"1"}}), http.StatusNotFound)
		halltest.Contains(t, u.Get(t, "/unit/remittances"), "已入账")

		// 缓缴: the start month must be the next unpaid month.
		u.Get(t, "/unit/deferrals")
		p = halltest.HTML(t, u.Post(t, "/unit/deferrals", url.Values{"start_month": {next.String()}, "end_month": {next.Add(2).String()}, "reason": {"经营困难"}}), http.StatusBadRequest)
		halltest.Contains(t, p, "缓缴开始年月须为", "经营困难")
		p = u.Post(t, "/unit/deferrals", url.Values{"start_month": {next.Next().String()}, "end_month": {next.Add(3).String()}, "reason": {"职代会决议 2026-1 号"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("deferral = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, u.Get(t, p.Location()), "缓缴申请已提交", "待审核", "职代会决议 2026-1 号")

		logs := u.Get(t, "/unit/logs")
		halltest.Contains(t, logs, "生成汇缴清册", "汇缴入账", "申请缓缴", "登录", "本人")
		noPersonalData(t, logs.Body)
	})
}

// TestSupplementDemoTransfer generates a 补缴 bill for one employee and pays
// it with the demo's simulated bank transfer.
func TestSupplementDemoTransfer(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := hallServer(t, a, true)
		u := newUser(t, srv)
		u.login(t, &otpSteps{})
		u.Get(t, "/unit/supplements")
		last := nextOf(t, a, demo.UnitNo).Add(-1) // paid already: 补缴 is for months not covered by a posted bill
		p := halltest.HTML(t, u.Post(t, "/unit/supplements", url.Values{"account_no": {"201000000004"}, "from": {last.String()}, "to": {last.Add(-2).String()}}), http.StatusBadRequest)
		halltest.Contains(t, p, "补缴截止年月须不早于起始年月")
		p = u.Post(t, "/unit/supplements", url.Values{"account_no": {"201000000004"}, "from": {last.Add(-1).String()}, "to": {last.String()}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("supplement = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		billURL := strings.SplitN(p.Location(), "?", 2)[0]
		bp := halltest.HTML(t, u.Get(t, p.Location()), http.StatusOK)
		halltest.Contains(t, bp, "补缴清册已生成", "补缴清册", "张伟", last.String(), "模拟银行转账")
		before, _ := a.Deposit.Employee(ctx, "201000000004")
		p = u.Post(t, billURL+"/simulated-transfer", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("simulated transfer = %d: %s", p.Status, halltest.Excerpt(p.Body))
		}
		halltest.Contains(t, u.Get(t, p.Location()), "缴款已到账", "已入账", "SIM")
		after, _ := a.Deposit.Employee(ctx, "201000000004")
		id, _ := strconv.ParseInt(strings.TrimPrefix(billURL, "/unit/remittances/"), 10, 64)
		b, _ := a.Deposit.Bill(ctx, demo.UnitNo, id)
		if after.Balance-before.Balance != b.Total || b.Status != deposit.BillPosted {
			t.Fatalf("balance %s → %s for a bill of %s (%s)", before.Balance, after.Balance, b.Total, b.Status)
		}
		// The same months again are covered now.
		p = halltest.HTML(t, u.Post(t, "/unit/supplements", url.Values{"account_no": {"201000000004"}, "from": {last.String()}}), http.StatusConflict)
		halltest.Contains(t, p, "已缴存入账")
		st := u.Get(t, "/unit/statements/employee?account_no=201000000004")
		halltest.Contains(t, st, "补缴", money.Fen(after.Balance).Format())
		halltest.Contains(t, u.Get(t, "/unit/statements"), "补缴", b.Total.Format())
	})
}
