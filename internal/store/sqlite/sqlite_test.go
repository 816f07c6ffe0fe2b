package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
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

// TestRedeemAcrossStores: two Store values on one file behave like two linkd processes
// (separate connections, SQLite file locks): still exactly one redemption wins, and a
// code issued by one is redeemed through the other.
func TestRedeemAcrossStores(t *testing.T) {
	a, b, c, now := twoStores(t, Options{})
	for round := range 3 {
		code := store.LinkCode{ID: testCodeID(fmt.Sprint("id", round)), Hash: sum(fmt.Sprint("code", round)), Kind: store.KindLink, ClientID: c.ID, UserID: "u",
			Options: []byte(`{}`), CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
		if err := a.CreateCodes(t.Context(), code); err != nil {
			t.Fatal(err)
		}
		var wins, used, faults atomic.Int64
		var wg sync.WaitGroup
		for i := range 200 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Redeem(context.Background(), store.Redemption{CodeID: code.ID, CodeHash: code.Hash, SessionHash: sum(fmt.Sprint(round, "s", i)),
					SessionExpiresAt: now.Add(time.Hour), Now: now})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrAlreadyUsed):
					used.Add(1)
				default:
					faults.Add(1)
					t.Log(err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || used.Load() != 199 || faults.Load() != 0 {
			t.Fatalf("round %d: wins=%d used=%d faults=%d; want 1, 199, 0", round, wins.Load(), used.Load(), faults.Load())
		}
	}
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

// twoStores opens one database twice, as two linkd processes would (with opts), and
// creates a client on it. Both close with the test.
func twoStores(t *testing.T, opts Options) (a, b *Store, c store.Client, now time.Time) {
	t.Helper()
	dir := t.TempDir()
	for _, s := range []**Store{&a, &b} {
		var err error
		if *s, err = Open(t.Context(), dir, opts); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { (*s).Close() })
	}
	now = time.Now()
	c = store.Client{ID: "2b1e7c52-6f1e-4a57-9a43-2f7e7f1d1c01", Name: "x", Enabled: true, CreatedAt: now}
	if err := a.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return a, b, c, now
}

// testCode is the i-th of a series of codes of client clientID, with time-ordered ids as
// linktoken mints them.
func testCode(i int, clientID string, now time.Time) store.LinkCode {
	id := make([]byte, 16)
	binary.BigEndian.PutUint64(id, uint64(now.UnixNano())+uint64(i))
	copy(id[8:], sum(fmt.Sprint("tail", i)))
	return store.LinkCode{ID: id, Hash: sum(fmt.Sprint("code", i)), Kind: store.KindLink, ClientID: clientID, UserID: "u",
		Options: []byte(`{}`), CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
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
	f := 5.0
	type tc struct {
		name  string
		q     store.TransferQuery
		index string // the index the page must come from ("" any)
		// sorts: the matching transfers are sorted (found by one index, ordered by another
		// column); only a filter narrower than the client's transfers may do that.
		sorts bool
	}
	cases := []tc{
		{"newest first", store.TransferQuery{Count: 10, Descending: true}, "transfers_client_created", false},
		{"by client transaction id", store.TransferQuery{Count: 10, ClientTransactionID: "order-1"}, "transfers_client_txn", false},
		{"by hash", store.TransferQuery{Count: 10, Hash: "0x1"}, "transfers_client_hash", false},
		{"by id", store.TransferQuery{Count: 10, ID: "x"}, "sqlite_autoindex_transfers_1", false},
		{"by user", store.TransferQuery{Count: 10, UserID: "u", Descending: true}, "transfers_client_user", false},
		{"by status", store.TransferQuery{Count: 10, Statuses: []string{"pending"}, Descending: true}, "transfers_client_status", false},
		{"by statuses", store.TransferQuery{Count: 10, Statuses: []string{"pending", "failed"}}, "", false},
		{"by integration", store.TransferQuery{Count: 10, IntegrationIDs: []string{"a", "b"}}, "", false},
		{"time range", store.TransferQuery{Count: 10, From: time.Now(), To: time.Now()}, "transfers_client_created", false},
		{"amount range", store.TransferQuery{Count: 10, MinAmountInFiat: &f, MaxAmountInFiat: &f}, "transfers_client_fiat", true},
		{"amount range by amount", store.TransferQuery{Count: 10, MinAmountInFiat: &f, OrderBy: store.TransferOrderAmountInFiat}, "transfers_client_fiat", false},
	}
	for _, by := range store.TransferOrders {
		cases = append(cases, tc{"order by " + by, store.TransferQuery{Count: 10, OrderBy: by, Descending: true}, "", false})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			where, args, order, err := transferQuery("client", c.q)
			if err != nil {
				t.Fatal(err)
			}
			// The count may use any index that covers the filter.
			plan := queryPlan(t, s, `SELECT count(*) FROM transfers WHERE `+where, args...)
			if strings.Contains(plan, "SCAN transfers") || !strings.Contains(plan, "INDEX") {
				t.Errorf("plan of the count:\n%s\nwant a search of an index", plan)
			}
			plan = queryPlan(t, s, `SELECT `+transferCols+` FROM transfers WHERE `+where+` ORDER BY `+order+` LIMIT 10`, args...)
			if strings.Contains(plan, "SCAN transfers") || strings.Contains(plan, "TEMP B-TREE") != c.sorts || !strings.Contains(plan, "INDEX") {
				t.Errorf("plan of the page:\n%s\nwant a search of an index, no scan, sort %v", plan, c.sorts)
			}
			if c.index != "" && !strings.Contains(plan, "INDEX "+c.index+" ") {
				t.Errorf("plan of the page:\n%s\nwant index %s", plan, c.index)
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
