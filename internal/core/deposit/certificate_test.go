package deposit_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/testenv"
	"gjj/internal/policy"
)

// certExec runs a statement directly (test setup: states other services reach).
func (e *env) certExec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.ExecContext(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// certState fingerprints what a refused certificate call must not change.
func (e *env) certState() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT COUNT(*) FROM certificate`, `SELECT COUNT(*) FROM certificate WHERE revoked_at IS NOT NULL`,
		`SELECT COUNT(*) FROM audit_log`} {
		var n int64
		if err := e.db.GetContext(e.ctx, &n, q); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d|", n)
	}
	return b.String()
}

// certPay generates and pays the unit's bill for month on the business date.
func (e *env) certPay(unitNo string, month string, on date.Date) {
	e.t.Helper()
	b, err := e.svc.GenerateBill(e.ctx, unitNo, date.MustParseMonth(month))
	if err != nil {
		e.t.Fatal(err)
	}
	e.certPayBill(unitNo, b, on)
}

// certPayBill pays a generated bill through the simulated bank.
func (e *env) certPayBill(unitNo string, b *deposit.Bill, on date.Date) {
	e.t.Helper()
	serial := fmt.Sprintf("CERT-%s-%d", unitNo, b.ID)
	e.bank.Credit(exchange.Receipt{Serial: serial, BankCode: bank, Amount: b.Total, PayerAccount: "6222000000001", PayerName: "测试单位",
		ReceivedOn: on})
	if _, err := e.svc.PayBill(e.ctx, unitNo, b.ID, serial, b.Total); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) certDate(s string) date.Date {
	e.t.Helper()
	d := date.MustParse(s)
	if _, err := e.dates.Set(e.ctx, d, false); err != nil {
		e.t.Fatal(err)
	}
	return d
}

func TestIssueCertificate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 4)
		other := e.importUnit(1, 1)
		const acct = "201000000001"
		// A base whose parts need rounding: 12,345.67 × 12% = 1,481.4804.
		e.certExec(`UPDATE employee_account SET base_fen = 1234567 WHERE account_no = ?`, acct)
		emp, err := e.svc.Employee(e.ctx, acct)
		if err != nil {
			t.Fatal(err)
		}

		c, err := e.svc.IssueCertificate(e.ctx, "", acct)
		if err != nil {
			t.Fatal(err)
		}
		mode, err := e.policy.String(e.ctx, policy.DepositRounding, today.MonthOf().First())
		if err != nil {
			t.Fatal(err)
		}
		part, err := deposit.Contribution(1234567, 1200, mode)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := ident.ParseResidentID(idNumber(0))
		want := deposit.CertificateContent{CertNo: "ZM20261121000001", Name: "职工0", IDTypeName: "身份证", IDNumberMasked: id.Masked(),
			AccountNo: acct, UnitNo: u.UnitNo, UnitName: "测试单位1", OpenedOn: emp.OpenedOn, Status: "01", StatusName: "正常",
			Base: 1234567, UnitRatio: "12%", PersonalRatio: "12%", UnitMonthly: part, PersonalMonthly: part, Monthly: 2 * part,
			Rounding: mode, PaidThrough: date.MustParseMonth("2026-10"), Balance: money.Yuan(1000), StartMonth: date.MustParseMonth("2020-01"),
			ConsecutiveMonths: 82, Center: deposit.IssuingCenter, IssuedOn: today}
		if c.Content != want {
			t.Fatalf("content\n got %+v\nwant %+v", c.Content, want)
		}
		if part != 148100 { // 四舍五入到元 by default
			t.Fatalf("monthly part = %s", part)
		}
		if c.CertNo != want.CertNo || c.AccountNo != acct || c.IssuedOn != today || c.IssuedBy != "staff:test" || c.RevokedAt != nil {
			t.Fatalf("certificate = %+v", c)
		}
		if deposit.NormalizeVerifyCode(c.VerifyCode) != c.VerifyCode || strings.ContainsAny(c.VerifyCode, "01IO") {
			t.Fatalf("verify code %q", c.VerifyCode)
		}
		// The stored content is the canonical JSON, hashed, with no full ID number.
		var row struct {
			Content string `db:"content"`
			Hash    string `db:"content_hash"`
		}
		if err := e.db.GetContext(e.ctx, &row, `SELECT content, content_hash FROM certificate WHERE cert_no = ?`, c.CertNo); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(row.Content))
		if row.Hash != hex.EncodeToString(sum[:]) || row.Hash != c.ContentHash {
			t.Fatalf("hash %s vs content %s", row.Hash, row.Content)
		}
		if strings.Contains(row.Content, idNumber(0)) || !strings.Contains(row.Content, id.Masked()) {
			t.Fatalf("content exposes the ID number: %s", row.Content)
		}
		var audits int
		if err := e.db.GetContext(e.ctx, &audits, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.certificate_issue' AND object = ?
			AND summary_after NOT LIKE ?`, "employee:"+acct, "%"+idNumber(0)+"%"); err != nil {
			t.Fatal(err)
		}
		if audits != 1 {
			t.Fatalf("audit records = %d", audits)
		}

		// Public verification, tolerant of case and separators.
		for _, code := range []string{c.VerifyCode, strings.ToLower(c.VerifyCode), c.VerifyCode[:4] + "-" + c.VerifyCode[4:8] + " " + c.VerifyCode[8:]} {
			got, err := e.svc.Certificate(e.ctx, code)
			if err != nil || got.CertNo != c.CertNo || got.Content != c.Content || got.ContentHash != c.ContentHash {
				t.Fatalf("Certificate(%q) = %+v, %v", code, got, err)
			}
		}

		// The unit's agent for its own employee: the next number of the day.
		c2, err := e.svc.IssueCertificate(e.ctx, u.UnitNo, "201000000002")
		if err != nil {
			t.Fatal(err)
		}
		if c2.CertNo != "ZM20261121000002" || c2.VerifyCode == c.VerifyCode || c2.Content.Name != "职工1" {
			t.Fatalf("second certificate = %+v", c2)
		}

		// A sealed account may be certified; it is not contributing.
		if _, err := e.svc.SealEmployee(e.ctx, "", "201000000003", "离职"); err != nil {
			t.Fatal(err)
		}
		c3, err := e.svc.IssueCertificate(e.ctx, "", "201000000003")
		if err != nil {
			t.Fatal(err)
		}
		if c3.Content.Status != deposit.EmpSealed || c3.Content.StatusName != "封存" || c3.Content.Monthly != 0 ||
			c3.Content.ConsecutiveMonths != 82 || c3.Content.Base != 1_000_000 {
			t.Fatalf("sealed account certificate = %+v", c3.Content)
		}

		// Refused: nothing written.
		refused := []struct {
			name    string
			unit    string
			account string
			status  string // set on 201000000004 first
			want    error
		}{
			{"another unit's agent", other.UnitNo, acct, "", deposit.ErrNotYourEmployee},
			{"unknown account", "", "209999999999", "", deposit.ErrEmployeeNotFound},
			{"no account number", "", " ", "", deposit.ErrInvalidInput},
			{"merged (03)", "", "201000000004", deposit.EmpMerged, deposit.ErrEmployeeStatus},
			{"transferred out (04)", "", "201000000004", deposit.EmpTransferred, deposit.ErrEmployeeStatus},
			{"withdrawn and closed (05)", u.UnitNo, "201000000004", deposit.EmpWithdrawn, deposit.ErrEmployeeStatus},
		}
		for _, tc := range refused {
			if tc.status != "" {
				e.certExec(`UPDATE employee_account SET status = ? WHERE account_no = ?`, tc.status, tc.account)
			}
			before := e.certState()
			if _, err := e.svc.IssueCertificate(e.ctx, tc.unit, tc.account); !errors.Is(err, tc.want) {
				t.Fatalf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
			if after := e.certState(); after != before {
				t.Fatalf("%s wrote something", tc.name)
			}
		}
		e.certExec(`UPDATE employee_account SET status = '01' WHERE account_no = '201000000004'`)

		// Unknown and malformed codes are not found.
		for _, code := range []string{"", "ABCDEFGHJKLMNPQR", "abc", c.VerifyCode + "2", strings.Repeat("0", 16)} {
			if _, err := e.svc.Certificate(e.ctx, code); !errors.Is(err, deposit.ErrCertificateNotFound) || errs.KindOf(err) != errs.NotFound {
				t.Fatalf("Certificate(%q) = %v", code, err)
			}
		}

		// Revocation.
		for _, tc := range []struct {
			name, certNo, reason string
			want                 error
		}{
			{"no reason", c2.CertNo, " ", deposit.ErrInvalidInput},
			{"no number", "", "出具错误", deposit.ErrInvalidInput},
			{"unknown", "ZM20261121999999", "出具错误", deposit.ErrCertificateNotFound},
		} {
			before := e.certState()
			if _, err := e.svc.RevokeCertificate(e.ctx, tc.certNo, tc.reason); !errors.Is(err, tc.want) {
				t.Fatalf("revoke %s: %v", tc.name, err)
			}
			if e.certState() != before {
				t.Fatalf("revoke %s wrote something", tc.name)
			}
		}
		r, err := e.svc.RevokeCertificate(e.ctx, c2.CertNo, "出具错误")
		if err != nil || r.RevokedAt == nil {
			t.Fatalf("revoke = %+v, %v", r, err)
		}
		if _, err := e.svc.Certificate(e.ctx, c2.VerifyCode); !errors.Is(err, deposit.ErrCertificateNotFound) {
			t.Fatalf("revoked certificate verifies: %v", err)
		}
		before := e.certState()
		if _, err := e.svc.RevokeCertificate(e.ctx, c2.CertNo, "再次作废"); !errors.Is(err, deposit.ErrCertificateRevoked) {
			t.Fatalf("revoke twice: %v", err)
		}
		if e.certState() != before {
			t.Fatal("a refused revocation wrote something")
		}
		if _, err := e.svc.Certificate(e.ctx, c.VerifyCode); err != nil {
			t.Fatalf("revoking another certificate affected this one: %v", err)
		}

		// A changed row no longer verifies as genuine.
		e.certExec(`UPDATE certificate SET content = REPLACE(content, '"balance_fen":100000', '"balance_fen":900000') WHERE cert_no = ?`, c3.CertNo)
		if _, err := e.svc.Certificate(e.ctx, c3.VerifyCode); err == nil || errs.KindOf(err) != errs.Internal {
			t.Fatalf("tampered certificate: %v", err)
		}
		e.verifyBooks()
	})
}

