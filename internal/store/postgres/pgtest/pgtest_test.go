package pgtest

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestURL: each URL is a database of its own, empty, with fsync on.
func TestURL(t *testing.T) {
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatalf("two tests got the same database %s", a)
	}
	conn, err := pgx.Connect(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var fsync string
	var tables int
	if err := conn.QueryRow(t.Context(), `SELECT current_setting('fsync'), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&fsync, &tables); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" || tables != 0 {
		t.Errorf("fsync %s, %d tables; want on, 0", fsync, tables)
	}
}

// TestExternalServer: with LINKD_TEST_DATABASE_URL set, URL creates its databases on that
// server (here one started by Start) and drops them at the end of the test.
func TestExternalServer(t *testing.T) {
	c, err := Start("")
	if err != nil {
		if errors.Is(err, ErrNotInstalled) {
			SkipOrFail(t, err.Error())
		}
		t.Fatal(err)
	}
	defer c.Close()
	t.Setenv("LINKD_TEST_DATABASE_URL", c.URL("postgres"))
	var name string
	t.Run("uses it", func(t *testing.T) {
		u, err := url.Parse(URL(t))
		if err != nil {
			t.Fatal(err)
		}
		if u.Port() != strconv.Itoa(c.Port) {
			t.Errorf("URL on port %s, want the external server's %d", u.Port(), c.Port)
		}
		name = strings.TrimPrefix(u.Path, "/")
	})
	conn, err := pgx.Connect(t.Context(), c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || exists {
		t.Errorf("database %q after its test: exists %v (%v), want dropped", name, exists, err)
	}
}

// TestProxy: the fault proxy forwards, refuses, and forwards again.
func TestProxy(t *testing.T) {
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProxy(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	u.Host = p.Addr
	ping := func() error {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u.String())
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		return conn.Ping(ctx)
	}
	steps := []struct {
		name   string
		mode   func()
		wantOK bool
	}{
		{"forwarding", func() {}, true},
		{"refusing", p.Refuse, false},
		{"blackholed", p.Blackhole, false},
		{"resumed", p.Resume, true},
	}
	for _, st := range steps {
		st.mode()
		if err := ping(); (err == nil) != st.wantOK {
			t.Errorf("%s: ping = %v, want success %v", st.name, err, st.wantOK)
		}
	}
}
