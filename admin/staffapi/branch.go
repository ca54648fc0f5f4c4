package staffapi

import (
	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Branch scoping of the withdrawal and loan review routes (access.Scope):
// staff whose roles are granted only in a branch domain ("branch:GL01") are
// checked in that domain, may call only the routes in branchRoutes, see in
// the queues only the applications whose account belongs to a unit of their
// branches, and get 403 access.other_branch (audited as staff.refused) for
// any other application or loan. Center staff see everything. The counter
// filing routes and the unit pre-registrations (which record no branch) stay
// center-only.
var branchRoutes = map[string]bool{
	"GET /api/admin/v1/withdrawals":                         true,
	"GET /api/admin/v1/withdrawals/:id":                     true,
	"POST /api/admin/v1/withdrawals/:id/approve":            true,
	"POST /api/admin/v1/withdrawals/:id/return":             true,
	"POST /api/admin/v1/withdrawals/:id/reject":             true,
	"GET /api/admin/v1/loan-applications":                   true,
	"GET /api/admin/v1/loan-applications/:id":               true,
	"POST /api/admin/v1/loan-applications/:id/approve":      true,
	"POST /api/admin/v1/loan-applications/:id/reject":       true,
	"POST /api/admin/v1/loan-applications/:id/contract":     true,
	"POST /api/admin/v1/loan-applications/:id/disbursement": true,
	"GET /api/admin/v1/loans/:loan_no":                      true,
}

// scopeDomain is the casbin domain a staff member is checked in: the
// center's, or their first branch's (access.Scope.Domain).
func scopeDomain(en *access.Enforcer) func(*identity.Principal) string {
	return func(p *identity.Principal) string { return en.Scope(p.Subject).Domain() }
}

// branchScope admits branch staff only on branchRoutes ("METHOD path"), and only when the
// store is wired (d nil: center-only); others are refused with
// access.forbidden, audited as staff.refused.
func branchScope(en *access.Enforcer, d *db.DB, a *audit.Log) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p := guard.Principal(c); p != nil && !en.Scope(p.Subject).Center && (d == nil || !branchRoutes[c.Request().Method+" "+c.Path()]) {
				return refused(c, a, access.ErrForbidden, "forbidden")
			}
			return next(c)
		}
	}
}

// scopeOf is the signed-in staff member's scope.
func scopeOf(c echo.Context, en *access.Enforcer) access.Scope {
	if p := guard.Principal(c); p != nil {
		return en.Scope(p.Subject)
	}
	return access.Scope{}
}

// checkAccount refuses branch staff an item on employee account accountNo of
// another branch's unit: access.other_branch, audited as staff.refused.
func checkAccount(c echo.Context, en *access.Enforcer, d *db.DB, a *audit.Log, accountNo string) error {
	sc := scopeOf(c, en)
	if sc.Center {
		return nil
	}
	if err := sc.CheckAccount(c.Request().Context(), d, accountNo); err != nil {
		if errs.CodeOf(err) == access.ErrOtherBranch.Code {
			return refused(c, a, access.ErrOtherBranch, "other_branch")
		}
		return err
	}
	return nil
}

// refused audits a refused staff request and returns e.
func refused(c echo.Context, a *audit.Log, e *errs.Error, reason string) error {
	object := c.Path()
	if len(object) > audit.MaxObject {
		object = object[:audit.MaxObject]
	}
	if _, err := a.Write(c.Request().Context(), audit.Record{Action: "staff.refused", Object: object, Result: audit.ResultRefused,
		After: audit.Summary(map[string]string{"method": c.Request().Method, "reason": reason, "id": c.Param("id")})}); err != nil {
		return err
	}
	return e
}