// TestCertificateConsecutiveMonths covers 连续缴存月数: migrated months before
// the platform's first bill count, later months need a posted line, and a
// month without one ends the run.
func TestCertificateConsecutiveMonths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 2)
		e.importUnit(1, 1)
		const a, b, lone = "201000000001", "201000000002", "202000000001"
		e.certPay(u.UnitNo, "2026-11", today)
		// A 补缴 for a migrated month does not move the cutover back.
		sup, err := e.svc.GenerateSupplement(e.ctx, u.UnitNo, []deposit.SupplementItem{{AccountNo: a, Months: []date.Month{date.MustParseMonth("2024-05")}}})
		if err != nil {
			t.Fatal(err)
		}
		e.certPayBill(u.UnitNo, sup, today)
		on := e.certDate("2026-12-01")
		if _, err := e.svc.SealEmployee(e.ctx, "", b, "停薪留职"); err != nil {
			t.Fatal(err)
		}
		e.certPay(u.UnitNo, "2026-12", on)
		if _, err := e.svc.UnsealEmployee(e.ctx, "", b); err != nil {
			t.Fatal(err)
		}
		on = e.certDate("2027-01-05")
		e.certPay(u.UnitNo, "2027-01", on)
		// An account opened on the platform with no bill yet.
		e.certExec(`UPDATE employee_account SET paid_through = '' WHERE account_no = ?`, lone)

		for _, tc := range []struct {
			account string
			paid    string
			months  int
		}{
			{a, "2027-01", 85}, // 2020-01 … 2026-10 migrated, 2026-11 … 2027-01 posted
			{b, "2027-01", 1},  // no line for 2026-12 (sealed): only 2027-01
			{lone, "", 0},
		} {
			c, err := e.svc.IssueCertificate(e.ctx, "", tc.account)
			if err != nil {
				t.Fatal(err)
			}
			if c.Content.PaidThrough.String() != tc.paid || c.Content.ConsecutiveMonths != tc.months || c.IssuedOn != on ||
				!strings.HasPrefix(c.CertNo, "ZM20270105") {
				t.Errorf("%s: %+v", tc.account, c)
			}
		}
		// A unit with no bill on the platform: all its months are migrated.
		e.certExec(`UPDATE employee_account SET paid_through = '2026-10' WHERE account_no = ?`, lone)
		c, err := e.svc.IssueCertificate(e.ctx, "", lone)
		if err != nil || c.Content.ConsecutiveMonths != 82 {
			t.Fatalf("migrated only: %+v, %v", c, err)
		}
		e.verifyBooks()
	})
}

