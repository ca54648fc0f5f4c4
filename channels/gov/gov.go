// Package gov is the government data-sharing channel (部门共享 / 政务服务平台,
// channel "gov"): the civil-affairs check of social-assistance families
// (seeds/004, 民发〔2016〕238号) through a controlled, signed JSON API at
// /api/gov/v1.
//
// Agencies are registered by staff with a signing key and the query kinds
// they may use (internal/govshare; staff API /api/admin/v1/gov-agencies).
// Every request is signed like the kiosks' (internal/signing, with
// X-Agency-Id). Before checking a family an agency records the family's
// authorization (授权: a reference, every member's ID number, the kinds it
// covers, valid until); a check names that reference and is answered only
// for listed members, only for kinds both the agency and the authorization
// allow, and only with the fields the notice lists:
//
//   - basic: name, id_type, id_number, account_status, balance_fen,
//     account_no, opened_on, monthly_fen;
//   - withdrawals: name, id_type, id_number and per paid withdrawal
//     account_no, payee_account (masked), amount_fen, date, reason;
//   - loans: name, id_type, id_number and per loan principal_fen,
//     disbursed_on, term_months, principal_repaid_fen, interest_repaid_fen,
//     status.
//
// (found says whether the fund knows the member under that name.) Every
// check, answered or refused, is audited; every route passes the channel
// gate on channel gov, which rate-limits it.
package gov

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/core/withdrawal"
	"gjj/internal/govshare"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
	"gjj/internal/signing"
)

// Channel is the channel code.
const Channel = "gov"

// Base is the path prefix of the API.
const Base = "/api/gov/v1"

// HeaderAgency carries the agency id of a signed request.
const HeaderAgency = "X-Agency-Id"

// Gate items of the kinds.
var kindItem = map[string]string{govshare.KindBasic: "GR-01", govshare.KindWithdrawals: "GR-01", govshare.KindLoans: "DK-02"}

// Deps are the services the channel calls.
type Deps struct {
	// Agencies is the agency registry with the authorizations.
	Agencies *govshare.Registry
	// Nonces keeps the nonces of signed requests.
	Nonces     *signing.Nonces
	Audit      *audit.Log
	Identity   *identity.Service
	Access     *access.Enforcer
	Deposit    *deposit.Service
	Withdrawal *withdrawal.Service
	Loan       *loan.Service
	Dates      *bizdate.Service
	Gate       *channel.Gate
}

// Service is the gov channel.
type Service struct {
	d        Deps
	Agencies *govshare.Registry
	verify   *signing.Verifier
}

// New returns the gov channel.
func New(d Deps) *Service {
	s := &Service{d: d, Agencies: d.Agencies}
	s.verify = &signing.Verifier{Nonces: d.Nonces, Scope: Channel, IDHeader: HeaderAgency, Key: s.Agencies.Key,
		Refused: func(c echo.Context, id string, e *errs.Error) {
			if len(id) > 32 {
				id = id[:32]
			}
			ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "agency:" + id, Channel: Channel})
			_, _ = d.Audit.Write(ctx, audit.Record{Action: "gov.request_refused", Object: c.Request().Method + " " + c.Path(),
				Result: audit.ResultRefused, After: e.Code})
		}}
	return s
}

// Register mounts the API and the staff routes.
func (s *Service) Register(e *echo.Echo) {
	signed := s.verify.Middleware()
	gate := func(item string) echo.MiddlewareFunc { return s.d.Gate.Middleware(Channel, item) }
	e.POST(Base+"/authorizations", s.record, signed, asAgency, gate("GR-01"))
	for _, k := range govshare.Kinds {
		e.POST(Base+"/checks/"+k, s.check(k), signed, asAgency, gate(kindItem[k]))
	}
	s.registerApplications(e, signed) // applications.go
	staff := guard.Middleware(guard.Config{Identity: s.d.Identity, Access: s.d.Access, Channel: "counter",
		Domain: func(*identity.Principal) string { return access.Center }})
	e.GET("/api/admin/v1/gov-agencies", s.listAgencies, staff)
	e.POST("/api/admin/v1/gov-agencies", s.registerAgency, staff)
	s.registerManage(e, staff) // manage.go
}

// asAgency records the signed agency as the actor.
func asAgency(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "agency:" + signing.Client(c), Channel: Channel})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

type authorizationBody struct {
	Ref        string   `json:"ref"`
	Purpose    string   `json:"purpose"`
	Members    []string `json:"members"`
	Kinds      []string `json:"kinds"`
	ValidUntil string   `json:"valid_until"`
}

