package storetest

import (
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// InjectSessionFault makes every insert into the backend's sessions table fail, as a
// fault of the disk or the network between Redeem's consume of the code and its insert of
// the session would, until the returned undo is called. Backends implement it with the
// database's own means (a trigger), so that the store's code runs unchanged.
type InjectSessionFault func(t *testing.T) (undo func())

// RunRedeemFault checks docs/threat-model.md T4 on s: a Redeem whose session insert fails
// returns a fault (not an outcome: the caller answers 503, never linkTokenAlreadyUsed),
// and the code is not consumed, so that the same code redeems once the fault is gone,
// still exactly once.
func RunRedeemFault(t *testing.T, s store.Store, inject InjectSessionFault) {
	t.Helper()
	c := mustClient(t, s)
	code := mustCode(t, s, c, 10*time.Minute)
	undo := inject(t)
	failed := redemption(t, code, t0)
	_, err := s.Redeem(ctx(t), failed)
	undo()
	if err == nil || store.IsOutcome(err) {
		t.Fatalf("Redeem while the session insert fails = %v; want a fault, not an outcome", err)
	}
	_, err = s.Session(ctx(t), failed.SessionHash, t0)
	wantErr(t, "the failed redemption's session", err, store.ErrNotFound)
	retry := redemption(t, code, t0.Add(time.Second))
	if _, err := s.Redeem(ctx(t), retry); err != nil {
		t.Fatalf("Redeem after the fault: %v; want the code still unconsumed", err)
	}
	if _, err := s.Session(ctx(t), retry.SessionHash, retry.Now); err != nil {
		t.Errorf("the session of the redemption after the fault: %v", err)
	}
	_, err = s.Redeem(ctx(t), redemption(t, code, t0.Add(2*time.Second)))
	wantErr(t, "Redeem again", err, store.ErrAlreadyUsed)
}
