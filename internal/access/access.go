// Package access decides what a staff member or a unit agent may do: casbin
// RBAC with domains ("*" for the whole center, "branch:<code>" for a branch,
// "unit:<unit_no>" for a unit agent's unit), policies stored in the database
// (casbin_rule through Blank-Xu/sql-adapter). Roles are data; the seeded roles
// are listed in Roles. Maker-checker for role grants and parameters arrives
// with the admin console; until then grants are made by Seed and tests.
package access

import (
	"context"
	"fmt"
	"strings"

	sqladapter "github.com/Blank-Xu/sql-adapter"
	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"

	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

const modelText = `
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, dom, obj, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && keyMatch2(r.obj, p.obj) && regexMatch(r.act, p.act)
`

// The seeded roles (DESIGN §6, issue 6).
const (
	RoleSysadmin     = "role:sysadmin"      // users and roles, no business
	RoleParamMaker   = "role:param_maker"   // submits parameter change requests
	RoleParamChecker = "role:param_checker" // approves parameter change requests
	RoleReviewer     = "role:reviewer"      // business review: pre-registrations, deferrals, statements, interest runs
	RoleChannelAdmin = "role:channel_admin" // channel and item switches, capacities
	RoleHotlineAgent = "role:hotline_agent" // 12329 agents
	RoleAuditor      = "role:auditor"       // read-only, with the audit trail
	RoleUnitAgent    = "role:unit_agent"    // 单位经办人, in domain unit:<unit_no>
)

// Center is the domain of center-wide grants.
const Center = "*"

// rolePolicies are the permissions of each role: route templates (keyMatch2)
// and an HTTP method regexp. They are defined once, for every domain.
var rolePolicies = [][]string{
	{RoleReviewer, Center, "/api/admin/v1/preregistrations", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/preregistrations/:id/*", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/deferrals", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/deferrals/:id/*", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/accounts/:account_no/statement", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/accounts/:account_no/*", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/interest-runs", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/interest-runs/:year", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/accounts/:account_no/statement", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/interest-runs/:year", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/audit", "GET"},
	// The SMS outbox (full phone and text, OTPs with the outbox driver):
	// operations, 12329 agents helping callers, auditors.
	{RoleSysadmin, Center, "/api/admin/v1/sms-outbox", "GET"},
	{RoleHotlineAgent, Center, "/api/admin/v1/sms-outbox", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/sms-outbox", "GET"},
	{RoleUnitAgent, "unit:*", "/api/unit/v1/*", "GET|POST|PUT|DELETE"},
	{RoleUnitAgent, "unit:*", "/unit/*", "GET|POST"}, // the unit online hall pages
}

// Grant is a role held by a subject in a domain.
type Grant struct{ Subject, Role, Domain string }

// DemoGrants are the demo staff's roles (README: demo only).
var DemoGrants = []Grant{
	{"staff:admin", RoleSysadmin, Center},
	{"staff:maker", RoleParamMaker, Center},
	{"staff:maker", RoleChannelAdmin, Center},
	{"staff:checker", RoleParamChecker, Center},
	{"staff:reviewer", RoleReviewer, Center},
}

// ErrForbidden is the answer to a request the subject may not make.
var ErrForbidden = errs.New(errs.Forbidden, "access.forbidden", "没有办理此业务的权限")

// Enforcer decides requests. Safe for concurrent use.
type Enforcer struct {
	e *casbin.SyncedEnforcer
}

// New loads the policy from the store and seeds the role permissions that
// are missing (idempotent).
func New(ctx context.Context, d *db.DB) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	a, err := sqladapter.NewAdapterWithContext(ctx, d.DB.DB, string(d.Dialect), "casbin_rule")
	if err != nil {
		return nil, fmt.Errorf("casbin adapter: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, a)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	e.AddNamedDomainMatchingFunc("g", "KeyMatch", util.KeyMatch)
	if err := e.LoadPolicy(); err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	en := &Enforcer{e: e}
	for _, p := range rolePolicies {
		if has, _ := e.HasPolicy(p); !has {
			if _, err := e.AddPolicy(p); err != nil {
				return nil, fmt.Errorf("seed policy %v: %w", p, err)
			}
		}
	}
	return en, nil
}

// Grant gives subject the role in domain (idempotent). Role grants become
// maker-checker change requests with the admin console; until then only the
// wiring (demo seeding, unit agent registration) calls this.
func (en *Enforcer) Grant(g Grant) error {
	if has, _ := en.e.HasGroupingPolicy(g.Subject, g.Role, g.Domain); has {
		return nil
	}
	_, err := en.e.AddGroupingPolicy(g.Subject, g.Role, g.Domain)
	return err
}

// Allowed reports whether subject may perform act (HTTP method) on obj (route
// template) in domain.
func (en *Enforcer) Allowed(subject, domain, obj, act string) (bool, error) {
	return en.e.Enforce(subject, domain, obj, act)
}

// Check is Allowed returning ErrForbidden when not allowed.
func (en *Enforcer) Check(subject, domain, obj, act string) error {
	ok, err := en.Allowed(subject, domain, obj, act)
	if err != nil {
		return fmt.Errorf("access check: %w", err)
	}
	if !ok {
		return ErrForbidden.With("action", act+" "+obj)
	}
	return nil
}

// Roles returns the roles subject holds in domain.
func (en *Enforcer) Roles(subject, domain string) []string {
	roles := en.e.GetRolesForUserInDomain(subject, domain)
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, strings.TrimPrefix(r, "role:"))
	}
	return out
}