// TestCertificateConcurrentNumbers issues certificates for different accounts
// at the same time: every call succeeds and the day's numbers have no gaps.
func TestCertificateConcurrentNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		const n = 10
		e.importUnit(0, n)
		var wg sync.WaitGroup
		nos := make([]string, n)
		errc := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := e.svc.IssueCertificate(e.ctx, "", fmt.Sprintf("201%09d", i+1))
				if err != nil {
					errc <- err
					return
				}
				nos[i] = c.CertNo
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		sort.Strings(nos)
		for i, no := range nos {
			if want := fmt.Sprintf("ZM20261121%06d", i+1); no != want {
				t.Fatalf("numbers %v", nos)
			}
		}
		e.verifyBooks()
	})
}

// pdfTools returns the path of pdftotext, or skips the test when pdftotext or
// the font is not installed — unless GJJ_TEST_REQUIRE lists "pdf" (CI),
// where a missing tool fails the test.
func pdfTools(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	font := false
	for _, p := range deposit.FontCandidates {
		if _, err := os.Stat(p); err == nil {
			font = true
		}
	}
	if err == nil && font {
		return bin
	}
	msg := "certificate PDF check needs pdftotext (apt-get install poppler-utils) and a CJK TrueType font " +
		"(apt-get install fonts-lxgw-wenkai): " + fmt.Sprintf("pdftotext found=%v, font found=%v", err == nil, font)
	if testenv.Required("pdf") {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// pdfText renders c and returns pdftotext's output; with GJJ_CERT_PDF_OUT set
// the PDF is also written there (to look at it).
func pdfText(t *testing.T, bin string, c *deposit.Certificate, opt deposit.PDFOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := deposit.RenderCertificatePDF(c, &buf, opt); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(16, buf.Len())])
	}
	path := filepath.Join(t.TempDir(), "cert.pdf")
	if out := os.Getenv("GJJ_CERT_PDF_OUT"); out != "" {
		path = out
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestCertificatePDF(t *testing.T) {
	bin := pdfTools(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.importUnit(0, 1)
		const acct = "201000000001"
		c, err := e.svc.IssueCertificate(e.ctx, "", acct)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := e.svc.CertificatePDF(e.ctx, c, &buf); err != nil {
			t.Fatal(err)
		}
		id, _ := ident.ParseResidentID(idNumber(0))
		text := pdfText(t, bin, c, deposit.PDFOptions{BaseURL: "https://gjj.test.gov.cn/"})
		flat := strings.Join(strings.Fields(text), "")
		for _, want := range []string{"住房公积金缴存证明", "职工0", c.CertNo, id.Masked(), acct, "测试单位1", "缴至年月", "2026年10月",
			"1,000.00元", "2,400.00元", "连续缴存月数", "82个月", "验证码：" + c.VerifyCode,
			"可登录https://gjj.test.gov.cn/verify/" + c.VerifyCode + "核验", deposit.IssuingCenter, "2026年11月21日"} {
			if !strings.Contains(flat, strings.Join(strings.Fields(want), "")) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(text, "可登录 https://gjj.test.gov.cn/verify/"+c.VerifyCode+" 核验") {
			t.Errorf("verification line not as specified:\n%s", text)
		}
		if strings.Contains(flat, idNumber(0)) || strings.Contains(flat, idNumber(0)[6:14]) {
			t.Fatalf("PDF shows the full ID number:\n%s", text)
		}
	})
}

// certSample is a certificate with long texts (wrapping) for the renderer.
func certSample() *deposit.Certificate {
	return &deposit.Certificate{CertNo: "ZM20261121000123", VerifyCode: "7KX2M9PQRT4WZ8HN", AccountNo: "201000000001",
		IssuedOn: today, IssuedAt: time.Date(2026, 11, 21, 2, 3, 4, 0, time.UTC), ContentHash: strings.Repeat("ab", 32),
		Content: deposit.CertificateContent{CertNo: "ZM20261121000123", Name: "王建国", IDTypeName: "身份证", IDNumberMasked: "110105********002X",
			AccountNo: "201000000001", UnitNo: "100000000001",
			UnitName: "福建省示例科技集团股份有限公司福州分公司（鼓楼区软件园研发中心，含第三方劳务派遣人员管理办公室）",
			OpenedOn: date.MustParse("2020-01-06"), Status: "01", StatusName: "正常", Base: 1_234_567, UnitRatio: "12%", PersonalRatio: "12%",
			UnitMonthly: 148100, PersonalMonthly: 148100, Monthly: 296200, Rounding: policy.HalfUpYuan, PaidThrough: date.MustParseMonth("2026-10"),
			Balance: 8_642_100, StartMonth: date.MustParseMonth("2020-01"), ConsecutiveMonths: 82, Center: "福州住房公积金中心",
			IssuedOn: today}}
}

func TestCertificatePDFLayout(t *testing.T) {
	bin := pdfTools(t)
	c := certSample()
	text := pdfText(t, bin, c, deposit.PDFOptions{BaseURL: "https://gjj.fuzhou.gov.cn"})
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{"住房公积金缴存证明", "王建国", "110105********002X", c.Content.UnitName, "2,962.00元", "86,421.00元",
		"2020年01月至2026年10月", "福州住房公积金中心", "证明专用章", "可登录https://gjj.fuzhou.gov.cn/verify/7KX2M9PQRT4WZ8HN核验"} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	// No wrapped line of the table starts with closing punctuation.
	for _, ln := range strings.Split(text, "\n") {
		if ln = strings.TrimSpace(ln); ln != "" && strings.ContainsAny(ln[:len(string([]rune(ln)[0]))], "，。、；：）」") {
			t.Errorf("line starts with punctuation: %q", ln)
		}
	}
}

func TestCertificatePDFErrors(t *testing.T) {
	c := certSample()
	var buf bytes.Buffer
	err := deposit.RenderCertificatePDF(c, &buf, deposit.PDFOptions{FontPath: filepath.Join(t.TempDir(), "missing.ttf")})
	if !errors.Is(err, deposit.ErrPDFFontMissing) || errs.KindOf(err) != errs.Unavailable || buf.Len() != 0 {
		t.Fatalf("missing font: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.ttf")
	if err := os.WriteFile(junk, []byte("not a font at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := deposit.RenderCertificatePDF(c, &buf, deposit.PDFOptions{FontPath: junk}); !errors.Is(err, deposit.ErrPDFFontMissing) || buf.Len() != 0 {
		t.Fatalf("junk font: %v", err)
	}
	if err := deposit.RenderCertificatePDF(nil, &buf, deposit.PDFOptions{}); err == nil {
		t.Fatal("nil certificate rendered")
	}
	pdfTools(t)
	c.Content.Name = "王\uE000国" // a private-use character no font has
	err = deposit.RenderCertificatePDF(c, &buf, deposit.PDFOptions{})
	if !errors.Is(err, deposit.ErrPDFGlyphMissing) || buf.Len() != 0 {
		t.Fatalf("missing glyph: %v", err)
	}
}