func (s *Service) record(c echo.Context) error {
	var b authorizationBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	today, err := s.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	a, err := s.Agencies.Record(ctx, signing.Client(c), today, govshare.AuthorizationInput{Ref: b.Ref, Purpose: b.Purpose,
		Members: b.Members, Kinds: b.Kinds, ValidUntil: b.ValidUntil})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

// member is one family member a check names.
type member struct {
	Name     string `json:"name"`
	IDType   string `json:"id_type"`
	IDNumber string `json:"id_number"`
}

type checkBody struct {
	AuthorizationRef string   `json:"authorization_ref"`
	Purpose          string   `json:"purpose"`
	Members          []member `json:"members"`
}

var errMembers = errs.New(errs.Invalid, "gov.bad_members", "请列出 1–20 名家庭成员的姓名和有效居民身份证号码（证件类型 01）").With("field", "members")

// check answers one kind of check for the members of an authorization.
func (s *Service) check(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b checkBody
		if err := web.BindJSON(c, &b); err != nil {
			return err
		}
		ctx := c.Request().Context()
		agencyID := signing.Client(c)
		ids, err := normalise(b.Members)
		if err == nil {
			err = s.authorize(ctx, agencyID, b.AuthorizationRef, kind, ids)
		}
		masked := make([]string, len(ids))
		for i, id := range ids {
			masked[i] = ident.MaskIDNumber(id)
		}
		rec := audit.Record{Action: "gov.check", Object: clip("agency:"+agencyID+"/"+b.AuthorizationRef, audit.MaxObject),
			After: audit.Summary(map[string]any{"kind": kind, "members": masked})}
		if err != nil {
			rec.Result = audit.ResultRefused
			rec.After = audit.Summary(map[string]any{"kind": kind, "members": masked, "code": errs.E(err).Code})
			if _, aerr := s.d.Audit.Write(ctx, rec); aerr != nil {
				return aerr
			}
			return err
		}
		results := make([]map[string]any, 0, len(b.Members))
		for i, m := range b.Members {
			r, err := s.answer(ctx, kind, m, ids[i])
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		if _, err := s.d.Audit.Write(ctx, rec); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"authorization_ref": b.AuthorizationRef, "kind": kind, "results": results})
	}
}

// authorize: the agency's allowed kinds, then the authorization.
func (s *Service) authorize(ctx context.Context, agencyID, ref, kind string, ids []string) error {
	if err := s.Agencies.Allowed(ctx, agencyID, kind); err != nil {
		return err
	}
	today, err := s.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	return s.Agencies.Authorize(ctx, agencyID, ref, kind, today, ids)
}

func normalise(ms []member) ([]string, error) {
	if len(ms) == 0 || len(ms) > 20 {
		return nil, errMembers
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		id, err := ident.ParseResidentID(m.IDNumber)
		if err != nil || (m.IDType != "" && m.IDType != "01") || strings.TrimSpace(m.Name) == "" {
			return nil, errMembers
		}
		out = append(out, id.Number())
	}
	return out, nil
}

// answer is one member's result with only the listed fields of kind.
func (s *Service) answer(ctx context.Context, kind string, m member, idNumber string) (map[string]any, error) {
	r := map[string]any{"name": m.Name, "id_type": "01", "id_number": idNumber, "found": false}
	p, err := s.d.Identity.PersonByIDNumber(ctx, idNumber)
	if err != nil {
		return nil, err
	}
	if p == nil || p.Name != strings.TrimSpace(m.Name) {
		return r, nil
	}
	switch kind {
	case govshare.KindBasic:
		e, err := s.d.Deposit.PersonAccount(ctx, p.ID)
		if errs.KindOf(err) == errs.NotFound {
			return r, nil
		}
		if err != nil {
			return nil, err
		}
		mo, err := s.d.Deposit.MonthlyAmount(ctx, e)
		if err != nil {
			return nil, err
		}
		r["found"] = true
		r["account_status"] = e.Status
		r["balance_fen"] = int64(e.Balance)
		r["account_no"] = e.AccountNo
		r["opened_on"] = e.OpenedOn.String()
		r["monthly_fen"] = int64(mo.Total)
	case govshare.KindWithdrawals:
		list, err := s.d.Withdrawal.PersonApplications(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		items := []map[string]any{}
		for _, a := range list {
			if a.Status != withdrawal.StatusPaid || a.PaidOn == nil {
				continue
			}
			items = append(items, map[string]any{"account_no": a.AccountNo, "payee_account": ident.MaskCard(a.BankCard),
				"amount_fen": int64(a.Amount), "date": a.PaidOn.String(), "reason": a.ReasonName})
		}
		r["found"], r["items"] = true, items
	case govshare.KindLoans:
		list, err := s.d.Loan.Loans(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		items := []map[string]any{}
		for i := range list {
			l := &list[i]
			txns, err := s.d.Loan.Txns(ctx, l)
			if err != nil {
				return nil, err
			}
			var principal, interest int64
			for _, t := range txns {
				if t.Kind == "01" { // 发放
					continue
				}
				principal += int64(t.Principal)
				interest += int64(t.Interest)
			}
			items = append(items, map[string]any{"principal_fen": int64(l.Principal), "disbursed_on": l.DisbursedOn.String(),
				"term_months": l.TermMonths, "principal_repaid_fen": principal, "interest_repaid_fen": interest, "status": l.StatusName()})
		}
		r["found"], r["items"] = true, items
	}
	return r, nil
}

func (s *Service) listAgencies(c echo.Context) error {
	list, err := s.Agencies.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

type agencyBody struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Kinds []string `json:"kinds"`
}

func (s *Service) registerAgency(c echo.Context) error {
	var b agencyBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	b.ID = strings.TrimSpace(b.ID)
	key, err := s.Agencies.Register(ctx, b.ID, b.Name, b.Kinds, reqctx.ActorOf(ctx).ID)
	if err != nil {
		return err
	}
	a, err := s.Agencies.Get(ctx, b.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"agency": a, "key": key})
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
