package main

import (
	"context"
	"errors"
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
	"github.com/linkd-dev/linkd/internal/store/postgres"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// openStore opens the database the settings select: the embedded SQLite file in
// --data, or the server named by --database-url. Only serve, migrate, client create and
// import may create an embedded database or linkd's schema in a PostgreSQL database (mode
// createDB); the other commands need one that exists (mustExist), so that a mistyped
// --data or --database-url is reported instead of listing nothing.
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
		st, err := postgres.Open(ctx, c.DatabaseURL, postgres.Options{MustExist: mode == mustExist})
		if errors.Is(err, postgres.ErrBadURL) {
			return nil, usageError{"--database-url: " + err.Error()}
		}
		if errors.Is(err, postgres.ErrNoSchema) {
			return nil, fmt.Errorf("no linkd schema in the database at %s (linkd client create, linkd serve and linkd migrate create it; check --database-url)",
				postgres.Redact(c.DatabaseURL))
		}
		return st, err
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

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	st, err := openStoreListening(ctx, c.Store, log, ln)
	if errors.Is(err, errStopped) {
		log.Info("stopped before the database answered")
		return nil
	}
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
	log.Info("linkd listening", "addr", ln.Addr().String(), "publicUrl", c.PublicURL, "version", versionString(),
		"store", describeStore(c.Store), "tokenTtl", c.TokenTTL.String())
	if c.Demo {
		log.Info("demo: open "+strings.TrimRight(c.PublicURL, "/")+"/demo in a browser", "url", strings.TrimRight(c.PublicURL, "/")+"/demo")
	}
	return srv.Serve(ctx, ln)
}

// describeStore names the database for the log, never with a password.
func describeStore(c config.Store) string {
	if c.DatabaseURL != "" {
		return postgres.Redact(c.DatabaseURL)
	}
	return "sqlite:" + c.DataDir + "/" + sqlite.FileName
}

// Backoff of openStoreWaiting: the first retry after openRetryMin, each next one after
// twice as long, at most openRetryMax.
var (
	openRetryMin = 500 * time.Millisecond
	openRetryMax = 15 * time.Second
)

// errStopped: serve was told to stop while it waited for the database.
var errStopped = errors.New("stopped while waiting for the database")

// openStoreWaiting is openStore for `linkd serve`: a database server that does not answer
// yet (it is starting, or being restarted alongside linkd) is waited for, with
// exponential backoff and a log line per attempt saying why, until it answers or ctx
// ends (errStopped). Mistakes in the settings, and the embedded database, fail at once.
func openStoreWaiting(ctx context.Context, c config.Store, log *slog.Logger) (store.Store, error) {
	delay := openRetryMin
	for attempt := 1; ; attempt++ {
		st, err := openStore(ctx, c, createDB)
		if err == nil {
			if attempt > 1 {
				log.Info("database answered", "store", describeStore(c), "attempts", attempt)
			}
			return st, nil
		}
		if c.DatabaseURL == "" || errors.As(err, new(usageError)) || !isServerURL(c.DatabaseURL) {
			return nil, err
		}
		log.Warn("database unavailable, retrying", "store", describeStore(c), "err", err.Error(), "attempt", attempt, "retryIn", delay.String())
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, errStopped
		}
		delay = min(2*delay, openRetryMax)
	}
}

// openStoreListening is openStoreWaiting while ln is served by server.Waiting when the
// database is a server that may keep linkd waiting: /healthz answers 200 and /readyz 503
// meanwhile, and the listener passes on to the full server once the store is open (no
// connection attempt is refused in between).
func openStoreListening(ctx context.Context, c config.Store, log *slog.Logger, ln net.Listener) (store.Store, error) {
	tcp, ok := ln.(*net.TCPListener)
	if !ok || !isServerURL(c.DatabaseURL) {
		return openStoreWaiting(ctx, c, log)
	}
	h := &handoff{TCPListener: tcp}
	hs := &http.Server{Handler: server.Waiting(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 5 * time.Second, MaxHeaderBytes: 32 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(h) }()
	st, err := openStoreWaiting(ctx, c, log)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx) // makes Accept return at once (handoff.Close), then waits for its answers
	<-done
	if rerr := h.release(); rerr != nil && err == nil {
		st.Close()
		return nil, rerr
	}
	return st, err
}

// handoff lends a TCP listener to a server that must give it up without closing it: Close
// (which http.Server.Shutdown calls) sets a deadline in the past, so that the pending
// Accept returns (before taking a connection: the deadline is checked first) and the
// server, shutting down, stops; release clears the deadline for the next server.
type handoff struct{ *net.TCPListener }

func (h *handoff) Close() error { return h.SetDeadline(time.Unix(1, 0)) }

func (h *handoff) release() error { return h.SetDeadline(time.Time{}) }

// isServerURL reports whether a --database-url names a database server (which may be
// down for a while) rather than a file.
func isServerURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
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
