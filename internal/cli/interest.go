package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/errs"
)

func init() {
	register(&Command{
		Name:    "interest settle",
		Summary: "settle the annual interest (结息) of every personal account for a fund year",
		Usage: `Usage: gjj interest settle --year YYYY [--batch N]

Settles the interest of every personal account that is not closed (正常,
封存, 冻结) for the fund year ending 30 June YYYY: 1 July YYYY-1 through
30 June YYYY. The business date must be after 30 June YYYY.

How it is computed (domain.md §1.11): 计息积数 = the balance at the end of
every day of the year added up (算头不算尾: money posted on a day counts from
that day), interest = 积数 × annual rate / 360, rounded half up to the fen.
The rate is policy interest.rate (each day at the rate in force that day);
the day-count basis is policy interest.basis on 30 June (ACT_360 by default,
YEAR_PLUS_ACT_360 or ACT_365). Postings dated after 30 June do not count.

The interest is posted on 30 June as business type 09 年终结息 (one ledger
entry per batch of accounts, debiting interest expense), and each account's
当年归集 is rolled into 上年结转.

Safe to interrupt and to run again: every batch commits on its own, so after
a crash, Ctrl-C or a lost connection the same command continues where it
stopped, and an account is never settled twice. On a year already settled it
prints the result and changes nothing. Several instances may run it at the
same time; they take turns batch by batch.

On a terminal a progress bar is shown on stderr; otherwise a progress line is
printed about every 10%. The summary goes to stdout.

Exit status: 0 settled (or already settled); 2 bad arguments; 1 refused (for
example: the year is not over yet, an earlier year is unfinished) or failed.

Examples:
  gjj interest settle --year 2025
  gjj interest status --year 2025`,
		Flags: func(fs *flag.FlagSet) {
			fs.Int("year", 0, "fund year to settle: `YYYY` = the year ending 30 June YYYY (required)")
			fs.Int("batch", deposit.DefaultSettleBatch, "accounts per transaction (`N`, 1–10000)")
		},
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			year, err := interestYear("interest settle", fs)
			if err != nil {
				return err
			}
			batch := fs.Lookup("batch").Value.(flag.Getter).Get().(int)
			if batch < 1 || batch > 10_000 {
				return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj interest settle: --batch must be from 1 to 10000, got %d", batch)}
			}
			ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			a, err := e.App(ctx)
			if err != nil {
				return err
			}
			began := time.Now()
			bar := newProgressBar(e.Stderr, isTerminal(e.Stderr))
			run, err := a.Deposit.SettleYearWith(ctx, year, deposit.SettleOptions{BatchSize: batch, Progress: bar.update})
			bar.finish()
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return &ExitError{Code: 1, Msg: "gjj interest settle: interrupted; settled batches are kept — run the same command again to continue"}
				}
				return interestError("interest settle", err)
			}
			if run.Replayed {
				fmt.Fprintf(e.Stdout, "fund year %d (%s … %s) was already settled on %s; nothing changed\n",
					year, run.From, run.To, run.FinishedAt.Format("2006-01-02 15:04:05 UTC"))
			}
			fmt.Fprintf(e.Stdout, "settled %s accounts, interest %s yuan (rate %s, %s), elapsed %s\n",
				groupDigits(run.Done), run.Interest.Format(), run.Rate, run.Basis, time.Since(began).Round(time.Millisecond))
			return nil
		},
	})

	register(&Command{
		Name:    "interest status",
		Summary: "show the interest settlement (结息) run of a fund year",
		Usage: `Usage: gjj interest status --year YYYY

Prints the settlement run of the fund year ending 30 June YYYY: status
(running or done), accounts settled so far out of the total, the interest
posted, the rate and day-count basis, who started it and when.

Exit status: 0 shown; 1 when the year was never settled; 2 bad arguments.

Example:
  gjj interest status --year 2025`,
		Flags: func(fs *flag.FlagSet) {
			fs.Int("year", 0, "fund year: `YYYY` = the year ending 30 June YYYY (required)")
		},
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			year, err := interestYear("interest status", fs)
			if err != nil {
				return err
			}
			a, err := e.App(ctx)
			if err != nil {
				return err
			}
			r, err := a.Deposit.InterestRunStatus(ctx, year)
			if err != nil {
				return interestError("interest status", err)
			}
			w := e.Stdout
			fmt.Fprintf(w, "fund year   %d (%s … %s)\n", r.Year, r.From, r.To)
			fmt.Fprintf(w, "status      %s\n", r.Status)
			fmt.Fprintf(w, "accounts    %s / %s\n", groupDigits(r.Done), groupDigits(max(r.Total, r.Done)))
			fmt.Fprintf(w, "interest    %s yuan\n", r.Interest.Format())
			fmt.Fprintf(w, "rate        %s (%s)\n", r.Rate, r.Basis)
			fmt.Fprintf(w, "started     %s by %s\n", r.StartedAt.Format("2006-01-02 15:04:05 UTC"), r.StartedBy)
			if r.FinishedAt != nil {
				fmt.Fprintf(w, "finished    %s (%s)\n", r.FinishedAt.Format("2006-01-02 15:04:05 UTC"), r.FinishedAt.Sub(r.StartedAt).Round(time.Second))
			}
			return nil
		},
	})
}

