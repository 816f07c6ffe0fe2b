package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/linkd-dev/linkd/internal/store"
)

// transferTests are the cases of the transfer and webhook outbox contract.
var transferTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"TransferRoundTrip", testTransferRoundTrip},
	{"ImportTransfer", testImportTransfer},
	{"TransferStatusSwap", testTransferStatusSwap},
	{"ConcurrentTransferStatus", testConcurrentTransferStatus},
	{"TransferList", testTransferList},
	{"DueTransfers", testDueTransfers},
	{"Webhooks", testWebhooks},
	{"WebhookSecretRotation", testWebhookSecretRotation},
	{"OutboxWrittenWithStatus", testOutboxWrittenWithStatus},
	{"ClaimAndRecord", testClaimAndRecord},
	{"ClaimOrderPerTransfer", testClaimOrderPerTransfer},
	{"ConcurrentClaims", testConcurrentClaims},
	{"DeleteWebhookDropsDeliveries", testDeleteWebhookDropsDeliveries},
	{"PurgeOutbox", testPurgeOutbox},
}

// mustTransfer stores a pending transfer of client c, changed by mods, with every field
// set, and returns it as the store should return it.
func mustTransfer(t *testing.T, s store.Store, c store.Client, mods ...func(*store.Transfer)) store.Transfer {
	t.Helper()
	tr := store.Transfer{
		ID: newID(t), ClientID: c.ID, UserID: "user-1", ClientTransactionID: "order-1", InstitutionTransactionID: newID(t),
		Status: store.TransferPending, Amount: 25, AmountToReceive: 25, SourceAmount: 25.275, AmountInFiat: 25,
		AmountToReceiveInFiat: 25, TotalAmountInFiat: 26.48, FiatCurrency: "USD", Symbol: "USDC",
		TokenAddress: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", NetworkID: newID(t), NetworkName: "Ethereum",
		Hash: "0x" + fmt.Sprintf("%x", randomHash(t)), FromAddress: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		DestinationAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", IntegrationID: newID(t), IntegrationType: "sandbox",
		IntegrationName: "Sandbox", GasFee: store.TransferFee{Amount: 0.0004, Currency: "ETH", InFiat: 1.2},
		WithdrawalFee: store.TransferFee{Amount: 0.025, Currency: "USDC", InFiat: 0.03},
		ProcessingFee: store.TransferFee{Amount: 0.25, Currency: "USDC", InFiat: 0.25},
		TransferType:  "deposit", SessionHash: randomHash(t), CreatedAt: t0, ExecutedAt: t0, UpdatedAt: t0,
		SettleAt: t0.Add(5 * time.Second),
	}
	for _, m := range mods {
		m(&tr)
	}
	if err := s.CreateTransfer(ctx(t), tr, newID(t)); err != nil {
		t.Fatalf("CreateTransfer: %v", err)
	}
	return tr
}

// mustWebhook registers a webhook of client c.
func mustWebhook(t *testing.T, s store.Store, c store.Client, at time.Time) store.Webhook {
	t.Helper()
	w := store.Webhook{ID: newID(t), ClientID: c.ID, URL: "https://hooks.example/" + newID(t), SealedSecret: randomHash(t), CreatedAt: at}
	if err := s.CreateWebhook(ctx(t), w); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	return w
}

// claimAll claims every delivery due at now (lease 1 minute).
func claimAll(t *testing.T, s store.Store, now time.Time) []store.DeliveryClaim {
	t.Helper()
	cs, err := s.ClaimDeliveries(ctx(t), now, 1000, time.Minute, nil)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return cs
}

// record records the attempt of claim cl made at `at`: delivered, or failed with the next
// attempt at next (zero: given up).
func record(t *testing.T, s store.Store, cl store.DeliveryClaim, at time.Time, delivered bool, next time.Time) {
	t.Helper()
	a := store.DeliveryAttempt{DeliveryID: cl.Delivery.ID, Claim: cl.Delivery.Claim, ID: newID(t), At: at, Outcome: "delivered", Delivered: true}
	if !delivered {
		a.StatusCode, a.Outcome, a.Error, a.Delivered, a.NextAttemptAt = 500, "httpError", "HTTP 500", false, next
	}
	if err := s.RecordAttempt(ctx(t), a); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
}

// claimKeys renders claims as "webhook/status" pairs, sorted, for comparisons.
func claimKeys(cs []store.DeliveryClaim, hooks map[string]string) []string {
	var out []string
	for _, c := range cs {
		out = append(out, hooks[c.Webhook.ID]+"/"+c.Event.Status)
	}
	sort.Strings(out)
	return out
}

