package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/groupcommit"
	"github.com/linkd-dev/linkd/internal/store/postgres/pgtest"
	"github.com/linkd-dev/linkd/internal/store/storetest"
)

func sum(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// testCode is the i-th of a series of codes of client clientID, with time-ordered ids as
// linktoken mints them.
func testCode(i int, clientID string, now time.Time) store.LinkCode {
	return storetest.SeriesCode(i, clientID, now)
}

func newClient(t testing.TB, s store.Store, now time.Time) store.Client {
	t.Helper()
	c := store.Client{ID: "2b1e7c52-6f1e-4a57-9a43-2f7e7f1d1c01", Name: "x", Enabled: true, CreatedAt: now,
		Secrets: []store.Secret{{Hash: sum("secret"), CreatedAt: now}}}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// isFault reports whether err is a store fault: an error, but none of the store's
// outcomes (which callers would take for "not found", "already used", …).
func isFault(err error) bool { return err != nil && !store.IsOutcome(err) }

// viaProxy returns the URL of a new database reached through a fault proxy.
func viaProxy(t *testing.T) (string, *pgtest.Proxy) {
	t.Helper()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pgtest.NewProxy(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr
	return u.String(), p
}

// TestFaults: with the database unreachable, hung, slow or cut off, every call fails
// within about Options.Timeout with a fault (never an outcome: a fault must not be
// answered "not found", "already used" or "invalid credentials"); Ping fails; nothing
// half done is left; and once the database answers again the same store works, its pool
// reconnecting by itself.
func TestFaults(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	tests := []struct {
		name  string
		fault func(p *pgtest.Proxy)
	}{
		{"stopped (connections refused)", (*pgtest.Proxy).Refuse},
		{"hung (blackhole)", (*pgtest.Proxy).Blackhole},
		{"slow (2 s per round trip)", func(p *pgtest.Proxy) { p.Delay(2 * time.Second) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbURL, proxy := viaProxy(t)
			var clock atomic.Int64
			clock.Store(time.Now().UnixNano())
			now := func() time.Time { return time.Unix(0, clock.Load()) }
			s, err := Open(t.Context(), dbURL, Options{Timeout: timeout, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			t0 := time.Now()
			c := newClient(t, s, t0)
			before := testCode(0, c.ID, t0)
			if err := s.CreateCodes(t.Context(), before); err != nil {
				t.Fatal(err)
			}

			tc.fault(proxy)
			calls := []struct {
				name string
				call func() error
			}{
				{"CreateCodes", func() error { return s.CreateCodes(t.Context(), testCode(1, c.ID, t0)) }},
				{"Redeem", func() error {
					_, err := s.Redeem(t.Context(), store.Redemption{CodeID: before.ID, CodeHash: before.Hash, SessionHash: sum("s1"), SessionExpiresAt: t0.Add(time.Hour), Now: t0})
					return err
				}},
				{"Client", func() error { _, err := s.Client(t.Context(), c.ID); return err }},
				{"SetClientEnabled", func() error { return s.SetClientEnabled(t.Context(), c.ID, false) }},
				{"Ping", func() error { return s.Ping(t.Context()) }},
			}
			var wg sync.WaitGroup
			for _, call := range calls {
				wg.Go(func() {
					start := time.Now()
					err := call.call()
					took := time.Since(start)
					if !isFault(err) {
						t.Errorf("%s: %v, want a fault", call.name, err)
					}
					if took > timeout+500*time.Millisecond {
						t.Errorf("%s took %v, want about %v at most", call.name, took, timeout)
					}
				})
			}
			wg.Wait()

			proxy.Resume()
			clock.Add(int64(groupcommit.ProbeAfter)) // Ping probes a write at once
			waitFor(t, 10*time.Second, "Ping after the database is back", func() error { return s.Ping(t.Context()) })
			if err := s.CreateCodes(t.Context(), testCode(2, c.ID, t0)); err != nil {
				t.Fatalf("CreateCodes after the database is back: %v", err)
			}
			// The code issued before the fault is still redeemable, whatever the fault
			// interrupted; the code whose insert timed out is either stored or not.
			if _, err := s.Redeem(t.Context(), store.Redemption{CodeID: before.ID, CodeHash: before.Hash, SessionHash: sum("s2"), SessionExpiresAt: t0.Add(time.Hour), Now: t0}); err != nil {
				t.Fatalf("Redeem of the code issued before the fault: %v", err)
			}
			if got, err := s.Client(t.Context(), c.ID); err != nil || !got.Enabled {
				// A write cut off by a timeout may still have committed: here it did not
				// (the database never saw it, or saw it and was not answered in time).
				t.Logf("client after the fault: enabled %v, %v", got.Enabled, err)
			}
		})
	}
}

// TestDroppedConnections: every connection of the pool cut at once (a restart, a
// failover) costs at most the calls in flight; the next ones reconnect.
func TestDroppedConnections(t *testing.T) {
	t.Parallel()
	dbURL, proxy := viaProxy(t)
	s, err := Open(t.Context(), dbURL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	c := newClient(t, s, now)
	for round := range 3 {
		proxy.Drop()
		var err error
		for attempt := range 3 {
			if err = s.CreateCodes(t.Context(), testCode(10*round+attempt, c.ID, now)); err == nil {
				break
			}
			if !isFault(err) {
				t.Fatalf("after a drop: %v, want a fault or success", err)
			}
		}
		if err != nil {
			t.Fatalf("round %d: still failing after 3 attempts: %v", round, err)
		}
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v after %v", what, err, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWriteFaultsAndReadiness: a server that answers reads but refuses writes (a standby
// after a failover, a database set read-only) makes Ping fail once a write has failed,
// and Ping's probe clears it once writes work again.
func TestWriteFaultsAndReadiness(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	s, err := Open(t.Context(), dbURL, Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	c := newClient(t, s, now)
	setReadOnly := func(on bool) {
		t.Helper()
		conn, err := pgx.Connect(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		for _, q := range []string{`SET default_transaction_read_only = off`,
			fmt.Sprintf(`ALTER DATABASE %s SET default_transaction_read_only = %v`, conn.Config().Database, on)} {
			if _, err := conn.Exec(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		s.pool.Reset() // new sessions take the database's setting
	}
	setReadOnly(true)
	if err := s.CreateCodes(t.Context(), testCode(1, c.ID, now)); !isFault(err) {
		t.Fatalf("CreateCodes on a read-only database: %v, want a fault", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping succeeded right after a failed write")
	}
	clock.Add(int64(groupcommit.ProbeAfter))
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping's probe succeeded on a read-only database")
	}
	if _, err := s.Client(t.Context(), c.ID); err != nil {
		t.Errorf("a read on a read-only database: %v", err)
	}
	setReadOnly(false)
	clock.Add(int64(groupcommit.ProbeAfter))
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping once writes work again: %v", err)
	}
	if s.health.Failing() {
		t.Error("still failing after a successful probe")
	}
}

// TestConcurrentOpen: instances starting at the same moment on a new database migrate it
// once between them (goose's advisory lock) and all open.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), dbURL, Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	var applied int
	if err := stores[0].pool.QueryRow(t.Context(), `SELECT count(*) FROM `+migrationTable+` WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("%d migrations recorded, want %d (each applied once)", applied, len(files))
	}
	c := newClient(t, stores[1], time.Now())
	if _, err := stores[3].Client(t.Context(), c.ID); err != nil {
		t.Error(err)
	}
}

// TestGroupCommit checks that concurrent CreateCodes share statements.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	defer s.Close()
	now := time.Now()
	c := newClient(t, s, now)
	b0, o0 := s.BatchStats()
	var wg sync.WaitGroup
	for i := range 2000 {
		wg.Go(func() {
			if err := s.CreateCodes(context.Background(), testCode(i, c.ID, now)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	b1, o1 := s.BatchStats()
	batches, ops := b1-b0, o1-o0
	if ops != 2000 || batches >= ops/2 {
		t.Errorf("%d ops in %d statements, want 2000 ops grouped", ops, batches)
	}
	t.Logf("%d ops in %d statements", ops, batches)
}

// TestDuplicatesInBatches: the same code submitted by many callers at once (in one batch
// or several) is stored once; one caller succeeds, the others get ErrConflict, and the
// other codes of a batch with a duplicate are stored all the same, each op all or none.
func TestDuplicatesInBatches(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	defer s.Close()
	now := time.Now()
	c := newClient(t, s, now)
	dup := testCode(0, c.ID, now)
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if i%2 == 0 {
				errs[i] = s.CreateCodes(context.Background(), dup)
				return
			}
			// An op of two codes, one of them the duplicate: none of it may be stored
			// unless it is the op that stored the duplicate.
			errs[i] = s.CreateCodes(context.Background(), testCode(i, c.ID, now), dup)
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("op %d: %v, want nil or ErrConflict", i, err)
		}
	}
	var rows int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM link_codes`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	wantRows := 1
	for i, err := range errs {
		if err == nil && i%2 == 1 {
			wantRows++
		}
	}
	if wins != 1 || rows != wantRows {
		t.Errorf("%d ops succeeded and %d rows stored; want 1 and %d", wins, rows, wantRows)
	}
}

// TestPurgeSearchesOnlyOldCodes: purging link codes walks the primary key below the
// bound (codes are keyed by their minting time), never every code still alive.
func TestPurgeSearchesOnlyOldCodes(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	defer s.Close()
	// 20,000 codes of which the oldest 1% are below the bound, as when the purge runs
	// every minute over a table holding TTL + retention of traffic.
	for _, q := range []string{`INSERT INTO link_codes (id, id_tail, hash, kind, client_id, user_id, options, created_at, expires_at)
		SELECT g, '\x00', '\x00', 'link', 'c', 'u', '{}', now(), now() + interval '1 minute' * (g - 200) FROM generate_series(1, 20000) g`,
		`ANALYZE link_codes`} {
		if _, err := s.pool.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.pool.Query(t.Context(), `EXPLAIN SELECT id FROM link_codes WHERE id < $1 AND expires_at < $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
		int64(200), time.Now(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "Index Scan using link_codes_pkey") || !strings.Contains(plan, "Index Cond: (id <") {
		t.Errorf("purge plan:\n%s\nwant an index scan of link_codes_pkey bounded by id", plan)
	}
}

// TestRedact: a URL in a log never carries the password, wherever it was given.
func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://linkd:s3cret@db.example:5432/linkd?sslmode=require", "postgres://linkd:xxxxx@db.example:5432/linkd?sslmode=require"},
		{"postgres://linkd@db.example/linkd?password=s3cret&pool_max_conns=20", "postgres://linkd@db.example/linkd?password=xxxxx&pool_max_conns=20"},
		{"host=db.example user=linkd password=s3cret dbname=linkd", "host=db.example user=linkd password=xxxxx dbname=linkd"},
		{"host=db.example password='s3 cret' dbname=linkd", "host=db.example password=xxxxx dbname=linkd"},
		{"postgres://db.example/linkd", "postgres://db.example/linkd"},
		{"postgres://linkd:s3cret@db1:5432,db2:5432/linkd?target_session_attrs=read-write", "postgres://linkd:xxxxx@db1:5432,db2:5432/linkd?target_session_attrs=read-write"},
	}
	for _, tc := range tests {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
