package change_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gjj/internal/access"
	"gjj/internal/access/change"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// addStaff creates a staff user holding roles (center domain) and returns
// its casbin subject.
func addStaff(t *testing.T, a *app.App, username string, roles ...string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := a.DB.ExecContext(ctx, `INSERT INTO staff_user (username, display_name, branch, status, created_at) VALUES (?, ?, 'center', 'active', ?)`,
		username, username, db.Now()); err != nil {
		t.Fatal(err)
	}
	sub := "staff:" + username
	for _, r := range roles {
		if err := a.Access.Grant(access.Grant{Subject: sub, Role: r, Domain: access.Center}); err != nil {
			t.Fatal(err)
		}
	}
	return sub
}

func short(role string) string { return strings.TrimPrefix(role, "role:") }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error %v, want %s", err, code)
	}
	if code != "" && !apitest.IsChinese(errs.E(err).Message) {
		t.Errorf("message %q is not Chinese", errs.E(err).Message)
	}
}

func today(t *testing.T, a *app.App) date.Date {
	t.Helper()
	d, err := a.Dates.Today(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// inputs makes distinct, applicable submissions of each kind: n-th of a
// kind. Effective dates come from next (strictly increasing, in the future),
// so approvals never meet an existing or later version.
type inputs struct {
	a    *app.App
	next int
	n    map[change.Kind]int
}

func (in *inputs) make(t *testing.T, kind change.Kind) change.Input {
	t.Helper()
	if in.n == nil {
		in.n = map[change.Kind]int{}
	}
	n := in.n[kind]
	in.n[kind]++
	in.next++
	eff := today(t, in.a).AddDays(10 + in.next).String()
	on := n%2 == 1
	switch kind {
	case change.KindParam:
		return change.Input{Kind: kind, Key: policy.LoanPrepayMaxPerYear, Value: strconv.Itoa(3 + n%9), EffectiveFrom: eff, Reason: "测试"}
	case change.KindChannelState:
		return change.Input{Kind: kind, Channel: "wechat", Enabled: &on, EffectiveFrom: eff}
	case change.KindItemSwitch:
		return change.Input{Kind: kind, Item: "GR-01", Channel: "web", Enabled: &on, EffectiveFrom: eff}
	case change.KindCapacity:
		rate, burst := float64(11+n), int64(20)
		return change.Input{Kind: kind, Channel: "app", ItemClass: "query", RatePerS: &rate, Burst: &burst, EffectiveFrom: eff}
	case change.KindNotice:
		return change.Input{Kind: kind, Title: fmt.Sprintf("测试公告 %d", n), Body: "正文", Category: "notice"}
	case change.KindKBArticle:
		return change.Input{Kind: kind, Action: "publish", Title: fmt.Sprintf("测试文章 %d", n), Body: "正文", Category: "general"}
	case change.KindSMSBatch:
		return change.Input{Kind: kind, Body: fmt.Sprintf("测试群发 %d", n), Audience: "open_account"}
	case change.KindSMSTemplate:
		return change.Input{Kind: kind, Key: "sms12329.no_loan", Body: fmt.Sprintf("{name}：未查询到贷款（%d）。", n)}
	case change.KindRoleGrant:
		role := []string{"hotline_agent", "auditor", "channel_admin"}[n%3]
		held, err := access.HasGrant(context.Background(), in.a.DB, access.Grant{Subject: "staff:reviewer", Role: "role:" + role, Domain: access.Center})
		if err != nil {
			t.Fatal(err)
		}
		action := "grant"
		if held {
			action = "revoke"
		}
		return change.Input{Kind: kind, Subject: "staff:reviewer", Role: role, Action: action}
	}
	t.Fatalf("kind %s", kind)
	return change.Input{}
}

// The permissions as seeded: who submits and who approves each kind.
var (
	makers = map[change.Kind][]string{
		change.KindParam:        {access.RoleParamMaker},
		change.KindChannelState: {access.RoleChannelAdmin},
		change.KindItemSwitch:   {access.RoleChannelAdmin},
		change.KindCapacity:     {access.RoleChannelAdmin},
		change.KindNotice:       {access.RoleParamMaker, access.RoleChannelAdmin},
		change.KindRoleGrant:    {access.RoleSysadmin},
		change.KindKBArticle:    {access.RoleParamMaker, access.RoleChannelAdmin},
		change.KindSMSBatch:     {access.RoleParamMaker, access.RoleChannelAdmin},
		change.KindSMSTemplate:  {access.RoleParamMaker},
	}
	checkers = map[change.Kind][]string{
		change.KindParam:        {access.RoleParamChecker},
		change.KindChannelState: {access.RoleParamChecker},
		change.KindItemSwitch:   {access.RoleParamChecker},
		change.KindCapacity:     {access.RoleParamChecker},
		change.KindNotice:       {access.RoleParamChecker},
		change.KindRoleGrant:    {access.RoleParamChecker, access.RoleSysadmin},
		change.KindKBArticle:    {access.RoleParamChecker},
		change.KindSMSBatch:     {access.RoleParamChecker},
		change.KindSMSTemplate:  {access.RoleParamChecker},
	}
)

// TestRolesByKinds is the matrix of every staff role × every kind: submit,
// approve and reject are allowed exactly for the roles above, refusals
// answer access.forbidden and change nothing but the audit trail.
func TestRolesByKinds(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := &inputs{a: a}
		users := map[string]string{}
		for _, r := range access.StaffRoles {
			users[r] = addStaff(t, a, "u_"+short(r), r)
		}
		for _, kind := range change.Kinds() {
			// A maker of the kind who is none of the tested users.
			maker := addStaff(t, a, "mk_"+string(kind), makers[kind][0])
			pending := func() int64 {
				t.Helper()
				r, err := a.Changes.Submit(ctx, maker, in.make(t, kind))
				if err != nil {
					t.Fatalf("%s: submit: %v", kind, err)
				}
				return r.ID
			}
			id := pending()
			for _, role := range access.StaffRoles {
				sub := users[role]
				// Submit.
				before := mine(t, a)
				r, err := a.Changes.Submit(ctx, sub, in.make(t, kind))
				if slices.Contains(makers[kind], role) {
					if err != nil || r.Status != change.StatusPending || r.Maker != sub {
						t.Errorf("%s submits %s: %v %+v", short(role), kind, err, r)
					}
				} else {
					wantCode(t, err, "access.forbidden")
					unchanged(t, a, before)
				}
				// Approve and reject.
				for _, approve := range []bool{false, true} {
					before := mine(t, a)
					var err error
					if approve {
						_, err = a.Changes.Approve(ctx, sub, id, "")
					} else {
						_, err = a.Changes.Reject(ctx, sub, id, "不同意")
					}
					if !slices.Contains(checkers[kind], role) {
						wantCode(t, err, "access.forbidden")
						unchanged(t, a, before)
						continue
					}
					if err != nil {
						t.Fatalf("%s decides %s (approve %v): %v", short(role), kind, approve, err)
					}
					got, _ := a.Changes.Get(ctx, id)
					want := change.StatusRejected
					if approve {
						want = change.StatusApproved
					}
					if got.Status != want || got.Checker != sub {
						t.Errorf("%s decided %s: %+v", short(role), kind, got)
					}
					id = pending()
				}
			}
		}
		apitest.VerifyClean(t, a)
	})
}