func testTransferRoundTrip(t *testing.T, s store.Store) {
	c, other := mustClient(t, s), mustClient(t, s)
	want := mustTransfer(t, s, c, func(tr *store.Transfer) {
		tr.SubClientID, tr.AddressTag, tr.IsFeeIncluded = newID(t), "12345", true
		tr.Funding = []store.TransferFunding{{Type: "buyingPowerPurchase", Amount: 3, AmountInFiat: 3, ToSymbol: "USDC", FromAmount: 3, FromSymbol: "USD"}}
	})
	got, err := s.Transfer(ctx(t), c.ID, want.ID)
	if err != nil {
		t.Fatalf("Transfer: %v", err)
	}
	if diff := cmp.Diff(want, got, timeCmp); diff != "" {
		t.Errorf("Transfer round trip (-want +got):\n%s", diff)
	}
	// The fields a transfer may lack come back empty.
	bare := mustTransfer(t, s, c, func(tr *store.Transfer) {
		tr.ClientTransactionID, tr.TokenAddress, tr.Hash, tr.TransferType, tr.SessionHash = "", "", "", "", nil
		tr.ExecutedAt, tr.SettleAt = time.Time{}, time.Time{}
	})
	got, err = s.Transfer(ctx(t), c.ID, bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bare, got, timeCmp); diff != "" {
		t.Errorf("bare Transfer round trip (-want +got):\n%s", diff)
	}
	_, err = s.Transfer(ctx(t), other.ID, want.ID)
	wantErr(t, "Transfer(other client's)", err, store.ErrNotFound)
	_, err = s.Transfer(ctx(t), c.ID, newID(t))
	wantErr(t, "Transfer(unknown)", err, store.ErrNotFound)
	wantErr(t, "CreateTransfer(same id)", s.CreateTransfer(ctx(t), want, newID(t)), store.ErrConflict)
	// Whatever status the caller sets, a new transfer is pending.
	forced := want
	forced.ID, forced.Status = newID(t), store.TransferSucceeded
	if err := s.CreateTransfer(ctx(t), forced, newID(t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Transfer(ctx(t), c.ID, forced.ID); got.Status != store.TransferPending {
		t.Errorf("created with status %q, want pending", got.Status)
	}
}

func testTransferStatusSwap(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	tr := mustTransfer(t, s, c)
	at := t0.Add(5 * time.Second)
	got, err := s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: tr.ID, From: store.TransferPending, To: store.TransferSucceeded,
		Hash: "0xfeed", EventID: newID(t), At: at})
	if err != nil {
		t.Fatalf("SetTransferStatus: %v", err)
	}
	want := tr
	want.Status, want.UpdatedAt, want.SettleAt, want.Hash = store.TransferSucceeded, at, time.Time{}, "0xfeed"
	if diff := cmp.Diff(want, got, timeCmp); diff != "" {
		t.Errorf("SetTransferStatus result (-want +got):\n%s", diff)
	}
	if stored, _ := s.Transfer(ctx(t), c.ID, tr.ID); !cmp.Equal(want, stored, timeCmp) {
		t.Errorf("stored after SetTransferStatus: %+v", stored)
	}
	cases := []struct {
		name string
		u    store.TransferUpdate
		want error
	}{
		{"from a past status", store.TransferUpdate{ID: tr.ID, From: store.TransferPending, To: store.TransferFailed}, store.ErrConflict},
		{"unknown transfer", store.TransferUpdate{ID: newID(t), From: store.TransferPending, To: store.TransferFailed}, store.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.u.EventID, tc.u.At = newID(t), at
			_, err := s.SetTransferStatus(ctx(t), tc.u)
			wantErr(t, "SetTransferStatus", err, tc.want)
		})
	}
	// An empty hash keeps the one stored.
	keep := mustTransfer(t, s, c)
	got, err = s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: keep.ID, From: store.TransferPending, To: store.TransferFailed, EventID: newID(t), At: at})
	if err != nil || got.Hash != keep.Hash || got.Status != store.TransferFailed {
		t.Errorf("SetTransferStatus without hash = %+v, %v; want hash %s kept", got, err, keep.Hash)
	}
}

// testConcurrentTransferStatus: of concurrent moves from pending exactly one wins, and
// exactly one event (one delivery per webhook) is written for it.
func testConcurrentTransferStatus(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	mustWebhook(t, s, c, t0)
	tr := mustTransfer(t, s, c)
	var wins, conflicts, faults atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := store.TransferSucceeded
			if i%2 == 1 {
				to = store.TransferFailed
			}
			_, err := s.SetTransferStatus(context.Background(), store.TransferUpdate{ID: tr.ID, From: store.TransferPending, To: to,
				EventID: newID(t), At: t0.Add(time.Second)})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, store.ErrConflict):
				conflicts.Add(1)
			default:
				faults.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 49 || faults.Load() != 0 {
		t.Fatalf("%d wins, %d conflicts, %d faults; want 1, 49, 0", wins.Load(), conflicts.Load(), faults.Load())
	}
	ds, err := s.Deliveries(ctx(t), c.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 {
		t.Errorf("%d deliveries, want 2 (the pending event and the one status change)", len(ds))
	}
}

