package gov

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// registerManage mounts the staff actions on an agency (channel admins):
// POST /api/admin/v1/gov-agencies/:id/disable, …/enable and …/rotate-key
// (the new key answered once).
func (s *Service) registerManage(e *echo.Echo, staff echo.MiddlewareFunc) {
	e.POST("/api/admin/v1/gov-agencies/:id/disable", s.agencyStatus(false), staff)
	e.POST("/api/admin/v1/gov-agencies/:id/enable", s.agencyStatus(true), staff)
	e.POST("/api/admin/v1/gov-agencies/:id/rotate-key", s.rotateAgency, staff)
}

func (s *Service) agencyStatus(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if err := s.Agencies.SetStatus(ctx, c.Param("id"), active); err != nil {
			return err
		}
		a, err := s.Agencies.Get(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"agency": a})
	}
}

func (s *Service) rotateAgency(c echo.Context) error {
	ctx := c.Request().Context()
	key, err := s.Agencies.RotateKey(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	a, err := s.Agencies.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"agency": a, "key": key})
}
