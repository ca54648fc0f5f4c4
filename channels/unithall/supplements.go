package unithall

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// maxSupplementMonths bounds the month range of one 补缴 form.
const maxSupplementMonths = 120

// supplementInput is the 补缴 form as typed.
type supplementInput struct {
	AccountNo, From, To string
}

type supplementData struct {
	In        supplementInput
	Employees []deposit.Employee // choices (not closed), for the account field's suggestions
	Bills     []deposit.Bill     // the unit's 补缴 bills
}

func (h *hall) supplementForm(c echo.Context) error {
	return h.renderSupplements(c, supplementInput{AccountNo: c.QueryParam("account_no")}, nil)
}

func (h *hall) renderSupplements(c echo.Context, in supplementInput, err error) error {
	ctx := c.Request().Context()
	emps, _, lerr := h.d.Deposit.Employees(ctx, unitNo(c), deposit.EmployeeFilter{Limit: 500})
	if lerr != nil {
		return lerr
	}
	d := supplementData{In: in}
	for _, e := range emps {
		if !e.Closed() {
			d.Employees = append(d.Employees, e)
		}
	}
	bills, berr := h.d.Deposit.Bills(ctx, unitNo(c), 120)
	if berr != nil {
		return berr
	}
	for _, b := range bills {
		if b.Kind == deposit.BillSupplement {
			d.Bills = append(d.Bills, b)
		}
	}
	v := view{Title: "补缴业务", Menu: "supplements", Data: d}
	if err != nil {
		return h.formError(c, err, "supplements", v)
	}
	return h.render(c, http.StatusOK, "supplements", v)
}

// generateSupplement asks the core for a 补缴清册 of one employee for the
// months from..to; the bill is then reviewed and paid like a 汇缴 bill.
func (h *hall) generateSupplement(c echo.Context) error {
	in := supplementInput{AccountNo: strings.TrimSpace(c.FormValue("account_no")),
		From: strings.TrimSpace(c.FormValue("from")), To: strings.TrimSpace(c.FormValue("to"))}
	months, err := monthRange(in.From, in.To)
	if err != nil {
		return h.renderSupplements(c, in, err)
	}
	b, err := h.d.Deposit.GenerateSupplement(c.Request().Context(), unitNo(c),
		[]deposit.SupplementItem{{AccountNo: in.AccountNo, Months: months}})
	if err != nil {
		return h.renderSupplements(c, in, err)
	}
	return done(c, billPath(b.ID), "supplement")
}

// monthRange lists the months from..to (to empty: from alone).
func monthRange(fromText, toText string) ([]date.Month, error) {
	from, err := parseMonth("补缴起始年月", fromText)
	if err != nil {
		return nil, err
	}
	if from.IsZero() {
		return nil, errs.New(errs.Invalid, "unithall.required", "请填写补缴起始年月")
	}
	to, err := parseMonth("补缴截止年月", toText)
	if err != nil {
		return nil, err
	}
	if to.IsZero() {
		to = from
	}
	n := from.MonthsUntil(to) + 1
	if n < 1 || n > maxSupplementMonths {
		return nil, errs.Newf(errs.Invalid, deposit.ErrInvalidInput.Code, "补缴截止年月须不早于起始年月，且一次最多 %d 个月", maxSupplementMonths)
	}
	out := make([]date.Month, 0, n)
	for m := from; !m.After(to); m = m.Next() {
		out = append(out, m)
	}
	return out, nil
}
