// Package cli implements the gjj command line: a table of subcommands, each
// with its own help, run by cmd/gjj. Subcommands live in files next to this one
// and register themselves in commands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"gjj/internal/app"
	"gjj/internal/platform/config"
	"gjj/internal/platform/db"
	"gjj/internal/platform/reqctx"
)

// Command is one subcommand, named by one or two words ("serve", "ledger verify").
type Command struct {
	Name    string
	Summary string // one line for `gjj --help`
	Usage   string // full help: arguments, flags, examples
	// Run executes the command. fs has been parsed already when Flags is set.
	Run   func(ctx context.Context, e *Env, fs *flag.FlagSet) error
	Flags func(fs *flag.FlagSet)
}

var commands = map[string]*Command{}

func register(c *Command) { commands[c.Name] = c }

// Env is what a command may use: configuration, output streams, the store.
type Env struct {
	Config config.Config
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger
	store  *db.DB
	app    *app.App
}

func (e *Env) println(a ...any) { fmt.Fprintln(e.Stdout, a...) }

// ExitError makes Run exit with Code after printing Msg (if any) to stderr.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// Store opens the configured store once, applies pending migrations and
// returns it. The store is closed when Run returns.
func (e *Env) Store(ctx context.Context) (*db.DB, error) {
	if e.app != nil {
		return e.app.DB, nil
	}
	if e.store != nil {
		return e.store, nil
	}
	d, err := db.Open(ctx, e.Config.Database)
	if err != nil {
		return nil, fmt.Errorf("GJJ_DATABASE: %w", err)
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		e.Log.Info("migrations applied", "count", n, "store", d.Name)
	}
	e.store = d
	return d, nil
}

// Run runs gjj with args (without the program name), environment environ
// (nil means the process environment) and returns the exit code.
func Run(ctx context.Context, args []string, environ map[string]string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			if c, _ := lookup(args[1:]); c != nil {
				printUsage(stdout, c)
				return 0
			}
		}
		printHelp(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, rest := lookup(args)
	if c == nil {
		fmt.Fprintf(stderr, "gjj: unknown command %q; run `gjj --help` for the list\n", strings.Join(args, " "))
		return 2
	}
	fs := flag.NewFlagSet("gjj "+c.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(stderr, c) }
	if c.Flags != nil {
		c.Flags(fs)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, c)
			return 0
		}
		return 2
	}
	cfg, err := config.Load(environ)
	if err != nil {
		fmt.Fprintln(stderr, "gjj:", err)
		return 2
	}
	e := &Env{Config: cfg, Stdout: stdout, Stderr: stderr, Log: NewLogger(stderr, cfg.LogLevel)}
	slog.SetDefault(e.Log)
	defer func() {
		if e.store != nil {
			e.store.Close()
		}
		if e.app != nil {
			e.app.Close()
		}
	}()
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: "system:cli", Channel: "system"})
	if err := c.Run(ctx, e, fs); err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			if ee.Msg != "" {
				fmt.Fprintln(stderr, ee.Msg)
			}
			return ee.Code
		}
		fmt.Fprintf(stderr, "gjj %s: %v\n", c.Name, err)
		return 1
	}
	return 0
}

// NewLogger returns the platform's JSON logger at the given level.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func lookup(args []string) (*Command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `gjj — 住房公积金综合服务平台 (housing provident fund integrated service platform)

Usage: gjj <command> [flags] [arguments]
       gjj help <command>        show a command's help (or: gjj <command> --help)

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].Summary)
	}
	fmt.Fprint(w, `
Configuration comes from the environment:
  GJJ_DATABASE  sqlite:<path> (default sqlite:data/gjj.db) or mysql:<DSN>
  GJJ_REDIS     host:port or redis://…; empty = in-process (single instance)
  GJJ_ADDR      listen address for serve (default :8080)
  GJJ_DEMO=1    seed demo data into an empty database when serving
See README.md for the full list.
`)
}

func printUsage(w io.Writer, c *Command) {
	fmt.Fprintf(w, "gjj %s — %s\n\n%s\n", c.Name, c.Summary, strings.TrimSpace(c.Usage))
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	if c.Flags != nil {
		c.Flags(fs)
		has := false
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(w, "\nFlags:")
			fs.SetOutput(w)
			fs.PrintDefaults()
		}
	}
}

// Main is cmd/gjj's entry point.
func Main() {
	os.Exit(Run(context.Background(), os.Args[1:], nil, os.Stdout, os.Stderr))
}
