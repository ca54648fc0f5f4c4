package cli

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(&Command{
		Name:    "migrate",
		Summary: "apply the database migrations (also done at serve start)",
		Usage: `Applies the embedded schema migrations for the configured store (GJJ_DATABASE)
that are not applied yet, then lists every migration and its state.
Safe to run again: applied migrations are skipped. On MySQL a named lock keeps
several instances from migrating at once.

Example:
  GJJ_DATABASE='mysql:gjj:gjj@tcp(127.0.0.1:3306)/gjj?parseTime=true&loc=UTC' gjj migrate`,
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			d, err := e.Store(ctx) // applies migrations
			if err != nil {
				return err
			}
			st, err := d.MigrationStatuses(ctx)
			if err != nil {
				return err
			}
			for _, s := range st {
				state := "pending"
				if s.Applied {
					state = "applied"
				}
				fmt.Fprintf(e.Stdout, "%05d %-8s %s\n", s.Version, state, s.Source)
			}
			fmt.Fprintf(e.Stdout, "store %s is at version %d\n", d.Name, st[len(st)-1].Version)
			return nil
		},
	})
}