func testTransferList(t *testing.T, s store.Store) {
	c, other := mustClient(t, s), mustClient(t, s)
	sub := newID(t)
	integA, integB := newID(t), newID(t)
	// Ten transfers, one second apart: fields vary so that every filter and order selects
	// a known subset.
	var ids []string
	for i := range 10 {
		tr := mustTransfer(t, s, c, func(tr *store.Transfer) {
			tr.CreatedAt = t0.Add(time.Duration(i) * time.Second)
			tr.UserID = fmt.Sprintf("user-%d", i%3)
			tr.ClientTransactionID = fmt.Sprintf("order-%d", i)
			tr.Hash = fmt.Sprintf("0xhash%d", i)
			tr.AmountInFiat = float64(10 * (i + 1))
			tr.Symbol = []string{"USDC", "ETH"}[i%2]
			tr.NetworkName = []string{"Ethereum", "Base", "Solana"}[i%3]
			tr.IntegrationID = []string{integA, integB}[i%2]
			tr.IntegrationType = []string{"sandbox", "coinbase"}[i%2]
			if i%5 == 0 {
				tr.SubClientID = sub
			}
		})
		ids = append(ids, tr.ID)
	}
	// The odd ones succeeded, 8 failed.
	for i := 1; i < 10; i += 2 {
		if _, err := s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: ids[i], From: store.TransferPending, To: store.TransferSucceeded,
			EventID: newID(t), At: t0.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: ids[8], From: store.TransferPending, To: store.TransferFailed,
		EventID: newID(t), At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// Another client's transfers match every filter but are never listed.
	for i := range 3 {
		mustTransfer(t, s, other, func(tr *store.Transfer) {
			tr.CreatedAt, tr.UserID, tr.ClientTransactionID, tr.Hash = t0.Add(time.Duration(i)*time.Second), "user-0", "order-0", "0xhash0"
		})
	}
	pick := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, ids[i])
		}
		return out
	}
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name  string
		q     store.TransferQuery
		want  []string
		total int
	}{
		{"all, oldest first", store.TransferQuery{Count: 100}, pick(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 10},
		{"newest first", store.TransferQuery{Count: 100, Descending: true}, pick(9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 10},
		{"first page", store.TransferQuery{Count: 3, Descending: true}, pick(9, 8, 7), 10},
		{"second page", store.TransferQuery{Count: 3, Offset: 3, Descending: true}, pick(6, 5, 4), 10},
		{"last page", store.TransferQuery{Count: 3, Offset: 9, Descending: true}, pick(0), 10},
		{"past the end", store.TransferQuery{Count: 3, Offset: 10}, []string{}, 10},
		{"by id", store.TransferQuery{Count: 10, ID: ids[4]}, pick(4), 1},
		{"by client transaction id", store.TransferQuery{Count: 10, ClientTransactionID: "order-7"}, pick(7), 1},
		{"by user", store.TransferQuery{Count: 10, UserID: "user-1"}, pick(1, 4, 7), 3},
		{"by hash", store.TransferQuery{Count: 10, Hash: "0xhash3"}, pick(3), 1},
		{"by sub-client", store.TransferQuery{Count: 10, SubClientID: sub}, pick(0, 5), 2},
		{"by integration", store.TransferQuery{Count: 10, IntegrationIDs: []string{integB}}, pick(1, 3, 5, 7, 9), 5},
		{"by both integrations", store.TransferQuery{Count: 10, IntegrationIDs: []string{integA, integB}}, pick(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 10},
		{"by status", store.TransferQuery{Count: 10, Statuses: []string{store.TransferPending}}, pick(0, 2, 4, 6), 4},
		{"by statuses", store.TransferQuery{Count: 10, Statuses: []string{store.TransferFailed, store.TransferPending}}, pick(0, 2, 4, 6, 8), 5},
		{"from (inclusive)", store.TransferQuery{Count: 10, From: t0.Add(7 * time.Second)}, pick(7, 8, 9), 3},
		{"to (inclusive)", store.TransferQuery{Count: 10, To: t0.Add(2 * time.Second)}, pick(0, 1, 2), 3},
		{"between", store.TransferQuery{Count: 10, From: t0.Add(3 * time.Second), To: t0.Add(4 * time.Second)}, pick(3, 4), 2},
		{"min amount (inclusive)", store.TransferQuery{Count: 10, MinAmountInFiat: f(80)}, pick(7, 8, 9), 3},
		{"max amount (inclusive)", store.TransferQuery{Count: 10, MaxAmountInFiat: f(20)}, pick(0, 1), 2},
		{"filters combined", store.TransferQuery{Count: 10, UserID: "user-0", Statuses: []string{store.TransferSucceeded}}, pick(3, 9), 2},
		{"nothing matches", store.TransferQuery{Count: 10, UserID: "user-0", Hash: "0xhash1"}, []string{}, 0},
		{"order by amount, descending", store.TransferQuery{Count: 3, OrderBy: store.TransferOrderAmountInFiat, Descending: true}, pick(9, 8, 7), 10},
		{"order by client transaction id", store.TransferQuery{Count: 3, OrderBy: store.TransferOrderClientTransfer}, pick(0, 1, 2), 10},
		{"order by status, ties by creation", store.TransferQuery{Count: 10, OrderBy: store.TransferOrderStatus},
			pick(8, 0, 2, 4, 6, 1, 3, 5, 7, 9), 10},
		{"order by symbol descending, ties by creation", store.TransferQuery{Count: 10, OrderBy: store.TransferOrderSymbol, Descending: true},
			pick(8, 6, 4, 2, 0, 9, 7, 5, 3, 1), 10},
		{"order by id", store.TransferQuery{Count: 10, OrderBy: store.TransferOrderID}, sortedIDs(ids), 10},
		{"order by created", store.TransferQuery{Count: 2, OrderBy: store.TransferOrderCreated}, pick(0, 1), 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, total, err := s.Transfers(ctx(t), c.ID, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, it := range items {
				got = append(got, it.ID)
				if it.ClientID != c.ID {
					t.Errorf("listed a transfer of client %s", it.ClientID)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if total != tc.total {
				t.Errorf("total = %d, want %d", total, tc.total)
			}
		})
	}
	// Every order is accepted, in both directions, and ties break by id the same way.
	for _, by := range store.TransferOrders {
		for _, desc := range []bool{false, true} {
			items, total, err := s.Transfers(ctx(t), c.ID, store.TransferQuery{Count: 100, OrderBy: by, Descending: desc})
			if err != nil || total != 10 || len(items) != 10 {
				t.Errorf("order %s (descending %v): %d items, total %d, %v", by, desc, len(items), total, err)
			}
		}
	}
	// Pages of any order never overlap and cover everything.
	seen := map[string]bool{}
	for off := 0; off < 10; off += 4 {
		items, _, err := s.Transfers(ctx(t), c.ID, store.TransferQuery{Count: 4, Offset: off, OrderBy: store.TransferOrderSymbol})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if seen[it.ID] {
				t.Errorf("order by symbol: %s on two pages", it.ID)
			}
			seen[it.ID] = true
		}
	}
	if len(seen) != 10 {
		t.Errorf("pages by symbol covered %d transfers, want 10", len(seen))
	}
	none, total, err := s.Transfers(ctx(t), newID(t), store.TransferQuery{Count: 10})
	if err != nil || len(none) != 0 || total != 0 {
		t.Errorf("Transfers(unknown client) = %v, %d, %v; want empty, 0, nil", none, total, err)
	}
}

func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func testDueTransfers(t *testing.T, s store.Store) {
	a, b := mustClient(t, s), mustClient(t, s)
	late := mustTransfer(t, s, a, func(tr *store.Transfer) { tr.SettleAt = t0.Add(3 * time.Second) })
	early := mustTransfer(t, s, b, func(tr *store.Transfer) { tr.SettleAt = t0.Add(time.Second) })
	mustTransfer(t, s, a, func(tr *store.Transfer) { tr.SettleAt = t0.Add(time.Hour) }) // not yet
	mustTransfer(t, s, a, func(tr *store.Transfer) { tr.SettleAt = time.Time{} })       // settled by someone else
	settled := mustTransfer(t, s, a, func(tr *store.Transfer) { tr.SettleAt = t0 })     // final below
	if _, err := s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: settled.ID, From: store.TransferPending, To: store.TransferSucceeded,
		EventID: newID(t), At: t0}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		now   time.Time
		limit int
		want  []string
	}{
		{"none due yet", t0, 10, nil},
		{"at the settle time", t0.Add(time.Second), 10, []string{early.ID}},
		{"earliest first, every client", t0.Add(10 * time.Second), 10, []string{early.ID, late.ID}},
		{"limit", t0.Add(10 * time.Second), 1, []string{early.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			due, err := s.DueTransfers(ctx(t), tc.now, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range due {
				got = append(got, d.ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("due (-want +got):\n%s", diff)
			}
		})
	}
}

func testWebhooks(t *testing.T, s store.Store) {
	c, other := mustClient(t, s), mustClient(t, s)
	w1 := mustWebhook(t, s, c, t0)
	w2 := mustWebhook(t, s, c, t0.Add(time.Second))
	mustWebhook(t, s, other, t0)
	got, err := s.Webhooks(ctx(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.Webhook{w1, w2}, got, timeCmp); diff != "" {
		t.Errorf("Webhooks (-want +got):\n%s", diff)
	}
	wantErr(t, "CreateWebhook(same id)", s.CreateWebhook(ctx(t), w1), store.ErrConflict)
	orphan := w1
	orphan.ID, orphan.ClientID = newID(t), newID(t)
	wantErr(t, "CreateWebhook(unknown client)", s.CreateWebhook(ctx(t), orphan), store.ErrNotFound)
	deleted, err := s.DeleteWebhook(ctx(t), w1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w1, deleted, timeCmp); diff != "" {
		t.Errorf("DeleteWebhook returned (-want +got):\n%s", diff)
	}
	_, err = s.DeleteWebhook(ctx(t), w1.ID)
	wantErr(t, "DeleteWebhook(again)", err, store.ErrNotFound)
	if got, _ := s.Webhooks(ctx(t), c.ID); len(got) != 1 || got[0].ID != w2.ID {
		t.Errorf("Webhooks after delete = %+v, want only the second", got)
	}
	if none, err := s.Webhooks(ctx(t), newID(t)); err != nil || len(none) != 0 {
		t.Errorf("Webhooks(unknown client) = %v, %v; want empty, nil", none, err)
	}
}

// testWebhookSecretRotation: SetWebhookSecret replaces the sealed secret and nothing else,
// and a delivery pending before the rotation is claimed with the new secret.
func testWebhookSecretRotation(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	w := mustWebhook(t, s, c, t0)
	mustTransfer(t, s, c) // its pending event waits for delivery to w
	rotated := w
	rotated.SealedSecret = randomHash(t)
	got, err := s.SetWebhookSecret(ctx(t), w.ID, rotated.SealedSecret)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rotated, got, timeCmp); diff != "" {
		t.Errorf("SetWebhookSecret returned (-want +got):\n%s", diff)
	}
	if hooks, err := s.Webhooks(ctx(t), c.ID); err != nil || len(hooks) != 1 || !slices.Equal(hooks[0].SealedSecret, rotated.SealedSecret) {
		t.Errorf("Webhooks after the rotation = %+v, %v; want the new secret", hooks, err)
	}
	cs := claimAll(t, s, t0)
	if len(cs) != 1 || !slices.Equal(cs[0].Webhook.SealedSecret, rotated.SealedSecret) {
		t.Errorf("the delivery pending before the rotation was claimed with %d claims / the old secret; want one, with the new secret", len(cs))
	}
	_, err = s.SetWebhookSecret(ctx(t), newID(t), rotated.SealedSecret)
	wantErr(t, "SetWebhookSecret(unknown)", err, store.ErrNotFound)
}

// testOutboxWrittenWithStatus: every status change writes one event with one delivery per
// webhook the client had then, in the same transaction; a refused change writes nothing.
func testOutboxWrittenWithStatus(t *testing.T, s store.Store) {
	c, other := mustClient(t, s), mustClient(t, s)
	a := mustWebhook(t, s, c, t0)
	mustWebhook(t, s, other, t0)
	tr := mustTransfer(t, s, c)
	b := mustWebhook(t, s, c, t0.Add(time.Second)) // registered after the pending event
	hooks := map[string]string{a.ID: "a", b.ID: "b"}
	if _, err := s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: tr.ID, From: store.TransferPending, To: store.TransferSucceeded,
		EventID: newID(t), At: t0.Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	// Refused writes leave no trace in the outbox.
	_ = s.CreateTransfer(ctx(t), tr, newID(t))
	_, _ = s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: tr.ID, From: store.TransferPending, To: store.TransferFailed,
		EventID: newID(t), At: t0.Add(3 * time.Second)})
	ds, err := s.Deliveries(ctx(t), c.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, hooks[d.WebhookID]+"/"+d.EventStatus)
		if d.State != store.DeliveryPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(d.EventAt) || d.TransferID != tr.ID {
			t.Errorf("new delivery %+v: want pending, no attempts, due at its event's time", d)
		}
	}
	// Newest event first.
	if diff := cmp.Diff([]string{"a/succeeded", "b/succeeded", "a/pending"}, sortedWithin(got, 2)); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	// At t0 only the pending event is due; then the succeeded one waits for it (ordered
	// per transfer and webhook), except at b, which never had the pending one.
	cs := claimAll(t, s, t0.Add(2*time.Second))
	if diff := cmp.Diff([]string{"a/pending", "b/succeeded"}, claimKeys(cs, hooks)); diff != "" {
		t.Errorf("claimed (-want +got):\n%s", diff)
	}
	for _, c := range cs {
		if c.Transfer.ID != tr.ID || c.Transfer.Status != store.TransferSucceeded || c.Event.TransferID != tr.ID || c.Webhook.URL != c.Delivery.URL {
			t.Errorf("claim %+v: want the transfer as it is now and the event's webhook", c)
		}
	}
}

