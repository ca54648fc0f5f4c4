package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"gjj/internal/core/withdrawal"
)

// reconcileWithdrawals runs the payout reconciliation and prints its report.
func reconcileWithdrawals(ctx context.Context, e *Env, w *withdrawal.Service) error {
	r, err := w.Reconcile(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "withdrawal payouts: %d asked at the bank, %d paid, %d failed and reversed, %d sent again, %d pending, %d errors\n",
		r.Checked, r.Paid, r.Failed, r.Resent, r.Pending, r.Errors)
	return nil
}

func init() {
	register(&Command{
		Name:    "withdrawals resend",
		Summary: "send again the payment instructions of approved withdrawals the bank has not answered",
		Usage: `Usage: gjj withdrawals resend [--older-than DURATION]

An approved withdrawal (提取) is posted to payment clearing and its payment
instruction goes to the settlement bank, whose result callback marks it paid
or, on failure, reverses the posting. When the bank could not be reached, or
its answer was lost, the application stays "paying". This command sends the
instruction of every such application again: those never accepted by the
bank, and those sent more than --older-than ago without a result. The bank
executes an instruction serial (WDP-<id>) once, so sending again never pays
twice. Run it from cron, e.g. every 10 minutes.

Exit status: 0 done; 1 failed; 2 bad arguments.

Examples:
  gjj withdrawals resend
  gjj withdrawals resend --older-than 1h`,
		Flags: func(fs *flag.FlagSet) {
			fs.Duration("older-than", 10*time.Minute, "resend instructions sent longer ago than `DURATION` without a result")
		},
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			if fs.NArg() > 0 {
				return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj withdrawals resend: unexpected argument %q; run `gjj withdrawals resend --help`", fs.Arg(0))}
			}
			older := fs.Lookup("older-than").Value.(flag.Getter).Get().(time.Duration)
			if older < 0 {
				return &ExitError{Code: 2, Msg: "gjj withdrawals resend: --older-than must not be negative"}
			}
			a, err := e.App(ctx)
			if err != nil {
				return err
			}
			n, err := a.Withdrawal.ResendPayments(ctx, older)
			if err != nil {
				return err
			}
			e.println(fmt.Sprintf("sent %d payment instruction(s) again", n))
			return nil
		},
	})
	register(&Command{
		Name:    "withdrawals reconcile",
		Summary: "ask the bank for the result of withdrawal payouts whose callback never arrived",
		Usage: `Usage: gjj withdrawals reconcile

An approved withdrawal waits in "paying" for the settlement bank's result
callback. When that callback never arrives, this command asks the bank
(付款结果查询) for every payout sent longer ago than the withdrawal rules'
review.payment_query_minutes (default 30) and applies the answer exactly
once: paid → 已到账; failed → the posting is reversed and the money is back
in the account; unknown to the bank → the instruction is sent again; still
pending → left for the next run. A callback arriving at the same time, or a
second run, changes nothing more. gjj eod runs it after closing the date.

Exit status: 0 done (also when the bank could not answer for some payouts:
they are counted as errors and retried next time); 1 failed; 2 bad arguments.

Examples:
  gjj withdrawals reconcile`,
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			if fs.NArg() > 0 {
				return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj withdrawals reconcile: unexpected argument %q; run `gjj withdrawals reconcile --help`", fs.Arg(0))}
			}
			a, err := e.App(ctx)
			if err != nil {
				return err
			}
			return reconcileWithdrawals(ctx, e, a.Withdrawal)
		},
	})
}
