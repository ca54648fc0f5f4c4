package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/access/change"
	"gjj/internal/identity"
)

// userRow is one staff user with the roles held in the center domain.
type userRow struct {
	identity.StaffUser
	Roles []string // Chinese role names
}

// roleRow is one seeded role with its permissions (casbin object, action).
type roleRow struct {
	Code, Name  string
	Permissions [][2]string
}

type usersData struct {
	Users []userRow
	Roles []roleRow
	// CanPropose shows the role grant form (sysadmin); Form is as typed.
	CanPropose bool
	Form       grantForm
	Pending    []change.Request
}

// users lists the staff users with their roles and every role's
// permissions, read-only: role grants are maker-checker change requests.
func (h *handler) users(c echo.Context) error {
	return h.renderUsers(c, grantForm{Action: "grant"}, nil)
}

// renderUsers renders the page, with the grant form as typed and its
// refusal when formErr is set.
func (h *handler) renderUsers(c echo.Context, form grantForm, formErr error) error {
	list, err := h.d.Identity.StaffUsers(c.Request().Context())
	if err != nil {
		return err
	}
	d := usersData{Form: form, CanPropose: h.canSubmit(c, change.KindRoleGrant)}
	if d.Pending, err = h.pendingFor(c, change.KindRoleGrant, ""); err != nil {
		return err
	}
	for _, u := range list {
		d.Users = append(d.Users, userRow{StaffUser: u, Roles: h.rolesOf("staff:"+u.Username, h.d.Access.Scope("staff:"+u.Username).Domain())})
	}
	for _, role := range access.StaffRoles {
		d.Roles = append(d.Roles, roleRow{Code: role, Name: roleName(role), Permissions: h.d.Access.Permissions(role)})
	}
	v := view{Title: "用户与角色", Menu: "/admin/users", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "users", v)
	}
	return h.render(c, http.StatusOK, "users", v)
}
