package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

const phone = "13800001234"

// sampleVars are variable values for every template variable.
var sampleVars = map[string]string{"code": "482915", "name": "张三", "date": "07月15日", "account_tail": "0001",
	"amount": "1,234.50", "balance": "56,789.00", "mobile": "139****0000",
	"reason": "租房", "card_tail": "1234", "why": "账户已销户", "result": "未通过审核",
	"loan_tail": "0001", "day": "15", "payment": "4,003.40", "periods": "1", "rate": "2.6%", "app_no": "12",
	"month": "2026-10", "status": "正常", "lines": "11-15汇缴+1,234.50",
	// Broadcast's text may be longer than MaxVar (80 characters here).
	"text": strings.Repeat("系统升级期间暂停网上业务。", 6) + "请提前办理。【住房公积金12329】回复TD退订"}

// wantTexts are the rendered texts of every template with sampleVars.
var wantTexts = map[string]string{
	notify.SMSBalance:              "尊敬的张三：您尾号0001的公积金账户余额56,789.00元，缴存至2026-10，账户状态正常。",
	notify.SMSStatement:            "尊敬的张三：您尾号0001的公积金账户最近明细：11-15汇缴+1,234.50。",
	notify.SMSLoan:                 "尊敬的张三：您尾号0001的公积金贷款余额56,789.00元，下期还款日07月15日，应还4,003.40元。",
	notify.SMSNoLoan:               "尊敬的张三：未查询到您名下未结清的住房公积金贷款。",
	notify.SMSNeutral:              "您好：暂时无法办理您的短信查询。请使用预留手机号发送正确的指令和查询密码，如有疑问请致电12329。",
	notify.SMSHelp:                 "住房公积金12329短信指令：CX 查询密码（查余额）；MX 查询密码（最近3笔明细）；DK 查询密码（贷款）；KT 开通通知；TD 退订通知。",
	notify.SMSSubscribed:           "您已开通住房公积金12329短信通知，回复TD可退订。",
	notify.SMSUnsubscribed:         "您已退订住房公积金12329业务通知短信（验证码和查询回复不受影响），回复KT可重新开通。",
	notify.OTPRegister:             "您的验证码为482915，5分钟内有效，用于注册住房公积金网上服务。请勿告诉他人。",
	notify.OTPLogin:                "您的验证码为482915，5分钟内有效，用于登录住房公积金网上服务。请勿告诉他人。",
	notify.OTPReset:                "您的验证码为482915，5分钟内有效，用于重置住房公积金网上服务登录密码。请勿告诉他人。",
	notify.OTPStepUp:               "您的验证码为482915，5分钟内有效，用于确认本次住房公积金业务办理。请勿告诉他人。",
	notify.OTPChangeMobile:         "您的验证码为482915，5分钟内有效，用于变更住房公积金预留手机号码。请勿告诉他人。",
	notify.IdentityRegistered:      "尊敬的张三：您已成功注册住房公积金网上服务，今后可在网上业务大厅、手机APP、微信公众号等渠道使用同一账号登录。如非本人操作，请致电12329。",
	notify.IdentityPasswordChanged: "尊敬的张三：您的住房公积金网上服务登录密码已修改。如非本人操作，请立即致电12329。",
	notify.IdentityMobileChanged:   "尊敬的张三：您在住房公积金中心预留的手机号码已变更为139****0000。如非本人操作，请立即致电12329。",
	notify.DepositCredited:         "尊敬的张三：07月15日您尾号0001的公积金账户汇缴到账1,234.50元，当前余额56,789.00元。",
	notify.WithdrawalPaid:          "尊敬的张三：07月15日您的住房公积金账户因租房提取1,234.50元，已转入尾号1234的银行卡，账户余额56,789.00元。",
	notify.WithdrawalPayFailed:     "尊敬的张三：您因租房提取住房公积金1,234.50元转账未成功（账户已销户），款项已退回公积金账户，账户余额56,789.00元。请核对收款银行卡后重新申请。",
	notify.WithdrawalDecided:       "尊敬的张三：您因租房提取住房公积金的申请未通过审核，详情请登录网上业务大厅或手机APP查看。",
	notify.LoanDisbursed:           "尊敬的张三：您尾号0001的住房公积金贷款已放款，放款金额1,234.50元，还款日为每月15日，月还款额为4,003.40元。",
	notify.LoanRepaid:              "尊敬的张三：07月15日您尾号0001的公积金贷款已还款1,234.50元，贷款余额56,789.00元。",
	notify.LoanOverdue:             "尊敬的张三：您尾号0001的公积金贷款账户已发生逾期1期，逾期额1,234.50元，请及时还款。",
	notify.LoanPrepaid:             "尊敬的张三：您尾号0001的公积金贷款提前还款业务已办结，还款金额1,234.50元，贷款余额56,789.00元。",
	notify.LoanSettled:             "尊敬的张三：您尾号0001的公积金贷款账户已于07月15日结清，可登录网上业务大厅或手机APP下载结清证明。",
	notify.LoanOffsetSigned:        "尊敬的张三：您尾号0001的公积金贷款已于07月15日签订冲还贷协议，我中心将在每月还款日从公积金账户上扣划还款。",
	notify.LoanOffsetCancelled:     "尊敬的张三：您尾号0001的公积金贷款已于07月15日解除冲还贷协议，此后将从银行还款账户扣款，请确保余额充足。",
	notify.LoanRepriced:            "尊敬的张三：自07月15日起您尾号0001的公积金贷款年利率调整为2.6%，月还款额为4,003.40元。",
	notify.LoanApproved:            "尊敬的张三：您的住房公积金贷款申请（编号12）已审批通过，请按通知到中心签订借款合同。",
	notify.LoanRejected:            "尊敬的张三：您的住房公积金贷款申请（编号12）未获批准，原因：租房。如有疑问请致电12329。",
	notify.Broadcast:               strings.Repeat("系统升级期间暂停网上业务。", 6) + "请提前办理。【住房公积金12329】回复TD退订",
}

