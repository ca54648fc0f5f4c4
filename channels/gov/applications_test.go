package gov_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	"gjj/channels/gov"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/demo"
)

// TestCertificateApplication: the 政务服务 platform applies for 李明's deposit
// certificate with his recorded authorization; it goes through the gate as
// channel gov into the deposit core's issuer (a real, verifiable certificate
// audited with the agency as actor). Without an authorization, for a person
// the authorization does not list, under a wrong name, or from an agency not
// allowed basic, it is refused, audited, and nothing is issued.
func TestCertificateApplication(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := agency(t, a, "basic")
		liMing, chenFang := demo.Employees[1], demo.Employees[2]
		r := c.Do(t, http.MethodPost, gov.Base+"/authorizations", map[string]any{"ref": "ZW2026-0001", "purpose": "一网通办 缴存证明",
			"members": []string{liMing.IDNumber}, "kinds": []string{"basic"}, "valid_until": today(t, a)})
		if r.Status != http.StatusCreated {
			t.Fatalf("authorization: %s", r)
		}
		apply := func(ref string, e demo.Employee, name string) apitest.Result {
			return c.Do(t, http.MethodPost, gov.Base+"/applications/deposit-certificate", map[string]any{"authorization_ref": ref,
				"applicant": map[string]string{"name": name, "id_type": "01", "id_number": e.IDNumber}})
		}
		certs := func() int {
			var n int
			if err := a.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM certificate`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := certs()
		for _, tc := range []struct {
			name, ref string
			e         demo.Employee
			applicant string
			status    int
			code      string
		}{
			{"no authorization", "ZW-NONE", liMing, liMing.Name, http.StatusForbidden, "gov.no_authorization"},
			{"not listed", "ZW2026-0001", chenFang, chenFang.Name, http.StatusForbidden, "gov.member_not_authorized"},
			{"wrong name", "ZW2026-0001", liMing, "李四", http.StatusNotFound, "gov.applicant_unknown"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				apitest.CheckProblem(t, apply(tc.ref, tc.e, tc.applicant), tc.status, tc.code)
				if e := apitest.LastAudit(t, a); e.Action != "gov.application" || e.Result != "refused" || e.Actor != "agency:MZ-01" {
					t.Errorf("audit %+v", e.Record)
				}
			})
		}
		if n := certs(); n != before {
			t.Fatalf("refused applications issued %d certificates", n-before)
		}

		got := apitest.Decode[map[string]string](t, apply("ZW2026-0001", liMing, liMing.Name), http.StatusCreated)
		pdf, err := base64.StdEncoding.DecodeString(got["pdf_base64"])
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("pdf: %v %.20q", err, pdf)
		}
		cert, err := a.Deposit.Certificate(ctx, got["verify_code"])
		if err != nil || cert.CertNo != got["cert_no"] || cert.AccountNo != liMing.AccountNo || cert.IssuedBy != "agency:MZ-01" {
			t.Fatalf("certificate %+v %v", cert, err)
		}
		if certs() != before+1 {
			t.Error("not exactly one certificate issued")
		}
		if e := apitest.LastAudit(t, a); e.Action != "gov.application" || e.Result != "ok" {
			t.Errorf("audit %+v", e.Record)
		}
		issued, _ := a.Audit.List(ctx, auditFilter("deposit.certificate_issue"))
		if len(issued) == 0 || issued[0].Channel != "gov" || issued[0].Actor != "agency:MZ-01" {
			t.Errorf("issue audit %+v", issued)
		}
		apitest.VerifyClean(t, a)
	}, quiet)
}

func auditFilter(action string) audit.Filter { return audit.Filter{Action: action, Limit: 1} }
