package cli

import (
	"context"
	"flag"
	"os/signal"
	"syscall"

	"gjj/internal/app"
	"gjj/internal/platform/web"
)

// App opens the platform (store, key-value store, services, base data) once.
func (e *Env) App(ctx context.Context) (*app.App, error) {
	if e.app != nil {
		return e.app, nil
	}
	a, err := app.Open(ctx, e.Config, e.Log)
	if err != nil {
		return nil, err
	}
	e.app = a
	return a, nil
}

func init() {
	var demoFlag bool
	register(&Command{
		Name:    "serve",
		Summary: "run the platform's web server (all channels, admin console, health, metrics)",
		Usage: `Starts the web server on GJJ_ADDR (default :8080) against GJJ_DATABASE and
GJJ_REDIS, after applying pending migrations and seeding the platform's base
data (policy defaults, code tables, business date, center ledger accounts).

Routes: / (landing page), /web/, /unit/, /admin/, /api/ops/v1 (with
GJJ_OPS_TOKEN), GET /healthz (process up), GET /readyz (200 "ready" when the
database and Redis answer, 200 "degraded" when only Redis does not, 503 naming
the database when it does not), GET /metrics (Prometheus).

SIGTERM or SIGINT stops accepting connections and lets requests in flight
finish (up to 25 s) before exiting.

Examples:
  gjj serve --demo
  GJJ_DATABASE='mysql:gjj:gjj@tcp(127.0.0.1:3306)/gjj?parseTime=true&loc=UTC' GJJ_REDIS=127.0.0.1:6379 gjj serve`,
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&demoFlag, "demo", false, "seed demo data into an empty database (same as GJJ_DEMO=1)")
		},
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			if fs.NArg() > 0 {
				return &ExitError{Code: 2, Msg: "gjj serve takes no arguments"}
			}
			ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			e.Config.Demo = e.Config.Demo || demoFlag // demo data, and the hall's simulated bank transfer
			a, err := e.App(ctx)
			if err != nil {
				return err
			}
			if e.Config.Demo {
				created, err := a.SeedDemo(ctx)
				if err != nil {
					return err
				}
				e.Log.Info("demo data", "created", created)
			}
			a.StartBackground() // the notice dispatcher (deposit credited → WeChat, SMS)
			srv, err := a.Server()
			if err != nil {
				return err
			}
			e.Log.Info("serving", "addr", e.Config.Addr, "store", a.DB.Name, "redis", e.Config.Redis != "")
			return web.Serve(ctx, srv, e.Config.Addr, e.Log)
		},
	})

	register(&Command{
		Name:    "demo",
		Summary: "seed demo data (staff, a unit, employees with balances) into the database",
		Usage: `Seeds the demonstration data into the configured database: staff users admin,
maker, checker, reviewer; the unit 示例科技有限公司 (91350100M000100Y43) whose
agent is 11010519491231002X; five employees with opening balances posted
through the ledger. Every demo login's password is Demo#2026 and TOTP secret
JBSWY3DPEHPK3PXP. Idempotent: when the demo unit exists nothing is written.
Demo data is for demonstrations only; never run this on a production database.`,
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			a, err := e.App(ctx)
			if err != nil {
				return err
			}
			created, err := a.SeedDemo(ctx)
			if err != nil {
				return err
			}
			if created {
				e.println("demo data seeded")
			} else {
				e.println("demo data already present; nothing written")
			}
			return nil
		},
	})
}
