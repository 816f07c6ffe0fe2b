// Package storetest is the conformance suite every store.Store backend must pass: the
// contract written in store's doc comments, as tests, including the concurrency
// properties (exactly-once redemption under contention, docs/threat-model.md T3) that make a
// backend fit for linkd.
//
// A backend's test calls Run with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
//	}
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/linkd-dev/linkd/internal/store"
)

// Open returns a new, empty store; Run closes it at the end of each test.
type Open func(t *testing.T) store.Store

// Run runs the conformance suite against the backend that open creates.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"ClientRoundTrip", testClientRoundTrip},
		{"ClientConflict", testClientConflict},
		{"ClientNotFound", testClientNotFound},
		{"ClientsOrdered", testClientsOrdered},
		{"SetClientEnabled", testSetClientEnabled},
		{"UpdateClient", testUpdateClient},
		{"SecretRotation", testSecretRotation},
		{"RevokeSecrets", testRevokeSecrets},
		{"ImportSecrets", testImportSecrets},
		{"SubClients", testSubClients},
		{"SubClientOfAnotherClient", testSubClientOfAnotherClient},
		{"RedeemOnce", testRedeemOnce},
		{"RedeemUnknown", testRedeemUnknown},
		{"RedeemExpiryBoundary", testRedeemExpiryBoundary},
		{"RedeemBinding", testRedeemBinding},
		{"ReuseRevokesSession", testReuseRevokesSession},
		{"RevokeClientCodes", testRevokeClientCodes},
		{"SessionExpiry", testSessionExpiry},
		{"CreateCodesAtomic", testCreateCodesAtomic},
		{"Purge", testPurge},
		{"SessionObjects", testSessionObjects},
		{"ConcurrentSwap", testConcurrentSwap},
		{"AccessTokens", testAccessTokens},
		{"WalletVerifications", testWalletVerifications},
		{"ConcurrentRedeem", testConcurrentRedeem},
		{"ConcurrentCreateAndRedeem", testConcurrentCreateAndRedeem},
		{"ConcurrentMixedWrites", testConcurrentMixedWrites},
		{"RefreshAccessToken", testRefreshAccessToken},
		{"ConcurrentRefreshRotation", testConcurrentRefreshRotation},
		{"RevokeGrant", testRevokeGrant},
		{"ReuseRevokesTokens", testReuseRevokesTokens},
		{"ClientAccessTokens", testClientAccessTokens},
		{"ActiveTokenCap", testActiveTokenCap},
		{"ConcurrentActiveTokenCap", testConcurrentActiveTokenCap},
	}
	tests = append(tests, transferTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// t0 is the suite's clock: a fixed instant, so expiry is tested at exact boundaries.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func hash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func randomHash(t testing.TB) []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hash(string(b))
}

// codeID makes code ids as linktoken does: the minting time in nanoseconds (here t0,
// when the tests' codes are created), made unique, then random bytes.
var codeSeq atomic.Uint64

func codeID(t testing.TB) []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b[8:]); err != nil {
		t.Fatal(err)
	}
	n := uint64(t0.UnixNano()) + codeSeq.Add(1)
	for i := 7; i >= 0; i-- {
		b[i] = byte(n)
		n >>= 8
	}
	return b
}

