package staffapi_test

import (
	"net/http"
	"testing"

	"gjj/internal/app"
	"gjj/internal/demo"
)

// TestStaffReadsAreAudited: looking at an account is itself on the record.
func TestStaffReadsAreAudited(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		token, _ := staffLogin(t, c, newOTP(), "reviewer")
		acct := demo.Employees[2].AccountNo
		before := snapshot(t, a)
		r := c.do(t, call{method: "GET", path: staffBase + "/accounts/" + acct + "/statement", auth: token})
		if r.status != http.StatusOK {
			t.Fatalf("statement = %s", r)
		}
		wrote(t, a, before, map[string]int64{"audit_log": 1})
		last := lastAudit(t, a)
		if last.Action != "staff.read" || last.Actor != "staff:reviewer" || last.Object != staffBase+"/accounts/"+acct+"/statement" || last.Channel != "counter" {
			t.Fatalf("audit record = %+v", last)
		}
		verifyClean(t, a)
	})
}
