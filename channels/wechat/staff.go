package wechat

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/guard"
	"gjj/internal/identity"
)

// StaffDeps authenticate the center's staff for the WeChat staff routes.
type StaffDeps struct {
	Identity *identity.Service
	Access   *access.Enforcer
}

// RegisterStaff mounts the staff routes of the official account, behind a
// staff session on channel "counter" and casbin: GET
// /api/admin/v1/wechat/menu (channel admins, auditors: the configured menu
// and which notices have a template id) and POST
// /api/admin/v1/wechat/menu/publish (channel admins: PublishMenu, audited
// wechat.menu_publish; 503 wechat.api_unavailable when WeChat refuses).
func (s *Service) RegisterStaff(e *echo.Echo, d StaffDeps) {
	g := guard.Middleware(guard.Config{Identity: d.Identity, Access: d.Access, Channel: "counter",
		Domain: func(*identity.Principal) string { return access.Center }})
	e.GET("/api/admin/v1/wechat/menu", s.showMenu, g)
	e.POST("/api/admin/v1/wechat/menu/publish", s.publishMenu, g)
}

// TemplateIDs returns the configured template ids keyed by notice (a copy).
func (s *Service) TemplateIDs() map[string]string {
	out := make(map[string]string, len(s.cfg.Templates))
	for k, v := range s.cfg.Templates {
		out[k] = v
	}
	return out
}

func (s *Service) showMenu(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"app_id": s.cfg.AppID, "menu": s.Menu(), "templates": s.TemplateIDs()})
}

func (s *Service) publishMenu(c echo.Context) error {
	if err := s.PublishMenu(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"published": true, "buttons": len(s.buttons)})
}