// TestSelfApproval: nobody decides their own request, whatever roles they
// hold — a checker who also makes, a sysadmin, every role.
func TestSelfApproval(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		in := &inputs{a: a}
		for _, role := range access.StaffRoles {
			// Every role, plus the maker and checker roles of a kind so the
			// user may submit it and could otherwise approve it.
			kind := change.KindParam
			if role == access.RoleSysadmin {
				kind = change.KindRoleGrant
			}
			sub := addStaff(t, a, "self_"+short(role), role, makers[kind][0], access.RoleParamChecker)
			r, err := a.Changes.Submit(ctx, sub, in.make(t, kind))
			if err != nil {
				t.Fatal(err)
			}
			before := mine(t, a)
			_, err = a.Changes.Approve(ctx, sub, r.ID, "")
			wantCode(t, err, "access.self_approval")
			_, err = a.Changes.Reject(ctx, strings.ToUpper(sub), r.ID, "撤回") // case does not matter
			wantCode(t, err, "access.self_approval")
			unchanged(t, a, before)
			if got, _ := a.Changes.Get(ctx, r.ID); got.Status != change.StatusPending {
				t.Errorf("%s: status %s after self-approval", short(role), got.Status)
			}
			es, _ := a.Audit.List(ctx, audit.Filter{Object: "change:" + strconv.FormatInt(r.ID, 10), Action: "change.approve"})
			if len(es) != 1 || es[0].Result != audit.ResultRefused || es[0].Actor != sub {
				t.Errorf("%s: refused self-approval not audited: %+v", short(role), es)
			}
		}
		// A role grant naming the approver: refused at submit (the maker) and at approval (the checker).
		_, err := a.Changes.Submit(ctx, "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "admin", Role: "auditor", Action: "grant"})
		wantCode(t, err, "access.self_grant")
		r, err := a.Changes.Submit(ctx, "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "checker", Role: "auditor", Action: "grant"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", r.ID, "")
		wantCode(t, err, "access.self_grant")
		apitest.VerifyClean(t, a)
	})
}

