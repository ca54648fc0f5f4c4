package unithall

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
)

// deferralInput is the 缓缴 application form as typed.
type deferralInput struct {
	Start, End, Reason string
}

type deferralsData struct {
	In   deferralInput
	List []deposit.Deferral
}

func (h *hall) deferrals(c echo.Context) error {
	sum, err := h.d.Deposit.UnitSummary(c.Request().Context(), unitNo(c))
	if err != nil {
		return err
	}
	return h.renderDeferrals(c, deferralInput{Start: sum.NextMonth.String()}, nil)
}

func (h *hall) renderDeferrals(c echo.Context, in deferralInput, err error) error {
	list, lerr := h.d.Deposit.Deferrals(c.Request().Context(), unitNo(c))
	if lerr != nil {
		return lerr
	}
	v := view{Title: "缓缴申请", Menu: "deferrals", Data: deferralsData{In: in, List: list}}
	if err != nil {
		return h.formError(c, err, "deferrals", v)
	}
	return h.render(c, http.StatusOK, "deferrals", v)
}

func (h *hall) applyDeferral(c echo.Context) error {
	in := deferralInput{Start: strings.TrimSpace(c.FormValue("start_month")), End: strings.TrimSpace(c.FormValue("end_month")),
		Reason: strings.TrimSpace(c.FormValue("reason"))}
	start, err := parseMonth("缓缴开始年月", in.Start)
	if err != nil {
		return h.renderDeferrals(c, in, err)
	}
	end, err := parseMonth("缓缴结束年月", in.End)
	if err != nil {
		return h.renderDeferrals(c, in, err)
	}
	if _, err := h.d.Deposit.ApplyDeferral(c.Request().Context(), unitNo(c), start, end, in.Reason); err != nil {
		return h.renderDeferrals(c, in, err)
	}
	return done(c, "/unit/deferrals", "deferral")
}
