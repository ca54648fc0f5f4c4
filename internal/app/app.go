// Package app wires the platform together: it opens the store and the key-value
// store, builds the services, seeds what every deployment needs (policy
// defaults, code tables, business date, the center's ledger accounts) and
// assembles the web server. cmd/gjj (through internal/cli) and multi-instance
// tests use it; it holds no business rules.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"gjj/admin"
	"gjj/admin/console"
	"gjj/admin/opsapi"
	"gjj/admin/staffapi"
	"gjj/channels/appapi"
	"gjj/channels/bankhook"
	"gjj/channels/gov"
	"gjj/channels/hotline12329"
	"gjj/channels/kiosk"
	"gjj/channels/portal"
	"gjj/channels/sms12329"
	"gjj/channels/unitapi"
	"gjj/channels/unithall"
	"gjj/channels/webhall"
	"gjj/channels/wechat"
	"gjj/internal/access"
	"gjj/internal/access/change"
	"gjj/internal/audit"
	"gjj/internal/channel"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/govshare"
	"gjj/internal/identity"
	"gjj/internal/kb"
	kioskdev "gjj/internal/kiosk"
	"gjj/internal/ledger"
	"gjj/internal/notice"
	"gjj/internal/notify"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/config"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/kv"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
	"gjj/internal/signing"
	"gjj/internal/workorder"
)

// SettlementBank is the code of the center's default settlement bank (the
// first three digits of its CNAPS number); its deposit account receives
// remittances. Deployments with several banks open more accounts.
const SettlementBank = "102"

// App is a running platform instance's services.
type App struct {
	Config config.Config
	Log    *slog.Logger
	DB     *db.DB
	KV     kv.Store
	Audit  *audit.Log
	Dates  *bizdate.Service
	Ledger *ledger.Ledger
	Policy *policy.Store
	// Bank is the settlement bank: the in-process simulator until a bank
	// driver is configured.
	Bank *exchange.Simulator
	// RealName checks bank cards and faces for real-name level L2: the
	// in-process simulator until a provider is configured.
	RealName *exchange.RealNameSimulator
	Deposit  *deposit.Service
	Identity *identity.Service
	Access   *access.Enforcer
	// Changes are the maker-checker change requests (parameters, channel
	// switches and capacities, notices, role grants); Enrolments the staff
	// TOTP enrolments.
	Changes    *change.Service
	Enrolments *identity.Enrolments
	// Gate is the channel gate every channel adapter puts its routes behind:
	// switch matrix, business hours, admission (Redis when configured) and
	// per channel × item statistics.
	Gate *channel.Gate
	// Notify sends SMS: through the HTTP gateway when GJJ_SMS_GATEWAY_URL
	// is set, otherwise into the SMS outbox that staff read.
	Notify *notify.Service
	// Notices are the public notices the channels show.
	Notices *notice.Service
	// KB is the knowledge base (知识库) every channel searches.
	KB *kb.Service
	// WeChat is the official-account channel (message server, OAuth entry,
	// template messages, menu); nil unless GJJ_WECHAT_APPID and
	// GJJ_WECHAT_TOKEN are set.
	WeChat *wechat.Service
	// Housing is 网签备案 and 不动产登记 (contracts, home ownership) and
	// Payments the settlement bank's payouts: in-process simulators until
	// drivers are configured (the payment simulator pays at once).
	Housing  *exchange.HousingSimulator
	Payments *exchange.PaymentSimulator
	// Withdrawal is the withdrawal core (提取).
	Withdrawal *withdrawal.Service
	// Loan is the loan core (贷款); LoanBank the entrusted bank's seller
	// payments and repayment debits (in-process simulator until a driver is
	// configured).
	Loan     *loan.Service
	LoanBank *exchange.LoanBankSimulator
	// Kiosk is the self-service kiosk channel (/api/kiosk/v1, /kiosk/) with
	// its kiosk registry; Gov the government data-sharing channel
	// (/api/gov/v1) with its agency registry.
	Kiosk *kiosk.Service
	Gov   *gov.Service
	// WorkOrders are the consultations, complaints, suggestions and
	// callbacks (工单) the hotline takes.
	WorkOrders *workorder.Service
	// SMS12329 is the 12329 SMS channel (inbound commands, receipts,
	// subscriptions); nil unless GJJ_SMS_INBOUND_KEY is set. Hotline is the
	// call centre's API /api/hotline/v1 (answering 503 hotline.disabled
	// unless GJJ_HOTLINE_KEY is set).
	SMS12329 *sms12329.Service
	Hotline  *hotline12329.Service
	// NoticeQueue delivers business notices queued by the cores (deposit
	// credited) to WeChat and SMS after commit; its loop runs every 30 s once
	// StartBackground is called (gjj serve).
	NoticeQueue *notify.Dispatcher
}

