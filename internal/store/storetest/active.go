package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// request is the codes of one link-token request of client c minted at now and living
// ttl: a link code, and a pay code too if pay.
func request(t *testing.T, c store.Client, now time.Time, ttl time.Duration, pay bool) []store.LinkCode {
	codes := []store.LinkCode{{ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: "user-1",
		Options: []byte(`{}`), CreatedAt: now, ExpiresAt: now.Add(ttl)}}
	if pay {
		p := codes[0]
		p.ID, p.Hash, p.Kind = codeID(t), randomHash(t), store.KindPay
		codes = append(codes, p)
	}
	return codes
}

// testActiveTokenCap is docs/threat-model.md A4's --max-active-tokens: a client's link
// tokens count from issue to expiry (to the next second), redeemed or not, a payment link
// with its link token as one; the request over the bound stores nothing; the count comes
// back with every answer (how many, when the first and the last stop counting); other
// clients are not affected; revoke-tokens frees the count; the purge takes the counts that
// expired.
func testActiveTokenCap(t *testing.T, s store.Store) {
	c, other := mustClient(t, s), mustClient(t, s)
	capped := func(max int, codes []store.LinkCode) (store.ActiveTokens, error) {
		t.Helper()
		return s.CreateCodesCapped(ctx(t), max, codes...)
	}
	sec := func(d time.Duration) time.Time { return t0.Add(d) }
	first := request(t, c, t0, 5*time.Minute+300*time.Millisecond, false)
	steps := []struct {
		codes []store.LinkCode
		want  store.ActiveTokens
	}{
		{first, store.ActiveTokens{Held: 1, Oldest: sec(5*time.Minute + time.Second), Newest: sec(5*time.Minute + time.Second)}},
		{request(t, c, t0, 10*time.Minute, true), store.ActiveTokens{Held: 2, Oldest: sec(5*time.Minute + time.Second), Newest: sec(10 * time.Minute)}},
		{request(t, c, t0.Add(time.Second), 10*time.Minute, false), store.ActiveTokens{Held: 3, Oldest: sec(5*time.Minute + time.Second), Newest: sec(10*time.Minute + time.Second)}},
	}
	for i, st := range steps {
		got, err := capped(3, st.codes)
		if err != nil || got != st.want {
			t.Fatalf("token %d: %+v, %v; want %+v", i, got, err, st.want)
		}
	}
	if _, err := s.Redeem(ctx(t), redemption(t, first[0], t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	over := request(t, c, t0.Add(time.Minute), 10*time.Minute, false)
	got, err := capped(3, over)
	wantErr(t, "4th token", err, store.ErrTooManyActive)
	if want := steps[2].want; got != want {
		t.Errorf("4th token: count %+v, want %+v (the oldest stops counting first)", got, want)
	}
	_, err = s.Redeem(ctx(t), redemption(t, over[0], t0.Add(time.Minute)))
	wantErr(t, "redeeming the refused token", err, store.ErrNotFound)
	if got, err := capped(3, request(t, other, t0.Add(time.Minute), 10*time.Minute, false)); err != nil || got.Held != 1 {
		t.Errorf("another client: %+v, %v; want its own count of 1", got, err)
	}
	// The first token (redeemed) stops counting once its second of expiry is over.
	if got, err := capped(3, request(t, c, t0.Add(5*time.Minute+time.Second), 10*time.Minute, false)); err != nil || got.Held != 3 {
		t.Errorf("once the oldest expired: %+v, %v; want a count of 3", got, err)
	}
	_, err = capped(3, request(t, c, t0.Add(6*time.Minute), 10*time.Minute, false))
	wantErr(t, "over again", err, store.ErrTooManyActive)
	if _, _, err := s.RevokeClientCodes(ctx(t), c.ID, t0.Add(6*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := capped(3, request(t, c, t0.Add(6*time.Minute), 10*time.Minute, false)); err != nil {
			t.Fatalf("token %d after revoke-tokens: %v", i, err)
		}
	}
	_, err = capped(3, request(t, store.Client{ID: newID(t)}, t0, time.Minute, false))
	wantErr(t, "unknown client", err, store.ErrNotFound)
	// Everything has expired an hour later: the purge takes the codes and the counts.
	n, err := s.Purge(ctx(t), t0.Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if n < 9+2 { // 9 codes (c's 7 tokens stored, one with a pay code; other's one) and 2 counts at least
		t.Errorf("purged %d rows, want the codes and the counts", n)
	}
	if got, err := capped(1, request(t, c, t0.Add(time.Hour), time.Minute, false)); err != nil || got.Held != 1 {
		t.Errorf("after the purge: %+v, %v", got, err)
	}
}

// testConcurrentActiveTokenCap: issuers racing on one client never take it past the bound.
func testConcurrentActiveTokenCap(t *testing.T, s store.Store) { raceActiveTokenCap(t, s) }

// raceActiveTokenCap has 60 requests of one client, spread over stores (instances
// sharing one database), issued at once under a bound of 10: exactly 10 are stored, every
// other one is refused with ErrTooManyActive, and nothing fails.
func raceActiveTokenCap(t *testing.T, stores ...store.Store) {
	c := mustClient(t, stores[0])
	const racers, max = 60, 10
	var (
		wg              sync.WaitGroup
		stored, refused atomic.Int64
		faults          atomic.Int64
		firstFault      atomic.Value
		start           = make(chan struct{})
	)
	for i := range racers {
		s, codes := stores[i%len(stores)], request(t, c, t0, 10*time.Minute, i%4 == 0)
		wg.Go(func() {
			<-start
			_, err := s.CreateCodesCapped(context.Background(), max, codes...)
			switch {
			case err == nil:
				stored.Add(1)
			case errors.Is(err, store.ErrTooManyActive):
				refused.Add(1)
			default:
				faults.Add(1)
				firstFault.CompareAndSwap(nil, err.Error())
			}
		})
	}
	close(start)
	wg.Wait()
	if stored.Load() != max || refused.Load() != racers-max || faults.Load() != 0 {
		t.Fatalf("%d store(s): %d stored, %d refused, %d faults (first: %v); want %d, %d, 0",
			len(stores), stored.Load(), refused.Load(), faults.Load(), firstFault.Load(), max, racers-max)
	}
}
