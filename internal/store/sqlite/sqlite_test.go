package sqlite

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/storetest"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestConformanceSynchronousFull runs the suite with every commit synced
// (--sqlite-synchronous full).
func TestConformanceSynchronousFull(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), t.TempDir(), Options{Synchronous: "full"})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

// TestShared: two Store values on one file behave like two linkd processes (separate
// connections, SQLite's file locks).
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		dir := t.TempDir()
		a, err := Open(t.Context(), dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(t.Context(), dir, Options{})
		if err != nil {
			a.Close()
			t.Fatal(err)
		}
		return a, b
	})
}

// TestGroupCommit checks that concurrent writes share transactions: the reason the
// embedded store keeps up with the API under load.
func TestGroupCommit(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	now := time.Now()
	c := store.Client{ID: "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f", Name: "x", Enabled: true, CreatedAt: now}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	b0, o0 := s.BatchStats()
	var wg sync.WaitGroup
	for i := range 2000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.CreateCodes(context.Background(), testCode(i, c.ID, now)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b1, o1 := s.BatchStats()
	batches, ops := b1-b0, o1-o0
	if ops != 2000 {
		t.Fatalf("ops = %d, want 2000", ops)
	}
	if batches >= ops/2 {
		t.Errorf("%d ops in %d group commits: writes are not grouped", ops, batches)
	}
	t.Logf("%d ops in %d group commits", ops, batches)
}

// testCode is the i-th of a series of codes of client clientID, with time-ordered ids as
// linktoken mints them.
func testCode(i int, clientID string, now time.Time) store.LinkCode {
	return storetest.SeriesCode(i, clientID, now)
}

// testCodeID derives a code id from s: 16 bytes led by a positive integer.
func testCodeID(s string) []byte {
	id := sum(s)[:16]
	id[0] &= 0x7f
	return id
}

func sum(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// TestPurgeSearchesOnlyOldCodes: purging link codes looks only at keys minted before the
// bound, never at the codes still alive, which a full scan inside the write transaction
// would hold issuance up for (the table holds every code of the last TTL + retention).
func TestPurgeSearchesOnlyOldCodes(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+purgeCodesSQL, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	all := strings.Join(plan, "\n")
	if !strings.Contains(all, "SEARCH link_codes USING INTEGER PRIMARY KEY (rowid<?)") || strings.Contains(all, "SCAN link_codes") {
		t.Errorf("purge query plan = %q, want a search of the rowid range", plan)
	}
}
