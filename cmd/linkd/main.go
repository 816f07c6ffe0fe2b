// Command linkd is a self-hostable server for Mesh Connect's "Get Link token" system:
// POST /api/v1/linktoken, the integration catalog, and the Link UI a token opens.
//
//	linkd serve                 run the server (embedded database in ./linkd-data)
//	linkd migrate               apply database migrations and exit
//	linkd client …              manage API clients and their secrets
//	linkd version               print the version
//
// This file only dispatches; serve.go wires the server, client.go the administration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"syscall"

	"github.com/linkd-dev/linkd/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise the module
// version from the build info is used.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env carries what a subcommand needs from the process, so tests run commands in-process.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

const topUsage = `Usage: linkd <command> [flags]

Commands:
  serve     run the server
  migrate   apply database migrations and exit
  client    manage API clients (linkd client help)
  version   print the version

Run "linkd <command> --help" for the flags of a command. Every flag can also be set with
the LINKD_* environment variable named in its help.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, e, args[1:])
	case "migrate":
		err = migrate(ctx, e, args[1:])
	case "client":
		err = client(ctx, e, args[1:])
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "linkd", versionString())
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, topUsage)
	default:
		err = usagef("unknown command %q (commands: serve, migrate, client, version)", args[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "linkd:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "linkd:", err)
		return 1
	}
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// flagDashes rewrites the flag package's "-name" to the "--name" the help and the
// README use.
var flagDashes = regexp.MustCompile(`(flag:? |defined: )-(\w)`)

// flags is a subcommand's FlagSet, with a Binder reading LINKD_* variables.
type flags struct {
	fs   *flag.FlagSet
	b    *config.Binder
	help func()
	// arg names the command's positional argument in messages ("" is "a client id").
	arg string
}

// newFlags returns the flags of a subcommand. The flag package's own messages are
// silenced: a bad argument gets one line (from run), and --help the usage.
func newFlags(e env, name, usage string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{fs: fs, b: &config.Binder{FS: fs, Getenv: e.getenv}, help: func() {
		fmt.Fprintf(e.stderr, "Usage: linkd %s\n\nFlags:\n", usage)
		fs.SetOutput(e.stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}}
}

// parse parses flags given before, between or after positional arguments
// ("linkd client disable ID --data DIR") and returns the positional ones.
func (f *flags) parse(args []string) ([]string, error) {
	if err := f.b.Err(); err != nil {
		return nil, usageError{err.Error()}
	}
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.help()
				return nil, err
			}
			return nil, usageError{flagDashes.ReplaceAllString(err.Error(), "$1--$2")}
		}
		args = f.fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