// TestStaleTwiceExpired: a request whose "before" value changed is refused
// and marked stale; a decided one cannot be decided again; a request past
// its expiry or its effective date is refused and marked expired.
func TestStaleTwiceExpired(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		param := change.Input{Kind: change.KindParam, Key: policy.DepositBaseMax, Value: "30000", Reason: "年度调整"}
		r1, err := a.Changes.Submit(ctx, "staff:maker", param)
		if err != nil {
			t.Fatal(err)
		}
		param.Value = "31,000.00"
		r2, err := a.Changes.Submit(ctx, "staff:maker", param)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", r1.ID, "同意"); err != nil {
			t.Fatal(err)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", r2.ID, "")
		wantCode(t, err, "change.stale")
		if got, _ := a.Changes.Get(ctx, r2.ID); got.Status != change.StatusStale {
			t.Errorf("status %s, want stale", got.Status)
		}
		if v, _ := a.Policy.Fen(ctx, policy.DepositBaseMax, today(t, a)); v != 3_000_000 {
			t.Errorf("base max %d after the stale approval", v)
		}
		// Twice, and deciding a stale one.
		for _, id := range []int64{r1.ID, r2.ID} {
			before := mine(t, a)
			_, err = a.Changes.Approve(ctx, "staff:checker", id, "")
			wantCode(t, err, "change.decided")
			_, err = a.Changes.Reject(ctx, "staff:checker", id, "再次")
			wantCode(t, err, "change.decided")
			unchanged(t, a, before)
		}
		// Stale role grant and channel switch.
		grant := change.Input{Kind: change.KindRoleGrant, Subject: "reviewer", Role: "auditor", Action: "grant"}
		g1, _ := a.Changes.Submit(ctx, "staff:admin", grant)
		g2, err := a.Changes.Submit(ctx, "staff:admin", grant)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", g1.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", g2.ID, "")
		wantCode(t, err, "change.stale")
		off := false
		sw := change.Input{Kind: change.KindChannelState, Channel: "kiosk", Enabled: &off, EffectiveFrom: today(t, a).AddDays(3).String()}
		s1, _ := a.Changes.Submit(ctx, "staff:maker", sw)
		s2, err := a.Changes.Submit(ctx, "staff:maker", sw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", s1.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", s2.ID, "")
		wantCode(t, err, "change.stale")

		// Expiry after ExpireAfter.
		p3, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.LoanMaxTermYears, Value: "25", Reason: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		a.Changes.SetClock(func() time.Time { return time.Now().Add(change.ExpireAfter + time.Minute) })
		if l, _ := a.Changes.List(ctx, change.Filter{Status: change.StatusPending}); len(l) != 0 {
			t.Errorf("pending after expiry: %d", len(l))
		}
		if l, _ := a.Changes.List(ctx, change.Filter{Status: change.StatusExpired}); len(l) != 1 || l[0].ID != p3.ID || l[0].Status != change.StatusExpired {
			t.Errorf("expired list %+v", l)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", p3.ID, "")
		wantCode(t, err, "change.expired")
		a.Changes.SetClock(time.Now)
		if got, _ := a.Changes.Get(ctx, p3.ID); got.Status != change.StatusExpired {
			t.Errorf("status %s, want expired (stored)", got.Status)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", p3.ID, "")
		wantCode(t, err, "change.decided")
		if v, _ := a.Policy.Int(ctx, policy.LoanMaxTermYears, today(t, a)); v != 30 {
			t.Errorf("max term %d after the expired approval", v)
		}

		// Expiry of the effective date.
		p4, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.LoanMaxTermYears, Value: "20",
			Reason: "测试", EffectiveFrom: today(t, a).AddDays(1).String()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Dates.Set(ctx, today(t, a).AddDays(2), false); err != nil {
			t.Fatal(err)
		}
		_, err = a.Changes.Approve(ctx, "staff:checker", p4.ID, "")
		wantCode(t, err, "change.expired")
		apitest.VerifyClean(t, a)
	})
}

