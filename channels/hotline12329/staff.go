package hotline12329

import (
	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/guard"
	"gjj/internal/identity"
)

// StaffDeps authenticate the center's staff for the work-order routes of the
// staff API.
type StaffDeps struct {
	Identity *identity.Service
	Access   *access.Enforcer
}

// RegisterStaff mounts the work orders on the staff API (the admin console's
// view of them), behind a staff session on channel "counter" and casbin:
// GET /api/admin/v1/workorders (?status, ?limit) and POST
// /api/admin/v1/workorders/:id ({"action":"assign"|"reply"|"close", …}).
// They work whether or not the call centre's key is configured.
func (s *Service) RegisterStaff(e *echo.Echo, d StaffDeps) {
	g := guard.Middleware(guard.Config{Identity: d.Identity, Access: d.Access, Channel: "counter",
		Domain: func(*identity.Principal) string { return access.Center }})
	e.GET("/api/admin/v1/workorders", s.listOrders, g)
	e.POST("/api/admin/v1/workorders/:id", s.updateOrder, g)
}
