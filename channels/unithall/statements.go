package unithall

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
)

type unitStatementData struct {
	From, To string
	Lines    []deposit.UnitStatementLine
}

// unitStatement lists the unit's posted remittances, supplements and suspense
// receipts in a date range (单位业务明细).
func (h *hall) unitStatement(c echo.Context) error {
	d := unitStatementData{From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to"))}
	v := view{Title: "单位业务明细", Menu: "statements", Data: &d}
	from, err := parseDate("起始日期", d.From)
	if err != nil {
		return h.formError(c, err, "statements", v)
	}
	to, err := parseDate("截止日期", d.To)
	if err != nil {
		return h.formError(c, err, "statements", v)
	}
	if d.Lines, err = h.d.Deposit.UnitStatement(c.Request().Context(), unitNo(c), from, to); err != nil {
		return h.formError(c, err, "statements", v)
	}
	return h.render(c, http.StatusOK, "statements", v)
}

type statementData struct {
	AccountNo, From, To string
	St                  *deposit.Statement
}

// employeeStatement shows an employee's personal statement (明细账); only the
// unit's own employees (the core refuses others).
func (h *hall) employeeStatement(c echo.Context) error {
	d := statementData{AccountNo: strings.TrimSpace(c.QueryParam("account_no")),
		From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to"))}
	v := view{Title: "个人明细账", Menu: "statements", Data: &d}
	if d.AccountNo == "" {
		return h.render(c, http.StatusOK, "statement", v)
	}
	from, err := parseDate("起始日期", d.From)
	if err != nil {
		return h.formError(c, err, "statement", v)
	}
	to, err := parseDate("截止日期", d.To)
	if err != nil {
		return h.formError(c, err, "statement", v)
	}
	st, err := h.d.Deposit.Statement(c.Request().Context(), unitNo(c), d.AccountNo, deposit.StatementQuery{From: from, To: to, Limit: 500})
	if err != nil {
		return h.formError(c, err, "statement", v)
	}
	d.St = st
	return h.render(c, http.StatusOK, "statement", v)
}