// varsOf returns sampleVars restricted to the template's variables.
func varsOf(t *testing.T, id string) map[string]string {
	t.Helper()
	for _, tp := range notify.Templates() {
		if tp.ID == id {
			out := map[string]string{}
			for _, v := range tp.Vars() {
				val, ok := sampleVars[v]
				if !ok {
					t.Fatalf("template %s: no sample value for {%s}", id, v)
				}
				out[v] = val
			}
			return out
		}
	}
	t.Fatalf("no template %s", id)
	return nil
}

func count(t *testing.T, d *db.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := d.GetContext(context.Background(), &n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func verifyAudit(t *testing.T, d *db.DB, a *audit.Log) {
	t.Helper()
	rep, err := a.Verify(context.Background(), d)
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify: %v %+v", err, rep)
	}
}

func lastAudit(t *testing.T, a *audit.Log) audit.Entry {
	t.Helper()
	es, err := a.List(context.Background(), audit.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit list: %v %v", es, err)
	}
	return es[0]
}

func TestTemplateRegistry(t *testing.T) {
	var ids []string
	for _, tp := range notify.Templates() {
		if slices.Contains(ids, tp.ID) {
			t.Errorf("duplicate template id %s", tp.ID)
		}
		ids = append(ids, tp.ID)
		if _, ok := wantTexts[tp.ID]; !ok {
			t.Errorf("template %s has no expected text in this test", tp.ID)
		}
		for _, s := range tp.Secret {
			if !slices.Contains(tp.Vars(), s) {
				t.Errorf("template %s: secret %q is not one of its variables %v", tp.ID, s, tp.Vars())
			}
		}
		if strings.HasPrefix(tp.ID, "otp.") && !slices.Equal(tp.Secret, []string{"code"}) {
			t.Errorf("OTP template %s: secret %v, want [code]", tp.ID, tp.Secret)
		}
	}
	for id := range wantTexts {
		if !slices.Contains(ids, id) {
			t.Errorf("template %s missing from the registry", id)
		}
	}
	// Templates returns a copy.
	notify.Templates()[0].Secret[0] = "x"
	if notify.Templates()[0].Secret[0] != "code" {
		t.Error("Templates shares its slices with the registry")
	}
}

// TestSendOutbox sends every template through the outbox driver: the full
// text is stored with status "stored", one row and one audit record each.
func TestSendOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		s := notify.New(d, notify.NewOutbox(), a)
		if s.Gateway() != "outbox" {
			t.Errorf("gateway %q", s.Gateway())
		}
		for _, tp := range notify.Templates() {
			t.Run(tp.ID, func(t *testing.T) {
				rows, audits := count(t, d, "sms_message"), count(t, d, "audit_log")
				m, err := s.SendSMS(ctx, notify.SMS{Phone: " " + phone + " ", Template: tp.ID, Vars: varsOf(t, tp.ID)})
				if err != nil {
					t.Fatal(err)
				}
				if m.ID == 0 || m.Phone != phone || m.Template != tp.ID || m.Text != wantTexts[tp.ID] ||
					m.Status != notify.StatusStored || m.ProviderID != "" || m.Error != "" || m.CreatedAt.IsZero() || m.SentAt != nil {
					t.Errorf("message %+v", m)
				}
				if got := count(t, d, "sms_message") - rows; got != 1 {
					t.Errorf("%d rows written", got)
				}
				if got := count(t, d, "audit_log") - audits; got != 1 {
					t.Errorf("%d audit records", got)
				}
				e := lastAudit(t, a)
				if e.Action != notify.ActionSMS || e.Object != fmt.Sprintf("sms:%d", m.ID) || e.Result != audit.ResultOK ||
					!strings.Contains(e.After, "138****1234") || strings.Contains(e.After, phone) ||
					strings.Contains(e.After, sampleVars["code"]) || !strings.Contains(e.After, `"status":"stored"`) {
					t.Errorf("audit %+v", e.Record)
				}
				list, err := s.Outbox(ctx, notify.Filter{Phone: phone, Limit: 1})
				if err != nil || len(list) != 1 {
					t.Fatalf("outbox %v %v", list, err)
				}
				if got := list[0]; got.ID != m.ID || got.Text != m.Text || got.Status != m.Status || !got.CreatedAt.Equal(m.CreatedAt) {
					t.Errorf("stored %+v, returned %+v", got, *m)
				}
			})
		}
		verifyAudit(t, d, a)
	})
}

