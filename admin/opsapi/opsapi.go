// Package opsapi is the center's internal operations API (/api/ops/v1): ledger
// accounts, postings and reversals for the center's own batch and integration
// systems, parameter and business-date reads. It is off unless GJJ_OPS_TOKEN is
// set, and callers present that token as "Authorization: Bearer <token>". Staff
// users reach the same functions through the admin console once access control
// (RBAC + maker-checker) lands; this API is for machines.
//
// Every write is audited in the transaction that makes it.
package opsapi

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
)

// Deps are the services the API calls.
type Deps struct {
	Token  string // empty disables the API
	DB     *db.DB
	Ledger *ledger.Ledger
	Audit  *audit.Log
	Policy *policy.Store
	Dates  *bizdate.Service
}

// Errors of the API itself.
var (
	ErrDisabled = errs.New(errs.Forbidden, "ops.disabled", "运维接口未启用（未配置 GJJ_OPS_TOKEN）")
	ErrToken    = errs.New(errs.Unauthenticated, "ops.unauthenticated", "运维接口令牌缺失或不正确")
)

// Register mounts the API under /api/ops/v1.
func Register(e *echo.Echo, d Deps) {
	h := &handler{d}
	g := e.Group("/api/ops/v1", h.auth)
	g.POST("/ledger/accounts", h.openAccount)
	g.GET("/ledger/accounts/:code", h.account)
	g.POST("/ledger/entries", h.post)
	g.GET("/ledger/entries/:serial", h.entry)
	g.POST("/ledger/entries/:serial/reversal", h.reverse)
	g.GET("/params/:key", h.param)
	g.GET("/business-date", h.businessDate)
}

type handler struct{ d Deps }

func (h *handler) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.d.Token == "" {
			return ErrDisabled
		}
		got, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(h.d.Token)) != 1 {
			return ErrToken
		}
		ctx := reqctx.WithActor(c.Request().Context(), reqctx.Actor{ID: "ops:token", Channel: "system"})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func (h *handler) openAccount(c echo.Context) error {
	var s ledger.AccountSpec
	if err := web.BindJSON(c, &s); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var a *ledger.Account
	err := h.d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = h.d.Ledger.OpenAccountTx(ctx, tx, s); err != nil || !a.Created {
			return err
		}
		_, err = h.d.Audit.Append(ctx, tx, audit.Record{Action: "ledger.open_account", Object: "ledger_account:" + a.Code,
			After: audit.Summary(map[string]any{"type": a.Type, "owner": a.OwnerType + ":" + a.OwnerID})})
		return err
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if a.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, a)
}

func (h *handler) account(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.d.Ledger.Account(ctx, c.Param("code"))
	if err != nil {
		return err
	}
	limit := 20
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return errs.New(errs.Invalid, "request.invalid_query", "limit 应为 1 到 1000 之间的整数")
		}
		limit = n
	}
	lines, err := h.d.Ledger.Statement(ctx, a.Code, ledger.StatementQuery{Limit: limit})
	if err != nil {
		return err
	}
	if lines == nil {
		lines = []ledger.StatementLine{}
	}
	return c.JSON(http.StatusOK, map[string]any{"account": a, "balance": a.Balance.String(), "recent": lines})
}

// postBody is the JSON of POST /ledger/entries.
type postBody struct {
	Serial  string        `json:"serial"`
	BizType string        `json:"biz_type"`
	BizDate date.Date     `json:"biz_date"`
	Memo    string        `json:"memo"`
	Lines   []ledger.Line `json:"lines"`
}

func (h *handler) post(c echo.Context) error {
	var b postBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	req := ledger.Request{Serial: b.Serial, BizType: b.BizType, BizDate: b.BizDate, Memo: b.Memo, Lines: b.Lines}
	ctx := c.Request().Context()
	var e *ledger.Entry
	err := h.d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if e, err = h.d.Ledger.PostTx(ctx, tx, req); err != nil || e.Replayed {
			return err
		}
		_, err = h.d.Audit.Append(ctx, tx, audit.Record{Action: "ledger.post", Object: "journal_entry:" + e.Serial,
			After: audit.Summary(map[string]any{"biz_type": e.BizType, "lines": len(e.Lines)})})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(entryStatus(e), e)
}

func entryStatus(e *ledger.Entry) int {
	if e.Replayed {
		return http.StatusOK
	}
	return http.StatusCreated
}

func (h *handler) entry(c echo.Context) error {
	e, err := h.d.Ledger.Entry(c.Request().Context(), c.Param("serial"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

// reverseBody is the JSON of POST /ledger/entries/{serial}/reversal.
type reverseBody struct {
	Serial string `json:"serial"`
	Memo   string `json:"memo"`
}

func (h *handler) reverse(c echo.Context) error {
	var b reverseBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	req := ledger.ReverseRequest{Original: c.Param("serial"), Serial: b.Serial, Memo: b.Memo}
	ctx := c.Request().Context()
	var e *ledger.Entry
	err := h.d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if e, err = h.d.Ledger.ReverseTx(ctx, tx, req); err != nil || e.Replayed {
			return err
		}
		_, err = h.d.Audit.Append(ctx, tx, audit.Record{Action: "ledger.reverse", Object: "journal_entry:" + req.Original,
			After: audit.Summary(map[string]any{"reversal": e.Serial})})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(entryStatus(e), e)
}

func (h *handler) param(c echo.Context) error {
	ctx := c.Request().Context()
	on, err := h.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	if s := c.QueryParam("on"); s != "" {
		if on, err = date.Parse(s); err != nil {
			return err
		}
	}
	v, err := h.d.Policy.Value(ctx, c.Param("key"), on)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"key": v.Key, "value": v.Value, "effective_from": v.EffectiveFrom, "on": on,
		"created_by": v.CreatedBy, "approved_by": v.ApprovedBy})
}

func (h *handler) businessDate(c echo.Context) error {
	d, err := h.d.Dates.Today(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"business_date": d})
}
