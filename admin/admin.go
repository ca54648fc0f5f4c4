// Package admin is the 综合管理系统 (admin console) used by center staff. The
// pages live in admin/console (mounted at /admin/), the staff JSON API in
// admin/staffapi and the operations API in admin/opsapi.
package admin

import (
	"github.com/labstack/echo/v4"

	"gjj/admin/console"
)

// Register mounts the admin console pages at /admin/ on e. Called once by
// the wiring (app.Server).
func Register(e *echo.Echo, d console.Deps) { console.Register(e, d) }
