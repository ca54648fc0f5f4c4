package unitapi_test

import (
	"net/http"
	"strings"
	"testing"

	"gjj/internal/app"
	"gjj/internal/demo"
)

func TestIssueCertificate(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		agent := login(t, c, newOTP(), demo.UnitNo)
		acct := demo.Employees[1].AccountNo
		before := snapshot(t, a)
		r := c.do(t, call{method: "POST", path: unitBase + "/employees/" + acct + "/certificate", auth: agent})
		got := decode[struct {
			CertNo     string `json:"cert_no"`
			VerifyCode string `json:"verify_code"`
			IssuedOn   string `json:"issued_on"`
			VerifyURL  string `json:"verify_url"`
			PDFURL     string `json:"pdf_url"`
		}](t, r, http.StatusCreated)
		if !strings.HasPrefix(got.CertNo, "ZM") || len(got.VerifyCode) != 16 || !strings.HasSuffix(got.VerifyURL, "/verify/"+got.VerifyCode) {
			t.Fatalf("certificate = %+v", got)
		}
		cert, err := a.Deposit.Certificate(t.Context(), got.VerifyCode)
		if err != nil || cert.AccountNo != acct {
			t.Fatalf("lookup by verify code = %+v, %v", cert, err)
		}
		wrote(t, a, before, map[string]int64{"certificate": 1, "audit_log": 1})
		// Unknown accounts are refused and write nothing.
		before = snapshot(t, a)
		r = c.do(t, call{method: "POST", path: unitBase + "/employees/209999999999/certificate", auth: agent})
		checkProblem(t, r, http.StatusNotFound, "deposit.employee_not_found")
		unchanged(t, a, before)
		verifyClean(t, a)
	})
}
