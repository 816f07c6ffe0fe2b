package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/linkd-dev/linkd/internal/store"
)

// testWalletVerifications: verifications round-trip, are listed newest first, filtered by
// user and address key, bounded by the limit, never another client's, kept by Purge, and
// a duplicate id is ErrConflict.
func testWalletVerifications(t *testing.T, s store.Store) {
	a, b := mustClient(t, s), mustClient(t, s)
	mk := func(c store.Client, user, addr string, at time.Duration, sandbox bool) store.WalletVerification {
		v := store.WalletVerification{ID: newID(t), ClientID: c.ID, UserID: user, Address: addr, AddressKey: addr,
			NetworkID: "e3c7fdd8-b1fc-4e51-85ae-bb276e075611", NetworkType: "evm", Method: "signedMessage",
			Message: "Prove it ✓", Signature: "0x" + addr[2:] + "1b", IntegrationID: newID(t), WalletName: "MetaMask",
			Sandbox: sandbox, CreatedAt: t0.Add(at)}
		if err := s.CreateWalletVerification(ctx(t), v); err != nil {
			t.Fatalf("CreateWalletVerification: %v", err)
		}
		return v
	}
	const x, y = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"
	v1 := mk(a, "u1", x, 0, false)
	v2 := mk(a, "u1", y, time.Second, true)
	v3 := mk(a, "u2", x, 2*time.Second, false)
	mk(b, "u1", x, 3*time.Second, false)

	tests := []struct {
		name string
		f    store.WalletVerificationFilter
		want []store.WalletVerification
	}{
		{"all of the client, newest first", store.WalletVerificationFilter{ClientID: a.ID, Limit: 10}, []store.WalletVerification{v3, v2, v1}},
		{"by user", store.WalletVerificationFilter{ClientID: a.ID, UserID: "u1", Limit: 10}, []store.WalletVerification{v2, v1}},
		{"by address", store.WalletVerificationFilter{ClientID: a.ID, AddressKey: x, Limit: 10}, []store.WalletVerification{v3, v1}},
		{"by user and address", store.WalletVerificationFilter{ClientID: a.ID, UserID: "u1", AddressKey: y, Limit: 10}, []store.WalletVerification{v2}},
		{"limit", store.WalletVerificationFilter{ClientID: a.ID, Limit: 1}, []store.WalletVerification{v3}},
		{"unknown user", store.WalletVerificationFilter{ClientID: a.ID, UserID: "u9", Limit: 10}, []store.WalletVerification{}},
		{"unknown client", store.WalletVerificationFilter{ClientID: newID(t), Limit: 10}, []store.WalletVerification{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.WalletVerifications(ctx(t), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, timeCmp); diff != "" {
				t.Errorf("WalletVerifications (-want +got):\n%s", diff)
			}
		})
	}
	wantErr(t, "CreateWalletVerification(same id)", s.CreateWalletVerification(ctx(t), v1), store.ErrConflict)
	if _, err := s.Purge(ctx(t), t0.Add(24*time.Hour), 100); err != nil {
		t.Fatal(err)
	}
	if got, err := s.WalletVerifications(ctx(t), store.WalletVerificationFilter{ClientID: a.ID, Limit: 10}); err != nil || len(got) != 3 {
		t.Errorf("after Purge: %d verifications (%v), want 3: they are kept", len(got), err)
	}
}