func newID(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustClient(t *testing.T, s store.Store, mods ...func(*store.Client)) store.Client {
	t.Helper()
	c := store.Client{
		ID: newID(t), Name: "Acme Pay", Origins: []string{"https://app.acme.example"}, Enabled: true,
		CreatedAt: t0, Secrets: []store.Secret{{Hash: randomHash(t), CreatedAt: t0}},
	}
	for _, m := range mods {
		m(&c)
	}
	if err := s.CreateClient(ctx(t), c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	return c
}

func mustCode(t *testing.T, s store.Store, c store.Client, ttl time.Duration) store.LinkCode {
	t.Helper()
	code := store.LinkCode{
		ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: "user-1",
		Options: []byte(`{"userId":"user-1"}`), CreatedAt: t0, ExpiresAt: t0.Add(ttl),
	}
	if err := s.CreateCodes(ctx(t), code); err != nil {
		t.Fatalf("CreateCodes: %v", err)
	}
	return code
}

func redemption(t testing.TB, code store.LinkCode, now time.Time) store.Redemption {
	return store.Redemption{CodeID: code.ID, CodeHash: code.Hash, SessionHash: randomHash(t), SessionExpiresAt: now.Add(30 * time.Minute), Now: now}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error = %v, want %v", what, err, want)
	}
}

var timeCmp = cmpopts.EquateApproxTime(time.Millisecond)

func testClientRoundTrip(t *testing.T, s store.Store) {
	want := mustClient(t, s, func(c *store.Client) {
		c.Origins = []string{"https://a.example", "http://localhost:3000"}
		c.Jurisdiction = "US"
		c.RateLimit = 12.5
		c.RateBurst = 20
		c.AllowPIIUserID = true
	})
	got, err := s.Client(ctx(t), want.ID)
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	if diff := cmp.Diff(want, got, timeCmp); diff != "" {
		t.Errorf("Client round trip (-want +got):\n%s", diff)
	}
	disabled := mustClient(t, s, func(c *store.Client) { c.Enabled = false; c.Origins = nil })
	got, err = s.Client(ctx(t), disabled.ID)
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	if got.Enabled || len(got.Origins) != 0 {
		t.Errorf("disabled client: Enabled=%v Origins=%v", got.Enabled, got.Origins)
	}
}

func testClientConflict(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	c.Secrets = nil
	wantErr(t, "CreateClient(same id)", s.CreateClient(ctx(t), c), store.ErrConflict)
}

func testClientNotFound(t *testing.T, s store.Store) {
	id := newID(t)
	_, err := s.Client(ctx(t), id)
	wantErr(t, "Client", err, store.ErrNotFound)
	wantErr(t, "SetClientEnabled", s.SetClientEnabled(ctx(t), id, false), store.ErrNotFound)
	wantErr(t, "AddSecret", s.AddSecret(ctx(t), id, store.Secret{Hash: randomHash(t), CreatedAt: t0}, t0), store.ErrNotFound)
	_, err = s.RevokeSecrets(ctx(t), id, nil, t0)
	wantErr(t, "RevokeSecrets", err, store.ErrNotFound)
	wantErr(t, "CreateSubClient", s.CreateSubClient(ctx(t), store.SubClient{ID: newID(t), ClientID: id, Name: "x", CreatedAt: t0}), store.ErrNotFound)
	_, _, err = s.RevokeClientCodes(ctx(t), id, t0)
	wantErr(t, "RevokeClientCodes", err, store.ErrNotFound)
}

func testClientsOrdered(t *testing.T, s store.Store) {
	var want []string
	for i := range 3 {
		c := mustClient(t, s, func(c *store.Client) { c.CreatedAt = t0.Add(time.Duration(i) * time.Second) })
		want = append(want, c.ID)
	}
	cs, err := s.Clients(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.ID)
		if len(c.Secrets) != 1 {
			t.Errorf("client %s: %d secrets, want 1", c.ID, len(c.Secrets))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Clients order (-want +got):\n%s", diff)
	}
}

func testUpdateClient(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	upd := c
	upd.Name, upd.Origins, upd.Jurisdiction, upd.RateLimit, upd.RateBurst, upd.AllowPIIUserID =
		"Renamed", []string{"https://new.example"}, "DE", 5, 7, true
	// Fields UpdateClient must not touch.
	upd.Enabled, upd.Secrets, upd.CreatedAt = false, nil, t0.Add(time.Hour)
	if err := s.UpdateClient(ctx(t), upd); err != nil {
		t.Fatal(err)
	}
	got, err := s.Client(ctx(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.Name, want.Origins, want.Jurisdiction, want.RateLimit, want.RateBurst, want.AllowPIIUserID =
		"Renamed", []string{"https://new.example"}, "DE", 5, 7, true
	if diff := cmp.Diff(want, got, timeCmp); diff != "" {
		t.Errorf("after UpdateClient (-want +got):\n%s", diff)
	}
	upd.ID = newID(t)
	wantErr(t, "UpdateClient(unknown)", s.UpdateClient(ctx(t), upd), store.ErrNotFound)
}

func testSetClientEnabled(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	for _, enabled := range []bool{false, true, false} {
		if err := s.SetClientEnabled(ctx(t), c.ID, enabled); err != nil {
			t.Fatal(err)
		}
		got, err := s.Client(ctx(t), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled != enabled {
			t.Errorf("Enabled = %v, want %v", got.Enabled, enabled)
		}
	}
}

func liveHashes(c store.Client, now time.Time) [][]byte {
	var out [][]byte
	for _, s := range c.Secrets {
		if s.Live(now) {
			out = append(out, s.Hash)
		}
	}
	return out
}

func testSecretRotation(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	old := c.Secrets[0].Hash
	grace := t0.Add(24 * time.Hour)
	fresh := store.Secret{Hash: randomHash(t), CreatedAt: t0.Add(time.Minute)}
	if err := s.AddSecret(ctx(t), c.ID, fresh, grace); err != nil {
		t.Fatal(err)
	}
	got, err := s.Client(ctx(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Secrets) != 2 {
		t.Fatalf("%d secrets after rotation, want 2", len(got.Secrets))
	}
	if diff := cmp.Diff(fresh.Hash, got.Secrets[0].Hash); diff != "" {
		t.Errorf("newest secret not first (-want +got):\n%s", diff)
	}
	cases := []struct {
		name string
		at   time.Time
		want [][]byte
	}{
		{"during grace", grace.Add(-time.Millisecond), [][]byte{fresh.Hash, old}},
		{"grace over", grace, [][]byte{fresh.Hash}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, liveHashes(got, tc.at)); diff != "" {
				t.Errorf("live secrets (-want +got):\n%s", diff)
			}
		})
	}
	// A second rotation with a longer grace does not extend the first secret's life.
	third := store.Secret{Hash: randomHash(t), CreatedAt: t0.Add(2 * time.Minute)}
	if err := s.AddSecret(ctx(t), c.ID, third, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Client(ctx(t), c.ID)
	if diff := cmp.Diff([][]byte{third.Hash, fresh.Hash}, liveHashes(got, grace.Add(time.Hour))); diff != "" {
		t.Errorf("after a second, longer rotation, live secrets past the first grace (-want +got):\n%s", diff)
	}
	// An emergency rotation with no grace ends every previous secret at once.
	fourth := store.Secret{Hash: randomHash(t), CreatedAt: t0.Add(3 * time.Minute)}
	now := t0.Add(3 * time.Minute)
	if err := s.AddSecret(ctx(t), c.ID, fourth, now); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Client(ctx(t), c.ID)
	if diff := cmp.Diff([][]byte{fourth.Hash}, liveHashes(got, now)); diff != "" {
		t.Errorf("after a rotation with no grace (-want +got):\n%s", diff)
	}
}

func testRevokeSecrets(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	fresh := store.Secret{Hash: randomHash(t), CreatedAt: t0.Add(time.Minute)}
	if err := s.AddSecret(ctx(t), c.ID, fresh, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := s.RevokeSecrets(ctx(t), c.ID, fresh.Hash, t0.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("RevokeSecrets(keep newest) = %d, %v; want 1, nil", n, err)
	}
	got, _ := s.Client(ctx(t), c.ID)
	if diff := cmp.Diff([][]byte{fresh.Hash}, liveHashes(got, t0.Add(3*time.Minute))); diff != "" {
		t.Errorf("live after revoke (-want +got):\n%s", diff)
	}
	n, err = s.RevokeSecrets(ctx(t), c.ID, nil, t0.Add(4*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("RevokeSecrets(all) = %d, %v; want 1, nil", n, err)
	}
	got, _ = s.Client(ctx(t), c.ID)
	if live := liveHashes(got, t0.Add(5*time.Minute)); len(live) != 0 {
		t.Errorf("live after revoking all: %d", len(live))
	}
}

// testImportSecrets: secrets an import carries are added as they are, a secret the
// client has keeps the earlier expiry and revocation (an import never revives one), and
// importing the same secrets again changes nothing.
func testImportSecrets(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	a := c.Secrets[0]
	revokedA := a
	revokedA.RevokedAt = t0.Add(time.Minute)
	b := store.Secret{Hash: randomHash(t), CreatedAt: t0.Add(-time.Hour), ExpiresAt: t0.Add(time.Hour)}
	gone := store.Secret{Hash: randomHash(t), CreatedAt: t0.Add(-2 * time.Hour), RevokedAt: t0.Add(-time.Hour)}
	earlierB := b
	earlierB.ExpiresAt = t0.Add(30 * time.Minute)
	laterB, liveA := b, a
	laterB.ExpiresAt = t0.Add(2 * time.Hour)
	steps := []struct {
		name    string
		secrets []store.Secret
		want    int
		after   []store.Secret // the client's secrets, newest first
	}{
		{"new secrets, and a revocation of an existing one", []store.Secret{revokedA, b, gone}, 3, []store.Secret{revokedA, b, gone}},
		{"the same again changes nothing", []store.Secret{revokedA, b, gone}, 0, []store.Secret{revokedA, b, gone}},
		{"an import does not revive a revoked secret or extend an expiry", []store.Secret{liveA, laterB}, 0, []store.Secret{revokedA, b, gone}},
		{"an earlier expiry is taken", []store.Secret{earlierB}, 1, []store.Secret{revokedA, earlierB, gone}},
		{"nothing", nil, 0, []store.Secret{revokedA, earlierB, gone}},
	}
	for _, st := range steps {
		n, err := s.ImportSecrets(ctx(t), c.ID, st.secrets)
		if err != nil || n != st.want {
			t.Fatalf("%s: ImportSecrets = %d, %v; want %d, nil", st.name, n, err, st.want)
		}
		got, err := s.Client(ctx(t), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st.after, got.Secrets, timeCmp); diff != "" {
			t.Fatalf("%s: secrets (-want +got):\n%s", st.name, diff)
		}
	}
	_, err := s.ImportSecrets(ctx(t), newID(t), []store.Secret{b})
	wantErr(t, "ImportSecrets(unknown client)", err, store.ErrNotFound)
}

func testSubClients(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	var want []store.SubClient
	for i, name := range []string{"Merchant One", "Merchant Two"} {
		sc := store.SubClient{ID: newID(t), ClientID: c.ID, Name: name, CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		if err := s.CreateSubClient(ctx(t), sc); err != nil {
			t.Fatal(err)
		}
		want = append(want, sc)
	}
	wantErr(t, "CreateSubClient(dup)", s.CreateSubClient(ctx(t), want[0]), store.ErrConflict)
	got, err := s.SubClients(ctx(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, timeCmp); diff != "" {
		t.Errorf("SubClients (-want +got):\n%s", diff)
	}
	one, err := s.SubClient(ctx(t), c.ID, want[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1], one, timeCmp); diff != "" {
		t.Errorf("SubClient (-want +got):\n%s", diff)
	}
	none, err := s.SubClients(ctx(t), newID(t))
	if err != nil || len(none) != 0 {
		t.Errorf("SubClients(unknown client) = %v, %v; want empty, nil", none, err)
	}
}

func testSubClientOfAnotherClient(t *testing.T, s store.Store) {
	a, b := mustClient(t, s), mustClient(t, s)
	sc := store.SubClient{ID: newID(t), ClientID: a.ID, Name: "A's merchant", CreatedAt: t0}
	if err := s.CreateSubClient(ctx(t), sc); err != nil {
		t.Fatal(err)
	}
	_, err := s.SubClient(ctx(t), b.ID, sc.ID)
	wantErr(t, "SubClient(other client's)", err, store.ErrNotFound)
	_, err = s.SubClient(ctx(t), a.ID, newID(t))
	wantErr(t, "SubClient(unknown)", err, store.ErrNotFound)
}

func testRedeemOnce(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	sub := store.SubClient{ID: newID(t), ClientID: c.ID, Name: "M", CreatedAt: t0}
	if err := s.CreateSubClient(ctx(t), sub); err != nil {
		t.Fatal(err)
	}
	code := store.LinkCode{ID: codeID(t), Hash: randomHash(t), Kind: store.KindPay, ClientID: c.ID, SubClientID: sub.ID, UserID: "u-42",
		Options: []byte(`{"userId":"u-42","transferOptions":{"amountInFiat":10}}`), CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	if err := s.CreateCodes(ctx(t), code); err != nil {
		t.Fatal(err)
	}
	r := redemption(t, code, t0.Add(time.Minute))
	sess, err := s.Redeem(ctx(t), r)
	if err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	want := store.Session{Hash: r.SessionHash, CodeID: code.ID, Kind: store.KindPay, ClientID: c.ID, SubClientID: sub.ID,
		UserID: "u-42", Options: code.Options, CreatedAt: r.Now, ExpiresAt: r.SessionExpiresAt}
	if diff := cmp.Diff(want, sess, timeCmp); diff != "" {
		t.Errorf("Redeem session (-want +got):\n%s", diff)
	}
	got, err := s.Session(ctx(t), r.SessionHash, r.Now)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if diff := cmp.Diff(want, got, timeCmp); diff != "" {
		t.Errorf("Session (-want +got):\n%s", diff)
	}
	_, err = s.Session(ctx(t), randomHash(t), r.Now)
	wantErr(t, "Session(unknown)", err, store.ErrNotFound)
	// The code hash is not a session credential (docs/threat-model.md S3: no type confusion).
	_, err = s.Session(ctx(t), code.Hash, r.Now)
	wantErr(t, "Session(code hash)", err, store.ErrNotFound)
}

func testRedeemUnknown(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	used := mustCode(t, s, c, 10*time.Minute)
	sess, err := s.Redeem(ctx(t), redemption(t, used, t0))
	if err != nil {
		t.Fatal(err)
	}
	fresh := mustCode(t, s, c, 10*time.Minute)
	cases := []struct {
		name     string
		id, hash []byte
	}{
		{"random id", codeID(t), randomHash(t)},
		{"session hash as code", sess.Hash[:16], sess.Hash},
		{"empty", []byte{}, []byte{}},
		// A known id with the wrong secret is unknown, and does not consume the code
		// (or count as a reuse of a used one).
		{"right id, wrong secret", fresh.ID, randomHash(t)},
		{"used id, wrong secret", used.ID, randomHash(t)},
		{"right id, no secret", fresh.ID, nil},
		// Backends may key on the id's leading integer; the rest of the id still counts.
		{"right leading bytes, other tail", append(slices.Clone(fresh.ID[:8]), 1, 2, 3, 4, 5, 6, 7, 8), fresh.Hash},
		{"id with the top bit set", append([]byte{0x80 | fresh.ID[0]}, fresh.ID[1:]...), fresh.Hash},
		{"short id", fresh.ID[:8], fresh.Hash},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Redeem(ctx(t), store.Redemption{CodeID: tc.id, CodeHash: tc.hash, SessionHash: randomHash(t), SessionExpiresAt: t0.Add(time.Hour), Now: t0})
			wantErr(t, "Redeem", err, store.ErrNotFound)
		})
	}
	if _, err := s.Session(ctx(t), sess.Hash, t0); err != nil {
		t.Errorf("a wrong secret for a used code revoked its session: %v", err)
	}
	if _, err := s.Redeem(ctx(t), redemption(t, fresh, t0)); err != nil {
		t.Errorf("code after wrong-secret attempts: %v", err)
	}
}

func testRedeemExpiryBoundary(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	ttl := 10 * time.Minute
	cases := []struct {
		name string
		at   time.Duration
		want error
	}{
		{"one second before expiry", ttl - time.Second, nil},
		{"one millisecond before expiry", ttl - time.Millisecond, nil},
		{"at expiry", ttl, store.ErrExpired},
		{"one second after expiry", ttl + time.Second, store.ErrExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := mustCode(t, s, c, ttl)
			_, err := s.Redeem(ctx(t), redemption(t, code, t0.Add(tc.at)))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Redeem: %v", err)
				}
				return
			}
			wantErr(t, "Redeem", err, tc.want)
			// An expired code stays expired: it is not consumed by the failed attempt.
			_, err = s.Redeem(ctx(t), redemption(t, code, t0.Add(tc.at)))
			wantErr(t, "Redeem again", err, tc.want)
		})
	}
}

func testReuseRevokesSession(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	code := mustCode(t, s, c, 10*time.Minute)
	first := redemption(t, code, t0.Add(time.Second))
	if _, err := s.Redeem(ctx(t), first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx(t), first.SessionHash, first.Now); err != nil {
		t.Fatalf("first session before reuse: %v", err)
	}
	second := redemption(t, code, t0.Add(2*time.Second))
	_, err := s.Redeem(ctx(t), second)
	wantErr(t, "second Redeem", err, store.ErrAlreadyUsed)
	_, err = s.Session(ctx(t), first.SessionHash, second.Now)
	wantErr(t, "first session after reuse", err, store.ErrRevoked)
	if errors.Is(err, store.ErrRevokedByOperator) {
		t.Errorf("first session after reuse: %v; want ErrRevoked, not ErrRevokedByOperator (no operator revoked it)", err)
	}
	_, err = s.Session(ctx(t), second.SessionHash, second.Now)
	wantErr(t, "second session", err, store.ErrNotFound)
	// Reuse after the code's expiry is still reuse, not expiry.
	late := redemption(t, code, t0.Add(time.Hour))
	_, err = s.Redeem(ctx(t), late)
	wantErr(t, "Redeem after expiry", err, store.ErrAlreadyUsed)
}

func testRevokeClientCodes(t *testing.T, s store.Store) {
	a, b := mustClient(t, s), mustClient(t, s)
	open := mustCode(t, s, a, 10*time.Minute)
	used := mustCode(t, s, a, 10*time.Minute)
	other := mustCode(t, s, b, 10*time.Minute)
	r := redemption(t, used, t0)
	if _, err := s.Redeem(ctx(t), r); err != nil {
		t.Fatal(err)
	}
	codes, sessions, err := s.RevokeClientCodes(ctx(t), a.ID, t0.Add(time.Second))
	if err != nil || codes != 1 || sessions != 1 {
		t.Fatalf("RevokeClientCodes = %d, %d, %v; want 1, 1, nil", codes, sessions, err)
	}
	_, err = s.Redeem(ctx(t), redemption(t, open, t0.Add(2*time.Second)))
	wantErr(t, "Redeem(revoked)", err, store.ErrRevoked)
	_, err = s.Session(ctx(t), r.SessionHash, t0.Add(2*time.Second))
	wantErr(t, "Session(revoked)", err, store.ErrRevokedByOperator)
	wantErr(t, "Session(revoked)", err, store.ErrRevoked)
	// A reuse of the code after the operator's revocation does not change why the session
	// was revoked.
	_, err = s.Redeem(ctx(t), redemption(t, used, t0.Add(3*time.Second)))
	wantErr(t, "Redeem(used, after revoke-tokens)", err, store.ErrAlreadyUsed)
	_, err = s.Session(ctx(t), r.SessionHash, t0.Add(3*time.Second))
	wantErr(t, "Session(revoked, then its code reused)", err, store.ErrRevokedByOperator)
	if _, err := s.Redeem(ctx(t), redemption(t, other, t0.Add(2*time.Second))); err != nil {
		t.Errorf("other client's code: %v", err)
	}
}

func testSessionExpiry(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	code := mustCode(t, s, c, 10*time.Minute)
	r := redemption(t, code, t0)
	r.SessionExpiresAt = t0.Add(30 * time.Minute)
	if _, err := s.Redeem(ctx(t), r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx(t), r.SessionHash, t0.Add(30*time.Minute-time.Millisecond)); err != nil {
		t.Errorf("Session just before expiry: %v", err)
	}
	_, err := s.Session(ctx(t), r.SessionHash, t0.Add(30*time.Minute))
	wantErr(t, "Session at expiry", err, store.ErrExpired)
}

func testCreateCodesAtomic(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	existing := mustCode(t, s, c, 10*time.Minute)
	fresh := store.LinkCode{ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: "u", Options: []byte(`{}`), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	dup := existing
	dup.Kind = store.KindPay
	wantErr(t, "CreateCodes(fresh, dup)", s.CreateCodes(ctx(t), fresh, dup), store.ErrConflict)
	sameKey := fresh
	sameKey.ID = append(slices.Clone(existing.ID[:8]), 9, 9, 9, 9, 9, 9, 9, 9)
	wantErr(t, "CreateCodes(same leading integer)", s.CreateCodes(ctx(t), sameKey), store.ErrConflict)
	bad := fresh
	bad.ID = append([]byte{0xff}, fresh.ID[1:]...)
	if err := s.CreateCodes(ctx(t), bad); err == nil {
		t.Error("CreateCodes accepted an id led by an integer beyond 2^63")
	}
	_, err := s.Redeem(ctx(t), redemption(t, fresh, t0))
	wantErr(t, "Redeem(code of failed batch)", err, store.ErrNotFound)
	// Both codes of one request are stored and independently redeemable.
	link := store.LinkCode{ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: "u", Options: []byte(`{}`), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	pay := link
	pay.ID, pay.Hash, pay.Kind = codeID(t), randomHash(t), store.KindPay
	if err := s.CreateCodes(ctx(t), link, pay); err != nil {
		t.Fatal(err)
	}
	for _, code := range []store.LinkCode{link, pay} {
		sess, err := s.Redeem(ctx(t), redemption(t, code, t0))
		if err != nil {
			t.Fatalf("Redeem %s: %v", code.Kind, err)
		}
		if sess.Kind != code.Kind {
			t.Errorf("session kind = %q, want %q", sess.Kind, code.Kind)
		}
	}
}

func testPurge(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	var expired []store.LinkCode
	for range 5 {
		expired = append(expired, mustCode(t, s, c, time.Minute))
	}
	live := mustCode(t, s, c, time.Hour)
	// One expired code was redeemed, with a session that expired too.
	r := redemption(t, expired[0], t0)
	r.SessionExpiresAt = t0.Add(2 * time.Minute)
	if _, err := s.Redeem(ctx(t), r); err != nil {
		t.Fatal(err)
	}
	obj := store.SessionObject{SessionHash: r.SessionHash, Kind: store.ObjectConnection, ID: "c1", State: "s", Data: []byte(`{}`),
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(2 * time.Minute)}
	if err := s.PutObject(ctx(t), obj); err != nil {
		t.Fatal(err)
	}
	tok := store.AccessToken{Hash: randomHash(t), Kind: store.TokenAccess, ClientID: c.ID, UserID: "u", IntegrationID: "i",
		BrokerType: "sandbox", AccountID: "a", AccountName: "A", CreatedAt: t0, ExpiresAt: t0.Add(3 * time.Minute)}
	if err := s.CreateAccessTokens(ctx(t), tok); err != nil {
		t.Fatal(err)
	}
	before := t0.Add(10 * time.Minute)
	total := 0
	for {
		n, err := s.Purge(ctx(t), before, 2)
		if err != nil {
			t.Fatal(err)
		}
		if n > 8 {
			t.Fatalf("Purge(limit 2) deleted %d rows, want at most 2 of each of 4 kinds", n)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 8 {
		t.Errorf("purged %d rows, want 8 (5 codes, 1 session, 1 object, 1 access token)", total)
	}
	if _, err := s.Object(ctx(t), obj.SessionHash, obj.Kind, obj.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("object after purge: %v", err)
	}
	if _, err := s.AccessToken(ctx(t), tok.Hash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("access token after purge: %v", err)
	}
	for _, code := range expired {
		_, err := s.Redeem(ctx(t), redemption(t, code, before))
		wantErr(t, "Redeem(purged)", err, store.ErrNotFound)
	}
	_, err := s.Session(ctx(t), r.SessionHash, t0)
	wantErr(t, "Session(purged)", err, store.ErrNotFound)
	if _, err := s.Redeem(ctx(t), redemption(t, live, before)); err != nil {
		t.Errorf("live code after purge: %v", err)
	}
}

// testConcurrentRedeem is docs/threat-model.md T3: many redemptions of one code at once, exactly
// one succeeds, every other one is told "already used", and nothing fails.
func testConcurrentRedeem(t *testing.T, s store.Store) { raceRedeem(t, s) }

// raceRedeem redeems each of three codes 200 times at once, the racers spread over
// stores (instances sharing one database): exactly one wins, every other one is told
// "already used", nothing fails, and the losers' reuse revoked the winner's session
// (T5), as every store sees it.
func raceRedeem(t *testing.T, stores ...store.Store) {
	c := mustClient(t, stores[0])
	const racers = 200
	for round := range 3 {
		code := mustCode(t, stores[0], c, 10*time.Minute)
		var (
			wg                 sync.WaitGroup
			wins, used, faults atomic.Int64
			winner             atomic.Value
			firstFault         atomic.Value
			start              = make(chan struct{})
			now                = t0.Add(time.Duration(round) * time.Second)
		)
		for i := range racers {
			s, r := stores[i%len(stores)], redemption(t, code, now)
			wg.Go(func() {
				<-start
				sess, err := s.Redeem(context.Background(), r)
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(sess)
				case errors.Is(err, store.ErrAlreadyUsed):
					used.Add(1)
				default:
					faults.Add(1)
					firstFault.CompareAndSwap(nil, err.Error())
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || used.Load() != racers-1 || faults.Load() != 0 {
			t.Fatalf("round %d, %d store(s): %d wins, %d already used, %d faults (first: %v); want 1, %d, 0",
				round, len(stores), wins.Load(), used.Load(), faults.Load(), firstFault.Load(), racers-1)
		}
		for _, s := range stores {
			_, err := s.Session(ctx(t), winner.Load().(store.Session).Hash, now)
			wantErr(t, "winner's session after reuse", err, store.ErrRevoked)
		}
	}
}

func testConcurrentCreateAndRedeem(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := store.LinkCode{ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: fmt.Sprintf("u%d", i),
				Options: []byte(`{}`), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
			if err := s.CreateCodes(context.Background(), code); err != nil {
				errs <- fmt.Errorf("create %d: %w", i, err)
				return
			}
			sess, err := s.Redeem(context.Background(), redemption(t, code, t0))
			if err != nil {
				errs <- fmt.Errorf("redeem %d: %w", i, err)
				return
			}
			if sess.UserID != fmt.Sprintf("u%d", i) {
				errs <- fmt.Errorf("redeem %d: session of user %q", i, sess.UserID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testConcurrentMixedWrites runs outcome-returning and failing writes in the same batches:
// one write's failure or outcome must never leak into another's result.
func testConcurrentMixedWrites(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	dup := mustCode(t, s, c, time.Minute)
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := range n {
		wg.Add(3)
		go func() { // conflicting insert: ErrConflict, no partial write
			defer wg.Done()
			fresh := store.LinkCode{ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: "x", Options: []byte(`{}`), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
			if err := s.CreateCodes(context.Background(), fresh, dup); !errors.Is(err, store.ErrConflict) {
				errs <- fmt.Errorf("dup create %d: %v, want ErrConflict", i, err)
			}
			if _, err := s.Redeem(context.Background(), redemption(t, fresh, t0)); !errors.Is(err, store.ErrNotFound) {
				errs <- fmt.Errorf("code of failed create %d: %v, want ErrNotFound", i, err)
			}
		}()
		go func() { // unknown code: ErrNotFound
			defer wg.Done()
			if _, err := s.Redeem(context.Background(), redemption(t, store.LinkCode{ID: codeID(t), Hash: randomHash(t)}, t0)); !errors.Is(err, store.ErrNotFound) {
				errs <- fmt.Errorf("unknown redeem %d: %v", i, err)
			}
		}()
		go func() { // ordinary create
			defer wg.Done()
			code := store.LinkCode{ID: codeID(t), Hash: randomHash(t), Kind: store.KindLink, ClientID: c.ID, UserID: "y", Options: []byte(`{}`), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
			if err := s.CreateCodes(context.Background(), code); err != nil {
				errs <- fmt.Errorf("create %d: %v", i, err)
				return
			}
			if _, err := s.Redeem(context.Background(), redemption(t, code, t0)); err != nil {
				errs <- fmt.Errorf("redeem %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testRedeemBinding: a code presented on another client's page, or on the page of the
// other kind, is unknown there and stays redeemable where it belongs (docs/threat-model.md T9).
func testRedeemBinding(t *testing.T, s store.Store) {
	a, b := mustClient(t, s), mustClient(t, s)
	code := mustCode(t, s, a, 10*time.Minute)
	cases := []struct {
		name, client, kind string
	}{
		{"other client", b.ID, store.KindLink},
		{"other kind", a.ID, store.KindPay},
		{"unknown client", newID(t), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := redemption(t, code, t0)
			r.ClientID, r.Kind = tc.client, tc.kind
			_, err := s.Redeem(ctx(t), r)
			wantErr(t, "Redeem", err, store.ErrNotFound)
		})
	}
	r := redemption(t, code, t0)
	r.ClientID, r.Kind = a.ID, store.KindLink
	if _, err := s.Redeem(ctx(t), r); err != nil {
		t.Fatalf("Redeem by its own client: %v", err)
	}
}

func testSessionObjects(t *testing.T, s store.Store) {
	a, b := randomHash(t), randomHash(t)
	o := store.SessionObject{SessionHash: a, Kind: store.ObjectTransfer, ID: "p1", State: "previewed", Data: []byte(`{"amount":1}`),
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.PutObject(ctx(t), o); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "PutObject(dup)", s.PutObject(ctx(t), o), store.ErrConflict)
	got, err := s.Object(ctx(t), a, store.ObjectTransfer, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o, got, timeCmp); diff != "" {
		t.Errorf("Object (-want +got):\n%s", diff)
	}
	cases := []struct {
		name     string
		session  []byte
		kind, id string
	}{
		{"other session", b, store.ObjectTransfer, "p1"},
		{"other kind", a, store.ObjectConnection, "p1"},
		{"other id", a, store.ObjectTransfer, "p2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Object(ctx(t), tc.session, tc.kind, tc.id)
			wantErr(t, "Object", err, store.ErrNotFound)
			swap := o
			swap.SessionHash, swap.Kind, swap.ID, swap.State = tc.session, tc.kind, tc.id, "executed"
			wantErr(t, "SwapObject", s.SwapObject(ctx(t), swap, "previewed"), store.ErrNotFound)
		})
	}
	next := o
	next.State, next.Data, next.UpdatedAt = "executed", []byte(`{"txId":"x"}`), t0.Add(time.Minute)
	if err := s.SwapObject(ctx(t), next, "previewed"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "SwapObject from a past state", s.SwapObject(ctx(t), next, "previewed"), store.ErrConflict)
	got, _ = s.Object(ctx(t), a, store.ObjectTransfer, "p1")
	if got.State != "executed" || string(got.Data) != `{"txId":"x"}` || !got.CreatedAt.Equal(t0) {
		t.Errorf("after swap: %+v", got)
	}
}

// testConcurrentSwap: of many concurrent swaps from one state exactly one wins (a transfer
// executes once however often it is confirmed).
func testConcurrentSwap(t *testing.T, s store.Store) {
	sess := randomHash(t)
	o := store.SessionObject{SessionHash: sess, Kind: store.ObjectTransfer, ID: "x", State: "previewed", Data: []byte(`{}`),
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.PutObject(ctx(t), o); err != nil {
		t.Fatal(err)
	}
	var wins, conflicts, faults atomic.Int64
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := o
			n.State, n.Data = "executed", []byte(fmt.Sprintf(`{"by":%d}`, i))
			switch err := s.SwapObject(context.Background(), n, "previewed"); {
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
	if wins.Load() != 1 || conflicts.Load() != 99 || faults.Load() != 0 {
		t.Fatalf("%d wins, %d conflicts, %d faults; want 1, 99, 0", wins.Load(), conflicts.Load(), faults.Load())
	}
}

func testAccessTokens(t *testing.T, s store.Store) {
	access := store.AccessToken{Hash: randomHash(t), Kind: store.TokenAccess, ClientID: newID(t), UserID: "u1",
		IntegrationID: newID(t), BrokerType: "sandbox", AccountID: "acc-1", AccountName: "Sandbox Brokerage",
		GrantID: newID(t), SessionHash: randomHash(t), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	refresh := access
	refresh.Hash, refresh.Kind, refresh.ExpiresAt = randomHash(t), store.TokenRefresh, t0.Add(24*time.Hour)
	if err := s.CreateAccessTokens(ctx(t), access, refresh); err != nil {
		t.Fatal(err)
	}
	got, err := s.AccessToken(ctx(t), access.Hash, t0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(access, got, timeCmp); diff != "" {
		t.Errorf("AccessToken (-want +got):\n%s", diff)
	}
	// An expired token is returned with ErrExpired, so that the caller can check whose it
	// is first (docs/threat-model.md A1).
	got, err = s.AccessToken(ctx(t), access.Hash, t0.Add(time.Hour))
	wantErr(t, "AccessToken at expiry", err, store.ErrExpired)
	if diff := cmp.Diff(access, got, timeCmp); diff != "" {
		t.Errorf("AccessToken at expiry (-want +got):\n%s", diff)
	}
	if _, err := s.AccessToken(ctx(t), refresh.Hash, t0.Add(time.Hour)); err != nil {
		t.Errorf("refresh token: %v", err)
	}
	_, err = s.AccessToken(ctx(t), randomHash(t), t0)
	wantErr(t, "AccessToken(unknown)", err, store.ErrNotFound)
	fresh := access
	fresh.Hash = randomHash(t)
	wantErr(t, "CreateAccessTokens(fresh, dup)", s.CreateAccessTokens(ctx(t), fresh, refresh), store.ErrConflict)
	_, err = s.AccessToken(ctx(t), fresh.Hash, t0)
	wantErr(t, "token of the failed batch", err, store.ErrNotFound)
}

// SeriesCode is the i-th of a series of link codes of client clientID minted at now,
// for backends' own tests: ids time-ordered as linktoken mints them, and the same code
// for the same i (so that minting i twice is a duplicate).
func SeriesCode(i int, clientID string, now time.Time) store.LinkCode {
	id := make([]byte, 16)
	binary.BigEndian.PutUint64(id, uint64(now.UnixNano())+uint64(i))
	copy(id[8:], hash(fmt.Sprint("tail", i)))
	return store.LinkCode{ID: id, Hash: hash(fmt.Sprint("code", i)), Kind: store.KindLink, ClientID: clientID, UserID: "u",
		Options: []byte(`{}`), CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
}

// grant stores an access and a refresh token of one grant of client clientID (issued by
// session sessionHash) and returns them.
func grant(t *testing.T, s store.Store, clientID string, sessionHash []byte) (access, refresh store.AccessToken) {
	t.Helper()
	access = store.AccessToken{Hash: randomHash(t), Kind: store.TokenAccess, ClientID: clientID, UserID: "u1", IntegrationID: newID(t),
		BrokerType: "sandbox", AccountID: "acc-1", AccountName: "Sandbox Brokerage", GrantID: newID(t), SessionHash: sessionHash,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	refresh = access
	refresh.Hash, refresh.Kind, refresh.ExpiresAt = randomHash(t), store.TokenRefresh, t0.Add(30*24*time.Hour)
	if err := s.CreateAccessTokens(ctx(t), access, refresh); err != nil {
		t.Fatal(err)
	}
	return access, refresh
}

// tokenErr is the error AccessToken returns for hash at now (nil: usable).
func tokenErr(t *testing.T, s store.Store, hash []byte, now time.Time) error {
	t.Helper()
	_, err := s.AccessToken(ctx(t), hash, now)
	return err
}

func testRefreshAccessToken(t *testing.T, s store.Store) {
	clientID, otherID := newID(t), newID(t)
	access, refresh := grant(t, s, clientID, randomHash(t))
	_, otherGrant := grant(t, s, clientID, nil)
	now := t0.Add(2 * time.Hour) // the first access token has expired
	fresh := store.AccessToken{Hash: randomHash(t), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	got, err := s.RefreshAccessToken(ctx(t), store.RefreshRequest{ClientID: clientID, RefreshHash: refresh.Hash, Access: fresh, Now: now})
	if err != nil {
		t.Fatalf("RefreshAccessToken: %v", err)
	}
	if diff := cmp.Diff(refresh, got, timeCmp); diff != "" {
		t.Errorf("RefreshAccessToken returned (-want +got):\n%s", diff)
	}
	want := access
	want.Hash, want.CreatedAt, want.ExpiresAt = fresh.Hash, fresh.CreatedAt, fresh.ExpiresAt
	stored, err := s.AccessToken(ctx(t), fresh.Hash, now)
	if err != nil {
		t.Fatalf("new access token: %v", err)
	}
	if diff := cmp.Diff(want, stored, timeCmp); diff != "" {
		t.Errorf("new access token: the refresh token's binding (-want +got):\n%s", diff)
	}
	wantErr(t, "old access token", tokenErr(t, s, access.Hash, t0), store.ErrRevoked)
	if err := tokenErr(t, s, refresh.Hash, now); err != nil {
		t.Errorf("refresh token after a refresh without rotation: %v", err)
	}
	// A second refresh revokes the first one's access token.
	second := store.AccessToken{Hash: randomHash(t), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if _, err := s.RefreshAccessToken(ctx(t), store.RefreshRequest{ClientID: clientID, RefreshHash: refresh.Hash, Access: second, Now: now}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "first refresh's access token", tokenErr(t, s, fresh.Hash, now), store.ErrRevoked)
	// Rotation: the presented refresh token is replaced.
	third := store.AccessToken{Hash: randomHash(t), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	rotated := store.AccessToken{Hash: randomHash(t), CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}
	if _, err := s.RefreshAccessToken(ctx(t), store.RefreshRequest{ClientID: clientID, RefreshHash: refresh.Hash, Access: third, Refresh: &rotated, Now: now}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "rotated-out refresh token", tokenErr(t, s, refresh.Hash, now), store.ErrRevoked)
	if r, err := s.AccessToken(ctx(t), rotated.Hash, now); err != nil || r.Kind != store.TokenRefresh || r.GrantID != access.GrantID {
		t.Errorf("rotated refresh token = %+v, %v", r, err)
	}
	if err := tokenErr(t, s, otherGrant.Hash, now); err != nil {
		t.Errorf("another grant's refresh token: %v", err)
	}
	expired := otherGrant
	cases := []struct {
		name string
		r    store.RefreshRequest
		want error
	}{
		{"unknown", store.RefreshRequest{ClientID: clientID, RefreshHash: randomHash(t)}, store.ErrNotFound},
		{"an access token", store.RefreshRequest{ClientID: clientID, RefreshHash: third.Hash}, store.ErrNotFound},
		{"another client's", store.RefreshRequest{ClientID: otherID, RefreshHash: rotated.Hash}, store.ErrNotFound},
		// Ownership comes first: another client's revoked or expired token is unknown.
		{"another client's revoked", store.RefreshRequest{ClientID: otherID, RefreshHash: refresh.Hash}, store.ErrNotFound},
		{"another client's expired", store.RefreshRequest{ClientID: otherID, RefreshHash: expired.Hash, Now: t0.Add(31 * 24 * time.Hour)}, store.ErrNotFound},
		{"revoked", store.RefreshRequest{ClientID: clientID, RefreshHash: refresh.Hash}, store.ErrRevoked},
		{"expired", store.RefreshRequest{ClientID: clientID, RefreshHash: expired.Hash, Now: t0.Add(30 * 24 * time.Hour)}, store.ErrExpired},
		{"new hash exists", store.RefreshRequest{ClientID: clientID, RefreshHash: rotated.Hash, Access: store.AccessToken{Hash: third.Hash}}, store.ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.Now.IsZero() {
				tc.r.Now = now
			}
			if tc.r.Access.Hash == nil {
				tc.r.Access = store.AccessToken{Hash: randomHash(t), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			}
			_, err := s.RefreshAccessToken(ctx(t), tc.r)
			wantErr(t, "RefreshAccessToken", err, tc.want)
			if err := tokenErr(t, s, tc.r.Access.Hash, now); tc.want != store.ErrConflict && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a refused refresh stored its access token: %v", err)
			}
		})
	}
	// The refused refresh with a conflicting hash changed nothing.
	if err := tokenErr(t, s, third.Hash, now); err != nil {
		t.Errorf("access token after a refused refresh: %v", err)
	}
}

// testConcurrentRefreshRotation: of concurrent refreshes that rotate one refresh token,
// exactly one succeeds.
func testConcurrentRefreshRotation(t *testing.T, s store.Store) {
	clientID := newID(t)
	_, refresh := grant(t, s, clientID, nil)
	var wins, revoked, faults atomic.Int64
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := store.AccessToken{Hash: randomHash(t), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			r := store.AccessToken{Hash: randomHash(t), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			_, err := s.RefreshAccessToken(context.Background(), store.RefreshRequest{ClientID: clientID, RefreshHash: refresh.Hash, Access: a, Refresh: &r, Now: t0})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, store.ErrRevoked):
				revoked.Add(1)
			default:
				faults.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || revoked.Load() != 29 || faults.Load() != 0 {
		t.Fatalf("%d wins, %d revoked, %d faults; want 1, 29, 0", wins.Load(), revoked.Load(), faults.Load())
	}
}

func testRevokeGrant(t *testing.T, s store.Store) {
	clientID := newID(t)
	access, refresh := grant(t, s, clientID, nil)
	other, _ := grant(t, s, clientID, nil)
	_, err := s.RevokeGrant(ctx(t), newID(t), access.GrantID, t0)
	wantErr(t, "RevokeGrant(another client's)", err, store.ErrNotFound)
	_, err = s.RevokeGrant(ctx(t), clientID, newID(t), t0)
	wantErr(t, "RevokeGrant(unknown grant)", err, store.ErrNotFound)
	if err := tokenErr(t, s, access.Hash, t0); err != nil {
		t.Fatalf("a refused RevokeGrant revoked: %v", err)
	}
	n, err := s.RevokeGrant(ctx(t), clientID, access.GrantID, t0.Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("RevokeGrant = %d, %v; want 2, nil", n, err)
	}
	for _, h := range [][]byte{access.Hash, refresh.Hash} {
		wantErr(t, "token of the revoked grant", tokenErr(t, s, h, t0.Add(time.Minute)), store.ErrRevoked)
	}
	if err := tokenErr(t, s, other.Hash, t0.Add(time.Minute)); err != nil {
		t.Errorf("another grant's token: %v", err)
	}
	if n, err := s.RevokeGrant(ctx(t), clientID, access.GrantID, t0.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("RevokeGrant again = %d, %v; want 0, nil", n, err)
	}
}

// testReuseRevokesTokens is docs/threat-model.md T5: a reused link code revokes the
// tokens its session issued, and only those.
func testReuseRevokesTokens(t *testing.T, s store.Store) {
	c := mustClient(t, s)
	code := mustCode(t, s, c, 10*time.Minute)
	first := redemption(t, code, t0)
	if _, err := s.Redeem(ctx(t), first); err != nil {
		t.Fatal(err)
	}
	access, refresh := grant(t, s, c.ID, first.SessionHash)
	unrelated, _ := grant(t, s, c.ID, randomHash(t))
	_, err := s.Redeem(ctx(t), redemption(t, code, t0.Add(time.Second)))
	wantErr(t, "second Redeem", err, store.ErrAlreadyUsed)
	for _, h := range [][]byte{access.Hash, refresh.Hash} {
		wantErr(t, "token of the reused code's session", tokenErr(t, s, h, t0.Add(time.Second)), store.ErrRevoked)
	}
	if err := tokenErr(t, s, unrelated.Hash, t0.Add(time.Second)); err != nil {
		t.Errorf("another session's token: %v", err)
	}
}