// TestSendRefused: bad input is refused before anything is written.
func TestSendRefused(t *testing.T) {
	long := strings.Repeat("长", notify.MaxVar+1)
	cases := []struct {
		name string
		sms  notify.SMS
		code string
	}{
		{"unknown template", notify.SMS{Phone: phone, Template: "otp.nope", Vars: map[string]string{"code": "1"}}, "notify.bad_template"},
		{"empty template", notify.SMS{Phone: phone}, "notify.bad_template"},
		{"missing var", notify.SMS{Phone: phone, Template: notify.OTPLogin, Vars: map[string]string{"name": "x"}}, "notify.bad_template"},
		{"nil vars", notify.SMS{Phone: phone, Template: notify.DepositCredited}, "notify.bad_template"},
		{"one of several missing", notify.SMS{Phone: phone, Template: notify.DepositCredited,
			Vars: map[string]string{"name": "张三", "date": "07月15日", "account_tail": "0001", "amount": "1.00"}}, "notify.bad_template"},
		{"empty var", notify.SMS{Phone: phone, Template: notify.OTPLogin, Vars: map[string]string{"code": ""}}, "notify.bad_template"},
		{"var too long", notify.SMS{Phone: phone, Template: notify.IdentityRegistered, Vars: map[string]string{"name": long}}, "notify.bad_template"},
		{"control char", notify.SMS{Phone: phone, Template: notify.IdentityRegistered, Vars: map[string]string{"name": "张\n三"}}, "notify.bad_template"},
		{"invalid utf8", notify.SMS{Phone: phone, Template: notify.IdentityRegistered, Vars: map[string]string{"name": "\xff"}}, "notify.bad_template"},
		{"empty phone", notify.SMS{Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
		{"10 digits", notify.SMS{Phone: "1380000123", Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
		{"12 digits", notify.SMS{Phone: "138000012345", Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
		{"landline", notify.SMS{Phone: "02712329000", Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
		{"second digit 2", notify.SMS{Phone: "12800001234", Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
		{"country code", notify.SMS{Phone: "+8613800001234", Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
		{"letters", notify.SMS{Phone: "1380000123x", Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
		{"full-width digits", notify.SMS{Phone: "１３８０００01234", Template: notify.OTPLogin, Vars: map[string]string{"code": "1"}}, "notify.bad_phone"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := notify.New(d, notify.NewOutbox(), audit.New(d))
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				rows, audits := count(t, d, "sms_message"), count(t, d, "audit_log")
				m, err := s.SendSMS(context.Background(), tt.sms)
				if m != nil || errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != tt.code {
					t.Fatalf("SendSMS = %v, %v; want %s", m, err, tt.code)
				}
				if count(t, d, "sms_message") != rows || count(t, d, "audit_log") != audits {
					t.Error("a refused message was written")
				}
			})
		}
	})
}

// TestOutboxListing: by phone, newest first, limited; bad filters refused.
func TestOutboxListing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := notify.New(d, notify.NewOutbox(), audit.New(d))
		other := "15900000000"
		var mine []int64
		for i := range 5 {
			p := phone
			if i%2 == 1 {
				p = other
			}
			m, err := s.SendSMS(ctx, notify.SMS{Phone: p, Template: notify.OTPLogin, Vars: map[string]string{"code": fmt.Sprintf("00000%d", i)}})
			if err != nil {
				t.Fatal(err)
			}
			if p == phone {
				mine = append([]int64{m.ID}, mine...)
			}
		}
		tests := []struct {
			name  string
			f     notify.Filter
			ids   []int64
			codes []string
		}{
			{"by phone", notify.Filter{Phone: phone}, mine, []string{"000004", "000002", "000000"}},
			{"limit", notify.Filter{Phone: phone, Limit: 2}, mine[:2], []string{"000004", "000002"}},
			{"other phone", notify.Filter{Phone: other}, nil, []string{"000003", "000001"}},
			{"every phone", notify.Filter{Limit: 3}, nil, []string{"000004", "000003", "000002"}},
			{"nobody", notify.Filter{Phone: "13900000000"}, nil, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := s.Outbox(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var codes []string
				var ids []int64
				for _, m := range list {
					codes = append(codes, strings.TrimSuffix(strings.TrimPrefix(m.Text, "您的验证码为"), "，5分钟内有效，用于登录住房公积金网上服务。请勿告诉他人。"))
					ids = append(ids, m.ID)
					if tt.f.Phone != "" && m.Phone != tt.f.Phone {
						t.Errorf("message for %s in %s's outbox", m.Phone, tt.f.Phone)
					}
				}
				if !slices.Equal(codes, tt.codes) && !(len(codes) == 0 && len(tt.codes) == 0) {
					t.Errorf("codes %v, want %v", codes, tt.codes)
				}
				if tt.ids != nil && !slices.Equal(ids, tt.ids) {
					t.Errorf("ids %v, want %v", ids, tt.ids)
				}
			})
		}
		for _, f := range []notify.Filter{{Limit: -1}, {Limit: notify.MaxLimit + 1}, {Phone: "123"}} {
			if _, err := s.Outbox(ctx, f); errs.KindOf(err) != errs.Invalid {
				t.Errorf("Outbox(%+v) = %v, want invalid", f, err)
			}
		}
	})
}

// failingGateway fails with an error text that repeats what it was given.
type failingGateway struct{}

func (failingGateway) Name() string { return "fake" }
func (failingGateway) Send(_ context.Context, phone, text string) (string, error) {
	return "", errors.New("refused " + phone + ": " + text)
}

// blockingGateway answers only when ctx ends.
type blockingGateway struct{}

func (blockingGateway) Name() string { return "blocking" }
func (blockingGateway) Send(ctx context.Context, _, _ string) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// TestGatewayFailure: a failing or silent gateway leaves the message
// "failed" with an error text free of the code and the full phone, and the
// caller gets notify.gateway_unavailable.
func TestGatewayFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		for _, gw := range []notify.Gateway{failingGateway{}, blockingGateway{}} {
			t.Run(gw.Name(), func(t *testing.T) {
				s := notify.New(d, gw, a)
				s.SendTimeout = 50 * time.Millisecond // the blocking gateway must be cut off
				m, err := s.SendSMS(ctx, notify.SMS{Phone: phone, Template: notify.OTPReset, Vars: map[string]string{"code": "735102"}})
				if errs.KindOf(err) != errs.Unavailable || errs.CodeOf(err) != "notify.gateway_unavailable" {
					t.Fatalf("err = %v", err)
				}
				if m == nil || m.Status != notify.StatusFailed || m.Error == "" || m.SentAt != nil {
					t.Fatalf("message %+v", m)
				}
				list, err := s.Outbox(ctx, notify.Filter{Phone: phone, Limit: 1})
				if err != nil || len(list) != 1 || list[0].ID != m.ID {
					t.Fatalf("outbox %v %v", list, err)
				}
				got := list[0]
				if got.Status != notify.StatusFailed || got.Error != m.Error {
					t.Errorf("stored %+v", got)
				}
				for _, field := range []string{got.Text, got.Error} {
					if strings.Contains(field, "735102") || strings.Contains(field, phone) {
						t.Errorf("secret or phone stored: %q", field)
					}
				}
				if !strings.Contains(got.Text, notify.Mask) {
					t.Errorf("text %q: code not masked", got.Text)
				}
				if e := lastAudit(t, a); e.Object != fmt.Sprintf("sms:%d", m.ID) || e.Result != audit.ResultFailed {
					t.Errorf("audit %+v", e.Record)
				}
			})
		}
		verifyAudit(t, d, a)
	})
}

func TestMarkDelivered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		gw := &countingGateway{}
		s := notify.New(d, gw, a)
		send := func() *notify.Message {
			t.Helper()
			m, err := s.SendSMS(ctx, notify.SMS{Phone: phone, Template: notify.IdentityPasswordChanged, Vars: map[string]string{"name": "李四"}})
			if err != nil || m.Status != notify.StatusSent || m.SentAt == nil || m.ProviderID == "" {
				t.Fatalf("send = %+v, %v", m, err)
			}
			return m
		}
		m1, m2 := send(), send()
		status := func(id int64) string {
			t.Helper()
			var st string
			if err := d.GetContext(ctx, &st, "SELECT status FROM sms_message WHERE id = ?", id); err != nil {
				t.Fatal(err)
			}
			return st
		}
		steps := []struct {
			name             string
			provider, status string
			code             string
			want1, want2     string
			audits           int64
		}{
			{"delivered", m1.ProviderID, notify.StatusDelivered, "", notify.StatusDelivered, notify.StatusSent, 1},
			{"repeated", m1.ProviderID, notify.StatusDelivered, "", notify.StatusDelivered, notify.StatusSent, 0},
			{"contradicting", m1.ProviderID, notify.StatusUndelivered, "notify.receipt_conflict", notify.StatusDelivered, notify.StatusSent, 0},
			{"undelivered", m2.ProviderID, notify.StatusUndelivered, "", notify.StatusDelivered, notify.StatusUndelivered, 1},
			{"unknown id", "nope", notify.StatusDelivered, "notify.unknown_message", notify.StatusDelivered, notify.StatusUndelivered, 0},
			{"empty id", "", notify.StatusDelivered, "notify.bad_provider_id", notify.StatusDelivered, notify.StatusUndelivered, 0},
			{"bad status", m2.ProviderID, "sent", "notify.bad_status", notify.StatusDelivered, notify.StatusUndelivered, 0},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := count(t, d, "audit_log")
				err := s.MarkDelivered(ctx, st.provider, st.status)
				if errs.CodeOf(err) != st.code {
					t.Errorf("MarkDelivered = %v, want %q", err, st.code)
				}
				if status(m1.ID) != st.want1 || status(m2.ID) != st.want2 {
					t.Errorf("statuses %s %s, want %s %s", status(m1.ID), status(m2.ID), st.want1, st.want2)
				}
				if got := count(t, d, "audit_log") - before; got != st.audits {
					t.Errorf("%d audit records, want %d", got, st.audits)
				}
			})
		}
		verifyAudit(t, d, a)
	})
}

// countingGateway accepts every message with ids p-1, p-2, ….
type countingGateway struct{ n int }

func (g *countingGateway) Name() string { return "counting" }
func (g *countingGateway) Send(context.Context, string, string) (string, error) {
	g.n++
	return fmt.Sprintf("p-%d", g.n), nil
}
