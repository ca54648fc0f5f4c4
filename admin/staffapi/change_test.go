package staffapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/notify"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/policy"
)

// changeJSON is a change request as the API answers it.
type changeJSON struct {
	ID            int64          `json:"id"`
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	Target        string         `json:"target"`
	Title         string         `json:"title"`
	Change        map[string]any `json:"change"`
	Diff          []diffJSON     `json:"diff"`
	Impact        impactJSON     `json:"impact"`
	EffectiveFrom string         `json:"effective_from"`
	Maker         string         `json:"maker"`
	Checker       string         `json:"checker"`
	Comment       string         `json:"comment"`
}

type diffJSON struct {
	Field, Title, Before, After string
}

type impactJSON struct {
	Summary string   `json:"summary"`
	Count   *int64   `json:"count"`
	Details []string `json:"details"`
}

// staffAuth starts a staff session for username (a demo user or one made
// with addStaffUser) without a TOTP login, and returns the Authorization
// header value.
func staffAuth(t *testing.T, a *app.App, username string) string {
	t.Helper()
	token, _, err := a.Identity.NewSession(context.Background(), identity.Principal{Kind: "staff", Subject: "staff:" + username, Name: username}, "counter")
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Bearer(token)
}

// addStaffUser creates a staff user (no credential) holding roles.
func addStaffUser(t *testing.T, a *app.App, username string, roles ...string) {
	t.Helper()
	if _, err := a.DB.ExecContext(context.Background(), `INSERT INTO staff_user (username, display_name, branch, status, created_at)
		VALUES (?, ?, 'center', 'active', ?)`, username, username, db.Now()); err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if err := a.Access.Grant(access.Grant{Subject: "staff:" + username, Role: r, Domain: access.Center}); err != nil {
			t.Fatal(err)
		}
	}
}

func submitChange(t *testing.T, c *apitest.Client, auth string, body map[string]any) changeJSON {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/change-requests", Body: body, Auth: auth})
	cr := apitest.Decode[changeJSON](t, r, http.StatusCreated)
	if cr.Status != "pending" || cr.ID == 0 || len(cr.Diff) == 0 || cr.Impact.Summary == "" {
		t.Fatalf("submitted %s", r)
	}
	return cr
}

func decideChange(t *testing.T, c *apitest.Client, auth string, id int64, verb string, comment string) apitest.Result {
	t.Helper()
	var body any
	if comment != "" {
		body = map[string]string{"comment": comment}
	}
	return c.Do(t, apitest.Call{Method: "POST", Path: fmt.Sprintf("%s/change-requests/%d/%s", staffBase, id, verb), Body: body, Auth: auth})
}

