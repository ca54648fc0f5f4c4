package unitapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
)

func (h *handler) account(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.d.Deposit.Unit(ctx, unitNo(c))
	if err != nil {
		return err
	}
	sum, err := h.d.Deposit.UnitSummary(ctx, u.UnitNo)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"account_no": u.UnitNo, "name": u.Name, "uscc": u.USCC, "status": u.Status, "payday": u.Payday,
		"unit_ratio": policy.FormatBps(u.UnitBps), "personal_ratio": policy.FormatBps(u.PersonBps),
		"first_month": u.FirstMonth, "paid_through": u.PaidThrough, "headcount": sum.Headcount, "sealed_count": sum.SealedCount,
		"balance_fen": sum.BalanceFen, "suspense_fen": sum.SuspenseFen, "arrears_months": sum.ArrearsMonths,
	})
}

type billBody struct {
	Month date.Month `json:"month"`
}

func (h *handler) generateBill(c echo.Context) error {
	var b billBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	if b.Month.IsZero() {
		return date.ErrMonthSyntax
	}
	bill, err := h.d.Deposit.GenerateBill(c.Request().Context(), unitNo(c), b.Month)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, bill)
}

type supplementBody struct {
	Items []deposit.SupplementItem `json:"items"`
}

func (h *handler) generateSupplement(c echo.Context) error {
	var b supplementBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	bill, err := h.d.Deposit.GenerateSupplement(c.Request().Context(), unitNo(c), b.Items)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, bill)
}

func billID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, deposit.ErrBillNotFound
	}
	return id, nil
}

func (h *handler) bill(c echo.Context) error {
	id, err := billID(c)
	if err != nil {
		return err
	}
	bill, err := h.d.Deposit.Bill(c.Request().Context(), unitNo(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bill)
}

func (h *handler) bills(c echo.Context) error {
	limit, err := intParam(c, "limit", 24, 1, 120) // deposit.Bills serves at most 120
	if err != nil {
		return err
	}
	list, err := h.d.Deposit.Bills(c.Request().Context(), unitNo(c), limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []deposit.Bill{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

type paymentBody struct {
	AmountFen  money.Fen `json:"amount_fen"`
	BankSerial string    `json:"bank_serial"`
}

func (h *handler) pay(c echo.Context) error {
	id, err := billID(c)
	if err != nil {
		return err
	}
	var b paymentBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	res, err := h.d.Deposit.PayBill(c.Request().Context(), unitNo(c), id, b.BankSerial, b.AmountFen)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
