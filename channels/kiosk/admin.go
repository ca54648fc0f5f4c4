package kiosk

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/guard"
	"gjj/internal/identity"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/web"
)

// registerAdmin mounts the staff routes (staff session, casbin: channel_admin
// registers and lists, auditor lists): GET /api/admin/v1/kiosks lists the
// kiosks with their last heartbeat; POST registers one and answers its key
// once.
func (s *Service) registerAdmin(e *echo.Echo) {
	staff := guard.Middleware(guard.Config{Identity: s.d.Identity, Access: s.d.Access, Channel: "counter",
		Domain: func(*identity.Principal) string { return access.Center }})
	e.GET("/api/admin/v1/kiosks", s.listKiosks, staff)
	e.POST("/api/admin/v1/kiosks", s.registerKiosk, staff)
}

func (s *Service) listKiosks(c echo.Context) error {
	list, err := s.Devices.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

type registerBody struct {
	ID     string `json:"id"`
	Branch string `json:"branch"`
	Name   string `json:"name"`
}

func (s *Service) registerKiosk(c echo.Context) error {
	var b registerBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	b.ID = strings.TrimSpace(b.ID)
	key, err := s.Devices.Register(ctx, b.ID, b.Branch, b.Name, reqctx.ActorOf(ctx).ID)
	if err != nil {
		return err
	}
	k, err := s.Devices.Get(ctx, b.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"kiosk": k, "key": key})
}
