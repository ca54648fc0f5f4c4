package staffapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/notify"
	"gjj/internal/platform/errs"
)

func (h *handler) registerSMS(g *echo.Group) {
	g.GET("/sms-outbox", h.smsOutbox)
}

var (
	errPhoneQuery = errs.New(errs.Invalid, "request.invalid_query", "请指定手机号码（phone）").With("parameter", "phone")
	errLimitQuery = errs.Newf(errs.Invalid, "request.invalid_query", "limit 应为 1 到 %d 之间的整数", notify.MaxLimit).With("parameter", "limit")
)

type smsJSON struct {
	Phone     string `json:"phone"`
	Text      string `json:"text"`
	CreatedAt string `json:"created_at"`
	Status    string `json:"status"`
}

// smsOutbox is GET /api/admin/v1/sms-outbox?phone=…&limit=…: the messages
// recorded for one mobile number, newest first (limit 1–200, default 20).
// Staff whose role grants this route (sysadmin, hotline_agent, auditor) see
// the phone and the text in full, as stored: they need them to help a caller
// (with the outbox driver the stored text, OTP codes included, is the only
// delivery). The read is audited (auditReads) without the phone number.
func (h *handler) smsOutbox(c echo.Context) error {
	phone := c.QueryParam("phone")
	if phone == "" {
		return errPhoneQuery
	}
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > notify.MaxLimit {
			return errLimitQuery
		}
		limit = n
	}
	list, err := h.d.Notify.Outbox(c.Request().Context(), notify.Filter{Phone: phone, Limit: limit})
	if err != nil {
		return err
	}
	items := make([]smsJSON, len(list))
	for i, m := range list {
		items[i] = smsJSON{Phone: m.Phone, Text: m.Text, CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339), Status: m.Status}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}