func bizToday(t *testing.T, a *app.App) date.Date {
	t.Helper()
	d, err := a.Dates.Today(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// appNotices calls a gated route of the app channel (GG-01, query class).
func appNotices(t *testing.T, c *apitest.Client) apitest.Result {
	t.Helper()
	return c.Do(t, apitest.Call{Method: "GET", Path: "/api/app/v1/notices", Auth: "-"})
}

// TestChangeKindsEndToEnd submits each kind as its maker, approves it as the
// checker through the API and sees the effect: the parameter in force, the
// gate closing or diverting, the notice listed, the role enforced. Each kind
// runs on platforms of its own (channel kinds share one parameter, which
// takes one version per day).
func TestChangeKindsEndToEnd(t *testing.T) {
	off := false
	cases := []struct {
		kind   string
		maker  string
		body   map[string]any
		before func(t *testing.T, a *app.App, c *apitest.Client)
		effect func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON)
	}{
		{kind: "param", maker: "maker",
			body: map[string]any{"kind": "param", "key": policy.DepositBaseMax, "value": "20,000.00", "reason": "按上年度平均工资调整"},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				if v, err := a.Policy.Fen(context.Background(), policy.DepositBaseMax, bizToday(t, a)); err != nil || v != 2_000_000 {
					t.Errorf("base max in force %d, %v", v, err)
				}
				if cr.Diff[0].Before != "23,681.00" || cr.Diff[0].After != "20,000.00" {
					t.Errorf("diff %+v", cr.Diff)
				}
			}},
		{kind: "channel_state", maker: "maker",
			body: map[string]any{"kind": "channel_state", "channel": "app", "enabled": false, "reason": "系统维护"},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				apitest.Decode[map[string]any](t, appNotices(t, c), http.StatusOK)
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				p := apitest.CheckProblem(t, appNotices(t, c), http.StatusServiceUnavailable, "channel.closed")
				if p["reason"] != "channel_off" {
					t.Errorf("problem %v", p)
				}
			}},
		{kind: "item_switch", maker: "maker",
			body: map[string]any{"kind": "item_switch", "item": "GG-01", "channel": "app", "enabled": off},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				apitest.Decode[map[string]any](t, appNotices(t, c), http.StatusOK)
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				p := apitest.CheckProblem(t, appNotices(t, c), http.StatusServiceUnavailable, "channel.closed")
				if p["reason"] != "not_offered" {
					t.Errorf("problem %v", p)
				}
			}},
		{kind: "capacity", maker: "maker",
			body: map[string]any{"kind": "capacity", "channel": "app", "item_class": "query", "rate_per_s": 0.001, "burst": 1},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				for range 3 { // admitted today: the impact preview counts them
					apitest.Decode[map[string]any](t, appNotices(t, c), http.StatusOK)
				}
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				if cr.Impact.Count == nil || *cr.Impact.Count < 3 || !strings.Contains(cr.Impact.Summary, "今日峰值") {
					t.Errorf("impact %+v", cr.Impact)
				}
				// Burst 1: the next call may pass, the one after is diverted.
				var last apitest.Result
				for range 2 {
					last = appNotices(t, c)
				}
				p := apitest.CheckProblem(t, last, http.StatusTooManyRequests, "channel.busy")
				if last.Header.Get("Retry-After") == "" || p["alternatives"] == nil {
					t.Errorf("diverted without Retry-After or alternatives: %s", last)
				}
			}},
		{kind: "notice", maker: "maker",
			body: map[string]any{"kind": "notice", "title": "关于调整缴存基数上限的通知", "body": "自即日起执行。", "category": "policy",
				"channels": []string{"app", "web"}},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				if strings.Contains(string(appNotices(t, c).Body), "关于调整缴存基数上限的通知") {
					t.Fatal("listed before approval")
				}
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				r := appNotices(t, c)
				if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "关于调整缴存基数上限的通知") {
					t.Errorf("notice not listed: %s", r)
				}
			}},
		{kind: "kb_article", maker: "maker",
			body: map[string]any{"kind": "kb_article", "action": "publish", "title": "住房公积金异地转移接续指南", "body": "通过全国住房公积金小程序办理。",
				"category": "general", "keywords": []string{"转移接续", "异地"}, "channels": []string{"app"}},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				r := c.Do(t, apitest.Call{Method: "GET", Path: "/api/app/v1/kb?q=%E8%BD%AC%E7%A7%BB%E6%8E%A5%E7%BB%AD", Auth: "-"})
				if r.Status != http.StatusOK || strings.Contains(string(r.Body), "异地转移接续指南") {
					t.Fatalf("listed before approval: %s", r)
				}
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				r := c.Do(t, apitest.Call{Method: "GET", Path: "/api/app/v1/kb?q=%E8%BD%AC%E7%A7%BB%E6%8E%A5%E7%BB%AD", Auth: "-"})
				if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "异地转移接续指南") {
					t.Errorf("article not found on the app: %s", r)
				}
				if cr.Impact.Count == nil || *cr.Impact.Count != 1 {
					t.Errorf("impact %+v", cr.Impact)
				}
			}},
		{kind: "sms_batch", maker: "maker",
			body: map[string]any{"kind": "sms_batch", "body": "本周六网上业务暂停办理。", "audience": "unit", "unit": demo.UnitNo},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				if n := queuedBroadcasts(t, a); n != 0 {
					t.Fatalf("%d queued before approval", n)
				}
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				if n := queuedBroadcasts(t, a); cr.Impact.Count == nil || *cr.Impact.Count == 0 || n != *cr.Impact.Count {
					t.Errorf("queued %d, impact %+v", n, cr.Impact)
				}
			}},
		{kind: "sms_template", maker: "maker",
			body: map[string]any{"kind": "sms_template", "key": "sms12329.no_loan", "body": "{name}您好：您名下没有未结清的公积金贷款。"},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				if txt, _ := notify.TemplateText(context.Background(), a.DB, "sms12329.no_loan"); strings.HasPrefix(txt, "{name}您好") {
					t.Fatal("in force before approval")
				}
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				m, err := a.Notify.SendSMS(context.Background(), notify.SMS{Phone: "13900000088", Template: "sms12329.no_loan",
					Vars: map[string]string{"name": "李明"}})
				if err != nil || m.Text != "李明您好：您名下没有未结清的公积金贷款。" {
					t.Errorf("sent %+v %v", m, err)
				}
			}},
		{kind: "role_grant", maker: "admin",
			body: map[string]any{"kind": "role_grant", "subject": "staff:maker", "role": "reviewer", "action": "grant", "reason": "兼任审核"},
			before: func(t *testing.T, a *app.App, c *apitest.Client) {
				apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/preregistrations", Auth: staffAuth(t, a, "maker")}),
					http.StatusForbidden, "access.forbidden")
			},
			effect: func(t *testing.T, a *app.App, c *apitest.Client, cr changeJSON) {
				r := c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/preregistrations", Auth: staffAuth(t, a, "maker")})
				apitest.Decode[map[string]any](t, r, http.StatusOK)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			apitest.EachStore(t, func(t *testing.T, a *app.App) {
				c := apitest.Server(t, a, apitest.SessionSchemes)
				if tc.before != nil {
					tc.before(t, a, c)
				}
				cr := submitChange(t, c, staffAuth(t, a, tc.maker), tc.body)
				if cr.Kind != tc.kind || cr.Maker != "staff:"+tc.maker {
					t.Fatalf("submitted %+v", cr)
				}
				// Nothing in force before the approval.
				if tc.before != nil {
					tc.before(t, a, c)
				}
				r := decideChange(t, c, staffAuth(t, a, "checker"), cr.ID, "approve", "同意")
				got := apitest.Decode[changeJSON](t, r, http.StatusOK)
				if got.Status != "approved" || got.Checker != "staff:checker" || got.Comment != "同意" {
					t.Fatalf("approved %s", r)
				}
				tc.effect(t, a, c, cr)
				// The approval is audited after the change it applied, and the chain verifies.
				es, err := a.Audit.List(context.Background(), audit.Filter{Object: "change:" + strconv.FormatInt(cr.ID, 10)})
				if err != nil || len(es) < 2 || es[0].Action != "change.approve" || es[0].Actor != "staff:checker" ||
					es[len(es)-1].Action != "change.submit" || es[len(es)-1].Actor != "staff:"+tc.maker {
					t.Errorf("audit of the request: %+v %v", es, err)
				}
				apitest.VerifyClean(t, a)
			})
		})
	}
}