// TestSubmitValidation: what the validators refuse is refused at submission
// with their Chinese message, and nothing but the refusal's audit record is
// written.
func TestSubmitValidation(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		tt := today(t, a)
		f := func(v float64) *float64 { return &v }
		i := func(v int64) *int64 { return &v }
		on := true
		cases := []struct {
			name, actor string
			in          change.Input
			code, msg   string
		}{
			{"ratio above the national band", "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositRatioUnitMax, Value: "13%", Reason: "x"},
				"policy.invalid_value", "参数「单位缴存比例上限」的取值不正确，允许的取值：5%至12%"},
			{"ratio without percent sign", "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositRatioUnitMax, Value: "12", Reason: "x"},
				"policy.percent_syntax", ""},
			{"unknown key", "staff:maker", change.Input{Kind: change.KindParam, Key: "deposit.nothing", Value: "1", Reason: "x"}, "policy.unknown_key", ""},
			{"json parameter", "staff:maker", change.Input{Kind: change.KindParam, Key: policy.ChannelMatrix, Value: "{}", Reason: "x"}, "change.use_channel_kinds", ""},
			{"no reason", "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositRatioUnitMax, Value: "11%"}, "change.reason_required", ""},
			{"same value", "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositRatioUnitMax, Value: "12%", Reason: "x"}, "change.no_change", ""},
			{"back-dated", "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositRatioUnitMax, Value: "11%", Reason: "x",
				EffectiveFrom: tt.AddDays(-1).String()}, "change.backdated", ""},
			{"field of another kind", "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositRatioUnitMax, Value: "11%", Reason: "x", Channel: "app"},
				"change.field_not_allowed", ""},
			{"bad kind", "staff:maker", change.Input{Kind: "rate_table"}, "change.bad_kind", ""},
			{"capacity rate zero", "staff:maker", change.Input{Kind: change.KindCapacity, Channel: "app", ItemClass: "query", RatePerS: f(0), Burst: i(5)},
				"policy.invalid_value", "参数「渠道流量容量」的取值不正确：渠道 app（手机APP）查询类事项的容量的 rate_per_s 须在 0.001 至 100000 之间，最多三位小数"},
			{"capacity burst", "staff:maker", change.Input{Kind: change.KindCapacity, Channel: "app", ItemClass: "query", RatePerS: f(1), Burst: i(0)},
				"policy.invalid_value", ""},
			{"capacity class", "staff:maker", change.Input{Kind: change.KindCapacity, Channel: "app", ItemClass: "vip", RatePerS: f(1), Burst: i(1)},
				"change.bad_item_class", ""},
			{"unknown channel", "staff:maker", change.Input{Kind: change.KindChannelState, Channel: "fax", Enabled: &on}, "change.bad_channel", ""},
			{"channel already on", "staff:maker", change.Input{Kind: change.KindChannelState, Channel: "app", Enabled: &on}, "change.no_change", ""},
			{"unknown item", "staff:maker", change.Input{Kind: change.KindItemSwitch, Item: "XX-01", Channel: "app", Enabled: &on}, "change.bad_item", ""},
			{"notice category", "staff:maker", change.Input{Kind: change.KindNotice, Title: "t", Body: "b", Category: "ad"}, "notice.bad_category", ""},
			{"notice expiry", "staff:maker", change.Input{Kind: change.KindNotice, Title: "t", Body: "b", Category: "notice",
				PublishAt: "2030-01-02T00:00:00Z", ExpiresAt: "2030-01-01T00:00:00Z"}, "notice.bad_expiry", ""},
			{"role unknown", "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "maker", Role: "superuser", Action: "grant"}, "change.bad_role", ""},
			{"role unit agent", "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "maker", Role: "unit_agent", Action: "grant"}, "change.bad_role", ""},
			{"role staff unknown", "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "nobody", Role: "auditor", Action: "grant"}, "change.unknown_staff", ""},
			{"role already held", "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "checker", Role: "param_checker", Action: "grant"}, "change.no_change", ""},
			{"role not held", "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "checker", Role: "auditor", Action: "revoke"}, "change.no_change", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := mine(t, a)
				st := apitest.Snapshot(t, a)
				_, err := a.Changes.Submit(ctx, c.actor, c.in)
				wantCode(t, err, c.code)
				if c.msg != "" && errs.E(err).Message != c.msg {
					t.Errorf("message %q, want %q", errs.E(err).Message, c.msg)
				}
				unchanged(t, a, before)
				apitest.Wrote(t, a, st, map[string]int64{"audit_log": 1})
				last := apitest.LastAudit(t, a)
				if last.Action != "change.submit" || last.Result != audit.ResultRefused || !strings.Contains(last.After, c.code) {
					t.Errorf("refusal audited as %+v", last)
				}
			})
		}
		apitest.VerifyClean(t, a)
	})
}

// TestImpact checks the previews against the data: the employees above a
// new base cap, the items a channel switch closes, the permissions a role
// grant adds.
func TestImpact(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		var above int64
		for _, e := range demo.Employees {
			if e.Base > 900_000 {
				above++
			}
		}
		r, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositBaseMax, Value: "9000", Reason: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Impact.Count == nil || *r.Impact.Count != above || r.Impact.Summary != fmt.Sprintf("新上限影响 %d 名职工", above) {
			t.Errorf("impact %+v, want %d employees", r.Impact, above)
		}
		if len(r.Diff) != 1 || r.Diff[0].Before != "23,681.00" || r.Diff[0].After != "9,000.00" || r.Diff[0].Title != "缴存基数上限" {
			t.Errorf("diff %+v", r.Diff)
		}
		if r.Change["value"] != "9,000.00" || r.EffectiveFrom == nil || *r.EffectiveFrom != today(t, a) {
			t.Errorf("change %+v effective %v", r.Change, r.EffectiveFrom)
		}
		// The demo unit pays 12%: an 11% cap touches it.
		r, err = a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.DepositRatioUnitMax, Value: "11%", Reason: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Impact.Count == nil || *r.Impact.Count != 1 || r.Diff[0].Before != "12%" || r.Diff[0].After != "11%" {
			t.Errorf("ratio impact %+v diff %+v", r.Impact, r.Diff)
		}
		off := false
		r, err = a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindChannelState, Channel: "sms", Enabled: &off})
		if err != nil {
			t.Fatal(err)
		}
		if r.Impact.Count == nil || *r.Impact.Count == 0 || !slices.Contains(r.Impact.Details, "GR-01 个人账户及明细查询") ||
			slices.Contains(r.Impact.Details, "TQ-01 购房提取") {
			t.Errorf("channel impact %+v", r.Impact)
		}
		r, err = a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindItemSwitch, Item: "GR-01", Channel: "app", Enabled: &off,
			EffectiveFrom: today(t, a).AddDays(1).String()})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Impact.Summary, "停办") || len(r.Impact.Details) != 1 || !strings.Contains(r.Impact.Details[0], "网上业务大厅（个人）") {
			t.Errorf("item impact %+v", r.Impact)
		}
		r, err = a.Changes.Submit(ctx, "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "maker", Role: "reviewer", Action: "grant"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(r.Impact.Details, "GET /api/admin/v1/preregistrations") || r.Impact.Count == nil ||
			*r.Impact.Count != int64(len(r.Impact.Details)) {
			t.Errorf("role impact %+v", r.Impact)
		}
		// maker already reads change requests as param_maker: a param_checker grant adds approve, not that.
		r, err = a.Changes.Submit(ctx, "staff:admin", change.Input{Kind: change.KindRoleGrant, Subject: "maker", Role: "param_checker", Action: "grant"})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(r.Impact.Details, "GET /api/admin/v1/change-requests") || !slices.Contains(r.Impact.Details, "approve /changes/*") {
			t.Errorf("role impact %+v", r.Impact)
		}
	})
}

