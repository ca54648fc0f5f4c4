package hotline12329

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/core/withdrawal"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
	"gjj/internal/workorder"
)

type verifyRequest struct {
	IDNumber string `json:"id_number"`
	PIN      string `json:"pin"`
}

type verifyResponse struct {
	Session   string    `json:"session"`
	ExpiresAt time.Time `json:"expires_at"`
	Name      string    `json:"name"` // masked
}

// verify: ID number + query PIN → a hotline session.
func (s *Service) verify(c echo.Context) error {
	var b verifyRequest
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "hotline-ivr", Channel: Channel})
	if _, err := ident.ParseResidentID(b.IDNumber); err != nil {
		return ErrVerifyFailed
	}
	p, err := s.d.Identity.CheckQueryPIN(ctx, b.IDNumber, b.PIN)
	if errors.Is(err, identity.ErrWrongPIN) || errors.Is(err, identity.ErrPINLocked) || errors.Is(err, identity.ErrPINNotSet) {
		return ErrVerifyFailed
	}
	if err != nil {
		return err
	}
	tok := newToken()
	if err := s.d.KV.Set(ctx, sessionKey(tok), strconv.FormatInt(p.SubjectID, 10), SessionTTL); err != nil {
		return err
	}
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: Channel})
	_, _ = s.d.Audit.Write(ctx, audit.Record{Action: "hotline.verify", Object: p.Subject, Result: audit.ResultOK})
	return c.JSON(http.StatusOK, verifyResponse{Session: tok, ExpiresAt: s.now().Add(SessionTTL).UTC().Truncate(time.Second),
		Name: maskName(p.Name)})
}

func (s *Service) account(c echo.Context) (*deposit.Employee, error) {
	e, err := s.d.Deposit.PersonAccount(c.Request().Context(), personOf(c))
	if errors.Is(err, deposit.ErrEmployeeNotFound) {
		return nil, ErrNoAccount
	}
	return e, err
}

type balanceResponse struct {
	AccountTail string    `json:"account_tail"`
	Balance     money.Fen `json:"balance_fen"`
	Status      string    `json:"status"`
	StatusName  string    `json:"status_name"`
	PaidThrough string    `json:"paid_through"`
}

func (s *Service) balance(c echo.Context) error {
	e, err := s.account(c)
	if err != nil {
		return err
	}
	st, err := s.d.Deposit.Statement(c.Request().Context(), "", e.AccountNo, deposit.StatementQuery{Limit: 1})
	if err != nil {
		return err
	}
	paid := ""
	if !st.PaidThrough.IsZero() {
		paid = st.PaidThrough.String()
	}
	return c.JSON(http.StatusOK, balanceResponse{AccountTail: tail(e.AccountNo), Balance: e.Balance, Status: st.Status,
		StatusName: st.StatusName, PaidThrough: paid})
}

type lastDepositResponse struct {
	Found       bool       `json:"found"`
	Date        *date.Date `json:"date,omitempty"`
	BizTypeName string     `json:"biz_type_name,omitempty"`
	Amount      money.Fen  `json:"amount_fen"`
	Balance     money.Fen  `json:"balance_fen"`
}

// lastDeposit is the newest credit (汇缴, 补缴, 结息, …) among the last 50 postings.
func (s *Service) lastDeposit(c echo.Context) error {
	e, err := s.account(c)
	if err != nil {
		return err
	}
	st, err := s.d.Deposit.Statement(c.Request().Context(), "", e.AccountNo, deposit.StatementQuery{Limit: 50})
	if err != nil {
		return err
	}
	for _, l := range st.Lines {
		if l.Income > 0 {
			d := l.Date
			return c.JSON(http.StatusOK, lastDepositResponse{Found: true, Date: &d, BizTypeName: l.BizTypeName, Amount: l.Income,
				Balance: l.BalanceAfter})
		}
	}
	return c.JSON(http.StatusOK, lastDepositResponse{Balance: e.Balance})
}

