package loan_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/platform/date"
	"gjj/internal/platform/testenv"
)

// TestSettlementPDF renders a 结清证明 and reads it back with pdftotext.
func TestSettlementPDF(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	font := false
	for _, p := range deposit.FontCandidates {
		if _, err := os.Stat(p); err == nil {
			font = true
		}
	}
	if err != nil || !font {
		msg := "settlement PDF check needs pdftotext (poppler-utils) and fonts-lxgw-wenkai"
		if testenv.Required("pdf") {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	st := &loan.Settlement{LoanNo: "DK0000000007", ContractNo: "HT0000000007", Name: "李明", IDMasked: "350102********3011",
		Center: "示例市住房公积金管理中心", Principal: 10_000_000, PrincipalRepaid: 10_000_000, Interest: 141_234, Penalty: 338,
		DisbursedOn: date.MustParse("2025-03-10"), SettledOn: date.MustParse("2027-03-10"), IssuedOn: date.MustParse("2027-03-11")}
	var buf bytes.Buffer
	if err := loan.RenderSettlementPDF(st, &buf); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-layout", "-", "-")
	cmd.Stdin = &buf
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"住房公积金个人住房贷款结清证明", "DK0000000007", "HT0000000007", "李明", "350102********3011",
		"100,000.00 元", "1,412.34 元", "3.38 元", "2027年3月10日", "示例市住房公积金管理中心", "已全部结清"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "350102198805123011") {
		t.Error("full ID number on the certificate")
	}
}
