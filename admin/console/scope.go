package console

import (
	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/core/deposit"
	"gjj/internal/platform/errs"
)

// Branch scoping (access.Scope): staff whose roles are granted only in a
// branch domain ("branch:GL01") are checked in that domain and may open only
// the pages that know about branches — the account lookup and the deferral
// queue — where they see and act on the units of their branch and those
// units' employees; anything else is refused like a page their roles do not
// allow. Center staff (roles in the "*" domain) see everything.
var branchPages = map[string]bool{
	"/admin/accounts":                      true,
	"/admin/accounts/:account_no":          true,
	"/admin/accounts/:account_no/reveal":   true,
	"/admin/reviews/deferrals":             true,
	"/admin/reviews/deferrals/:id/approve": true,
	"/admin/reviews/deferrals/:id/reject":  true,
	// Withdrawal and loan reviews (reviews_branch.go); the counter filing
	// form and the pre-registrations (no branch recorded) stay center-only.
	"/admin/reviews/withdrawals":             true,
	"/admin/reviews/withdrawals/:id":         true,
	"/admin/reviews/withdrawals/:id/approve": true,
	"/admin/reviews/withdrawals/:id/return":  true,
	"/admin/reviews/withdrawals/:id/reject":  true,
	"/admin/reviews/loans":                   true,
	"/admin/reviews/loans/:id":               true,
	"/admin/reviews/loans/:id/approve":       true,
	"/admin/reviews/loans/:id/reject":        true,
	"/admin/reviews/loans/:id/contract":      true,
	"/admin/reviews/loans/:id/disburse":      true,
}

const scopeKey = "console.scope"

// scopeOf is the signed-in staff member's scope (computed once per request).
func (h *handler) scopeOf(c echo.Context) access.Scope {
	if s, ok := c.Get(scopeKey).(access.Scope); ok {
		return s
	}
	s := access.Scope{Center: true}
	if p := principal(c); p != nil {
		s = h.d.Access.Scope(p.Subject)
	}
	c.Set(scopeKey, s)
	return s
}

// allowedPage reports whether the staff member may call route template path
// with method: their roles in their scope's domain, and for branch staff only
// the branch pages.
func (h *handler) allowedPage(c echo.Context, path, method string) (bool, error) {
	s := h.scopeOf(c)
	if !s.Center && !branchPages[path] {
		return false, nil
	}
	return h.d.Access.Allowed(principal(c).Subject, s.Domain(), path, method)
}

// branchSearchLimit is how many matches a branch-scoped account search
// reads before keeping those of the staff member's branches.
const branchSearchLimit = 500

// branchEmployees is the account lookup for branch staff: the matches (up to
// branchSearchLimit) whose unit belongs to one of their branches, a page of
// them and their number.
func (h *handler) branchEmployees(c echo.Context, sc access.Scope, q deposit.EmployeeSearch) ([]deposit.Employee, int, error) {
	ctx := c.Request().Context()
	offset := q.Offset
	q.Offset, q.Limit = 0, branchSearchLimit
	all, _, err := h.d.Deposit.SearchEmployees(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, 0, len(all))
	for _, e := range all {
		ids = append(ids, e.UnitID)
	}
	branches, err := access.UnitBranches(ctx, h.d.DB, ids)
	if err != nil {
		return nil, 0, err
	}
	var mine []deposit.Employee
	for _, e := range all {
		if sc.Sees(branches[e.UnitID]) {
			mine = append(mine, e)
		}
	}
	if offset >= len(mine) {
		return nil, len(mine), nil
	}
	return mine[offset:min(offset+AccountPageSize, len(mine))], len(mine), nil
}

// checkAccount refuses (403 page, audited as console.refused) an account of
// another branch for branch staff: false when it answered the request. An
// unknown account is the core's not-found answer later.
func (h *handler) checkAccount(c echo.Context) (bool, error) {
	sc := h.scopeOf(c)
	if sc.Center {
		return true, nil
	}
	b, err := access.AccountBranch(c.Request().Context(), h.d.DB, c.Param("account_no"))
	if err != nil {
		return false, err
	}
	if !sc.Sees(b) {
		return false, h.refuse(c, access.ErrOtherBranch, "other_branch")
	}
	return true, nil
}

// checkDeferral refuses branch staff a deferral of another branch's unit
// (false when it answered the request).
func (h *handler) checkDeferral(c echo.Context, id int64) (bool, error) {
	sc := h.scopeOf(c)
	if sc.Center {
		return true, nil
	}
	ctx := c.Request().Context()
	df, err := h.d.Deposit.Deferral(ctx, id)
	if err != nil {
		return false, h.renderDeferrals(c, err)
	}
	if err := sc.CheckUnit(ctx, h.d.DB, df.UnitNo); err != nil {
		if errs.KindOf(err) == errs.Forbidden {
			return false, h.refuse(c, access.ErrOtherBranch, "other_branch")
		}
		return false, err
	}
	return true, nil
}
