package server

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/linkd-dev/linkd/internal/store"
)

// purgeStore is a fake store that records the Purge calls and deletes n rows per call
// from a pile of expired ones.
type purgeStore struct {
	store.Store
	expired int
	calls   chan time.Time // the before of each call
}

func (p *purgeStore) Purge(_ context.Context, before time.Time, limit int) (int, error) {
	n := min(p.expired, limit)
	p.expired -= n
	p.calls <- before
	return n, nil
}

// TestPurgeLoop: the purge runs once per PurgeInterval of the server's clock (a fake one
// here: nothing sleeps), deletes in batches until a batch comes back short, and purges
// what expired more than Retention before the clock's now.
func TestPurgeLoop(t *testing.T) {
	clock := clockwork.NewFakeClock()
	st := &purgeStore{expired: 2500, calls: make(chan time.Time, 10)}
	s := New(Options{Store: st, PurgeInterval: time.Minute, Retention: time.Hour, Clock: clock})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { s.purgeLoop(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	for tick, wantCalls := range []int{3, 1} { // 1000 + 1000 + 500, then an empty batch
		if err := clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		select {
		case <-st.calls:
			t.Fatalf("tick %d: purged before the interval was over", tick)
		default:
		}
		clock.Advance(time.Minute)
		for range wantCalls {
			select {
			case before := <-st.calls:
				if want := clock.Now().Add(-time.Hour); !before.Equal(want) {
					t.Errorf("tick %d: purged before %v, want now - retention = %v", tick, before, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("tick %d: no purge after the interval", tick)
			}
		}
	}
	if st.expired != 0 {
		t.Errorf("%d expired rows left", st.expired)
	}
}
