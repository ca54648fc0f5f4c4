package staffapi

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/access/change"
	"gjj/internal/audit"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/web"
)

// ChangeDeps are the services behind the change-request and TOTP enrolment
// routes.
type ChangeDeps struct {
	Identity   *identity.Service
	Access     *access.Enforcer
	Audit      *audit.Log
	Changes    *change.Service
	Enrolments *identity.Enrolments
}

// RegisterChanges mounts the maker-checker change requests and staff TOTP
// enrolment under /api/admin/v1 (staff sessions on channel "counter",
// casbin-guarded like the other staff routes):
//
//	GET  /change-requests?status=&kind=&limit=&before=   list, newest first
//	POST /change-requests                                submit → 201 with diff and impact
//	GET  /change-requests/{id}
//	POST /change-requests/{id}/approve  {"comment"}      apply (checker, not the maker)
//	POST /change-requests/{id}/reject   {"comment"}
//	POST /totp-enrolments {"username"}                   new secret, otpauth URL, QR code
//	POST /totp-enrolments/{id}/confirm {"code"}          replace the secret
//
// Requests the guard refuses (access.forbidden) are audited here with the
// caller's subject; the services audit every other refusal.
func RegisterChanges(e *echo.Echo, d ChangeDeps) {
	h := &changeHandler{d: d}
	mw := h.guard()
	const base = "/api/admin/v1"
	e.GET(base+"/change-requests", h.list, mw)
	e.POST(base+"/change-requests", h.submit, mw)
	e.GET(base+"/change-requests/:id", h.get, mw)
	e.POST(base+"/change-requests/:id/approve", h.approve, mw)
	e.POST(base+"/change-requests/:id/reject", h.reject, mw)
	e.POST(base+"/totp-enrolments", h.startEnrolment, mw)
	e.POST(base+"/totp-enrolments/:id/confirm", h.confirmEnrolment, mw)
}

type changeHandler struct{ d ChangeDeps }

// guard is the staff guard, auditing what it refuses for lack of permission
// (the principal is looked up again: the guard refuses before setting it).
func (h *changeHandler) guard() echo.MiddlewareFunc {
	g := guard.Middleware(guard.Config{Identity: h.d.Identity, Access: h.d.Access, Channel: "counter",
		Domain: func(*identity.Principal) string { return access.Center }})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		guarded := g(next)
		return func(c echo.Context) error {
			err := guarded(c)
			if err == nil || guard.Principal(c) != nil || !errors.Is(err, access.ErrForbidden) {
				return err
			}
			ctx := c.Request().Context()
			actor := "unknown"
			if tok, ok := guard.BearerToken(c); ok {
				if p, perr := h.d.Identity.Session(ctx, tok, "counter"); perr == nil {
					actor = p.Subject
				}
			}
			_, _ = h.d.Audit.Write(ctx, audit.Record{Actor: actor, Channel: "counter", Action: routeAction(c), Object: routeObject(c),
				Result: audit.ResultRefused, After: audit.Summary(map[string]any{"code": errs.CodeOf(err), "method": c.Request().Method})})
			return err
		}
	}
}

// routeAction is the audit action of a change-request or enrolment route.
func routeAction(c echo.Context) string {
	p := c.Path()
	switch {
	case strings.HasSuffix(p, "/approve"):
		return "change.approve"
	case strings.HasSuffix(p, "/reject"):
		return "change.reject"
	case strings.Contains(p, "/totp-enrolments"):
		return "totp.enrol"
	case c.Request().Method == http.MethodPost:
		return "change.submit"
	}
	return "staff.read"
}

// routeObject is the route with its parameters filled in.
func routeObject(c echo.Context) string {
	object := c.Path()
	for _, name := range c.ParamNames() {
		object = strings.Replace(object, ":"+name, c.Param(name), 1)
	}
	if r := []rune(object); len(r) > audit.MaxObject {
		object = string(r[:audit.MaxObject])
	}
	return object
}

func actor(c echo.Context) string { return guard.Principal(c).Subject }