// TestApplyAtomic: an approval whose application fails leaves the request
// pending, writes nothing, and a later approval succeeds.
func TestApplyAtomic(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		eff := today(t, a).AddDays(5)
		on := false
		r, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindChannelState, Channel: "gov", Enabled: &on, EffectiveFrom: eff.String()})
		if err != nil {
			t.Fatal(err)
		}
		// Another channel's change on a later date is approved first: this
		// one is still current, but a version of the matrix now follows it.
		other, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindChannelState, Channel: "kiosk", Enabled: &on, EffectiveFrom: eff.AddDays(1).String()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Changes.Approve(ctx, "staff:checker", other.ID, ""); err != nil {
			t.Fatal(err)
		}
		before := mine(t, a)
		_, err = a.Changes.Approve(ctx, "staff:checker", r.ID, "")
		wantCode(t, err, "change.later_version")
		unchanged(t, a, before)
		if got, _ := a.Changes.Get(ctx, r.ID); got.Status != change.StatusPending {
			t.Errorf("status %s, want pending", got.Status)
		}
		// A request before an existing later version is refused too.
		r2, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindChannelState, Channel: "gov", Enabled: &on,
			EffectiveFrom: eff.AddDays(-1).String()})
		wantCode(t, err, "change.later_version")
		if r2 != nil {
			t.Fatal("stored")
		}
		apitest.VerifyClean(t, a)
	})
}

