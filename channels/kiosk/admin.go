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
	e.POST("/api/admin/v1/kiosks/:id/disable", s.kioskStatus(false), staff)
	e.POST("/api/admin/v1/kiosks/:id/enable", s.kioskStatus(true), staff)
	e.POST("/api/admin/v1/kiosks/:id/rotate-key", s.rotateKiosk, staff)
}

// kioskStatus disables or enables the kiosk and answers it.
func (s *Service) kioskStatus(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if err := s.Devices.SetStatus(ctx, c.Param("id"), active); err != nil {
			return err
		}
		k, err := s.Devices.Get(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"kiosk": k})
	}
}

// rotateKiosk issues a new key, answered once.
func (s *Service) rotateKiosk(c echo.Context) error {
	ctx := c.Request().Context()
	key, err := s.Devices.RotateKey(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	k, err := s.Devices.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"kiosk": k, "key": key})
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