// Open opens the configured store (applying migrations), the key-value store
// and the services, and seeds the platform's base data. Close releases them.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	d, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return nil, fmt.Errorf("GJJ_DATABASE: %w", err)
	}
	if n, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	} else if n > 0 {
		log.Info("migrations applied", "count", n, "store", d.Name)
	}
	store, err := kv.Open(cfg.Redis, cmp.Or(cfg.RedisPrefix, "gjj:"))
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("GJJ_REDIS: %w", err)
	}
	a := &App{Config: cfg, Log: log, DB: d, KV: store}
	a.Audit = audit.New(d)
	a.Dates = bizdate.New(d, a.Audit)
	a.Ledger = ledger.New(d, a.Dates)
	a.Policy = policy.New(d)
	if a.Gate, err = channel.New(channel.Options{DB: d, Policy: a.Policy, Dates: a.Dates, Redis: kv.RedisClient(store),
		KeyPrefix: cmp.Or(cfg.RedisPrefix, "gjj:"), Log: log}); err != nil {
		a.Close()
		return nil, err
	}
	a.Bank = exchange.NewSimulator()
	a.RealName = exchange.NewRealNameSimulator()
	// Certificate rendering settings are process-wide (one platform per process).
	deposit.VerifyBaseURL = strings.TrimSuffix(cfg.PublicURL, "/")
	deposit.PDFFontPath = cfg.PDFFont
	deposit.IssuingCenter = cfg.Center
	a.Deposit = deposit.New(deposit.Deps{DB: d, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Bank: a.Bank, BankCode: SettlementBank})
	if a.Access, err = access.New(ctx, d); err != nil {
		a.Close()
		return nil, err
	}
	gw := notify.NewOutbox()
	if cfg.SMSGatewayURL != "" {
		gw = notify.NewHTTPGateway(cfg.SMSGatewayURL, cfg.SMSGatewayKey, cfg.SMSSignature, nil)
	}
	a.Notify = notify.New(d, gw, a.Audit)
	a.Notices = notice.New(d, a.Audit)
	a.KB = kb.New(d, a.Audit)
	if rc := kv.RedisClient(store); rc != nil { // several instances: casbin policy changes reach them all
		// Redis away at start must not stop the instance: the watcher keeps
		// trying, and the policy reloads from the database every 30 s.
		a.Access.WatchInBackground(rc, cmp.Or(cfg.RedisPrefix, "gjj:")+"casbin", 5*time.Second, 30*time.Second,
			func(msg string, err error) { log.Warn(msg, "error", err) })
	}
	if a.Changes, err = change.New(ctx, change.Deps{DB: d, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Access: a.Access,
		Gate: a.Gate, Redis: kv.RedisClient(store), KeyPrefix: cmp.Or(cfg.RedisPrefix, "gjj:"), Log: log}); err != nil {
		a.Close()
		return nil, err
	}
	if a.Identity, err = identity.New(d, store, a.Audit, a.Access); err != nil {
		a.Close()
		return nil, err
	}
	a.Identity.RealName = a.RealName
	a.Enrolments = identity.NewEnrolments(a.Identity, cfg.Center)
	if cfg.WeChatAppID != "" && cfg.WeChatToken != "" {
		tpls, err := cfg.WeChatTemplateIDs()
		if err != nil {
			a.Close()
			return nil, err
		}
		buttons, err := wechat.LoadMenuFile(cfg.WeChatMenuFile)
		if err != nil {
			a.Close()
			return nil, err
		}
		if a.WeChat, err = wechat.New(wechat.Config{AppID: cfg.WeChatAppID, Secret: cfg.WeChatSecret, Token: cfg.WeChatToken,
			AESKey: cfg.WeChatAESKey, APIBase: cfg.WeChatAPIBase, PublicURL: cfg.PublicURL, Templates: tpls, Menu: buttons},
			wechat.Deps{Identity: a.Identity, Deposit: a.Deposit, KV: store, Gate: a.Gate, Audit: a.Audit, Log: log, KB: a.KB}); err != nil {
			a.Close()
			return nil, err
		}
	}
	a.Identity.SMS = a.sendNotice
	a.LoanBank = exchange.NewLoanBankSimulator()
	a.Loan = loan.New(loan.Deps{DB: d, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Deposit: a.Deposit,
		Bank: a.LoanBank, BankCode: SettlementBank, SMS: a.sendNotice})
	a.Housing = exchange.NewHousingSimulator()
	a.Payments = exchange.NewPaymentSimulator()
	a.Withdrawal = withdrawal.New(withdrawal.Deps{DB: d, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates,
		Deposit: a.Deposit, StepUp: a.Identity, Limits: a.Gate, Contracts: a.Housing, Property: a.Housing, Payments: a.Payments,
		Loans: a.Loan, BankCode: SettlementBank, Log: log, SMS: a.sendNotice})
	a.Payments.SetCallback(a.Withdrawal.PaymentResult)
	nonces := signing.NewNonces(d)
	sealer, err := newSealer(cfg.SecretKey, log) // kiosk keys and agency secrets at rest (sealer.go)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Kiosk = kiosk.New(kiosk.Deps{Devices: kioskdev.New(d, a.Audit).WithSealer(sealer), Nonces: nonces, KV: store, Audit: a.Audit, Identity: a.Identity, Access: a.Access, Deposit: a.Deposit,
		Loan: a.Loan, Dates: a.Dates, Gate: a.Gate})
	a.Gov = gov.New(gov.Deps{Agencies: govshare.New(d, a.Audit).WithSealer(sealer), Nonces: nonces, Audit: a.Audit, Identity: a.Identity, Access: a.Access, Deposit: a.Deposit,
		Withdrawal: a.Withdrawal, Loan: a.Loan, Dates: a.Dates, Gate: a.Gate})
	a.WorkOrders = workorder.NewService(d, a.Audit)
	if err := sealPlaintextKeys(ctx, a, log); err != nil {
		a.Close()
		return nil, err
	}
	if cfg.SMSInboundKey != "" {
		if a.SMS12329, err = sms12329.New(sms12329.Config{Key: cfg.SMSInboundKey}, sms12329.Deps{Identity: a.Identity,
			Deposit: a.Deposit, Loan: a.Loan, Notify: a.Notify, KV: store, DB: d, Gate: a.Gate, Audit: a.Audit, Log: log}); err != nil {
			a.Close()
			return nil, err
		}
		a.SMS12329.Start(time.Minute) // held notices go out when the quiet hours end
	}
	if a.Hotline, err = hotline12329.New(hotline12329.Deps{Key: cfg.HotlineKey, Identity: a.Identity, Deposit: a.Deposit,
		Loan: a.Loan, Withdrawal: a.Withdrawal, WorkOrders: a.WorkOrders, KB: a.KB, KV: store, Gate: a.Gate, Audit: a.Audit,
		Log: log}); err != nil {
		a.Close()
		return nil, err
	}
	a.NoticeQueue = notify.NewDispatcher(d, a.Notify, notify.NewSubscriptions(d, a.Audit, notify.QuietHours{}), a.Audit, log)
	if a.WeChat != nil {
		a.NoticeQueue.SetWeChat(a.WeChat)
	}
	if err := a.bootstrap(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// sendNotice sends an SMS of a core service: through the 12329 SMS channel's
// subscriptions and quiet hours when it is on, straight to notify otherwise.
func (a *App) sendNotice(ctx context.Context, phone, template string, vars map[string]string) error {
	if a.SMS12329 != nil {
		return a.SMS12329.Notice(ctx, phone, template, vars)
	}
	_, err := a.Notify.SendSMS(ctx, notify.SMS{Phone: phone, Template: template, Vars: vars})
	return err
}

// bootstrap seeds what every deployment needs; each step is idempotent and
// safe when several instances start together.
func (a *App) bootstrap(ctx context.Context) error {
	if _, err := a.Policy.Seed(ctx); err != nil {
		return fmt.Errorf("seed policy defaults: %w", err)
	}
	if _, err := a.Policy.SeedCodes(ctx); err != nil {
		return fmt.Errorf("seed code tables: %w", err)
	}
	if err := a.Dates.Ensure(ctx, date.FromTime(time.Now())); err != nil {
		return fmt.Errorf("business date: %w", err)
	}
	if err := a.Ledger.EnsureCenterAccounts(ctx, SettlementBank); err != nil {
		return fmt.Errorf("center ledger accounts: %w", err)
	}
	return nil
}

// SeedDemo seeds the demo data (idempotent) and reports whether it created it.
func (a *App) SeedDemo(ctx context.Context) (bool, error) {
	today, err := a.Dates.Today(ctx)
	if err != nil {
		return false, err
	}
	demo.RegisterCards(a.RealName)
	r, err := demo.Seed(ctx, a.DB, a.Deposit, a.Audit, today)
	if err != nil {
		return false, err
	}
	for _, g := range access.DemoGrants {
		if err := a.Access.Grant(g); err != nil {
			return false, err
		}
	}
	if _, err := a.Notices.SeedDemo(ctx); err != nil {
		return false, err
	}
	if _, err := a.KB.SeedDemo(ctx); err != nil {
		return false, err
	}
	if r.Created { // the demo unit is served by the demo branch (staff "branch")
		if err := access.AssignUnitBranch(ctx, a.DB, a.Audit, demo.UnitNo, access.DemoBranch); err != nil {
			return false, err
		}
	}
	return r.Created, nil
}

// Server builds the web server with every route of the platform.
func (a *App) Server() (*echo.Echo, error) {
	limit, err := config.ParseSize(a.Config.BodyLimit)
	if err != nil {
		return nil, fmt.Errorf("GJJ_BODY_LIMIT: %w", err)
	}
	// One registry per server: the web kit's HTTP metrics and the gate's.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := a.Gate.Register(reg); err != nil {
		return nil, err
	}
	e := web.New(web.Options{Logger: a.Log, BodyLimit: limit, Registry: reg})
	checks := []web.Check{{Name: "database", Ping: a.DB.PingContext}}
	if a.Config.Redis != "" {
		// Optional: without Redis sessions fall back to the database and the
		// gate to in-process limiters, so /readyz says "degraded", not 503.
		checks = append(checks, web.Check{Name: "redis", Ping: a.KV.Ping, Optional: true})
	}
	web.Health(e, checks...)
	portal.Register(e)
	portal.RegisterVerify(e, a.Deposit)
	webhall.Register(e, webhall.Deps{Identity: a.Identity, Deposit: a.Deposit, Policy: a.Policy, Dates: a.Dates, Gate: a.Gate,
		WeChat: a.WeChat != nil})
	webhall.RegisterWithdrawals(e, webhall.Deps{Identity: a.Identity, Deposit: a.Deposit, Policy: a.Policy, Dates: a.Dates, Gate: a.Gate},
		webhall.WithdrawalDeps{Withdrawal: a.Withdrawal, Gate: a.Gate})
	webhall.RegisterLoans(e, webhall.Deps{Identity: a.Identity, Deposit: a.Deposit, Policy: a.Policy, Dates: a.Dates, Gate: a.Gate},
		webhall.LoanDeps{Loan: a.Loan})
	webhall.RegisterHelp(e, webhall.Deps{Identity: a.Identity, Deposit: a.Deposit, Policy: a.Policy, Dates: a.Dates, Gate: a.Gate}, a.KB)
	if a.WeChat != nil {
		a.WeChat.Register(e)
		a.WeChat.RegisterStaff(e, wechat.StaffDeps{Identity: a.Identity, Access: a.Access})
	}
	if a.SMS12329 != nil {
		a.SMS12329.Register(e)
	}
	a.Hotline.Register(e)
	bankhook.Register(e, bankhook.Deps{Key: a.Config.BankCallbackKey, Result: a.Withdrawal.PaymentResult, Log: a.Log})
	a.Hotline.RegisterStaff(e, hotline12329.StaffDeps{Identity: a.Identity, Access: a.Access})
	unithall.Register(e, unithall.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit, Audit: a.Audit, Bank: a.Bank, Demo: a.Config.Demo, Gate: a.Gate})
	devices := console.DevicesDeps{Kiosks: a.Kiosk.Devices, Agencies: a.Gov.Agencies}
	if a.WeChat != nil {
		devices.WeChat = a.WeChat
	}
	admin.Register(e, console.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit, Audit: a.Audit, Policy: a.Policy,
		Dates: a.Dates, Gate: a.Gate, Notify: a.Notify, Changes: a.Changes, Withdrawal: a.Withdrawal, Loan: a.Loan, Notices: a.Notices, DB: a.DB,
		KB: a.KB, WorkOrders: a.WorkOrders, Devices: devices})
	a.Kiosk.Register(e)
	a.Gov.Register(e)
	appapi.Register(e, appapi.Deps{Identity: a.Identity, Deposit: a.Deposit, Policy: a.Policy, Dates: a.Dates, Notices: a.Notices, Gate: a.Gate})
	appapi.RegisterWithdrawals(e, appapi.WithdrawalDeps{Identity: a.Identity, Withdrawal: a.Withdrawal, Gate: a.Gate})
	appapi.RegisterLoans(e, appapi.LoanDeps{Identity: a.Identity, Loan: a.Loan, Gate: a.Gate})
	appapi.RegisterKB(e, appapi.KBDeps{KB: a.KB, Gate: a.Gate})
	unitapi.Register(e, unitapi.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit, Gate: a.Gate})
	staffapi.Register(e, staffapi.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit, Audit: a.Audit, Notify: a.Notify})
	staffapi.RegisterWithdrawals(e, staffapi.WithdrawalDeps{Identity: a.Identity, Access: a.Access, Audit: a.Audit, Withdrawal: a.Withdrawal, DB: a.DB})
	staffapi.RegisterLoans(e, staffapi.LoanDeps{Identity: a.Identity, Access: a.Access, Audit: a.Audit, Loan: a.Loan, DB: a.DB})
	staffapi.RegisterChanges(e, staffapi.ChangeDeps{Identity: a.Identity, Access: a.Access, Audit: a.Audit, Changes: a.Changes,
		Enrolments: a.Enrolments})
	opsapi.Register(e, opsapi.Deps{Token: a.Config.OpsToken, DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates})
	return e, nil
}

// Close releases the stores.
func (a *App) Close() error {
	var errList []error
	if a.SMS12329 != nil { // its background loop uses the store
		a.SMS12329.Stop()
	}
	if a.NoticeQueue != nil { // its background loop uses the store
		a.NoticeQueue.Stop()
	}
	if a.Gate != nil { // flushes its statistics to the database first
		errList = append(errList, a.Gate.Close())
	}
	if a.Changes != nil { // before the key-value store: it holds a subscription
		errList = append(errList, a.Changes.Close())
	}
	if a.Access != nil {
		a.Access.Close()
	}
	if a.KV != nil {
		errList = append(errList, a.KV.Close())
	}
	if a.DB != nil {
		errList = append(errList, a.DB.Close())
	}
	return errors.Join(errList...)
}