// state is what the change requests and what they apply hold: row counts
// of the tables approvals write and every request's status.
type state struct {
	counts   map[string]int64
	statuses string
}

func mine(t *testing.T, a *app.App) state {
	t.Helper()
	ctx := context.Background()
	s := state{counts: map[string]int64{}}
	for _, table := range []string{"policy_param", "casbin_rule", "notice", "kb_article", "change_request"} {
		var n int64
		if err := a.DB.GetContext(ctx, &n, "SELECT COUNT(*) FROM "+table); err != nil {
			t.Fatal(err)
		}
		s.counts[table] = n
	}
	var rows []struct {
		ID     int64  `db:"id"`
		Status string `db:"status"`
	}
	if err := a.DB.SelectContext(ctx, &rows, `SELECT id, status FROM change_request ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	s.statuses = fmt.Sprint(rows)
	return s
}

// unchanged asserts that no change was applied or recorded since before.
func unchanged(t *testing.T, a *app.App, before state) {
	t.Helper()
	after := mine(t, a)
	for k, v := range before.counts {
		if after.counts[k] != v {
			t.Errorf("%s rows %d → %d", k, v, after.counts[k])
		}
	}
	if after.statuses != before.statuses {
		t.Errorf("statuses %s → %s", before.statuses, after.statuses)
	}
}

// TestConcurrentApprovals: the same request approved by two checkers at
// once is applied once; the other gets change.decided.
func TestConcurrentApprovals(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		other := addStaff(t, a, "checker2", access.RoleParamChecker)
		r, err := a.Changes.Submit(ctx, "staff:maker", change.Input{Kind: change.KindParam, Key: policy.LoanPrepayMaxPerYear, Value: "4", Reason: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		before := mine(t, a)
		errc := make(chan error, 2)
		for _, who := range []string{"staff:checker", other} {
			go func() {
				_, err := a.Changes.Approve(ctx, who, r.ID, "")
				errc <- err
			}()
		}
		var codes []string
		for range 2 {
			codes = append(codes, errs.CodeOf(<-errc))
		}
		slices.Sort(codes)
		if !slices.Equal(codes, []string{"", "change.decided"}) {
			t.Fatalf("codes %q", codes)
		}
		if after := mine(t, a); after.counts["policy_param"] != before.counts["policy_param"]+1 {
			t.Errorf("versions %d → %d", before.counts["policy_param"], after.counts["policy_param"])
		}
		apitest.VerifyClean(t, a)
	})
}
