package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/groupcommit"
)

// openFake opens a store in a new directory with a fake clock and opts, and creates a
// client on it.
func openFake(t *testing.T, opts Options) (*Store, *clockwork.FakeClock, store.Client) {
	t.Helper()
	clock := clockwork.NewFakeClock()
	opts.Clock = clock
	s, err := Open(t.Context(), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := store.Client{ID: "7a0c4a55-8a2f-4d55-b0b5-2a9f2b1c3d4e", Name: "x", Enabled: true, CreatedAt: clock.Now()}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return s, clock, c
}

// isFault reports whether err is a store fault: an error, but none of the store's
// outcomes (which callers would wrongly take for "not found", "already used", …).
func isFault(err error) bool {
	return err != nil && !isOutcome(err)
}

// TestWriterIsolatesFailures: when one op of a group commit fails, its neighbours are
// committed anyway (the batch is retried op by op), and each caller gets its own result.
func TestWriterIsolatesFailures(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		// bad is the op that fails; good ops insert a code each.
		bad     func(s *Store, c store.Client, now time.Time) error
		wantBad func(error) bool
	}{
		{"a fault in a transaction", func(s *Store, _ store.Client, _ time.Time) error {
			return s.w.do(context.Background(), func(ctx context.Context, tx *sql.Tx) error { return boom })
		}, func(err error) bool { return errors.Is(err, boom) }},
		{"a failing statement", func(s *Store, _ store.Client, _ time.Time) error {
			return s.w.do(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table VALUES (1)`)
				return err
			})
		}, isFault},
		{"a duplicate code among new ones", func(s *Store, c store.Client, now time.Time) error {
			return s.CreateCodes(context.Background(), testCode(0, c.ID, now)) // inserted before the batch
		}, func(err error) bool { return errors.Is(err, store.ErrConflict) }},
		{"a domain outcome keeps its writes", func(s *Store, c store.Client, now time.Time) error {
			return s.SetClientEnabled(context.Background(), "00000000-0000-4000-8000-000000000000", false)
		}, func(err error) bool { return errors.Is(err, store.ErrNotFound) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clock, c := openFake(t, Options{})
			now := clock.Now()
			if err := s.CreateCodes(t.Context(), testCode(0, c.ID, now)); err != nil {
				t.Fatal(err)
			}
			const n = 64
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i == n/2 {
						errs[i] = tc.bad(s, c, now)
						return
					}
					errs[i] = s.CreateCodes(context.Background(), testCode(i+1, c.ID, now))
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if i == n/2 {
					if !tc.wantBad(err) {
						t.Errorf("the failing op got %v", err)
					}
				} else if err != nil {
					t.Errorf("op %d failed with its neighbour: %v", i, err)
				}
			}
			if got := countCodes(t, s); got != n {
				t.Errorf("%d codes stored, want %d (the first and %d good ones)", got, n, n-1)
			}
		})
	}
}

func countCodes(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM link_codes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWriteFaultsAndReadiness: a write that fails for want of space or because another
// process holds the database's lock past the busy timeout is a fault (never an outcome),
// Ping fails while writes fail, and both recover without reopening the store.
func TestWriteFaultsAndReadiness(t *testing.T) {
	tests := []struct {
		name string
		// fail makes writes fail and returns what undoes it.
		fail func(t *testing.T, s *Store) (undo func())
		// inPlace: a write that changes a row in place (no new page) still succeeds.
		inPlace bool
	}{
		{"database full", func(t *testing.T, s *Store) func() {
			// SQLite's own limit on the file's size: SQLITE_FULL, as on a full disk.
			setMaxPages(t, s, 0)
			return func() { setMaxPages(t, s, 1<<30) }
		}, true},
		{"locked by another process past the busy timeout", func(t *testing.T, s *Store) func() {
			other, err := sql.Open("sqlite", "file:"+s.Path())
			if err != nil {
				t.Fatal(err)
			}
			other.SetMaxOpenConns(1)
			conn, err := other.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(t.Context(), `BEGIN EXCLUSIVE`); err != nil {
				t.Fatal(err)
			}
			return func() {
				conn.ExecContext(context.Background(), `ROLLBACK`)
				conn.Close()
				other.Close()
			}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clock, c := openFake(t, Options{BusyTimeout: 100 * time.Millisecond})
			now := clock.Now()
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping before: %v", err)
			}
			undo := tc.fail(t, s)
			var err error
			for i := 1; i <= 2000 && err == nil; i++ { // until a new page is needed
				err = s.CreateCodes(t.Context(), testCode(i, c.ID, now))
			}
			if !isFault(err) {
				t.Fatalf("CreateCodes: %v, want a fault", err)
			}
			if err := s.Ping(t.Context()); err == nil {
				t.Fatal("Ping succeeded right after failed writes")
			}
			if err := s.SetClientEnabled(t.Context(), c.ID, false); !tc.inPlace && !isFault(err) {
				t.Fatalf("SetClientEnabled: %v, want a fault", err)
			}
			clock.Advance(groupcommit.ProbeAfter)
			if err := s.Ping(t.Context()); err == nil && !tc.inPlace {
				t.Fatal("Ping's probe succeeded while writes fail")
			}
			undo()
			clock.Advance(groupcommit.ProbeAfter)
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping after recovery: %v", err)
			}
			if err := s.CreateCodes(t.Context(), testCode(5000, c.ID, now)); err != nil {
				t.Fatalf("CreateCodes after recovery: %v", err)
			}
			if s.w.health.Failing() {
				t.Error("the store still reports failing writes after a commit")
			}
		})
	}
}

// setMaxPages sets the writer connection's max_page_count: n = 0 is the file's current
// size, so that any write that needs a new page fails.
func setMaxPages(t *testing.T, s *Store, n int) {
	t.Helper()
	err := s.w.do(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
		if n == 0 {
			if err := tx.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&n); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, n))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWriterClose: writes submitted before Close are committed; writes after it fail
// with an error (no panic on the closed queue); Close twice is harmless.
func TestWriterClose(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := store.Client{ID: "7a0c4a55-8a2f-4d55-b0b5-2a9f2b1c3d4e", Name: "x", Enabled: true, CreatedAt: now}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make(chan error, n)
	var started sync.WaitGroup
	for i := range n {
		started.Add(1)
		go func() {
			started.Done()
			errs <- s.CreateCodes(context.Background(), testCode(i, c.ID, now))
		}()
	}
	started.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	committed := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			committed++
		case !errors.Is(err, errClosed):
			t.Errorf("write during Close: %v", err)
		}
	}
	if err := s.CreateCodes(t.Context(), testCode(n, c.ID, now)); !errors.Is(err, errClosed) {
		t.Errorf("write after Close: %v, want errClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s2, err := Open(t.Context(), filepath.Dir(s.Path()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := countCodes(t, s2); got != committed {
		t.Errorf("%d codes in the database, but %d writes reported committed", got, committed)
	}
}

// TestWriterCancelledBeforeSubmit: a caller whose context is over before its write is
// queued gets the context's error, and nothing is written; once queued, a write runs to
// its end even if the caller gives up, so a committed write is never reported failed.
func TestWriterCancelledBeforeSubmit(t *testing.T) {
	s, clock, c := openFake(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	// The queue has room, so a cancelled write may still be queued: either it is refused
	// with the context's error, or it is committed and reported so.
	err := s.CreateCodes(ctx, testCode(1, c.ID, clock.Now()))
	switch got := countCodes(t, s); {
	case err == nil && got == 1, errors.Is(err, context.Canceled) && got == 0:
	default:
		t.Errorf("cancelled write: err %v with %d codes stored", err, got)
	}
}

// TestCheckpointer: the background checkpoint runs on the store's clock, not the wall
// clock, and copies the WAL into the database file.
func TestCheckpointer(t *testing.T) {
	s, clock, c := openFake(t, Options{})
	for i := range 100 {
		if err := s.CreateCodes(t.Context(), testCode(i, c.ID, clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.ckptRuns.Load(); got != 0 {
		t.Fatalf("%d checkpoints before the clock moved", got)
	}
	for round := int64(1); round <= 3; round++ {
		if err := clock.BlockUntilContext(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(checkpointInterval)
		deadline := time.Now().Add(5 * time.Second)
		for s.ckptRuns.Load() < round && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := s.ckptRuns.Load(); got != round {
			t.Fatalf("after %d ticks: %d checkpoints", round, got)
		}
	}
}
