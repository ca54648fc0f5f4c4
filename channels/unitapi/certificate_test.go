package unitapi_test

import (
	"net/http"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
)

func TestIssueCertificate(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, apitest.SessionSchemes)
		agent := login(t, c, apitest.NewOTP(), demo.UnitNo)
		acct := demo.Employees[1].AccountNo
		before := apitest.Snapshot(t, a)
		r := c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/employees/" + acct + "/certificate", Auth: agent})
		got := apitest.Decode[struct {
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
		apitest.Wrote(t, a, before, map[string]int64{"certificate": 1, "audit_log": 1})
		// Unknown accounts are refused and write nothing.
		before = apitest.Snapshot(t, a)
		r = c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/employees/209999999999/certificate", Auth: agent})
		apitest.CheckProblem(t, r, http.StatusNotFound, "deposit.employee_not_found")
		apitest.Unchanged(t, a, before)
		apitest.VerifyClean(t, a)
	})
}
