package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/server"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// openStore opens the database the settings select: the embedded SQLite file in
// --data, or the server named by --database-url. Only serve, migrate and client create
// may create an embedded database (mode createDB); the other commands need one that
// exists (mustExist), so that a mistyped --data is reported instead of listing nothing.
func openStore(ctx context.Context, c config.Store, mode dbMode) (store.Store, error) {
	if err := c.Check(); err != nil {
		return nil, usageError{err.Error()}
	}
	if c.DatabaseURL == "" {
		st, err := sqlite.Open(ctx, c.DataDir, sqlite.Options{Synchronous: c.SQLiteSync, MustExist: mode == mustExist})
		if err != nil {
			return nil, noDatabase(err, "in "+c.DataDir, "--data")
		}
		return st, nil
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return nil, usageError{"--database-url: not a URL"}
	}
	switch u.Scheme {
	case "sqlite", "file":
		path := u.Opaque
		if path == "" {
			path = u.Path
		}
		st, err := sqlite.OpenFile(ctx, path, sqlite.Options{Synchronous: c.SQLiteSync, MustExist: mode == mustExist})
		if err != nil {
			return nil, noDatabase(err, "at "+path, "--database-url")
		}
		return st, nil
	case "postgres", "postgresql":
		return nil, fmt.Errorf("--database-url: the PostgreSQL backend is not part of this build yet; use the embedded database (--data)")
	}
	return nil, usageError{fmt.Sprintf("--database-url: unsupported scheme %q (sqlite:PATH or postgres://…)", u.Scheme)}
}

func newLogger(c *config.Serve, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func serve(ctx context.Context, e env, args []string) error {
	var c config.Serve
	f := newFlags(e, "serve", "serve [flags]")
	config.BindServe(f.b, &c)
	if pos, err := f.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("serve takes no arguments, got %q", pos[0])
	}
	if err := c.Check(); err != nil {
		return usageError{strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	log := newLogger(&c, e.stderr)
	slog.SetDefault(log)
	if e.getenv("GOGC") == "" {
		// linkd's heap is small and short-lived (requests); collecting less often trades
		// a few MB of memory for several percent of CPU on the hot path.
		debug.SetGCPercent(400)
	}
	// The access log is buffered (one write(2) per 100 ms, not per request); everything
	// else is written at once.
	var accessLog *server.AccessLog
	if c.AccessLog && log.Enabled(ctx, slog.LevelInfo) {
		accessOut := server.NewBufferedWriter(e.stderr, 100*time.Millisecond)
		defer accessOut.Close()
		accessLog = server.NewAccessLog(accessOut, c.LogFormat)
	}

	st, err := openStore(ctx, c.Store, createDB)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.FromConfig(&c, st, log, accessLog, time.Now)
	if err != nil {
		return err
	}

	if c.PprofAddr != "" {
		go servePprof(log, c.PprofAddr)
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	log.Info("linkd listening", "addr", ln.Addr().String(), "publicUrl", c.PublicURL, "version", versionString(),
		"store", describeStore(c.Store), "tokenTtl", c.TokenTTL.String())
	if c.Demo {
		log.Info("demo: open "+strings.TrimRight(c.PublicURL, "/")+"/demo in a browser", "url", strings.TrimRight(c.PublicURL, "/")+"/demo")
	}
	return srv.Serve(ctx, ln)
}

func describeStore(c config.Store) string {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err == nil {
			u.User = nil // never log a password
			return u.Redacted()
		}
		return "external"
	}
	return "sqlite:" + c.DataDir + "/" + sqlite.FileName
}

func migrate(ctx context.Context, e env, args []string) error {
	var c config.Store
	f := newFlags(e, "migrate", "migrate [flags]")
	config.BindStore(f.b, &c)
	if pos, err := f.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("migrate takes no arguments, got %q", pos[0])
	}
	st, err := openStore(ctx, c, createDB) // opening applies pending migrations
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, `{"migrated":true}`)
	return nil
}

// servePprof serves net/http/pprof on its own listener (never on the public one).
func servePprof(log *slog.Logger, addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	log.Info("profiler listening", "addr", addr)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("profiler", "err", err)
	}
}
