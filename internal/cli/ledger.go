package cli

import (
	"context"
	"flag"
	"fmt"

	"gjj/internal/ledger"
)

func init() {
	register(&Command{
		Name:    "ledger verify",
		Summary: "prove every entry balances and every balance equals its postings",
		Usage: `Reads the whole ledger and checks: every journal entry has a debit and a
credit and its debits equal its credits; every account's stored balance and
posting count equal what its postings add up to; running balances chain
without gaps; no account that may not overdraw went below zero; every reversal
(冲账) mirrors its original; total debits equal total credits.

Prints a summary; on any problem prints one line per culprit (entry serial or
account code) and exits with status 1.`,
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			d, err := e.Store(ctx)
			if err != nil {
				return err
			}
			r, err := ledger.Verify(ctx, d)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "entries %d, postings %d, accounts %d, debits %s, credits %s\n",
				r.Entries, r.Postings, r.Accounts, r.TotalDebits.Format(), r.TotalCredits.Format())
			if r.OK() {
				fmt.Fprintln(e.Stdout, "ledger OK")
				return nil
			}
			for _, p := range r.Problems {
				fmt.Fprintf(e.Stdout, "PROBLEM %s %s: %s\n", p.Kind, p.Ref, p.Detail)
			}
			return &ExitError{Code: 1, Msg: fmt.Sprintf("ledger verify: %d problem(s)", len(r.Problems))}
		},
	})
}
