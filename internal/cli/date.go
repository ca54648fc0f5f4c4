package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

func init() {
	register(&Command{
		Name:    "date show",
		Summary: "print the business date (营业日期)",
		Usage: `Prints the business date as YYYY-MM-DD. The business date, not the wall
clock, is the day postings, interest periods and due dates are booked on.

On a database where it was never set, it is first initialised to today's
date in Asia/Shanghai (recorded in the audit log).

Example:
  gjj date show          # 2026-07-01`,
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			args, err := dateArgs(e, fs, 0, 0)
			if err != nil || args == nil {
				return err
			}
			s, err := dateService(ctx, e, date.FromTime(time.Now()))
			if err != nil {
				return err
			}
			d, err := s.Today(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.Stdout, d)
			return nil
		},
	})
	register(&Command{
		Name:    "date set",
		Summary: "set the business date (forward; backwards only with --allow-backwards)",
		Usage: `Usage: gjj date set YYYY-MM-DD [--allow-backwards]

Sets the business date and prints "NEW (was OLD)". Moving it backwards is
refused unless --allow-backwards is given (a correction; it is recorded in the
audit log like every change, and refused attempts are recorded too). Setting
the current date again changes nothing. On a database where the date was never
set, it is initialised to the given date.

Exit status: 0 on success; 2 for a malformed date, a missing argument or a
refused backwards move; 1 on a store error.

Examples:
  gjj date set 2026-07-01
  gjj date set 2026-06-30 --allow-backwards`,
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("allow-backwards", false, "allow moving the business date to an earlier day")
		},
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			args, err := dateArgs(e, fs, 1, 1)
			if err != nil || args == nil {
				return err
			}
			to, err := date.Parse(args[0])
			if err != nil {
				return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj date set: %q is not a date: %s", args[0], errs.E(err).Message)}
			}
			back := fs.Lookup("allow-backwards").Value.(flag.Getter).Get().(bool)
			s, err := dateService(ctx, e, to)
			if err != nil {
				return err
			}
			old, err := s.Set(ctx, to, back)
			if errors.Is(err, bizdate.ErrBackwards) {
				return &ExitError{Code: 2, Msg: fmt.Sprintf(
					"gjj date set: %s (bizdate.backwards): the business date is %s, %s is earlier; add --allow-backwards to correct it",
					bizdate.ErrBackwards.Message, old, to)}
			}
			if err != nil {
				return dateErr("date set", err)
			}
			if old.String() == to.String() {
				fmt.Fprintf(e.Stdout, "%s (unchanged)\n", to)
				return nil
			}
			fmt.Fprintf(e.Stdout, "%s (was %s)\n", to, old)
			return nil
		},
	})
	register(&Command{
		Name:    "date advance",
		Summary: "move the business date forward by N days (default 1)",
		Usage: fmt.Sprintf(`Usage: gjj date advance [N]

Moves the business date forward by N days (1 to %d, default 1), records the
change in the audit log and prints the new date as YYYY-MM-DD. The day-end job
does the same. On a database where the date was never set, it is first
initialised to today's date in Asia/Shanghai.

Exit status: 0 on success; 2 when N is not a whole number from 1 to %d; 1 on
a store error.

Examples:
  gjj date advance       # next day
  gjj date advance 30`, bizdate.MaxAdvance, bizdate.MaxAdvance),
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			args, err := dateArgs(e, fs, 0, 1)
			if err != nil || args == nil {
				return err
			}
			days := 1
			if len(args) == 1 {
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 1 || n > bizdate.MaxAdvance {
					return &ExitError{Code: 2, Msg: fmt.Sprintf(
						"gjj date advance: N must be a whole number of days from 1 to %d, got %q", bizdate.MaxAdvance, args[0])}
				}
				days = n
			}
			s, err := dateService(ctx, e, date.FromTime(time.Now()))
			if err != nil {
				return err
			}
			d, err := s.Advance(ctx, days)
			if err != nil {
				return dateErr("date advance", err)
			}
			fmt.Fprintln(e.Stdout, d)
			return nil
		},
	})
}

// dateService opens the store and returns the business-date service, after
// initialising an unset business date to initial.
func dateService(ctx context.Context, e *Env, initial date.Date) (*bizdate.Service, error) {
	d, err := e.Store(ctx)
	if err != nil {
		return nil, err
	}
	s := bizdate.New(d, audit.New(d))
	if err := s.Ensure(ctx, initial); err != nil {
		return nil, fmt.Errorf("initialise the business date: %w", err)
	}
	return s, nil
}

// dateArgs returns the positional arguments of a date command, accepting flags
// after them too ("set 2026-07-01 --allow-backwards"), and checks their count
// is between min and max. It returns (nil, nil) when help was printed, and an
// exit-2 error for bad usage.
func dateArgs(e *Env, fs *flag.FlagSet, min, max int) ([]string, error) {
	args := []string{}
	for fs.NArg() > 0 {
		args = append(args, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if c := commands[strings.TrimPrefix(fs.Name(), "gjj ")]; c != nil {
					printUsage(e.Stdout, c)
				}
				return nil, nil
			}
			return nil, &ExitError{Code: 2} // the flag package printed the reason and usage
		}
	}
	name := fs.Name()
	switch {
	case len(args) < min:
		return nil, &ExitError{Code: 2, Msg: fmt.Sprintf("%s: missing argument; run `%s --help`", name, name)}
	case len(args) > max:
		return nil, &ExitError{Code: 2, Msg: fmt.Sprintf("%s: unexpected argument %q; run `%s --help`", name, args[max], name)}
	}
	return args, nil
}

// dateErr turns a business-date refusal into a one-line exit-2 error.
func dateErr(cmd string, err error) error {
	if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict {
		e := errs.E(err)
		return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj %s: %s (%s)", cmd, e.Message, e.Code)}
	}
	return err
}
