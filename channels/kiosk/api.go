package kiosk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
	"gjj/internal/signing"
)

// Page-session bootstrap: a single-use code valid for bootTTL opens the touch
// pages and sets a device cookie valid for deviceTTL.
const (
	bootTTL   = 60 * time.Second
	deviceTTL = 12 * time.Hour
)

func (s *Service) registerAPI(e *echo.Echo) {
	signed := s.verify.Middleware()
	person := guard.Person(s.d.Identity, Channel, 1)
	login, account, cert, loans, settled := s.gate(itemLogin), s.gate(itemAccount), s.gate(itemCertificate), s.gate(itemLoanQuery),
		s.gate(itemSettlement)

	e.POST(Base+"/heartbeat", s.heartbeat, signed, asKiosk, login)
	e.POST(Base+"/page-sessions", s.pageSession, signed, asKiosk, login)
	e.POST(Base+"/sessions", s.login, signed, asKiosk, login)
	e.DELETE(Base+"/sessions/current", s.logout, signed, person, login)
	e.GET(Base+"/account", s.account, signed, person, account)
	e.GET(Base+"/statement", s.statement, signed, person, account)
	e.GET(Base+"/loans", s.loans, signed, person, loans)
	e.POST(Base+"/prints/statement", s.printAPI(KindStatement), signed, person, cert)
	e.POST(Base+"/prints/deposit-certificate", s.printAPI(KindCertificate), signed, person, cert)
	e.POST(Base+"/prints/loan-settlement", s.printAPI(KindSettlement), signed, person, settled)
}

// asKiosk records the signed kiosk as the actor of a request without a
// person (heartbeat, login, page sessions).
func asKiosk(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "kiosk:" + signing.Client(c), Channel: Channel})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

type heartbeatBody struct {
	State string `json:"state"`
}

func (s *Service) heartbeat(c echo.Context) error {
	var b heartbeatBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	at, err := s.Devices.Heartbeat(c.Request().Context(), signing.Client(c), c.RealIP(), b.State)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"server_time": at.Format(time.RFC3339)})
}

type loginBody struct {
	IDNumber string `json:"id_number"`
	Password string `json:"password"`
}

// login: the ID number read from the ID card and the person's password (the
// same credential as on every channel).
func (s *Service) login(c echo.Context) error {
	var b loginBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.d.Identity.LoginPerson(ctx, b.IDNumber, b.Password)
	if err != nil {
		return err
	}
	token, exp, err := s.d.Identity.NewSessionFrom(ctx, *p, Channel, identity.Client{IP: c.RealIP(), UserAgent: "kiosk " + signing.Client(c)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "expires_at": exp.UTC().Format(time.RFC3339), "name": p.Name})
}