// sortedWithin sorts the first n elements of s (deliveries of one event may come in any
// order) and returns s.
func sortedWithin(s []string, n int) []string {
	if len(s) >= n {
		slices.Sort(s[:n])
	}
	return s
}

func testClaimAndRecord(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	w := mustWebhook(t, s, c, t0)
	tr := mustTransfer(t, s, c)
	cs, err := s.ClaimDeliveries(ctx(t), t0.Add(-time.Second), 10, time.Minute, nil)
	if err != nil || len(cs) != 0 {
		t.Fatalf("ClaimDeliveries before due = %d claims, %v; want none", len(cs), err)
	}
	cs = claimAll(t, s, t0)
	if len(cs) != 1 {
		t.Fatalf("%d claims, want 1", len(cs))
	}
	first := cs[0]
	if first.Webhook.ID != w.ID || !slices.Equal(first.Webhook.SealedSecret, w.SealedSecret) || first.Event.Status != store.TransferPending ||
		first.Transfer.ID != tr.ID || first.Delivery.Claim != 1 {
		t.Fatalf("claim = %+v", first)
	}
	if again := claimAll(t, s, t0.Add(59*time.Second)); len(again) != 0 {
		t.Fatalf("claimed again within the lease: %d", len(again))
	}
	if skipped, _ := s.ClaimDeliveries(ctx(t), t0.Add(time.Hour), 10, time.Minute, []string{w.ID}); len(skipped) != 0 {
		t.Fatalf("claimed a delivery to a skipped webhook")
	}
	// The lease runs out: the delivery is claimed again, and the first claim is stale.
	second := claimAll(t, s, t0.Add(time.Minute))
	if len(second) != 1 || second[0].Delivery.ID != first.Delivery.ID || second[0].Delivery.Claim != 2 {
		t.Fatalf("after the lease: %+v", second)
	}
	attempt := store.DeliveryAttempt{DeliveryID: first.Delivery.ID, Claim: first.Delivery.Claim, ID: newID(t), At: t0.Add(61 * time.Second),
		Duration: 1500 * time.Millisecond, StatusCode: 500, Outcome: "httpError", Error: "HTTP 500", NextAttemptAt: t0.Add(70 * time.Second)}
	wantErr(t, "RecordAttempt(stale claim)", s.RecordAttempt(ctx(t), attempt), store.ErrConflict)
	attempt.Claim = 2
	if err := s.RecordAttempt(ctx(t), attempt); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	wantErr(t, "RecordAttempt(same claim twice)", s.RecordAttempt(ctx(t), attempt), store.ErrConflict)
	missing := attempt
	missing.DeliveryID = newID(t)
	wantErr(t, "RecordAttempt(unknown delivery)", s.RecordAttempt(ctx(t), missing), store.ErrNotFound)
	if early := claimAll(t, s, t0.Add(69*time.Second)); len(early) != 0 {
		t.Fatalf("claimed before the next attempt")
	}
	third := claimAll(t, s, t0.Add(70*time.Second))
	if len(third) != 1 || third[0].Delivery.Attempts != 1 || third[0].Delivery.Claim != 3 {
		t.Fatalf("retry: %+v", third)
	}
	delivered := store.DeliveryAttempt{DeliveryID: first.Delivery.ID, Claim: 3, ID: newID(t), At: t0.Add(71 * time.Second),
		Duration: 20 * time.Millisecond, StatusCode: 200, Outcome: "delivered", Delivered: true}
	if err := s.RecordAttempt(ctx(t), delivered); err != nil {
		t.Fatal(err)
	}
	if done := claimAll(t, s, t0.Add(time.Hour)); len(done) != 0 {
		t.Fatalf("a delivered delivery was claimed again")
	}
	ds, err := s.Deliveries(ctx(t), c.ID, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Deliveries = %v, %v", ds, err)
	}
	d := ds[0]
	if d.State != store.DeliveryDelivered || d.Attempts != 2 || !d.NextAttemptAt.IsZero() || !d.UpdatedAt.Equal(delivered.At) || d.URL != w.URL {
		t.Errorf("delivery after success: %+v", d)
	}
	if diff := cmp.Diff([]store.DeliveryAttempt{attempt, delivered}, d.History, timeCmp); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
	// A delivery whose last attempt names no next one is given up.
	tr2 := mustTransfer(t, s, c)
	cs = claimAll(t, s, t0.Add(time.Hour))
	if len(cs) != 1 || cs[0].Transfer.ID != tr2.ID {
		t.Fatalf("claims = %+v", cs)
	}
	record(t, s, cs[0], t0.Add(time.Hour), false, time.Time{})
	ds, _ = s.Deliveries(ctx(t), c.ID, 1)
	if len(ds) != 1 || ds[0].State != store.DeliveryFailed || ds[0].TransferID != tr2.ID {
		t.Errorf("given-up delivery: %+v", ds)
	}
	if none := claimAll(t, s, t0.Add(48*time.Hour)); len(none) != 0 {
		t.Errorf("a given-up delivery was claimed")
	}
}

