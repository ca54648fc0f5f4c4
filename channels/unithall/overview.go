package unithall

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
)

// pendingBill returns the unpaid 汇缴 bill of month among bills, or nil.
func pendingBill(bills []deposit.Bill, month date.Month) *deposit.Bill {
	for i := range bills {
		b := &bills[i]
		if b.Kind == deposit.BillRemit && b.Month == month && b.Status == deposit.BillGenerated {
			return b
		}
	}
	return nil
}

type overviewData struct {
	Summary *deposit.UnitSummary
	Next    date.Month
	Pending *deposit.Bill // the generated, unpaid bill of Next
	Recent  []deposit.Bill
}

func (h *hall) overview(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.d.Deposit.Unit(ctx, unitNo(c))
	if err != nil {
		return err
	}
	sum, err := h.d.Deposit.UnitSummary(ctx, u.UnitNo)
	if err != nil {
		return err
	}
	bills, err := h.d.Deposit.Bills(ctx, u.UnitNo, 6)
	if err != nil {
		return err
	}
	d := overviewData{Summary: sum, Next: sum.NextMonth, Recent: bills}
	if !sum.NextDue {
		d.Next = date.Month{} // up to date: nothing to bill before next month
	}
	d.Pending = pendingBill(bills, d.Next)
	return h.render(c, http.StatusOK, "overview", view{Title: "单位概况", Menu: "overview", Unit: u, Data: d})
}
