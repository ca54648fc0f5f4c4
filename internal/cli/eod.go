package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"gjj/internal/core/loan"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

func init() {
	register(&Command{
		Name:    "eod",
		Summary: "run the day-end job (日终): service loans, then advance the business date",
		Usage: `Usage: gjj eod [--date YYYY-MM-DD]

Closes the business date D and moves it to D+1. Before moving the date it
services every open loan for D (domain.md §3.7–3.13):

  - on the reprice day (loan.reprice_existing_on, 1 January) existing loans
    take the rate in force for their term and home, re-amortised over the
    periods left;
  - instalments due on or before D are collected: from the fund account
    under a monthly offset agreement (冲还贷), the rest by a debit of the
    bank repayment account; what stays unpaid becomes overdue, with penalty
    interest (loan.penalty_multiplier × the rate) from its due date, and is
    collected again on the following days in the order penalty → overdue
    interest → overdue principal → current interest → current principal;
  - SMS notices go to the borrowers.

After closing the date it reconciles withdrawal payouts whose bank result
never arrived (as gjj withdrawals reconcile does).

Run it once a day after the counters close. Several instances may start it
at the same time: a row per business date in eod_run lets one of them run
and the others stop ("another instance is running"); a run whose instance
died is taken over after five minutes without a heartbeat and resumes
where it stopped (collections are idempotent per loan and date).

--date names the business date to close. Give it when the job is scheduled
on several instances (e.g. --date $(date -d yesterday +%F)): a date already
closed is reported and nothing happens, so two instances never close two
days. Without it, the current business date is closed.

Exit status: 0 closed (or already closed); 1 refused (another instance is
running it, the business date is not --date) or failed; also 1 when some
loans could not be serviced (they are listed; the date still advances and
the next run retries them); 2 bad arguments.

Examples:
  gjj eod
  gjj eod --date 2026-07-01`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("date", "", "the business date to close (`YYYY-MM-DD`); default: the current one")
		},
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			if fs.NArg() > 0 {
				return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj eod: unexpected argument %q; run `gjj eod --help`", fs.Arg(0))}
			}
			var expect date.Date
			if s := fs.Lookup("date").Value.String(); s != "" {
				d, err := date.Parse(s)
				if err != nil {
					return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj eod: --date %q is not a date (YYYY-MM-DD)", s)}
				}
				expect = d
			}
			a, err := e.App(ctx)
			if err != nil {
				return err
			}
			host, _ := os.Hostname()
			res, err := a.Loan.EndOfDay(ctx, loan.EODOptions{Holder: fmt.Sprintf("%s:%d", host, os.Getpid()), Expect: expect})
			switch {
			case errors.Is(err, loan.ErrEODBusy):
				return &ExitError{Code: 1, Msg: fmt.Sprintf("gjj eod: another instance is running the day-end job (%s)", errs.E(err).Message)}
			case errors.Is(err, loan.ErrEODMoved):
				return &ExitError{Code: 1, Msg: fmt.Sprintf("gjj eod: the business date is %v, not %s, and %s was never closed (eod.date_moved)",
					errs.E(err).Details["business_date"], expect, expect)}
			case err != nil:
				return err
			}
			if res.Finished {
				fmt.Fprintf(e.Stdout, "business date %s was already closed; the business date is %s\n", res.Date, res.Next)
			} else {
				fmt.Fprintf(e.Stdout, "closed business date %s; the business date is now %s\n", res.Date, res.Next)
			}
			if r := res.Loans; r != nil {
				fmt.Fprintf(e.Stdout, "loans: %d due, %d collected, %d overdue, %d settled, %d repriced; from fund accounts %s yuan, from bank accounts %s yuan\n",
					r.Due, r.Collected, r.Overdue, r.Settled, r.Repriced, r.FromFund.Format(), r.FromBank.Format())
				if len(r.Failed) > 0 {
					return &ExitError{Code: 1, Msg: "gjj eod: loans not serviced (retried by the next run):\n  " + strings.Join(r.Failed, "\n  ")}
				}
			}
			if !res.Finished {
				if err := reconcileWithdrawals(ctx, e, a.Withdrawal); err != nil {
					return &ExitError{Code: 1, Msg: "gjj eod: withdrawal payouts not reconciled (retried by the next run): " + err.Error()}
				}
			}
			return nil
		},
	})
}
