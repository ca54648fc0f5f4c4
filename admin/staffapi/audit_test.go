package staffapi_test

import (
	"net/http"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
)

// TestStaffReadsAreAudited: looking at an account is itself on the record.
func TestStaffReadsAreAudited(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, apitest.SessionSchemes)
		token, _ := staffLogin(t, c, apitest.NewOTP(), "reviewer")
		acct := demo.Employees[2].AccountNo
		before := apitest.Snapshot(t, a)
		r := c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/accounts/" + acct + "/statement", Auth: token})
		if r.Status != http.StatusOK {
			t.Fatalf("statement = %s", r)
		}
		apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
		last := apitest.LastAudit(t, a)
		if last.Action != "staff.read" || last.Actor != "staff:reviewer" || last.Object != staffBase+"/accounts/"+acct+"/statement" || last.Channel != "counter" {
			t.Fatalf("audit record = %+v", last)
		}
		apitest.VerifyClean(t, a)
	})
}
