package appapi

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/notice"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// accountView is the person's own deposit account.
type accountView struct {
	AccountNo     string `json:"account_no"`
	Name          string `json:"name"`
	Status        string `json:"status"`
	StatusName    string `json:"status_name"`
	BalanceFen    int64  `json:"balance_fen"`
	BaseFen       int64  `json:"base_fen"`
	UnitRatio     string `json:"unit_ratio"`
	PersonalRatio string `json:"personal_ratio"`
	// MonthlyFen is what the unit and the person pay a month (0 unless the
	// account is 01 正常: only those are billed).
	MonthlyFen         int64      `json:"monthly_fen"`
	UnitMonthlyFen     int64      `json:"unit_monthly_fen"`
	PersonalMonthlyFen int64      `json:"personal_monthly_fen"`
	PaidThrough        date.Month `json:"paid_through"`
	UnitNo             string     `json:"unit_no"`
	UnitName           string     `json:"unit_name"`
}

func (h *handler) account(c echo.Context) error {
	ctx := c.Request().Context()
	e, err := h.d.Deposit.PersonAccount(ctx, me(c).PersonID())
	if err != nil {
		return err
	}
	u, err := h.d.Deposit.Unit(ctx, e.UnitNo)
	if err != nil {
		return err
	}
	today, err := h.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	v := accountView{AccountNo: e.AccountNo, Name: e.Name, Status: e.Status, StatusName: e.Status, BalanceFen: int64(e.Balance),
		BaseFen: int64(e.Base), UnitRatio: policy.FormatBps(u.UnitBps), PersonalRatio: policy.FormatBps(u.PersonBps),
		PaidThrough: e.PaidThrough, UnitNo: u.UnitNo, UnitName: u.Name}
	switch it, err := h.d.Policy.Code(ctx, policy.TableGRZHZT, e.Status, today); {
	case err == nil:
		v.StatusName = it.Name
	case errs.KindOf(err) != errs.NotFound: // a code without a name shows the code
		return err
	}
	m, err := h.d.Deposit.MonthlyAmount(ctx, e)
	if err != nil {
		return err
	}
	v.UnitMonthlyFen, v.PersonalMonthlyFen, v.MonthlyFen = int64(m.Unit), int64(m.Personal), int64(m.Total)
	return c.JSON(http.StatusOK, v)
}

// statementItem is one line of the person's statement.
type statementItem struct {
	Seq      int64      `json:"seq"`
	Date     date.Date  `json:"date"`
	Type     string     `json:"type"` // GJHTQYWLX business type code
	TypeName string     `json:"type_name"`
	Month    date.Month `json:"month"` // 汇补缴年月 of 汇缴/补缴 lines, else ""
	// AmountFen is signed: positive into the account, negative out of it.
	AmountFen  int64  `json:"amount_fen"`
	BalanceFen int64  `json:"balance_fen"`
	Summary    string `json:"summary"`
	Reversal   bool   `json:"reversal"` // a 冲账 line
}

type statementView struct {
	Items []statementItem `json:"items"`
	// NextBefore, when present, is the before parameter of the next (older) page.
	NextBefore int64 `json:"next_before,omitempty"`
}

func (h *handler) statement(c echo.Context) error {
	q, err := parseStatementQuery(statementParams{From: c.QueryParam("from"), To: c.QueryParam("to"),
		Limit: c.QueryParam("limit"), Before: c.QueryParam("before")})
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	e, err := h.d.Deposit.PersonAccount(ctx, me(c).PersonID())
	if err != nil {
		return err
	}
	page := q.Limit
	q.Limit++ // one more tells whether an older page exists
	st, err := h.d.Deposit.Statement(ctx, "", e.AccountNo, q)
	if err != nil {
		return err
	}
	v := statementView{Items: make([]statementItem, 0, min(page, len(st.Lines)))}
	for i, l := range st.Lines {
		if i == page {
			v.NextBefore = v.Items[page-1].Seq
			break
		}
		amount := int64(l.Income) - int64(l.Expense)
		v.Items = append(v.Items, statementItem{Seq: l.Seq, Date: l.Date, Type: l.BizType, TypeName: l.BizTypeName, Month: l.Month,
			AmountFen: amount, BalanceFen: int64(l.BalanceAfter), Summary: l.Memo, Reversal: l.Reversal == policy.Reversal})
	}
	return c.JSON(http.StatusOK, v)
}

// certificate issues a deposit certificate (缴存证明) of the person's own
// account and answers its PDF. Each call issues a new certificate (numbered,
// audited, verifiable at /verify/<code>).
func (h *handler) certificate(c echo.Context) error {
	ctx := c.Request().Context()
	e, err := h.d.Deposit.PersonAccount(ctx, me(c).PersonID())
	if err != nil {
		return err
	}
	cert, err := h.d.Deposit.IssueCertificate(ctx, "", e.AccountNo)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.d.Deposit.CertificatePDF(ctx, cert, &buf); err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentDisposition, `inline; filename="`+cert.CertNo+`.pdf"`)
	hd.Set("X-Certificate-No", cert.CertNo)
	hd.Set("X-Verify-Code", cert.VerifyCode)
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

// noticeView is a public notice as the app shows it.
type noticeView struct {
	notice.Notice
	CategoryName string `json:"category_name"`
}

// notices lists the public notices in force on the app channel; no login.
func (h *handler) notices(c echo.Context) error {
	limit, err := noticeLimit(c.QueryParam("limit"), notice.MaxLimit)
	if err != nil {
		return err
	}
	list, err := h.d.Notices.List(c.Request().Context(), Channel, limit)
	if err != nil {
		return err
	}
	items := make([]noticeView, 0, len(list))
	for _, n := range list {
		items = append(items, noticeView{Notice: n, CategoryName: notice.CategoryName(n.Category)})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}
