package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// OpenShared returns two stores on one new, empty database, as two linkd instances
// sharing it would have them; RunShared closes both at the end of each test.
type OpenShared func(t *testing.T) (a, b store.Store)

// RunShared runs the tests that only several instances can fail: what one writes the
// other reads, exactly-once redemption when the racers are on both, purges that run on
// both at the same time, webhook deliveries claimed from both at once (never the same
// one twice), and link tokens issued through both under one --max-active-tokens bound.
func RunShared(t *testing.T, open OpenShared) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b store.Store)
	}{
		{"ChangesSeenAcross", testChangesSeenAcross},
		{"RedeemAcross", testRedeemAcross},
		{"PurgeOnBoth", testPurgeOnBoth},
		{"ClaimsAcross", func(t *testing.T, a, b store.Store) { raceClaims(t, a, b) }},
		{"ActiveTokenCapAcross", func(t *testing.T, a, b store.Store) { raceActiveTokenCap(t, a, b) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t)
			t.Cleanup(func() {
				for _, s := range []store.Store{a, b} {
					if err := s.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				}
			})
			tc.fn(t, a, b)
		})
	}
}

// testChangesSeenAcross: a client, its secrets and codes written through one store are
// read and changed through the other.
func testChangesSeenAcross(t *testing.T, a, b store.Store) {
	c := mustClient(t, a)
	if err := b.SetClientEnabled(ctx(t), c.ID, false); err != nil {
		t.Fatal(err)
	}
	fresh := store.Secret{Hash: randomHash(t), CreatedAt: t0.Add(time.Minute)}
	if err := b.AddSecret(ctx(t), c.ID, fresh, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := a.Client(ctx(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || len(got.Secrets) != 2 || string(got.Secrets[0].Hash) != string(fresh.Hash) {
		t.Errorf("through the other store: enabled %v, %d secrets; want disabled, the new secret first of 2", got.Enabled, len(got.Secrets))
	}
	code := mustCode(t, a, c, 10*time.Minute)
	if codes, _, err := b.RevokeClientCodes(ctx(t), c.ID, t0); err != nil || codes != 1 {
		t.Fatalf("RevokeClientCodes through the other store = %d, %v; want 1", codes, err)
	}
	_, err = a.Redeem(ctx(t), redemption(t, code, t0))
	wantErr(t, "Redeem of a code revoked through the other store", err, store.ErrRevoked)
}

// testRedeemAcross: 200 redemptions of one code at once, half through each store.
func testRedeemAcross(t *testing.T, a, b store.Store) { raceRedeem(t, a, b) }

// testPurgeOnBoth: two instances purging at the same time, in small batches, delete every
// expired row once between them, without an error or a wait on each other, and leave
// the live ones.
func testPurgeOnBoth(t *testing.T, a, b store.Store) {
	c := mustClient(t, a)
	const expired = 300
	var wg sync.WaitGroup
	errs := make(chan error, expired)
	for i := range expired {
		s := []store.Store{a, b}[i%2]
		wg.Go(func() {
			code := store.LinkCode{ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: "u",
				Options: []byte(`{}`), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
			if err := s.CreateCodes(context.Background(), code); err != nil {
				errs <- err
				return
			}
			if i%3 == 0 { // a third were redeemed, with sessions that expired too
				r := redemption(t, code, t0)
				r.SessionExpiresAt = t0.Add(2 * time.Minute)
				if _, err := s.Redeem(context.Background(), r); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	live := mustCode(t, a, c, time.Hour)
	before := t0.Add(10 * time.Minute)
	var total atomic.Int64
	purgeErrs := make(chan error, 2)
	for _, s := range []store.Store{a, b} {
		wg.Go(func() {
			for {
				n, err := s.Purge(context.Background(), before, 7)
				if err != nil {
					purgeErrs <- fmt.Errorf("purge: %w", err)
					return
				}
				if n == 0 {
					return
				}
				total.Add(int64(n))
			}
		})
	}
	wg.Wait()
	close(purgeErrs)
	for err := range purgeErrs {
		t.Fatal(err)
	}
	// One store may stop on a round where the other held every remaining row: finish.
	for {
		n, err := a.Purge(ctx(t), before, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total.Add(int64(n))
	}
	if want := int64(expired + expired/3); total.Load() != want {
		t.Errorf("purged %d rows between the two, want %d (every expired code and session once)", total.Load(), want)
	}
	if _, err := b.Redeem(ctx(t), redemption(t, live, before)); err != nil {
		t.Errorf("live code after both purged: %v", err)
	}
}
