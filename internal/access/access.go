// Package access decides what a staff member or a unit agent may do: casbin
// RBAC with domains ("*" for the whole center, "branch:<code>" for a branch,
// "unit:<unit_no>" for a unit agent's unit), policies stored in the database
// (casbin_rule through Blank-Xu/sql-adapter). Roles are data; the seeded roles
// are listed in StaffRoles. Role grants and revocations are maker-checker
// change requests (internal/access/change), which record them with GrantTx or
// RevokeTx in the approving transaction and then call Reload; with Redis
// configured, Watch makes every policy change reach the other instances
// (casbin/redis-watcher) within a second.
package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	sqladapter "github.com/Blank-Xu/sql-adapter"
	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/casbin/casbin/v2/util"
	rediswatcher "github.com/casbin/redis-watcher/v2"
	"github.com/redis/go-redis/v9"

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

// StaffRoles are the roles a role-grant change request may give to or take
// from a staff member (unit_agent follows the unit_agent table instead).
var StaffRoles = []string{RoleSysadmin, RoleParamMaker, RoleParamChecker, RoleReviewer, RoleChannelAdmin, RoleHotlineAgent, RoleAuditor}

// Change-request permissions (internal/access/change): object
// ChangeObject(kind), action ActSubmit (maker) or ActApprove (checker, also
// for rejecting). Staff TOTP enrolment for someone else: ObjStaffTOTP, ActEnrol.
const (
	ActSubmit    = "submit"
	ActApprove   = "approve"
	ObjStaffTOTP = "/staff/totp"
	ActEnrol     = "enrol"
)

