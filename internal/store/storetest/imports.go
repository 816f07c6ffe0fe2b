package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/linkd-dev/linkd/internal/store"
)

// testImportTransfer: an imported transfer is stored as it is (its status, hash and times
// too), writes no event and no delivery, and importing it again changes nothing.
func testImportTransfer(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	mustWebhook(t, s, c, t0)
	tr := mustTransfer(t, s, c) // pending, one delivery
	moved := tr
	moved.ID, moved.Status, moved.UpdatedAt, moved.SettleAt = newID(t), store.TransferSucceeded, t0.Add(time.Minute), time.Time{}
	for i, want := range []bool{true, false} {
		stored, err := s.ImportTransfer(ctx(t), moved)
		if err != nil || stored != want {
			t.Fatalf("ImportTransfer #%d = %v, %v; want %v", i+1, stored, err, want)
		}
	}
	got, err := s.Transfer(ctx(t), c.ID, moved.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(moved, got, timeCmp); diff != "" {
		t.Errorf("imported transfer (-want +got):\n%s", diff)
	}
	if ds, _ := s.Deliveries(ctx(t), c.ID, 10); len(ds) != 1 || ds[0].TransferID != tr.ID {
		t.Errorf("deliveries after the import: %+v, want only the created transfer's", ds)
	}
	// An existing transfer is left as it is.
	changed := moved
	changed.Status = store.TransferFailed
	if stored, err := s.ImportTransfer(ctx(t), changed); err != nil || stored {
		t.Fatalf("ImportTransfer(changed) = %v, %v; want false", stored, err)
	}
	if got, _ := s.Transfer(ctx(t), c.ID, moved.ID); got.Status != store.TransferSucceeded {
		t.Errorf("status after a second import %q, want it left succeeded", got.Status)
	}
}

// testClientAccessTokens: the usable tokens of a client, oldest first; not its revoked or
// expired ones, nor another client's.
func testClientAccessTokens(t *testing.T, s store.Store) {
	c, other := newID(t), newID(t)
	a1, r1 := grant(t, s, c, nil)
	a2, r2 := grant(t, s, c, nil)
	grant(t, s, other, nil)
	if _, err := s.RevokeGrant(ctx(t), c, a2.GrantID, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClientAccessTokens(ctx(t), c, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, tok := range got {
		hashes = append(hashes, string(tok.Hash))
	}
	if len(got) != 2 || !slices.Contains(hashes, string(a1.Hash)) || !slices.Contains(hashes, string(r1.Hash)) {
		t.Errorf("ClientAccessTokens = %d tokens, want the live grant's access and refresh token (not %x)", len(got), r2.Hash)
	}
	// An hour later the access token has expired; the refresh token lives on.
	got, err = s.ClientAccessTokens(ctx(t), c, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got[0].Hash) != string(r1.Hash) {
		t.Errorf("an hour later: %d tokens, want the refresh token", len(got))
	}
	if diff := cmp.Diff(r1, got[0], timeCmp); len(got) == 1 && diff != "" {
		t.Errorf("the refresh token (-want +got):\n%s", diff)
	}
}