var errChangeQuery = errs.New(errs.Invalid, "request.invalid_query", "查询参数不正确")

func (h *changeHandler) submit(c echo.Context) error {
	var in change.Input
	if err := web.BindJSON(c, &in); err != nil {
		h.refusedBody(c, "change.submit", err)
		return err
	}
	r, err := h.d.Changes.Submit(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// refusedBody audits a request refused before the service saw it (body not
// JSON, unknown fields…).
func (h *changeHandler) refusedBody(c echo.Context, action string, err error) {
	_, _ = h.d.Audit.Write(c.Request().Context(), audit.Record{Action: action, Object: routeObject(c), Result: audit.ResultRefused,
		After: audit.Summary(map[string]any{"code": errs.CodeOf(err)})})
}

func (h *changeHandler) list(c echo.Context) error {
	f := change.Filter{Status: change.Status(c.QueryParam("status")), Kind: change.Kind(c.QueryParam("kind"))}
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return errChangeQuery.With("parameter", "before")
		}
		f.Before = n
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > change.MaxLimit {
			return change.ErrBadLimit.With("parameter", "limit")
		}
		f.Limit = n
	}
	list, err := h.d.Changes.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if err := h.read(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

func (h *changeHandler) get(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	r, err := h.d.Changes.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := h.read(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// read audits a successful read, like the other staff routes.
func (h *changeHandler) read(c echo.Context) error {
	_, err := h.d.Audit.Write(c.Request().Context(), audit.Record{Action: "staff.read", Object: routeObject(c)})
	return err
}

func changeID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, change.ErrNotFound.With("id", c.Param("id"))
	}
	return id, nil
}

type decisionBody struct {
	Comment string `json:"comment"`
}

func (h *changeHandler) decision(c echo.Context, action string) (int64, string, error) {
	id, err := changeID(c)
	if err != nil {
		return 0, "", err
	}
	var b decisionBody
	if c.Request().ContentLength != 0 {
		if err := web.BindJSON(c, &b); err != nil {
			h.refusedBody(c, action, err)
			return 0, "", err
		}
	}
	return id, b.Comment, nil
}

func (h *changeHandler) approve(c echo.Context) error {
	id, comment, err := h.decision(c, "change.approve")
	if err != nil {
		return err
	}
	r, err := h.d.Changes.Approve(c.Request().Context(), actor(c), id, comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (h *changeHandler) reject(c echo.Context) error {
	id, comment, err := h.decision(c, "change.reject")
	if err != nil {
		return err
	}
	r, err := h.d.Changes.Reject(c.Request().Context(), actor(c), id, comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// ---------------------------------------------------------------------------
// TOTP enrolment.

type enrolBody struct {
	Username string `json:"username"`
}

type enrolmentJSON struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Secret    string `json:"secret"`
	URL       string `json:"otpauth_url"`
	QRCode    string `json:"qr_png"` // data: URL of the PNG
	ExpiresAt string `json:"expires_at"`
}

func (h *changeHandler) startEnrolment(c echo.Context) error {
	var b enrolBody
	if c.Request().ContentLength != 0 {
		if err := web.BindJSON(c, &b); err != nil {
			h.refusedBody(c, "totp.enrol_start", err)
			return err
		}
	}
	en, err := h.d.Enrolments.Start(c.Request().Context(), actor(c), b.Username)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, enrolmentJSON{ID: en.ID, Username: en.Username, Secret: en.Secret, URL: en.URL,
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(en.QRPNG), ExpiresAt: en.Expires.Format(time.RFC3339)})
}

type confirmBody struct {
	Code string `json:"code"`
}

func (h *changeHandler) confirmEnrolment(c echo.Context) error {
	var b confirmBody
	if err := web.BindJSON(c, &b); err != nil {
		h.refusedBody(c, "totp.enrol", err)
		return err
	}
	username, err := h.d.Enrolments.Confirm(c.Request().Context(), actor(c), c.Param("id"), b.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"username": username, "status": "enrolled"})
}
