// Package app wires the platform together: it opens the store and the key-value
// store, builds the services, seeds what every deployment needs (policy
// defaults, code tables, business date, the center's ledger accounts) and
// assembles the web server. cmd/gjj (through internal/cli) and multi-instance
// tests use it; it holds no business rules.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/admin"
	"gjj/admin/opsapi"
	"gjj/admin/staffapi"
	"gjj/channels/portal"
	"gjj/channels/unitapi"
	"gjj/channels/unithall"
	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/config"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/kv"
	"gjj/internal/platform/web"
	"gjj/internal/policy"
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
	Bank     *exchange.Simulator
	Deposit  *deposit.Service
	Identity *identity.Service
	Access   *access.Enforcer
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
	store, err := kv.Open(cfg.Redis, "gjj:")
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("GJJ_REDIS: %w", err)
	}
	a := &App{Config: cfg, Log: log, DB: d, KV: store}
	a.Audit = audit.New(d)
	a.Dates = bizdate.New(d, a.Audit)
	a.Ledger = ledger.New(d, a.Dates)
	a.Policy = policy.New(d)
	a.Bank = exchange.NewSimulator()
	// Certificate rendering settings are process-wide (one platform per process).
	deposit.VerifyBaseURL = strings.TrimSuffix(cfg.PublicURL, "/")
	deposit.PDFFontPath = cfg.PDFFont
	deposit.IssuingCenter = cfg.Center
	a.Deposit = deposit.New(deposit.Deps{DB: d, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Bank: a.Bank, BankCode: SettlementBank})
	if a.Access, err = access.New(ctx, d); err != nil {
		a.Close()
		return nil, err
	}
	if a.Identity, err = identity.New(d, store, a.Audit, a.Access); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.bootstrap(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
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
	r, err := demo.Seed(ctx, a.DB, a.Deposit, a.Audit, today)
	if err != nil {
		return false, err
	}
	for _, g := range access.DemoGrants {
		if err := a.Access.Grant(g); err != nil {
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
	e := web.New(web.Options{Logger: a.Log, BodyLimit: limit})
	checks := []web.Check{{Name: "database", Ping: a.DB.PingContext}}
	if a.Config.Redis != "" {
		checks = append(checks, web.Check{Name: "redis", Ping: a.KV.Ping})
	}
	web.Health(e, checks...)
	portal.Register(e)
	portal.RegisterVerify(e, a.Deposit)
	unithall.Register(e, unithall.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit, Audit: a.Audit, Bank: a.Bank, Demo: a.Config.Demo})
	admin.Register(e)
	unitapi.Register(e, unitapi.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit})
	staffapi.Register(e, staffapi.Deps{Identity: a.Identity, Access: a.Access, Deposit: a.Deposit, Audit: a.Audit})
	opsapi.Register(e, opsapi.Deps{Token: a.Config.OpsToken, DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates})
	return e, nil
}

// Close releases the stores.
func (a *App) Close() error {
	var errList []error
	if a.KV != nil {
		errList = append(errList, a.KV.Close())
	}
	if a.DB != nil {
		errList = append(errList, a.DB.Close())
	}
	return errors.Join(errList...)
}
