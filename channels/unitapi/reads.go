package unitapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

var errQuery = errs.New(errs.Invalid, "request.invalid_query", "查询参数不正确")

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errQuery.With("parameter", name)
	}
	return n, nil
}

// dateParam reads an optional YYYY-MM-DD query parameter.
func dateParam(c echo.Context, name string) (date.Date, error) {
	s := c.QueryParam(name)
	if s == "" {
		return date.Date{}, nil
	}
	d, err := date.Parse(s)
	if err != nil {
		return date.Date{}, errQuery.With("parameter", name)
	}
	return d, nil
}

// employeeView is an employee as the unit sees it: personal data masked.
type employeeView struct {
	AccountNo   string     `json:"account_no"`
	Name        string     `json:"name"`
	IDNumber    string     `json:"id_number"` // masked
	Status      string     `json:"status"`
	BaseFen     int64      `json:"base_fen"`
	BalanceFen  int64      `json:"balance_fen"`
	PaidThrough date.Month `json:"paid_through"`
}

func viewOf(e *deposit.Employee) employeeView {
	return employeeView{AccountNo: e.AccountNo, Name: e.Name, IDNumber: ident.MaskIDNumber(e.IDNumber), Status: e.Status, BaseFen: int64(e.Base),
		BalanceFen: int64(e.Balance), PaidThrough: e.PaidThrough}
}

func (h *handler) employees(c echo.Context) error {
	offset, err := intParam(c, "offset", 0, 0, 1_000_000)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	f := deposit.EmployeeFilter{Status: c.QueryParam("status"), Query: c.QueryParam("q"), Offset: offset, Limit: limit}
	list, total, err := h.d.Deposit.Employees(c.Request().Context(), unitNo(c), f)
	if err != nil {
		return err
	}
	items := make([]employeeView, 0, len(list))
	for i := range list {
		items = append(items, viewOf(&list[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"total": total, "offset": offset, "items": items})
}

func (h *handler) statement(c echo.Context) error {
	from, err := dateParam(c, "from")
	if err != nil {
		return err
	}
	to, err := dateParam(c, "to")
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	st, err := h.d.Deposit.Statement(c.Request().Context(), unitNo(c), c.Param("account_no"), deposit.StatementQuery{From: from, To: to, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