// ChangeObject is the casbin object of a change-request kind ("/changes/param").
func ChangeObject(kind string) string { return "/changes/" + kind }

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
	// Withdrawal review (提取审核): the queue, one application, approve/return/reject.
	{RoleReviewer, Center, "/api/admin/v1/withdrawals", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/withdrawals/:id", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/withdrawals/:id/*", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/withdrawals", "POST"}, // 柜面代办 (counter filing)
	{RoleAuditor, Center, "/api/admin/v1/withdrawals", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/withdrawals/:id", "GET"},
	// Loan review (贷款审批: 初审, 终审 by different reviewers), contract,
	// disbursement and the loan accounts.
	{RoleReviewer, Center, "/api/admin/v1/loan-applications", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/loan-applications/:id", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/loan-applications/:id/*", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/loans/:loan_no", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/loan-applications", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/loan-applications/:id", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/loans/:loan_no", "GET"},
	// The SMS outbox (full phone and text, OTPs with the outbox driver):
	// operations, 12329 agents helping callers, auditors.
	{RoleSysadmin, Center, "/api/admin/v1/sms-outbox", "GET"},
	{RoleHotlineAgent, Center, "/api/admin/v1/sms-outbox", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/sms-outbox", "GET"},
	// Work orders of the 12329 hotline (internal/workorder): agents and
	// reviewers handle them, operations and auditors read them.
	{RoleSysadmin, Center, "/api/admin/v1/workorders", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/workorders", "GET"},
	{RoleHotlineAgent, Center, "/api/admin/v1/workorders", "GET"},
	{RoleHotlineAgent, Center, "/api/admin/v1/workorders/:id", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/workorders", "GET"},
	{RoleReviewer, Center, "/api/admin/v1/workorders/:id", "POST"},
	// Change requests (maker-checker): the routes, then who submits and who
	// approves or rejects each kind. Makers may call the approve route so that
	// approving their own request answers access.self_approval.
	{RoleSysadmin, Center, "/api/admin/v1/change-requests", "GET|POST"},
	{RoleParamMaker, Center, "/api/admin/v1/change-requests", "GET|POST"},
	{RoleChannelAdmin, Center, "/api/admin/v1/change-requests", "GET|POST"},
	{RoleParamChecker, Center, "/api/admin/v1/change-requests", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/change-requests", "GET"},
	{RoleSysadmin, Center, "/api/admin/v1/change-requests/:id", "GET"},
	{RoleParamMaker, Center, "/api/admin/v1/change-requests/:id", "GET"},
	{RoleChannelAdmin, Center, "/api/admin/v1/change-requests/:id", "GET"},
	{RoleParamChecker, Center, "/api/admin/v1/change-requests/:id", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/change-requests/:id", "GET"},
	{RoleSysadmin, Center, "/api/admin/v1/change-requests/:id/*", "POST"},
	{RoleParamMaker, Center, "/api/admin/v1/change-requests/:id/*", "POST"},
	{RoleChannelAdmin, Center, "/api/admin/v1/change-requests/:id/*", "POST"},
	{RoleParamChecker, Center, "/api/admin/v1/change-requests/:id/*", "POST"},
	{RoleParamMaker, Center, "/changes/param", ActSubmit},
	{RoleParamMaker, Center, "/changes/notice", ActSubmit},
	{RoleChannelAdmin, Center, "/changes/channel_state", ActSubmit},
	{RoleChannelAdmin, Center, "/changes/item_switch", ActSubmit},
	{RoleChannelAdmin, Center, "/changes/capacity", ActSubmit},
	{RoleChannelAdmin, Center, "/changes/notice", ActSubmit},
	{RoleSysadmin, Center, "/changes/role_grant", ActSubmit},
	{RoleParamChecker, Center, "/changes/*", ActApprove},
	{RoleSysadmin, Center, "/changes/role_grant", ActApprove},
	// Staff TOTP enrolment: everyone for themselves, sysadmin for others.
	{RoleSysadmin, Center, "/api/admin/v1/totp-enrolments", "POST"},
	{RoleParamMaker, Center, "/api/admin/v1/totp-enrolments", "POST"},
	{RoleParamChecker, Center, "/api/admin/v1/totp-enrolments", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/totp-enrolments", "POST"},
	{RoleChannelAdmin, Center, "/api/admin/v1/totp-enrolments", "POST"},
	{RoleHotlineAgent, Center, "/api/admin/v1/totp-enrolments", "POST"},
	{RoleAuditor, Center, "/api/admin/v1/totp-enrolments", "POST"},
	{RoleSysadmin, Center, "/api/admin/v1/totp-enrolments/:id/confirm", "POST"},
	{RoleParamMaker, Center, "/api/admin/v1/totp-enrolments/:id/confirm", "POST"},
	{RoleParamChecker, Center, "/api/admin/v1/totp-enrolments/:id/confirm", "POST"},
	{RoleReviewer, Center, "/api/admin/v1/totp-enrolments/:id/confirm", "POST"},
	{RoleChannelAdmin, Center, "/api/admin/v1/totp-enrolments/:id/confirm", "POST"},
	{RoleHotlineAgent, Center, "/api/admin/v1/totp-enrolments/:id/confirm", "POST"},
	{RoleAuditor, Center, "/api/admin/v1/totp-enrolments/:id/confirm", "POST"},
	{RoleSysadmin, Center, ObjStaffTOTP, ActEnrol},
	// The admin console pages (admin/console; route templates): the
	// dashboard for every business role, each page for the roles whose work
	// it is; sysadmin has users and roles, the SMS outbox and the batch page,
	// no business. A refused page is a 403 page inside the console.
	{RoleReviewer, Center, "/admin/", "GET"},
	{RoleParamMaker, Center, "/admin/", "GET"},
	{RoleParamChecker, Center, "/admin/", "GET"},
	{RoleChannelAdmin, Center, "/admin/", "GET"},
	{RoleAuditor, Center, "/admin/", "GET"},
	{RoleReviewer, Center, "/admin/reviews/*", "GET|POST"},
	{RoleReviewer, Center, "/admin/accounts", "GET"},
	{RoleReviewer, Center, "/admin/accounts/*", "GET|POST"},
	{RoleReviewer, Center, "/admin/batch", "GET"},
	{RoleAuditor, Center, "/admin/batch", "GET"},
	{RoleSysadmin, Center, "/admin/batch", "GET"},
	{RoleAuditor, Center, "/admin/audit", "GET"},
	{RoleAuditor, Center, "/admin/audit/verify", "POST"},
	{RoleSysadmin, Center, "/admin/sms", "GET"},
	{RoleHotlineAgent, Center, "/admin/sms", "GET"},
	{RoleAuditor, Center, "/admin/sms", "GET"},
	{RoleParamMaker, Center, "/admin/params", "GET"},
	{RoleParamChecker, Center, "/admin/params", "GET"},
	{RoleAuditor, Center, "/admin/params", "GET"},
	{RoleParamMaker, Center, "/admin/params/:key", "GET"},
	{RoleParamChecker, Center, "/admin/params/:key", "GET"},
	{RoleAuditor, Center, "/admin/params/:key", "GET"},
	{RoleParamMaker, Center, "/admin/channels", "GET"},
	{RoleParamChecker, Center, "/admin/channels", "GET"},
	{RoleChannelAdmin, Center, "/admin/channels", "GET"},
	{RoleAuditor, Center, "/admin/channels", "GET"},
	{RoleSysadmin, Center, "/admin/users", "GET"},
	{RoleAuditor, Center, "/admin/users", "GET"},
	// Performance analytics (绩效分析) and its Excel export.
	{RoleParamMaker, Center, "/admin/analytics", "GET"},
	{RoleParamChecker, Center, "/admin/analytics", "GET"},
	{RoleReviewer, Center, "/admin/analytics", "GET"},
	{RoleAuditor, Center, "/admin/analytics", "GET"},
	{RoleParamMaker, Center, "/admin/analytics/export", "GET"},
	{RoleParamChecker, Center, "/admin/analytics/export", "GET"},
	{RoleReviewer, Center, "/admin/analytics/export", "GET"},
	{RoleAuditor, Center, "/admin/analytics/export", "GET"},
	// Console change requests: the queue and a request for makers, checkers
	// and auditors; deciding for checkers and, so that approving their own
	// request answers access.self_approval, makers; the propose forms for the
	// kinds' makers. The change service checks each kind's permission again.
	{RoleSysadmin, Center, "/admin/changes", "GET"},
	{RoleParamMaker, Center, "/admin/changes", "GET"},
	{RoleParamChecker, Center, "/admin/changes", "GET"},
	{RoleChannelAdmin, Center, "/admin/changes", "GET"},
	{RoleAuditor, Center, "/admin/changes", "GET"},
	{RoleSysadmin, Center, "/admin/changes/:id", "GET"},
	{RoleParamMaker, Center, "/admin/changes/:id", "GET"},
	{RoleParamChecker, Center, "/admin/changes/:id", "GET"},
	{RoleChannelAdmin, Center, "/admin/changes/:id", "GET"},
	{RoleAuditor, Center, "/admin/changes/:id", "GET"},
	{RoleSysadmin, Center, "/admin/changes/:id/*", "POST"},
	{RoleParamMaker, Center, "/admin/changes/:id/*", "POST"},
	{RoleParamChecker, Center, "/admin/changes/:id/*", "POST"},
	{RoleChannelAdmin, Center, "/admin/changes/:id/*", "POST"},
	{RoleParamMaker, Center, "/admin/params/:key/changes", "POST"},
	{RoleChannelAdmin, Center, "/admin/channels/changes", "POST"},
	{RoleSysadmin, Center, "/admin/users/changes", "POST"},
	// Console notices: the list with pending notice requests for makers,
	// checkers and auditors; the propose form for the notice kind's makers.
	{RoleParamMaker, Center, "/admin/notices", "GET"},
	{RoleChannelAdmin, Center, "/admin/notices", "GET"},
	{RoleParamChecker, Center, "/admin/notices", "GET"},
	{RoleAuditor, Center, "/admin/notices", "GET"},
	{RoleParamMaker, Center, "/admin/notices/changes", "POST"},
	{RoleChannelAdmin, Center, "/admin/notices/changes", "POST"},
	// Knowledge base (知识库, internal/kb): articles change only through
	// kb_article change requests (the notice kind's makers submit, checkers
	// approve through /changes/*); the console page for makers, checkers,
	// auditors and the 12329 agents who answer callers from it.
	{RoleParamMaker, Center, "/changes/kb_article", ActSubmit},
	{RoleChannelAdmin, Center, "/changes/kb_article", ActSubmit},
	{RoleParamMaker, Center, "/admin/kb", "GET"},
	{RoleChannelAdmin, Center, "/admin/kb", "GET"},
	{RoleParamChecker, Center, "/admin/kb", "GET"},
	{RoleAuditor, Center, "/admin/kb", "GET"},
	{RoleHotlineAgent, Center, "/admin/kb", "GET"},
	{RoleParamMaker, Center, "/admin/kb/changes", "POST"},
	{RoleChannelAdmin, Center, "/admin/kb/changes", "POST"},
	// SMS (internal/notify): batch SMS (群发, sms_batch) and template texts
	// (sms_template) change only through change requests (checkers approve
	// through /changes/*); the console's 短信群发 page for makers, checkers
	// and auditors, the propose forms for the kinds' makers.
	{RoleParamMaker, Center, "/changes/sms_batch", ActSubmit},
	{RoleChannelAdmin, Center, "/changes/sms_batch", ActSubmit},
	{RoleParamMaker, Center, "/changes/sms_template", ActSubmit},
	{RoleParamMaker, Center, "/admin/sms/batch", "GET"},
	{RoleChannelAdmin, Center, "/admin/sms/batch", "GET"},
	{RoleParamChecker, Center, "/admin/sms/batch", "GET"},
	{RoleAuditor, Center, "/admin/sms/batch", "GET"},
	{RoleParamMaker, Center, "/admin/sms/batch/changes", "POST"},
	{RoleChannelAdmin, Center, "/admin/sms/batch/changes", "POST"},
	{RoleParamMaker, Center, "/admin/sms/templates/changes", "POST"},
	// Console work orders (工单): 12329 agents and reviewers handle them
	// (assign, reply, close), operations and auditors read them.
	{RoleHotlineAgent, Center, "/admin/workorders", "GET"},
	{RoleReviewer, Center, "/admin/workorders", "GET"},
	{RoleSysadmin, Center, "/admin/workorders", "GET"},
	{RoleAuditor, Center, "/admin/workorders", "GET"},
	{RoleHotlineAgent, Center, "/admin/workorders/:id", "GET"},
	{RoleReviewer, Center, "/admin/workorders/:id", "GET"},
	{RoleSysadmin, Center, "/admin/workorders/:id", "GET"},
	{RoleAuditor, Center, "/admin/workorders/:id", "GET"},
	{RoleHotlineAgent, Center, "/admin/workorders/:id/*", "POST"},
	{RoleReviewer, Center, "/admin/workorders/:id/*", "POST"},
	// The SMS templates page (read-only): those who read the outbox and the
	// parameter makers and checkers.
	{RoleSysadmin, Center, "/admin/sms/templates", "GET"},
	{RoleHotlineAgent, Center, "/admin/sms/templates", "GET"},
	{RoleAuditor, Center, "/admin/sms/templates", "GET"},
	{RoleParamMaker, Center, "/admin/sms/templates", "GET"},
	{RoleParamChecker, Center, "/admin/sms/templates", "GET"},
	// Console batch jobs (day-end, interest settlement): business reviewers,
	// who start interest runs through the staff API too.
	{RoleReviewer, Center, "/admin/batch/eod", "POST"},
	{RoleReviewer, Center, "/admin/batch/interest", "POST"},
	{RoleUnitAgent, "unit:*", "/api/unit/v1/*", "GET|POST|PUT|DELETE"},
	{RoleUnitAgent, "unit:*", "/unit/*", "GET|POST"}, // the unit online hall pages
	// Kiosks and government agencies (channels/kiosk, channels/gov): channel
	// admins register them; auditors see them and the kiosks' heartbeats.
	{RoleChannelAdmin, Center, "/api/admin/v1/kiosks", "GET|POST"},
	{RoleAuditor, Center, "/api/admin/v1/kiosks", "GET"},
	{RoleChannelAdmin, Center, "/api/admin/v1/gov-agencies", "GET|POST"},
	{RoleAuditor, Center, "/api/admin/v1/gov-agencies", "GET"},
	// Disable/enable and key rotation of kiosks and agencies, the WeChat menu
	// (shown, published) and the console's 终端与机构 page (admin/console/devices.go).
	{RoleChannelAdmin, Center, "/api/admin/v1/kiosks/:id/*", "POST"},
	{RoleChannelAdmin, Center, "/api/admin/v1/gov-agencies/:id/*", "POST"},
	{RoleChannelAdmin, Center, "/api/admin/v1/wechat/menu", "GET"},
	{RoleAuditor, Center, "/api/admin/v1/wechat/menu", "GET"},
	{RoleChannelAdmin, Center, "/api/admin/v1/wechat/menu/publish", "POST"},
	{RoleChannelAdmin, Center, "/admin/devices", "GET"},
	{RoleAuditor, Center, "/admin/devices", "GET"},
	{RoleChannelAdmin, Center, "/admin/devices/*", "POST"},
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
	{"staff:approver", RoleReviewer, Center},
	{"staff:auditor", RoleAuditor, Center},
	{"staff:branch", RoleReviewer, BranchPrefix + DemoBranch},
}

// DemoBranch is the branch of the demo unit and of the demo branch reviewer.
const DemoBranch = "GL01"

// ErrForbidden is the answer to a request the subject may not make.
var ErrForbidden = errs.New(errs.Forbidden, "access.forbidden", "没有办理此业务的权限")

// Enforcer decides requests. Safe for concurrent use.
type Enforcer struct {
	e *casbin.SyncedEnforcer

	mu      sync.Mutex
	watcher persist.Watcher // nil: single instance
	stop    chan struct{}   // closed by Close: ends WatchInBackground
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

// Grant gives subject the role in domain (idempotent), outside any change
// request: only the wiring (demo seeding, unit agent login) calls this; staff
// role grants go through change requests (GrantTx).
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

// Permissions returns the (object, action) pairs role (e.g. RoleReviewer)
// holds in the center domain, sorted: for the impact preview of a role grant.
func (en *Enforcer) Permissions(role string) [][2]string {
	rules, _ := en.e.GetFilteredPolicy(0, role)
	out := make([][2]string, 0, len(rules))
	for _, r := range rules {
		if len(r) >= 4 {
			out = append(out, [2]string{r[2], r[3]})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
	return slices.Compact(out)
}

// HasGrant reports whether the store (not this instance's memory) holds the
// grant, read through q (a change request's transaction or the DB).
func HasGrant(ctx context.Context, q db.Querier, g Grant) (bool, error) {
	var n int
	err := q.GetContext(ctx, &n, `SELECT COUNT(*) FROM casbin_rule WHERE p_type = 'g' AND v0 = ? AND v1 = ? AND v2 = ?`,
		g.Subject, g.Role, g.Domain)
	if err != nil {
		return false, fmt.Errorf("read grant: %w", err)
	}
	return n > 0, nil
}

// GrantTx records the grant in tx (idempotent): the maker-checker approval
// of a role grant calls it in its transaction and Reload after the commit.
func GrantTx(ctx context.Context, tx *db.Tx, g Grant) error {
	held, err := HasGrant(ctx, tx, g)
	if err != nil || held {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO casbin_rule (p_type, v0, v1, v2, v3, v4, v5) VALUES ('g', ?, ?, ?, '', '', '')`,
		g.Subject, g.Role, g.Domain)
	if err != nil {
		return fmt.Errorf("store grant: %w", err)
	}
	return nil
}

// RevokeTx removes the grant from the store in tx (no error when it is not
// held); Reload after the commit.
func RevokeTx(ctx context.Context, tx *db.Tx, g Grant) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM casbin_rule WHERE p_type = 'g' AND v0 = ? AND v1 = ? AND v2 = ?`,
		g.Subject, g.Role, g.Domain)
	if err != nil {
		return fmt.Errorf("remove grant: %w", err)
	}
	return nil
}

// Reload reads every policy from the store again and, when watching, tells
// the other instances to do the same. Called after a transaction that used
// GrantTx or RevokeTx committed.
func (en *Enforcer) Reload() error {
	if err := en.e.LoadPolicy(); err != nil {
		return fmt.Errorf("reload policy: %w", err)
	}
	en.mu.Lock()
	w := en.watcher
	en.mu.Unlock()
	if w != nil {
		// The change is committed; an announcement lost while Redis is away
		// reaches the others at their next periodic reload
		// (WatchInBackground), so it is not an error of the change.
		_ = w.Update()
	}
	return nil
}

// WatchInBackground is Watch for the wiring: when Redis does not answer at
// start it keeps trying every retry until it does (the instance serves
// meanwhile), and in any case it reloads the whole policy from the store every
// reload, so a change announced while Redis was away is never missed for
// long. Close ends it. logf reports a failed attempt (once per outage).
func (en *Enforcer) WatchInBackground(rc *redis.Client, channel string, retry, reload time.Duration, logf func(msg string, err error)) {
	en.mu.Lock()
	if en.stop == nil {
		en.stop = make(chan struct{})
	}
	stop := en.stop
	en.mu.Unlock()
	go func() {
		watching, warned := false, false
		next, loaded := time.Now(), time.Now()
		for {
			now := time.Now()
			if !watching && !now.Before(next) {
				if err := en.Watch(rc, channel); err != nil {
					if !warned {
						logf("casbin watcher: Redis does not answer; retrying, policy reloads periodically meanwhile", err)
						warned = true
					}
					next = now.Add(retry)
				} else {
					watching = true
					_ = en.e.LoadPolicy() // catch up on what was missed
					loaded = now
				}
			}
			if now.Sub(loaded) >= reload {
				_ = en.e.LoadPolicy()
				loaded = now
			}
			select {
			case <-stop:
				return
			case <-time.After(min(retry, reload)):
			}
		}
	}()
}

// Watch subscribes to the Redis pub/sub channel (e.g. "gjj:casbin", one per
// deployment) through casbin/redis-watcher with connections of its own made
// from rc's settings: a policy change on any instance (Grant, Reload) makes
// every other instance reload its policy from the store. The wiring calls it
// once when Redis is configured; the embedded single-instance mode needs no
// watcher. Close stops it.
func (en *Enforcer) Watch(rc *redis.Client, channel string) error {
	o := rc.Options()
	w, err := rediswatcher.NewWatcher(o.Addr, rediswatcher.WatcherOptions{
		Options: redis.Options{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB,
			DialTimeout: o.DialTimeout, TLSConfig: o.TLSConfig},
		Channel:    channel,
		IgnoreSelf: true,
	})
	if err != nil {
		return fmt.Errorf("casbin watcher: %w", err)
	}
	// Every message, whatever it says, means "the store changed": reload all
	// (the library's incremental callback would write the rule again).
	if err := w.SetUpdateCallback(func(string) { _ = en.e.LoadPolicy() }); err != nil {
		return err
	}
	if err := en.e.SetWatcher(w); err != nil {
		return fmt.Errorf("casbin watcher: %w", err)
	}
	en.mu.Lock()
	en.watcher = w
	en.mu.Unlock()
	return nil
}

// Close stops watching (no-op without Watch).
func (en *Enforcer) Close() {
	en.mu.Lock()
	w := en.watcher
	en.watcher = nil
	if en.stop != nil {
		close(en.stop)
		en.stop = nil
	}
	en.mu.Unlock()
	if w != nil {
		w.Close()
	}
}