// testClaimOrderPerTransfer: the final event of a transfer waits for its pending event's
// delivery to the same webhook to end, delivered or given up; other transfers do not wait.
func testClaimOrderPerTransfer(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	mustWebhook(t, s, c, t0)
	slow := mustTransfer(t, s, c)
	fast := mustTransfer(t, s, c)
	for _, tr := range []store.Transfer{slow, fast} {
		if _, err := s.SetTransferStatus(ctx(t), store.TransferUpdate{ID: tr.ID, From: store.TransferPending, To: store.TransferSucceeded,
			EventID: newID(t), At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	byTransfer := func(cs []store.DeliveryClaim) map[string]string {
		m := map[string]string{}
		for _, c := range cs {
			m[c.Transfer.ID] = c.Event.Status
		}
		return m
	}
	cs := claimAll(t, s, t0)
	if diff := cmp.Diff(map[string]string{slow.ID: "pending", fast.ID: "pending"}, byTransfer(cs)); diff != "" {
		t.Fatalf("first claims (-want +got):\n%s", diff)
	}
	for _, cl := range cs {
		record(t, s, cl, t0, cl.Transfer.ID != slow.ID, t0.Add(time.Hour))
	}
	cs = claimAll(t, s, t0.Add(time.Minute))
	if diff := cmp.Diff(map[string]string{fast.ID: "succeeded"}, byTransfer(cs)); diff != "" {
		t.Fatalf("while the slow transfer's pending event is undelivered (-want +got):\n%s", diff)
	}
	record(t, s, cs[0], t0.Add(time.Minute), true, time.Time{})
	cs = claimAll(t, s, t0.Add(time.Hour))
	if diff := cmp.Diff(map[string]string{slow.ID: "pending"}, byTransfer(cs)); diff != "" {
		t.Fatalf("at the retry (-want +got):\n%s", diff)
	}
	record(t, s, cs[0], t0.Add(time.Hour), false, time.Time{}) // given up
	cs = claimAll(t, s, t0.Add(time.Hour))
	if diff := cmp.Diff(map[string]string{slow.ID: "succeeded"}, byTransfer(cs)); diff != "" {
		t.Errorf("once the pending event was given up (-want +got):\n%s", diff)
	}
}

// testConcurrentClaims: claimers racing on the same outbox never take the same delivery;
// together they take every one exactly once.
func testConcurrentClaims(t *testing.T, s store.Store) { raceClaims(t, s) }

// raceClaims has eight claimers, spread over stores (instances sharing one database),
// claim 120 deliveries at once, seven at a time: no delivery is taken twice, every one is
// taken, and nothing fails.
func raceClaims(t *testing.T, stores ...store.Store) {
	c := mustClient(t, stores[0])
	for range 3 {
		mustWebhook(t, stores[0], c, t0)
	}
	const transfers = 40 // 120 deliveries
	for range transfers {
		mustTransfer(t, stores[0], c)
	}
	var (
		mu     sync.Mutex
		seen   = map[string]int{}
		faults atomic.Int64
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for i := range 8 {
		s := stores[i%len(stores)]
		wg.Go(func() {
			<-start
			for {
				cs, err := s.ClaimDeliveries(context.Background(), t0, 7, time.Hour, nil)
				if err != nil {
					faults.Add(1)
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					seen[c.Delivery.ID]++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if faults.Load() != 0 {
		t.Fatalf("%d claims failed", faults.Load())
	}
	if len(seen) != 3*transfers {
		t.Errorf("%d deliveries claimed by %d store(s), want %d", len(seen), len(stores), 3*transfers)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s claimed %d times", id, n)
		}
	}
}

func testDeleteWebhookDropsDeliveries(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	gone, kept := mustWebhook(t, s, c, t0), mustWebhook(t, s, c, t0)
	mustTransfer(t, s, c)
	cs := claimAll(t, s, t0)
	if len(cs) != 2 {
		t.Fatalf("%d claims, want 2", len(cs))
	}
	if _, err := s.DeleteWebhook(ctx(t), gone.ID); err != nil {
		t.Fatal(err)
	}
	for _, cl := range cs {
		err := s.RecordAttempt(ctx(t), store.DeliveryAttempt{DeliveryID: cl.Delivery.ID, Claim: cl.Delivery.Claim, ID: newID(t), At: t0,
			Outcome: "delivered", Delivered: true})
		if cl.Webhook.ID == gone.ID {
			wantErr(t, "RecordAttempt(delivery of a deleted webhook)", err, store.ErrNotFound)
		} else if err != nil {
			t.Errorf("RecordAttempt: %v", err)
		}
	}
	mustTransfer(t, s, c)
	for _, cl := range claimAll(t, s, t0) {
		if cl.Webhook.ID != kept.ID {
			t.Errorf("a deleted webhook got a delivery")
		}
	}
	ds, _ := s.Deliveries(ctx(t), c.ID, 10)
	for _, d := range ds {
		if d.WebhookID == gone.ID {
			t.Errorf("Deliveries lists a delivery of a deleted webhook")
		}
	}
}

// testPurgeOutbox: deliveries that ended before the bound go (with their attempts), and
// then the events left without deliveries; pending deliveries and transfers stay.
func testPurgeOutbox(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	mustWebhook(t, s, c, t0)
	done := mustTransfer(t, s, c)
	open := mustTransfer(t, s, c)
	for _, cl := range claimAll(t, s, t0) {
		record(t, s, cl, t0, cl.Transfer.ID != open.ID, t0.Add(time.Hour))
	}
	total := 0
	for {
		n, err := s.Purge(ctx(t), t0.Add(time.Minute), 1)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 2 {
		t.Errorf("purged %d rows, want 2 (one delivery, one event)", total)
	}
	ds, _ := s.Deliveries(ctx(t), c.ID, 10)
	if len(ds) != 1 || ds[0].TransferID != open.ID || len(ds[0].History) != 1 {
		t.Errorf("after purge: %+v, want the pending delivery with its attempt", ds)
	}
	for _, tr := range []store.Transfer{done, open} {
		if _, err := s.Transfer(ctx(t), c.ID, tr.ID); err != nil {
			t.Errorf("transfer purged: %v", err)
		}
	}
}

// PrimaryKey stands for the transfers table's primary key in TransferPlanCase.Index
// (each backend names it its own way).
const PrimaryKey = "primary key"

// TransferPlanCase is a query of the transfer list whose plan a backend checks: answered
// from an index of the client's transfers, already in order, so that a page stays fast
// with a million transfers (docs/design.md §8; bench/README.md has the figures).
type TransferPlanCase struct {
	Name  string
	Query store.TransferQuery
	// Index is the index the page must come from ("" any; PrimaryKey the primary key).
	Index string
	// Sorts: the matching transfers may be sorted (found by one index, ordered by another
	// column); only a filter narrower than the client's transfers may do that.
	Sorts bool
}

// TransferPlanCases are the common queries of the transfer list: every order and every
// selective filter.
func TransferPlanCases() []TransferPlanCase {
	f := 5.0
	now := time.Now()
	cases := []TransferPlanCase{
		{"newest first", store.TransferQuery{Count: 10, Descending: true}, "transfers_client_created", false},
		{"by client transaction id", store.TransferQuery{Count: 10, ClientTransactionID: "order-1"}, "transfers_client_txn", false},
		{"by hash", store.TransferQuery{Count: 10, Hash: "0x1"}, "transfers_client_hash", false},
		{"by id", store.TransferQuery{Count: 10, ID: "x"}, PrimaryKey, false},
		{"by user", store.TransferQuery{Count: 10, UserID: "u", Descending: true}, "transfers_client_user", false},
		{"by status", store.TransferQuery{Count: 10, Statuses: []string{"pending"}, Descending: true}, "transfers_client_status", false},
		{"by statuses", store.TransferQuery{Count: 10, Statuses: []string{"pending", "failed"}}, "", false},
		{"by integration", store.TransferQuery{Count: 10, IntegrationIDs: []string{"a", "b"}}, "", false},
		{"time range", store.TransferQuery{Count: 10, From: now, To: now}, "transfers_client_created", false},
		{"amount range", store.TransferQuery{Count: 10, MinAmountInFiat: &f, MaxAmountInFiat: &f}, "transfers_client_fiat", true},
		{"amount range by amount", store.TransferQuery{Count: 10, MinAmountInFiat: &f, OrderBy: store.TransferOrderAmountInFiat}, "transfers_client_fiat", false},
	}
	for _, by := range store.TransferOrders {
		cases = append(cases, TransferPlanCase{"order by " + by, store.TransferQuery{Count: 10, OrderBy: by, Descending: true}, "", false})
	}
	return cases
}
