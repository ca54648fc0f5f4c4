package console

import (
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
)

// navGroup is one heading of the left menu with the entries the staff member
// may open.
type navGroup struct {
	Title   string
	Entries []navEntry
}

type navEntry struct {
	Path, Label string
}

// menu is the whole left menu; each entry is shown only to staff whose roles
// allow GET on its path (the same casbin check the page itself makes).
var menu = []navGroup{
	{"工作台", []navEntry{{"/admin/", "首页概览"}}},
	{"业务审核", []navEntry{
		{"/admin/reviews/preregistrations", "单位开户预约"},
		{"/admin/reviews/deferrals", "缓缴申请"},
		{"/admin/reviews/withdrawals", "提取审核"},
		{"/admin/reviews/loans", "贷款审批"},
	}},
	{"综合查询", []navEntry{{"/admin/accounts", "个人账户查询"}}},
	{"参数与渠道", []navEntry{
		{"/admin/params", "业务参数"},
		{"/admin/channels", "渠道管理"},
		{"/admin/changes", "变更复核"},
		{"/admin/notices", "公告管理"},
		{"/admin/kb", "知识库"},
	}},
	{"绩效分析", []navEntry{{"/admin/analytics", "绩效分析"}}},
	{"运行管理", []navEntry{
		{"/admin/workorders", "工单管理"},
		{"/admin/devices", "终端与机构"},
		{"/admin/sms", "短信发件箱"},
		{"/admin/sms/templates", "短信模板"},
		{"/admin/sms/batch", "短信群发"},
		{"/admin/batch", "营业日期与批处理"},
	}},
	{"系统与审计", []navEntry{
		{"/admin/users", "用户与角色"},
		{"/admin/audit", "审计日志"},
	}},
}

// nav returns the menu entries the signed-in staff member may open (computed
// once per request).
func (h *handler) nav(c echo.Context) []navGroup {
	if v, ok := c.Get(navKey).([]navGroup); ok {
		return v
	}
	var out []navGroup
	for _, g := range menu {
		var entries []navEntry
		for _, e := range g.Entries {
			if (e.Path == "/admin/changes" || e.Path == "/admin/sms/batch") && h.d.Changes == nil {
				continue // maker-checker not wired
			}
			if e.Path == "/admin/notices" && (h.d.Notices == nil || h.d.Changes == nil) {
				continue
			}
			if (e.Path == "/admin/kb" && (h.d.KB == nil || h.d.Changes == nil)) || (e.Path == "/admin/workorders" && h.d.WorkOrders == nil) {
				continue
			}
			if e.Path == "/admin/devices" && h.d.Devices.Kiosks == nil {
				continue
			}
			if ok, err := h.allowedPage(c, e.Path, "GET"); err == nil && ok {
				entries = append(entries, e)
			}
		}
		if len(entries) > 0 {
			out = append(out, navGroup{Title: g.Title, Entries: entries})
		}
	}
	c.Set(navKey, out)
	return out
}

// home is the first page the staff member may open ("" when none).
func (h *handler) home(c echo.Context) string {
	for _, g := range h.nav(c) {
		return g.Entries[0].Path
	}
	return ""
}

// roleNames are the Chinese names of the seeded roles (access.Role*).
var roleNames = map[string]string{
	"sysadmin":      "系统管理员",
	"param_maker":   "参数经办",
	"param_checker": "参数复核",
	"reviewer":      "业务审核",
	"channel_admin": "渠道管理",
	"hotline_agent": "12329坐席",
	"auditor":       "审计员",
	"unit_agent":    "单位经办人",
}

// rolesOf returns the Chinese names of the roles subject holds in domain
// (the center's, or a branch's for branch staff), in the order of
// access.StaffRoles (others last).
func (h *handler) rolesOf(subject, domain string) []string {
	held := h.d.Access.Roles(subject, domain)
	rank := func(r string) int {
		for i, s := range access.StaffRoles {
			if s == "role:"+r {
				return i
			}
		}
		return len(access.StaffRoles)
	}
	slices.SortStableFunc(held, func(a, b string) int { return rank(a) - rank(b) })
	out := make([]string, len(held))
	for i, r := range held {
		out[i] = roleName(r)
	}
	return out
}

// roleName names a role ("reviewer" or "role:reviewer") in Chinese.
func roleName(r string) string {
	r = strings.TrimPrefix(r, "role:")
	if n, ok := roleNames[r]; ok {
		return n
	}
	return r
}