// interestYear reads the required --year flag.
func interestYear(cmd string, fs *flag.FlagSet) (int, error) {
	if fs.NArg() > 0 {
		return 0, &ExitError{Code: 2, Msg: fmt.Sprintf("gjj %s: unexpected argument %q (the year goes in --year)", cmd, fs.Arg(0))}
	}
	year := fs.Lookup("year").Value.(flag.Getter).Get().(int)
	if year == 0 {
		return 0, &ExitError{Code: 2, Msg: fmt.Sprintf("gjj %s: --year is required, e.g. --year 2025 for 2024-07-01 … 2025-06-30", cmd)}
	}
	if year < 1992 || year > 9999 {
		return 0, &ExitError{Code: 2, Msg: fmt.Sprintf("gjj %s: --year must be a four-digit year, got %d", cmd, year)}
	}
	return year, nil
}

// interestError shows a refusal by its code and Chinese message.
func interestError(cmd string, err error) error {
	if e := errs.E(err); e.Kind != errs.Internal {
		return &ExitError{Code: 1, Msg: fmt.Sprintf("gjj %s: %s: %s", cmd, e.Code, e.Message)}
	}
	return err
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar shows settlement progress: on a terminal one line redrawn with
// \r; elsewhere (logs, pipes) one line about every 10%.
type progressBar struct {
	w       io.Writer
	tty     bool
	drawn   bool
	lastPct int // last 10% step printed (non-terminal)
	width   int // length of the last terminal line
}

func newProgressBar(w io.Writer, tty bool) *progressBar {
	return &progressBar{w: w, tty: tty, lastPct: -1}
}

func (b *progressBar) update(p deposit.Progress) {
	total := max(p.Total, p.Done)
	pct := 100.0
	if total > 0 {
		pct = float64(p.Done) * 100 / float64(total)
	}
	if !b.tty {
		step := int(pct) / 10 * 10
		if step <= b.lastPct {
			return
		}
		b.lastPct = step
		fmt.Fprintf(b.w, "interest %d: %3d%%  %s/%s accounts  interest %s yuan  %s\n", p.Year, step, groupDigits(p.Done), groupDigits(total),
			p.InterestFen.Format(), p.Elapsed.Round(time.Second))
		return
	}
	// Short enough for an 80-column terminal with 1,000,000 accounts.
	const cells = 10
	filled := int(pct * cells / 100)
	line := fmt.Sprintf("结息 %d [%s%s] %5.1f%% %s/%s户 利息%s元 %s", p.Year, strings.Repeat("#", filled), strings.Repeat(".", cells-filled), pct,
		groupDigits(p.Done), groupDigits(total), p.InterestFen.Format(), p.Elapsed.Round(time.Second))
	pad := ""
	if n := len([]rune(line)); n < b.width {
		pad = strings.Repeat(" ", b.width-n)
	}
	b.width = len([]rune(line))
	fmt.Fprint(b.w, "\r"+line+pad)
	b.drawn = true
}

// finish ends the terminal line.
func (b *progressBar) finish() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}

// groupDigits formats n with thousands separators: 1234567 → "1,234,567".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}
