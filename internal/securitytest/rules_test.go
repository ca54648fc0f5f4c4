package securitytest_test

// matrix is the security matrix: which roles get through to which routes.
// A prefix ending in "$" matches the path exactly; otherwise the longest
// matching prefix (with a method before one without) decides. A route no
// rule covers fails TestRouteRoleMatrix: classify new routes here.
//
// cred marks routes whose request carries the credentials itself (logins,
// the kiosk's bootstrap code, the OAuth state, a current password): for the
// allowed roles any answer below 500 counts (a 401 there is the credential
// check's verdict, not the route's); the other roles must still be denied.
var matrix = []rule{
	// Public: the landing page, health, the API index, certificate
	// verification, static files and the halls' root redirects.
	{method: "GET", prefix: "/$", allow: everyone},
	{method: "GET", prefix: "/healthz$", allow: everyone},
	{method: "GET", prefix: "/readyz$", allow: everyone},
	// The Prometheus metrics carry no personal data (route templates and
	// counts only); production restricts them at nginx (deploy/).
	{method: "GET", prefix: "/metrics$", allow: everyone},
	{method: "GET", prefix: "/api/$", allow: everyone},
	{method: "GET", prefix: "/verify", allow: everyone},
	{method: "GET", prefix: "/admin$", allow: everyone},
	{method: "GET", prefix: "/unit$", allow: everyone},
	{method: "GET", prefix: "/web$", allow: everyone},
	{method: "GET", prefix: "/kiosk$", allow: everyone},
	{method: "GET", prefix: "/admin/static/", allow: everyone},
	{method: "GET", prefix: "/unit/static/", allow: everyone},
	{method: "GET", prefix: "/web/static/", allow: everyone},
	{method: "GET", prefix: "/kiosk/static/", allow: everyone},

	// Admin console (/admin/): staff by role (internal/access policy).
	{method: "GET", prefix: "/admin/login", allow: everyone},
	{method: "POST", prefix: "/admin/login", allow: everyone, cred: true},
	{method: "POST", prefix: "/admin/logout", allow: everyone, cred: true},
	{method: "GET", prefix: "/admin/$", allow: roles(sysadmin, paramMaker, paramChecker, reviewer, channelAdmin, hotlineAgent, auditor)},
	{prefix: "/admin/accounts", allow: roles(reviewer)},
	{prefix: "/admin/analytics", allow: roles(paramMaker, paramChecker, reviewer, auditor)},
	{prefix: "/admin/audit", allow: roles(auditor)},
	{method: "GET", prefix: "/admin/batch", allow: roles(sysadmin, reviewer, auditor)},
	{method: "POST", prefix: "/admin/batch/", allow: roles(reviewer)},
	{method: "GET", prefix: "/admin/changes", allow: roles(sysadmin, paramMaker, paramChecker, channelAdmin, auditor)},
	{method: "POST", prefix: "/admin/changes/", allow: roles(sysadmin, paramMaker, paramChecker, channelAdmin)},
	{method: "GET", prefix: "/admin/channels", allow: roles(paramMaker, paramChecker, channelAdmin, auditor)},
	{method: "POST", prefix: "/admin/channels/changes", allow: roles(channelAdmin)},
	{method: "GET", prefix: "/admin/devices", allow: roles(channelAdmin, auditor)},
	{method: "POST", prefix: "/admin/devices/", allow: roles(channelAdmin)},
	{method: "GET", prefix: "/admin/kb", allow: roles(paramMaker, paramChecker, channelAdmin, hotlineAgent, auditor)},
	{method: "POST", prefix: "/admin/kb/changes", allow: roles(paramMaker, channelAdmin)},
	{method: "GET", prefix: "/admin/notices", allow: roles(paramMaker, paramChecker, channelAdmin, auditor)},
	{method: "POST", prefix: "/admin/notices/changes", allow: roles(paramMaker, channelAdmin)},
	{method: "GET", prefix: "/admin/params", allow: roles(paramMaker, paramChecker, auditor)},
	{method: "POST", prefix: "/admin/params/", allow: roles(paramMaker)},
	{prefix: "/admin/reviews/", allow: roles(reviewer)},
	{method: "GET", prefix: "/admin/sms", allow: roles(sysadmin, hotlineAgent, auditor)},
	{method: "GET", prefix: "/admin/sms/templates", allow: roles(sysadmin, hotlineAgent, auditor, paramMaker, paramChecker)},
	{method: "POST", prefix: "/admin/sms/templates/changes", allow: roles(paramMaker)},
	{method: "GET", prefix: "/admin/sms/batch", allow: roles(paramMaker, paramChecker, channelAdmin, auditor)},
	{method: "POST", prefix: "/admin/sms/batch/changes", allow: roles(paramMaker, channelAdmin)},
	{method: "GET", prefix: "/admin/users", allow: roles(sysadmin, auditor)},
	{method: "POST", prefix: "/admin/users/changes", allow: roles(sysadmin)},
	{method: "GET", prefix: "/admin/workorders", allow: roles(sysadmin, reviewer, hotlineAgent, auditor)},
	{method: "POST", prefix: "/admin/workorders/", allow: roles(reviewer, hotlineAgent)},

	// Staff API (/api/admin/v1): staff by role.
	{method: "POST", prefix: "/api/admin/v1/sessions", allow: everyone, cred: true},
	{method: "GET", prefix: "/api/admin/v1/accounts/", allow: roles(reviewer, auditor)},
	{method: "POST", prefix: "/api/admin/v1/accounts/", allow: roles(reviewer)},
	{method: "GET", prefix: "/api/admin/v1/change-requests", allow: roles(sysadmin, paramMaker, paramChecker, channelAdmin, auditor)},
	{method: "POST", prefix: "/api/admin/v1/change-requests$", allow: roles(sysadmin, paramMaker, channelAdmin)},
	{method: "POST", prefix: "/api/admin/v1/change-requests/", allow: roles(sysadmin, paramMaker, paramChecker, channelAdmin)},
	{prefix: "/api/admin/v1/deferrals", allow: roles(reviewer)},
	{method: "GET", prefix: "/api/admin/v1/gov-agencies", allow: roles(channelAdmin, auditor)},
	{method: "POST", prefix: "/api/admin/v1/gov-agencies", allow: roles(channelAdmin)},
	{method: "GET", prefix: "/api/admin/v1/interest-runs", allow: roles(reviewer, auditor)},
	{method: "POST", prefix: "/api/admin/v1/interest-runs", allow: roles(reviewer)},
	{method: "GET", prefix: "/api/admin/v1/kiosks", allow: roles(channelAdmin, auditor)},
	{method: "POST", prefix: "/api/admin/v1/kiosks", allow: roles(channelAdmin)},
	{method: "GET", prefix: "/api/admin/v1/loan-applications", allow: roles(reviewer, auditor)},
	{method: "POST", prefix: "/api/admin/v1/loan-applications", allow: roles(reviewer)},
	{method: "GET", prefix: "/api/admin/v1/loans/", allow: roles(reviewer, auditor)},
	{prefix: "/api/admin/v1/preregistrations", allow: roles(reviewer)},
	{method: "GET", prefix: "/api/admin/v1/sms-outbox", allow: roles(sysadmin, hotlineAgent, auditor)},
	{method: "POST", prefix: "/api/admin/v1/totp-enrolments", allow: allStaff},
	{method: "GET", prefix: "/api/admin/v1/withdrawals", allow: roles(reviewer, auditor)},
	{method: "POST", prefix: "/api/admin/v1/withdrawals", allow: roles(reviewer)},
	{method: "GET", prefix: "/api/admin/v1/wechat/menu", allow: roles(channelAdmin, auditor)},
	{method: "POST", prefix: "/api/admin/v1/wechat/menu/", allow: roles(channelAdmin)},
	{method: "GET", prefix: "/api/admin/v1/workorders", allow: roles(sysadmin, reviewer, hotlineAgent, auditor)},
	{method: "POST", prefix: "/api/admin/v1/workorders/", allow: roles(reviewer, hotlineAgent)},

	// App API (/api/app/v1): the person's bearer token; a few public calls.
	{prefix: "/api/app/v1/", allow: roles(appPerson)},
	{method: "POST", prefix: "/api/app/v1/calculators/", allow: everyone},
	{method: "GET", prefix: "/api/app/v1/kb", allow: everyone},
	{method: "GET", prefix: "/api/app/v1/notices", allow: everyone},
	{method: "POST", prefix: "/api/app/v1/password-resets", allow: everyone},
	{method: "POST", prefix: "/api/app/v1/registrations", allow: everyone},
	{method: "POST", prefix: "/api/app/v1/sessions$", allow: everyone, cred: true},
	{method: "POST", prefix: "/api/app/v1/sms-codes", allow: everyone},
	{method: "PUT", prefix: "/api/app/v1/password", allow: roles(appPerson), cred: true},

	// Unit API (/api/unit/v1): the unit agent; pre-registration is public.
	{prefix: "/api/unit/v1/", allow: roles(unitAgent)},
	{method: "POST", prefix: "/api/unit/v1/preregistrations", allow: everyone},
	{method: "POST", prefix: "/api/unit/v1/sessions$", allow: everyone, cred: true},

	// Signed machine callers.
	{prefix: "/api/gov/v1/", allow: roles(govAgency)},
	{prefix: "/api/hotline/v1/", allow: roles(hotlineIVR)},
	{method: "POST", prefix: "/api/hotline/v1/ivr/verify", allow: roles(hotlineIVR), cred: true},
	{prefix: "/api/kiosk/v1/", allow: roles(kioskDevice)},
	{method: "POST", prefix: "/api/kiosk/v1/sessions$", allow: roles(kioskDevice), cred: true},
	{prefix: "/api/ops/v1/", allow: roles(opsCaller)},
	{method: "POST", prefix: "/hooks/sms12329/", allow: roles(smsGateway)},
	{method: "POST", prefix: "/hooks/bank/", allow: roles(bankCaller)},
	{prefix: "/wechat/callback", allow: roles(wechatSrv)},

	// Kiosk touch pages: the activated kiosk's browser with a person signed in.
	{prefix: "/kiosk/", allow: roles(kioskDevice)},
	{method: "GET", prefix: "/kiosk/start", allow: everyone, cred: true},
	{method: "POST", prefix: "/kiosk/login", allow: roles(kioskDevice), cred: true},
	{method: "POST", prefix: "/kiosk/logout", allow: roles(kioskDevice), cred: true},

	// Unit online hall (/unit/): the unit agent's cookie.
	{prefix: "/unit/", allow: roles(unitAgent)},
	{method: "GET", prefix: "/unit/login", allow: everyone},
	{method: "POST", prefix: "/unit/login", allow: everyone, cred: true},
	{method: "POST", prefix: "/unit/logout", allow: everyone, cred: true},

	// Personal online hall (/web/): the person's cookie; login, registration,
	// password reset and help are public.
	{prefix: "/web/", allow: roles(webPerson)},
	{prefix: "/web/help", allow: everyone},
	{prefix: "/web/login", allow: everyone},
	{method: "POST", prefix: "/web/login$", allow: everyone, cred: true},
	{method: "POST", prefix: "/web/logout", allow: everyone, cred: true},
	{prefix: "/web/register", allow: everyone},
	{prefix: "/web/reset", allow: everyone},
	{method: "POST", prefix: "/web/profile/password", allow: roles(webPerson), cred: true},

	// WeChat pages: the binding form (guarded by its own cookie) and OAuth.
	{prefix: "/wechat/bind", allow: everyone},
	{method: "GET", prefix: "/wechat/oauth/start", allow: everyone},
	{method: "GET", prefix: "/wechat/oauth/callback", allow: everyone, cred: true},
}