func (s *Service) logout(c echo.Context) error {
	token, _ := guard.BearerToken(c)
	if err := s.d.Identity.EndSession(c.Request().Context(), token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// accountView is the person's own account on the kiosk.
type accountView struct {
	AccountNo   string     `json:"account_no"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	StatusName  string     `json:"status_name"`
	BalanceFen  int64      `json:"balance_fen"`
	UnitName    string     `json:"unit_name"`
	PaidThrough date.Month `json:"paid_through"`
}

func (s *Service) accountOf(ctx context.Context, p *identity.Principal) (*accountView, error) {
	st, err := s.d.Deposit.PersonAccount(ctx, p.PersonID())
	if err != nil {
		return nil, err
	}
	full, err := s.d.Deposit.Statement(ctx, "", st.AccountNo, statementQuery(date.Date{}, date.Date{}, 1))
	if err != nil {
		return nil, err
	}
	return &accountView{AccountNo: st.AccountNo, Name: st.Name, Status: st.Status, StatusName: full.StatusName,
		BalanceFen: int64(st.Balance), UnitName: st.UnitName, PaidThrough: st.PaidThrough}, nil
}

func (s *Service) account(c echo.Context) error {
	v, err := s.accountOf(c.Request().Context(), guard.Principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// lineView is one statement line.
type lineView struct {
	Date       date.Date `json:"date"`
	TypeName   string    `json:"type_name"`
	AmountFen  int64     `json:"amount_fen"` // positive into the account
	BalanceFen int64     `json:"balance_fen"`
	Summary    string    `json:"summary"`
}

// statementLines reads up to limit lines of the person's statement.
func (s *Service) statementLines(ctx context.Context, p *identity.Principal, from, to date.Date, limit int) ([]lineView, error) {
	e, err := s.d.Deposit.PersonAccount(ctx, p.PersonID())
	if err != nil {
		return nil, err
	}
	st, err := s.d.Deposit.Statement(ctx, "", e.AccountNo, statementQuery(from, to, limit))
	if err != nil {
		return nil, err
	}
	out := make([]lineView, 0, len(st.Lines))
	for _, l := range st.Lines {
		out = append(out, lineView{Date: l.Date, TypeName: l.BizTypeName, AmountFen: int64(l.Income) - int64(l.Expense),
			BalanceFen: int64(l.BalanceAfter), Summary: l.Memo})
	}
	return out, nil
}

func (s *Service) statement(c echo.Context) error {
	from, to, err := period(c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	lines, err := s.statementLines(c.Request().Context(), guard.Principal(c), from, to, 100)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": lines})
}

// loanView is one of the person's loans.
type loanView struct {
	LoanNo       string     `json:"loan_no"`
	Status       string     `json:"status"`
	StatusName   string     `json:"status_name"`
	PrincipalFen int64      `json:"principal_fen"`
	BalanceFen   int64      `json:"balance_fen"`
	TermMonths   int        `json:"term_months"`
	DisbursedOn  date.Date  `json:"disbursed_on"`
	SettledOn    *date.Date `json:"settled_on,omitempty"`
	Settled      bool       `json:"settled"`
}

func (s *Service) loansOf(ctx context.Context, p *identity.Principal) ([]loanView, error) {
	list, err := s.d.Loan.Loans(ctx, p.PersonID())
	if err != nil {
		return nil, err
	}
	out := make([]loanView, 0, len(list))
	for _, l := range list {
		out = append(out, loanView{LoanNo: l.LoanNo, Status: l.Status, StatusName: l.StatusName(), PrincipalFen: int64(l.Principal),
			BalanceFen: int64(l.Balance), TermMonths: l.TermMonths, DisbursedOn: l.DisbursedOn, SettledOn: l.SettledOn,
			Settled: l.SettledOn != nil})
	}
	return out, nil
}

func (s *Service) loans(c echo.Context) error {
	v, err := s.loansOf(c.Request().Context(), guard.Principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": v})
}

type printBody struct {
	From   string `json:"from"`
	To     string `json:"to"`
	LoanNo string `json:"loan_no"`
}

// printAPI prints a document of kind for the session's person and answers
// the PDF (X-Document-No names it).
func (s *Service) printAPI(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b printBody
		if c.Request().ContentLength != 0 {
			if err := web.BindJSON(c, &b); err != nil {
				return err
			}
		}
		from, to, err := period(b.From, b.To)
		if err != nil {
			return err
		}
		doc, err := s.print(c.Request().Context(), signing.Client(c), guard.Principal(c), printRequest{Kind: kind, From: from, To: to, LoanNo: b.LoanNo})
		if err != nil {
			return err
		}
		return sendPDF(c, doc)
	}
}

func sendPDF(c echo.Context, doc *document) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+doc.Filename+`"`)
	h.Set("X-Document-No", doc.DocNo)
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, "application/pdf", doc.PDF)
}

// pageSession issues a single-use code that opens the touch pages on this
// kiosk (see the package comment).
func (s *Service) pageSession(c echo.Context) error {
	code, err := randomToken()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.d.KV.Set(ctx, bootKey(code), signing.Client(c), bootTTL); err != nil {
		return err
	}
	exp := time.Now().Add(bootTTL).UTC()
	return c.JSON(http.StatusCreated, map[string]string{"url": "/kiosk/start?code=" + code, "expires_at": exp.Format(time.RFC3339)})
}

// randomToken is 24 random bytes, base64url.
func randomToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

var zeroDate date.Date

func bootKey(code string) string { return "kiosk:boot:" + hashOf(code) }

func deviceKey(token string) string { return "kiosk:dev:" + hashOf(token) }

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// period parses an optional statement period (YYYY-MM-DD each, from ≤ to).
func period(from, to string) (date.Date, date.Date, error) {
	var f, t date.Date
	var err error
	bad := func(field string) error {
		return errs.New(errs.Invalid, "request.invalid_query", "日期应为 YYYY-MM-DD 格式的有效日期").With("field", field)
	}
	if from != "" {
		if f, err = date.Parse(from); err != nil {
			return f, t, bad("from")
		}
	}
	if to != "" {
		if t, err = date.Parse(to); err != nil {
			return f, t, bad("to")
		}
	}
	if !f.IsZero() && !t.IsZero() && t.Before(f) {
		return f, t, errs.New(errs.Invalid, "request.invalid_query", "起始日期不能晚于截止日期").With("field", "from")
	}
	return f, t, nil
}

func statementQuery(from, to date.Date, limit int) deposit.StatementQuery {
	return deposit.StatementQuery{From: from, To: to, Limit: limit}
}
