package webhall

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// errBadRange answers a statement query whose start is after its end.
var errBadRange = errs.New(errs.Invalid, "webhall.bad_range", "起始日期不能晚于截止日期").With("field", "to")

// account is the signed-in person's employee account.
func (h *hall) account(c echo.Context) (*deposit.Employee, error) {
	return h.d.Deposit.PersonAccount(c.Request().Context(), principal(c).PersonID())
}

type overviewData struct {
	Emp     *deposit.Employee
	St      *deposit.Statement // status name, ratios and the latest lines
	Monthly deposit.Monthly
}

// overview shows the person's account: number, status, balance, base,
// ratios, monthly amount, paid-through month, unit and the latest postings.
func (h *hall) overview(c echo.Context) error {
	ctx := c.Request().Context()
	e, err := h.account(c)
	if err != nil {
		return err
	}
	st, err := h.d.Deposit.Statement(ctx, "", e.AccountNo, deposit.StatementQuery{Limit: 5})
	if err != nil {
		return err
	}
	d := overviewData{Emp: e, St: st}
	if d.Monthly, err = h.d.Deposit.MonthlyAmount(ctx, e); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "overview", view{Title: "我的账户", Menu: "overview", Data: d})
}

type statementData struct {
	From, To string
	St       *deposit.Statement
}

// statementLimit is the most lines the statement page shows.
const statementLimit = 500

// statement shows the person's own statement (明细账) between two business
// dates (either may be empty); bad dates are answered on the page.
func (h *hall) statement(c echo.Context) error {
	d := statementData{From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to"))}
	v := view{Title: "缴存明细", Menu: "statement", Data: &d}
	from, err := parseDate("起始日期", "from", d.From)
	if err != nil {
		return h.formError(c, err, "statement", v)
	}
	to, err := parseDate("截止日期", "to", d.To)
	if err != nil {
		return h.formError(c, err, "statement", v)
	}
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		return h.formError(c, errBadRange, "statement", v)
	}
	e, err := h.account(c)
	if err != nil {
		return err
	}
	st, err := h.d.Deposit.Statement(c.Request().Context(), "", e.AccountNo, deposit.StatementQuery{From: from, To: to, Limit: statementLimit})
	if err != nil {
		return h.formError(c, err, "statement", v)
	}
	d.St = st
	return h.render(c, http.StatusOK, "statement", v)
}

// parseDate reads a YYYY-MM-DD query field; empty is the zero date.
func parseDate(label, field, s string) (date.Date, error) {
	if s == "" {
		return date.Date{}, nil
	}
	d, err := date.Parse(s)
	if err != nil {
		e := *errs.E(err)
		e.Message = label + "：" + e.Message
		return date.Date{}, e.With("field", field)
	}
	return d, nil
}

func (h *hall) certificateForm(c echo.Context) error {
	e, err := h.account(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "certificate", view{Title: "缴存证明", Menu: "certificate", Data: e})
}

// certificate issues a deposit certificate (缴存证明) for the person's own
// account and answers its PDF as a download; the PDF carries the code anyone
// can check at /verify/<code>.
func (h *hall) certificate(c echo.Context) error {
	ctx := c.Request().Context()
	e, err := h.account(c)
	if err != nil {
		return err
	}
	cert, err := h.d.Deposit.IssueCertificate(ctx, "", e.AccountNo)
	if err != nil {
		return h.formError(c, err, "certificate", view{Title: "缴存证明", Menu: "certificate", Data: e})
	}
	var buf bytes.Buffer
	if err := h.d.Deposit.CertificatePDF(ctx, cert, &buf); err != nil {
		return err
	}
	name := "缴存证明-" + cert.CertNo + ".pdf"
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="certificate.pdf"; filename*=UTF-8''%s`, url.PathEscape(name)))
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}
