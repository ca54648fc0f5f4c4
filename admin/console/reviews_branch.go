package console

import (
	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/platform/errs"
)

// Branch scoping of the withdrawal and loan review queues (scope.go): branch
// staff see in the lists only the applications whose account belongs to a
// unit of their branches, and are refused (403 page, audited as
// console.refused with reason other_branch) any other application by id.
// Unit pre-registrations record no branch (the unit does not exist yet), so
// their queue stays center-only: it is not a branch page.

// checkAccountScope refuses branch staff an application on account accountNo
// of another branch's unit (false when it answered the request).
func (h *handler) checkAccountScope(c echo.Context, accountNo string) (bool, error) {
	sc := h.scopeOf(c)
	if sc.Center {
		return true, nil
	}
	if err := sc.CheckAccount(c.Request().Context(), h.d.DB, accountNo); err != nil {
		if errs.CodeOf(err) == access.ErrOtherBranch.Code {
			return false, h.refuse(c, access.ErrOtherBranch, "other_branch")
		}
		return false, err
	}
	return true, nil
}

// checkWithdrawal refuses branch staff a withdrawal application of another
// branch (false when it answered the request; an unknown id is the core's
// not-found error).
func (h *handler) checkWithdrawal(c echo.Context) (bool, error) {
	if h.scopeOf(c).Center {
		return true, nil
	}
	id, err := idParam(c)
	if err != nil {
		return false, err
	}
	a, err := h.d.Withdrawal.Get(c.Request().Context(), id)
	if err != nil {
		return false, err
	}
	return h.checkAccountScope(c, a.AccountNo)
}

// checkLoan refuses branch staff a loan application whose borrower's account
// belongs to another branch (false when it answered the request).
func (h *handler) checkLoan(c echo.Context) (bool, error) {
	if h.scopeOf(c).Center {
		return true, nil
	}
	id, err := idParam(c)
	if err != nil {
		return false, err
	}
	a, err := h.d.Loan.Application(c.Request().Context(), 0, id)
	if err != nil {
		return false, err
	}
	return h.checkAccountScope(c, a.AccountNo)
}
