package server

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/store"
)

// settleStore is a fake store with pending transfers due at their SettleAt; it records the
// status changes asked of it, and refuses (ErrConflict) a change from a status a transfer
// no longer has, as another instance's settler would make it.
type settleStore struct {
	store.Store
	mu        sync.Mutex
	transfers []store.Transfer
	moves     chan store.TransferUpdate
}

func (s *settleStore) DueTransfers(_ context.Context, now time.Time, limit int) ([]store.Transfer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []store.Transfer
	for _, t := range s.transfers {
		if t.Status == store.TransferPending && !t.SettleAt.IsZero() && !t.SettleAt.After(now) && len(due) < limit {
			due = append(due, t)
		}
	}
	return due, nil
}

func (s *settleStore) SetTransferStatus(_ context.Context, u store.TransferUpdate) (store.Transfer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.transfers {
		if s.transfers[i].ID == u.ID {
			if s.transfers[i].Status != u.From {
				return store.Transfer{}, store.ErrConflict
			}
			s.transfers[i].Status = u.To
			s.moves <- u
			return s.transfers[i], nil
		}
	}
	return store.Transfer{}, store.ErrNotFound
}

// TestSettleLoop: on each settleInterval of the server's clock (a fake one: nothing
// sleeps) the due sandbox transfers get their final status, succeeded or, for an amount
// ending in .13, failed; transfers not yet due, and those of no settling connector, stay
// pending.
func TestSettleLoop(t *testing.T) {
	clock := clockwork.NewFakeClock()
	now := clock.Now()
	st := &settleStore{moves: make(chan store.TransferUpdate, 10), transfers: []store.Transfer{
		{ID: "ok", Status: store.TransferPending, IntegrationType: "sandbox", Amount: 25, AmountInFiat: 25, SettleAt: now.Add(time.Second)},
		{ID: "bad", Status: store.TransferPending, IntegrationType: "sandbox", Amount: 10.13, AmountInFiat: 10.13, SettleAt: now.Add(time.Second)},
		{ID: "later", Status: store.TransferPending, IntegrationType: "sandbox", Amount: 1, AmountInFiat: 1, SettleAt: now.Add(time.Hour)},
		{ID: "elsewhere", Status: store.TransferPending, IntegrationType: "coinbase", Amount: 1, AmountInFiat: 1, SettleAt: now},
	}}
	s := New(Options{Store: st, Clock: clock, Connectors: connector.Default()})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { s.settleLoop(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(settleInterval)
	want := map[string]string{"ok": store.TransferSucceeded, "bad": store.TransferFailed}
	for len(want) > 0 {
		select {
		case u := <-st.moves:
			if want[u.ID] != u.To || u.From != store.TransferPending || u.EventID == "" || !u.At.Equal(clock.Now()) {
				t.Errorf("move %+v, want %s to %s now with an event", u, u.ID, want[u.ID])
			}
			delete(want, u.ID)
		case <-time.After(5 * time.Second):
			t.Fatalf("not settled: %v", want)
		}
	}
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(settleInterval)
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-st.moves:
		t.Errorf("moved %+v, which was not due or has no settling connector", u)
	default:
	}
}
