package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
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
	plan := queryPlan(t, s, purgeCodesSQL, 1, 1, 1)
	if !strings.Contains(plan, "SEARCH link_codes USING INTEGER PRIMARY KEY (rowid<?)") || strings.Contains(plan, "SCAN link_codes") {
		t.Errorf("purge query plan = %q, want a search of the rowid range", plan)
	}
}

// queryPlan returns SQLite's plan for query with args, one detail per line.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+query, args...)
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
	return strings.Join(plan, "\n")
}

// TestTransferQueriesUseIndexes: every order and selective filter of the transfer list is
// answered from an index of the client's transfers, already in order (no scan of the
// table, no sort of the client's transfers), so that a page stays fast with a million
// transfers (docs/design.md §8; bench/README.md has the figures). The background loops'
// queries (the settler's, the webhook sender's) search their partial indexes.
func TestTransferQueriesUseIndexes(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	for _, c := range storetest.TransferPlanCases() {
		t.Run(c.Name, func(t *testing.T) {
			where, args, order, err := transferQuery("client", c.Query)
			if err != nil {
				t.Fatal(err)
			}
			// The count may use any index that covers the filter.
			plan := queryPlan(t, s, `SELECT count(*) FROM transfers WHERE `+where, args...)
			if strings.Contains(plan, "SCAN transfers") || !strings.Contains(plan, "INDEX") {
				t.Errorf("plan of the count:\n%s\nwant a search of an index", plan)
			}
			plan = queryPlan(t, s, `SELECT `+transferCols+` FROM transfers WHERE `+where+` ORDER BY `+order+` LIMIT 10`, args...)
			if strings.Contains(plan, "SCAN transfers") || strings.Contains(plan, "TEMP B-TREE") != c.Sorts || !strings.Contains(plan, "INDEX") {
				t.Errorf("plan of the page:\n%s\nwant a search of an index, no scan, sort %v", plan, c.Sorts)
			}
			index := c.Index
			if index == storetest.PrimaryKey {
				index = "sqlite_autoindex_transfers_1"
			}
			if index != "" && !strings.Contains(plan, "INDEX "+index+" ") {
				t.Errorf("plan of the page:\n%s\nwant index %s", plan, index)
			}
		})
	}
	for name, q := range map[string]string{
		"due transfers":    dueTransfersSQL,
		"due deliveries":   dueDeliverySQL,
		"claim deliveries": fmt.Sprintf(claimSQL, ""),
	} {
		t.Run(name, func(t *testing.T) {
			plan := queryPlan(t, s, q, 1, 1)
			if strings.Contains(plan, "SCAN transfers") || strings.Contains(plan, "SCAN webhook_deliveries") || strings.Contains(plan, "SCAN d") ||
				strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan:\n%s\nwant searches of the partial indexes", plan)
			}
		})
	}
}

// TestRedeemFault: a fault between the code's consume and the session's insert (a trigger
// that aborts the insert, through another connection) leaves the code unconsumed
// (docs/threat-model.md T4).
func TestRedeemFault(t *testing.T) {
	s := openTemp(t)
	t.Cleanup(func() { s.Close() })
	storetest.RunRedeemFault(t, s, func(t *testing.T) func() {
		db, err := sql.Open("sqlite", "file:"+s.Path())
		if err != nil {
			t.Fatal(err)
		}
		exec := func(q string) {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		exec(`CREATE TRIGGER injected_fault BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'injected fault'); END`)
		return func() {
			exec(`DROP TRIGGER injected_fault`)
			db.Close()
		}
	})
}
