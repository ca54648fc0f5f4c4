package console_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/demo"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/policy"
)

// setCapacity makes the app channel's query class admit one request a second
// (burst 1) from the business date on, as an approved change would.
func setCapacity(t testing.TB, a *app.App, rate float64, burst int) {
	t.Helper()
	ctx := context.Background()
	today, err := a.Dates.Today(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := catalog.DefaultCapacity()
	c[catalog.App][catalog.ClassQuery] = catalog.Rate{PerSecond: rate, Burst: burst}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.ChannelCapacity, Value: c.JSON(), EffectiveFrom: today,
			CreatedBy: "staff:maker", ApprovedBy: "staff:checker", ChangeRef: "test"})
	}); err != nil {
		t.Fatal(err)
	}
	a.Gate.Invalidate()
}

// failing is an SMS gateway that refuses every message.
type failing struct{}

func (failing) Name() string { return "failing" }
func (failing) Send(context.Context, string, string) (string, error) {
	return "", errors.New("gateway down")
}

var cardValue = regexp.MustCompile(`id="total-diverted">(\d+)<`)

// TestDashboard: today's traffic through the gate shows per channel and per
// channel × item; after the app channel's capacity is lowered, the
// diversions show in the totals and in the alerts, the load is measured
// against the new capacity; pending reviews and failed SMS are counted.
func TestDashboard(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "reviewer")

		p := html(t, u.get(t, "/admin/"), http.StatusOK)
		contains(t, p, `id="total-diverted">0<`, `id="off-counter">—<`, `id="pending-preregs"><a href="/admin/reviews/preregistrations">0</a>`,
			"近一小时无分流", "手机APP", "/ 300（突发 600）")

		setCapacity(t, a, 1, 1)
		app := newUser(t, srv)
		app.c.CheckRedirect = nil
		statuses := map[int]int{}
		for range 5 {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/app/v1/notices", nil)
			resp, err := app.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			statuses[resp.StatusCode]++
		}
		if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusOK] == 0 {
			t.Fatalf("app notices statuses %v: want some admitted and some diverted", statuses)
		}
		if _, err := a.Deposit.SubmitPreregistration(ctx, prereg("91350104M00070001", "福州示例家具有限公司", "35010419840505001", "林峰", "13900000071")); err != nil {
			t.Fatal(err)
		}
		sms := notify.New(a.DB, failing{}, a.Audit)
		if _, err := sms.SendSMS(ctx, notify.SMS{Phone: "13900000099", Template: notify.IdentityRegistered, Vars: map[string]string{"name": "测试"}}); err == nil {
			t.Fatal("the failing gateway sent")
		}

		p = html(t, u.get(t, "/admin/"), http.StatusOK)
		m := cardValue.FindStringSubmatch(p.body)
		if m == nil || m[1] != strconv.Itoa(statuses[http.StatusTooManyRequests]) {
			t.Errorf("diverted card %v, want %d", m, statuses[http.StatusTooManyRequests])
		}
		contains(t, p, `id="pending-preregs"><a href="/admin/reviews/preregistrations">1</a>`,
			"GG-01 政策公告与信息公开", "「政策公告与信息公开」超出容量，分流 "+strconv.Itoa(statuses[http.StatusTooManyRequests])+" 次",
			"近一小时短信发送失败 1 条", "/ 1（突发 1）")
		lacks(t, p, "近一小时无分流")

		// An auditor sees the same figures without the review links.
		au := newUser(t, srv)
		au.login(t, apitest.NewOTP(), "auditor")
		p = html(t, au.get(t, "/admin/"), http.StatusOK)
		contains(t, p, `id="pending-preregs">1<`)
	})
}

// TestReadOnlyPages: SMS outbox, business date and interest runs,
// parameters, channels, users and roles show what the services hold.
func TestReadOnlyPages(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		if _, err := a.Notify.SendSMS(ctx, notify.SMS{Phone: "13900000088", Template: notify.OTPLogin, Vars: map[string]string{"code": "246810"}}); err != nil {
			t.Fatal(err)
		}
		otp := apitest.NewOTP()
		auditor := newUser(t, srv)
		auditor.login(t, otp, "auditor")
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("sms", func(t *testing.T) {
			p := html(t, auditor.get(t, "/admin/sms?phone=13900000088"), http.StatusOK)
			contains(t, p, "13900000088", "246810", "otp.login", "已存入发件箱", "发件箱（不实际发送")
			f := auditor.htmx(t, "/admin/sms?phone=13900000077")
			contains(t, f, "没有短信记录")
			p = html(t, auditor.get(t, "/admin/sms?phone=12"), http.StatusBadRequest)
			contains(t, p, `id="form-error"`)
		})
		t.Run("batch", func(t *testing.T) {
			p := html(t, auditor.get(t, "/admin/batch"), http.StatusOK)
			contains(t, p, `id="biz-date">`+today.String()+"<", "gjj date set", "年度结息")
		})
		t.Run("params", func(t *testing.T) {
			p := html(t, auditor.get(t, "/admin/params"), http.StatusOK)
			for _, key := range policy.Keys() {
				contains(t, p, `id="param-`+key+`"`)
			}
			contains(t, p, "单位缴存比例上限", "12%", "结构化规则（见详情）")
			p = html(t, auditor.get(t, "/admin/params/"+policy.DepositRatioUnitMax), http.StatusOK)
			contains(t, p, "生效中", policy.SeedActor, "5%至12%")
			p = html(t, auditor.get(t, "/admin/params/"+policy.ChannelCapacity), http.StatusOK)
			contains(t, p, `id="param-json"`, "rate_per_s")
			html(t, auditor.get(t, "/admin/params/no.such.key"), http.StatusNotFound)
		})
		t.Run("channels", func(t *testing.T) {
			p := html(t, auditor.get(t, "/admin/channels"), http.StatusOK)
			contains(t, p, "手机APP", "12329热线", `id="item-TQ-01"`, "300，600")
			setCapacity(t, a, 2.5, 7)
			p = html(t, auditor.get(t, "/admin/channels"), http.StatusOK)
			contains(t, p, "2.5，7")
			p = html(t, auditor.get(t, "/admin/params/"+policy.ChannelCapacity), http.StatusOK)
			contains(t, p, "生效中", "已被取代", "staff:checker")
		})
		t.Run("users", func(t *testing.T) {
			p := html(t, auditor.get(t, "/admin/users"), http.StatusOK)
			for _, s := range demo.Staff {
				contains(t, p, `id="user-`+s.Username+`"`, s.Name)
			}
			contains(t, p, "参数经办、渠道管理", "审计专员", "/admin/audit", "role:reviewer")
		})
	})
}
