package unitapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
)

func (h *handler) openEmployee(c echo.Context) error {
	var in deposit.EmployeeInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	e, err := h.d.Deposit.OpenEmployee(c.Request().Context(), unitNo(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]string{"account_no": e.AccountNo, "status": e.Status})
}

type sealBody struct {
	Reason string `json:"reason"`
}

func (h *handler) seal(c echo.Context) error {
	var b sealBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	e, err := h.d.Deposit.SealEmployee(c.Request().Context(), unitNo(c), c.Param("account_no"), b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOf(e))
}

func (h *handler) unseal(c echo.Context) error {
	e, err := h.d.Deposit.UnsealEmployee(c.Request().Context(), unitNo(c), c.Param("account_no"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOf(e))
}

// transfer moves a sealed account of another unit into the caller's unit (同城转移).
func (h *handler) transfer(c echo.Context) error {
	e, err := h.d.Deposit.TransferEmployee(c.Request().Context(), unitNo(c), c.Param("account_no"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOf(e))
}

type baseBody struct {
	BaseFen        money.Fen  `json:"base_fen"`
	EffectiveMonth date.Month `json:"effective_month"` // optional: the current month
}

func (h *handler) base(c echo.Context) error {
	var b baseBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	e, err := h.d.Deposit.AdjustBase(c.Request().Context(), unitNo(c), c.Param("account_no"), b.BaseFen, b.EffectiveMonth)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOf(e))
}

type ratioBody struct {
	UnitRatio      string     `json:"unit_ratio"`     // percent string, "12%"
	PersonalRatio  string     `json:"personal_ratio"` // percent string
	EffectiveMonth date.Month `json:"effective_month"`
}

func (h *handler) ratios(c echo.Context) error {
	var b ratioBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ub, err := policy.ParsePercentBps(b.UnitRatio)
	if err != nil {
		return err
	}
	pb, err := policy.ParsePercentBps(b.PersonalRatio)
	if err != nil {
		return err
	}
	u, err := h.d.Deposit.AdjustRatio(c.Request().Context(), unitNo(c), ub, pb, b.EffectiveMonth)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"unit_ratio": policy.FormatBps(u.UnitBps), "personal_ratio": policy.FormatBps(u.PersonBps)})
}

func (h *handler) certificate(c echo.Context) error {
	cert, err := h.d.Deposit.IssueCertificate(c.Request().Context(), unitNo(c), c.Param("account_no"))
	if err != nil {
		return err
	}
	verify := deposit.VerifyBaseURL + "/verify/" + cert.VerifyCode
	return c.JSON(http.StatusCreated, map[string]any{"cert_no": cert.CertNo, "verify_code": cert.VerifyCode, "issued_on": cert.IssuedOn,
		"verify_url": verify, "pdf_url": verify + "/pdf"})
}

// preregister takes a unit's online pre-registration (开户预约). It needs no
// session: the unit has no account yet; staff review it.
func (h *handler) preregister(c echo.Context) error {
	var in deposit.PreregInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.d.Deposit.SubmitPreregistration(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": p.ID, "status": p.Status})
}
