package unithall

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/policy"
)

// ratioInput is the 比例调整 form as typed: percent numbers ("12", "7.5").
type ratioInput struct {
	UnitRatio, PersonalRatio, Month string
}

func (h *hall) ratiosForm(c echo.Context) error {
	u, err := h.d.Deposit.Unit(c.Request().Context(), unitNo(c))
	if err != nil {
		return err
	}
	in := ratioInput{UnitRatio: percentInput(u.UnitBps), PersonalRatio: percentInput(u.PersonBps)}
	return h.render(c, http.StatusOK, "ratios", view{Title: "缴存比例调整", Menu: "ratios", Unit: u, Data: in})
}

// adjustRatios changes the unit's ratios; out-of-bounds values come back with
// the bounds in the core's message.
func (h *hall) adjustRatios(c echo.Context) error {
	in := ratioInput{UnitRatio: strings.TrimSpace(c.FormValue("unit_ratio")), PersonalRatio: strings.TrimSpace(c.FormValue("personal_ratio")),
		Month: strings.TrimSpace(c.FormValue("effective_month"))}
	v := view{Title: "缴存比例调整", Menu: "ratios", Data: in}
	ub, err := parsePercent("单位缴存比例", in.UnitRatio)
	if err != nil {
		return h.formError(c, err, "ratios", v)
	}
	pb, err := parsePercent("个人缴存比例", in.PersonalRatio)
	if err != nil {
		return h.formError(c, err, "ratios", v)
	}
	month, err := parseMonth("生效年月", in.Month)
	if err != nil {
		return h.formError(c, err, "ratios", v)
	}
	if _, err := h.d.Deposit.AdjustRatio(c.Request().Context(), unitNo(c), ub, pb, month); err != nil {
		return h.formError(c, err, "ratios", v)
	}
	return done(c, "/unit/ratios", "ratios")
}

// parsePercent reads a percent input; the % sign is optional on the form.
func parsePercent(field, s string) (int64, error) {
	if s != "" && !strings.HasSuffix(s, "%") && !strings.HasSuffix(s, "％") {
		s += "%"
	}
	bps, err := policy.ParsePercentBps(s)
	if err != nil {
		return 0, fieldErr(field, err)
	}
	return bps, nil
}