// TestChangeAPI covers the routes' refusals: roles without the route or the
// kind's permission (403 access.forbidden, audited), self-approval (403
// access.self_approval), twice (409), reject without a comment, list
// filters and paging, an unknown id; nothing is applied by any refusal.
func TestChangeAPI(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := apitest.Server(t, a, apitest.SessionSchemes)
		addStaffUser(t, a, "hotline1", access.RoleHotlineAgent)
		addStaffUser(t, a, "auditor1", access.RoleAuditor)
		maker, checker := staffAuth(t, a, "maker"), staffAuth(t, a, "checker")
		auth := map[string]string{}
		for _, who := range []string{"reviewer", "hotline1", "auditor1", "admin"} {
			auth[who] = staffAuth(t, a, who)
		}
		param := map[string]any{"kind": "param", "key": policy.DepositRatioPersonMin, "value": "6%", "reason": "测试"}

		// The guard refuses roles without the route, and audits it.
		for _, who := range []string{"reviewer", "hotline1"} {
			st := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/change-requests", Body: param, Auth: auth[who]})
			apitest.CheckProblem(t, r, http.StatusForbidden, "access.forbidden")
			apitest.Wrote(t, a, st, map[string]int64{"audit_log": 1})
			if e := apitest.LastAudit(t, a); e.Actor != "staff:"+who || e.Action != "change.submit" || e.Result != audit.ResultRefused {
				t.Errorf("guard refusal audited as %+v", e)
			}
		}
		// A role with the route but not the kind: refused by the service.
		r := c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/change-requests", Auth: auth["admin"], Body: param})
		apitest.CheckProblem(t, r, http.StatusForbidden, "access.forbidden")
		// Out of range: the policy validator's Chinese message.
		r = c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/change-requests", Auth: maker,
			Body: map[string]any{"kind": "param", "key": policy.DepositRatioPersonMin, "value": "4%", "reason": "测试"}})
		p := apitest.CheckProblem(t, r, http.StatusBadRequest, "policy.invalid_value")
		if p["detail"] != "参数「个人缴存比例下限」的取值不正确，允许的取值：5%至12%" || p["field"] != "value" {
			t.Errorf("problem %v", p)
		}
		// Malformed submissions (the validator refuses them too).
		for _, body := range []any{
			map[string]any{"kind": "param", "key": policy.DepositRatioPersonMin, "value": "6%", "reason": "x", "channel": "app"},
			map[string]any{"kind": "tariff"},
		} {
			r := c.Do(t, apitest.Call{Method: "POST", Path: staffBase + "/change-requests", Auth: maker, Body: body, Spec: apitest.SpecInvalid})
			if r.Status != http.StatusBadRequest {
				t.Errorf("%v: %s", body, r)
			}
		}

		cr := submitChange(t, c, maker, param)
		if cr.Diff[0].Before != "5%" || cr.Diff[0].After != "6%" || cr.Change["value"] != "6%" {
			t.Errorf("submitted %+v", cr)
		}
		before := apitest.Snapshot(t, a)
		// Self-approval, a role that may not approve, reject without a comment.
		apitest.CheckProblem(t, decideChange(t, c, maker, cr.ID, "approve", ""), http.StatusForbidden, "access.self_approval")
		apitest.CheckProblem(t, decideChange(t, c, maker, cr.ID, "reject", "撤回"), http.StatusForbidden, "access.self_approval")
		apitest.CheckProblem(t, decideChange(t, c, auth["auditor1"], cr.ID, "approve", ""), http.StatusForbidden, "access.forbidden")
		apitest.CheckProblem(t, decideChange(t, c, auth["reviewer"], cr.ID, "approve", ""), http.StatusForbidden, "access.forbidden")
		r = c.Do(t, apitest.Call{Method: "POST", Path: fmt.Sprintf("%s/change-requests/%d/reject", staffBase, cr.ID), Auth: checker,
			Body: map[string]string{"comment": ""}, Spec: apitest.SpecInvalid})
		apitest.CheckProblem(t, r, http.StatusBadRequest, "change.comment_required")
		apitest.Wrote(t, a, before, map[string]int64{"audit_log": 5})
		if v, _ := a.Policy.Bps(ctx, policy.DepositRatioPersonMin, bizToday(t, a)); v != 500 {
			t.Fatalf("applied by a refusal: %d", v)
		}
		// Reject, then twice.
		got := apitest.Decode[changeJSON](t, decideChange(t, c, checker, cr.ID, "reject", "依据不足"), http.StatusOK)
		if got.Status != "rejected" || got.Comment != "依据不足" {
			t.Errorf("rejected %+v", got)
		}
		apitest.CheckProblem(t, decideChange(t, c, checker, cr.ID, "approve", ""), http.StatusConflict, "change.decided")
		apitest.CheckProblem(t, decideChange(t, c, checker, 999999, "approve", ""), http.StatusNotFound, "change.not_found")
		if v, _ := a.Policy.Bps(ctx, policy.DepositRatioPersonMin, bizToday(t, a)); v != 500 {
			t.Fatalf("applied by a rejection: %d", v)
		}

		// List and get: filters, paging, roles.
		second := submitChange(t, c, maker, map[string]any{"kind": "param", "key": policy.DepositRatioPersonMin, "value": "7%", "reason": "测试"})
		type listJSON struct {
			Items []changeJSON `json:"items"`
		}
		list := func(auth, query string, status int) []changeJSON {
			t.Helper()
			r := c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/change-requests" + query, Auth: auth})
			if status != http.StatusOK {
				apitest.CheckProblem(t, r, status, "access.forbidden")
				return nil
			}
			return apitest.Decode[listJSON](t, r, http.StatusOK).Items
		}
		if l := list(staffAuth(t, a, "auditor1"), "", http.StatusOK); len(l) != 2 || l[0].ID != second.ID {
			t.Errorf("list %+v", l)
		}
		if l := list(checker, "?status=pending&kind=param", http.StatusOK); len(l) != 1 || l[0].ID != second.ID {
			t.Errorf("pending %+v", l)
		}
		if l := list(checker, "?status=rejected", http.StatusOK); len(l) != 1 || l[0].ID != cr.ID {
			t.Errorf("rejected %+v", l)
		}
		if l := list(checker, fmt.Sprintf("?limit=1&before=%d", second.ID), http.StatusOK); len(l) != 1 || l[0].ID != cr.ID {
			t.Errorf("page %+v", l)
		}
		list(staffAuth(t, a, "reviewer"), "", http.StatusForbidden)
		r = c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/change-requests?status=done", Auth: checker, Spec: apitest.SpecInvalid})
		apitest.CheckProblem(t, r, http.StatusBadRequest, "change.bad_status")
		one := apitest.Decode[changeJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: fmt.Sprintf("%s/change-requests/%d", staffBase, second.ID), Auth: checker}), http.StatusOK)
		if one.Title != "参数变更：个人缴存比例下限" || one.Impact.Count == nil {
			t.Errorf("get %+v", one)
		}
		apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "GET", Path: staffBase + "/change-requests/424242", Auth: checker}),
			http.StatusNotFound, "change.not_found")
		apitest.VerifyClean(t, a)
	})
}

// queuedBroadcasts counts the batch SMS notices in the queue.
func queuedBroadcasts(t *testing.T, a *app.App) int64 {
	t.Helper()
	var n int64
	if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM notice_queue WHERE template = ?`, notify.Broadcast); err != nil {
		t.Fatal(err)
	}
	return n
}