type loanItem struct {
	LoanTail    string     `json:"loan_tail"`
	Status      string     `json:"status"`
	StatusName  string     `json:"status_name"`
	Balance     money.Fen  `json:"balance_fen"`
	NextDue     *date.Date `json:"next_due,omitempty"`
	NextPayment money.Fen  `json:"next_payment_fen"`
}

func (s *Service) loan(c echo.Context) error {
	out := []loanItem{}
	if s.d.Loan != nil {
		ctx := c.Request().Context()
		loans, err := s.d.Loan.Loans(ctx, personOf(c))
		if err != nil {
			return err
		}
		for i := range loans {
			l := &loans[i]
			it := loanItem{LoanTail: tail(l.LoanNo), Status: l.Status, StatusName: l.StatusName(), Balance: l.Balance}
			if l.Status != loan.LoanSettled {
				plan, err := s.d.Loan.Plan(ctx, l)
				if err != nil {
					return err
				}
				for _, in := range plan {
					if in.Status != loan.InstPaid {
						d := in.DueOn
						it.NextDue, it.NextPayment = &d, in.Payment()+in.Penalty-in.PaidPrincipal-in.PaidInterest-in.PaidPenalty
						break
					}
				}
			}
			out = append(out, it)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

type withdrawalItem struct {
	ID          int64     `json:"id"`
	ReasonName  string    `json:"reason_name"`
	Amount      money.Fen `json:"amount_fen"`
	Status      string    `json:"status"`
	StatusName  string    `json:"status_name"`
	SubmittedOn date.Date `json:"submitted_on"`
}

func (s *Service) withdrawals(c echo.Context) error {
	out := []withdrawalItem{}
	if s.d.Withdrawal != nil {
		apps, err := s.d.Withdrawal.PersonApplications(c.Request().Context(), personOf(c))
		if err != nil {
			return err
		}
		for _, a := range apps {
			if len(out) == 5 {
				break
			}
			out = append(out, withdrawalItem{ID: a.ID, ReasonName: a.ReasonName, Amount: a.Amount, Status: a.Status,
				StatusName: withdrawal.StatusName(a.Status), SubmittedOn: a.SubmittedOn})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

type customerView struct {
	Name        string    `json:"name"`
	IDNumber    string    `json:"id_number"`
	Mobile      string    `json:"mobile"`
	AccountNo   string    `json:"account_no"`
	UnitName    string    `json:"unit_name"`
	Balance     money.Fen `json:"balance_fen"`
	StatusName  string    `json:"status_name"`
	PaidThrough string    `json:"paid_through"`
	PINSet      bool      `json:"pin_set"`
	Masked      bool      `json:"masked"`
}

func (s *Service) view(c echo.Context, masked bool) (*customerView, error) {
	ctx := c.Request().Context()
	e, err := s.account(c)
	if err != nil {
		return nil, err
	}
	st, err := s.d.Deposit.Statement(ctx, "", e.AccountNo, deposit.StatementQuery{Limit: 1})
	if err != nil {
		return nil, err
	}
	prof, err := s.d.Identity.Profile(ctx, personOf(c))
	if err != nil {
		return nil, err
	}
	v := &customerView{Name: e.Name, IDNumber: e.IDNumber, Mobile: e.ReservedMobile, AccountNo: e.AccountNo, UnitName: st.UnitName,
		Balance: e.Balance, StatusName: st.StatusName, PINSet: prof.PINSet, Masked: masked}
	if !st.PaidThrough.IsZero() {
		v.PaidThrough = st.PaidThrough.String()
	}
	if masked {
		v.Name, v.IDNumber, v.Mobile, v.AccountNo = maskName(e.Name), ident.MaskIDNumber(e.IDNumber), ident.MaskMobile(e.ReservedMobile),
			"****"+tail(e.AccountNo)
	}
	return v, nil
}

// customer is the agent's masked view of the verified caller.
func (s *Service) customer(c echo.Context) error {
	v, err := s.view(c, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// fullRecord opens the unmasked record with a reason; audited.
func (s *Service) fullRecord(c echo.Context) error {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(b.Reason)); n < 2 || n > 200 {
		return ErrNoReason
	}
	v, err := s.view(c, false)
	if err != nil {
		return err
	}
	if _, err := s.d.Audit.Write(c.Request().Context(), audit.Record{Action: "hotline.full_record",
		Object: fmt.Sprintf("person:%d", personOf(c)), After: audit.Summary(map[string]string{"reason": strings.TrimSpace(b.Reason)})}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Service) listOrders(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	list, err := s.d.WorkOrders.List(c.Request().Context(), c.QueryParam("status"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

type createOrder struct {
	Kind       string     `json:"kind"`
	Subject    string     `json:"subject"`
	Body       string     `json:"body"`
	Phone      string     `json:"phone"`
	Session    string     `json:"session"` // optional: the verified caller's hotline session
	CallbackAt *time.Time `json:"callback_at"`
}

func (s *Service) createOrder(c echo.Context) error {
	var b createOrder
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	n := workorder.New{Kind: b.Kind, Channel: Channel, Phone: b.Phone, Subject: b.Subject, Body: b.Body, CallbackAt: b.CallbackAt}
	if b.Session != "" {
		v, ok, err := s.d.KV.Get(ctx, sessionKey(b.Session))
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoSession
		}
		n.PersonID, _ = strconv.ParseInt(v, 10, 64)
	}
	o, err := s.d.WorkOrders.Create(ctx, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, o)
}

func orderID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, workorder.ErrNotFound
	}
	return id, nil
}

type updateOrder struct {
	Action   string `json:"action"` // assign, reply, close
	Assignee string `json:"assignee"`
	Reply    string `json:"reply"`
}

func (s *Service) updateOrder(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	var b updateOrder
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var o *workorder.Order
	switch b.Action {
	case "assign":
		o, err = s.d.WorkOrders.Assign(ctx, id, b.Assignee)
	case "reply":
		o, err = s.d.WorkOrders.Reply(ctx, id, b.Reply)
	case "close":
		o, err = s.d.WorkOrders.Close(ctx, id)
	default:
		return errs.New(errs.Invalid, "hotline.bad_action", "操作应为 assign、reply 或 close").With("field", "action")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// rate records the post-call satisfaction keyed by the caller in the IVR.
func (s *Service) rate(c echo.Context) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	var b struct {
		Satisfaction string `json:"satisfaction"`
	}
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "hotline-ivr", Channel: Channel})
	o, err := s.d.WorkOrders.Rate(ctx, id, b.Satisfaction)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// Stats are the call centre's figures for one period.
type Stats struct {
	PeriodStart   time.Time `json:"period_start"`
	PeriodMinutes int       `json:"period_minutes"`
	Answered      int       `json:"answered"`
	Abandoned     int       `json:"abandoned"`
	AvgHandleSec  int       `json:"avg_handle_sec"`
}

// stats ingests one period's call statistics (a repeated period replaces it).
func (s *Service) stats(c echo.Context) error {
	var b Stats
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	if b.PeriodStart.IsZero() || b.PeriodMinutes < 1 || b.PeriodMinutes > 1440 || b.Answered < 0 || b.Abandoned < 0 ||
		b.AvgHandleSec < 0 || b.AvgHandleSec > 86400 || b.PeriodStart.After(s.now().Add(MaxSkew)) {
		return ErrBadStats
	}
	ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "hotline-callcentre", Channel: Channel})
	err := s.d.WorkOrders.RecordCallStats(ctx, workorder.CallStats{PeriodStart: b.PeriodStart, PeriodMinutes: b.PeriodMinutes,
		Answered: b.Answered, Abandoned: b.Abandoned, AvgHandleSec: b.AvgHandleSec})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func maskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return name
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + strings.Repeat("*", n-1)
}

func tail(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}
