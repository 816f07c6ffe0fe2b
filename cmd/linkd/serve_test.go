package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/store/postgres"
	"github.com/linkd-dev/linkd/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// syncBuf is a log destination safe for the goroutine that logs and the test that reads.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServeWaitsForTheDatabase: `linkd serve` started while PostgreSQL does not answer
// retries with backoff, logging why (never the password), and opens the store as soon
// as the database answers; told to stop meanwhile, it stops.
func TestServeWaitsForTheDatabase(t *testing.T) {
	defer func(lo, hi time.Duration) { openRetryMin, openRetryMax = lo, hi }(openRetryMin, openRetryMax)
	openRetryMin, openRetryMax = 50*time.Millisecond, 200*time.Millisecond
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := pgtest.NewProxy(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	proxy.Refuse()
	u.Host = proxy.Addr
	password, _ := u.User.Password()
	cfg := config.Store{DatabaseURL: u.String(), SQLiteSync: "normal"}

	t.Run("until it answers", func(t *testing.T) {
		var logs syncBuf
		log := slog.New(slog.NewTextHandler(&logs, nil))
		time.AfterFunc(time.Second, proxy.Resume)
		start := time.Now()
		st, err := openStoreWaiting(t.Context(), cfg, log)
		if err != nil {
			t.Fatalf("openStoreWaiting: %v", err)
		}
		defer st.Close()
		if took := time.Since(start); took < time.Second {
			t.Errorf("opened after %v, before the database answered", took)
		}
		out := logs.String()
		if n := strings.Count(out, "database unavailable, retrying"); n < 3 || !strings.Contains(out, "connection") {
			t.Errorf("want several lines saying why, got:\n%s", out)
		}
		if strings.Contains(out, password) {
			t.Errorf("the log holds the password:\n%s", out)
		}
		if !strings.Contains(out, "database answered") {
			t.Errorf("no line when the database answered:\n%s", out)
		}
	})
	t.Run("until told to stop", func(t *testing.T) {
		proxy.Refuse()
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		_, err := openStoreWaiting(ctx, cfg, slog.New(slog.NewTextHandler(&syncBuf{}, nil)))
		if !errors.Is(err, errStopped) {
			t.Errorf("openStoreWaiting = %v, want errStopped", err)
		}
	})
	t.Run("a mistake fails at once", func(t *testing.T) {
		bad := cfg
		bad.DatabaseURL = "postgres://" + proxy.Addr + "/linkd?pool_max_conns=many"
		if _, err := openStoreWaiting(t.Context(), bad, slog.New(slog.NewTextHandler(&syncBuf{}, nil))); err == nil || errors.Is(err, errStopped) {
			t.Errorf("openStoreWaiting(bad URL) = %v, want an error at once", err)
		}
	})
}

// TestNoSchema: on a PostgreSQL database without linkd's schema, the client commands other
// than create fail with one line saying so, and create nothing; migrate creates it, and
// then they work.
func TestNoSchema(t *testing.T) {
	dbURL := pgtest.URL(t)
	redacted := postgres.Redact(dbURL)
	want := "linkd: no linkd schema in the database at " + redacted +
		" (linkd client create, linkd serve and linkd migrate create it; check --database-url)\n"
	for _, args := range [][]string{
		{"client", "list"},
		{"client", "disable", "3fa85f64-5717-4562-b3fc-2c963f66afa6"},
		{"export"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errs, code := cli(t, t.TempDir(), append(args, "--database-url", dbURL)...)
			if code != 1 || out != "" || errs != want {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errs, want)
			}
		})
	}
	pool, err := pgxpool.New(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var tables int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("%d tables after the refused commands, want none", tables)
	}
	mustRun(t, t.TempDir(), "migrate", "--database-url", dbURL)
	if out := mustRun(t, t.TempDir(), "client", "list", "--database-url", dbURL); strings.TrimSpace(out) != "[]" {
		t.Errorf("client list after migrate: %s", out)
	}
}
