package auth

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// countingStore counts Client lookups (a fake over the real store).
type countingStore struct {
	store.Store
	lookups atomic.Int64
}

func (c *countingStore) Client(ctx context.Context, id string) (store.Client, error) {
	c.lookups.Add(1)
	return c.Store.Client(ctx, id)
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T) (*Authenticator, *countingStore, *clock, string, string) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	secret, hash := NewSecret()
	id := "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	if err := st.CreateClient(context.Background(), store.Client{ID: id, Name: "c", Enabled: true, CreatedAt: clk.t,
		Secrets: []store.Secret{{Hash: hash, CreatedAt: clk.t}}}); err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: st}
	return NewAuthenticator(cs, clk.now), cs, clk, id, secret
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s, h := NewSecret()
		if !strings.HasPrefix(s, SecretPrefix) || len(s) != len(SecretPrefix)+43 {
			t.Fatalf("secret %q: want sk_ and 43 base64url characters (256 bits)", s)
		}
		if seen[s] {
			t.Fatal("duplicate secret")
		}
		seen[s] = true
		if string(h) != string(HashSecret(s)) || len(h) != 32 {
			t.Fatal("hash is not sha256 of the secret")
		}
	}
}

func TestAuthenticate(t *testing.T) {
	a, _, _, id, secret := setup(t)
	ctx := context.Background()
	cases := []struct {
		name, id, secret string
		want             error
	}{
		{"right", id, secret, nil},
		{"upper-case id", strings.ToUpper(id), secret, nil},
		{"wrong secret", id, secret + "x", ErrInvalidCredentials},
		{"secret without prefix", id, strings.TrimPrefix(secret, SecretPrefix), ErrInvalidCredentials},
		{"empty secret", id, "", ErrInvalidCredentials},
		{"empty id", "", secret, ErrInvalidCredentials},
		{"unknown id", "6f1c2d3e-4a5b-4c6d-8e7f-000000000000", secret, ErrInvalidCredentials},
		{"huge id", strings.Repeat("a", 10000), secret, ErrInvalidCredentials},
		{"huge secret", id, strings.Repeat("a", 10000), ErrInvalidCredentials},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := a.Authenticate(ctx, tc.id, tc.secret)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && c.ID != id {
				t.Fatalf("client %q", c.ID)
			}
		})
	}
}

// TestChangesReachWithinOneSecond: the cache re-reads a client after MaxStaleness, so that
// `linkd client disable/rotate/revoke` (another process) takes effect within a second.
func TestChangesReachWithinOneSecond(t *testing.T) {
	a, cs, clk, id, secret := setup(t)
	ctx := context.Background()
	if _, err := a.Authenticate(ctx, id, secret); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		a.Authenticate(ctx, id, secret)
	}
	if n := cs.lookups.Load(); n != 1 {
		t.Errorf("%d store lookups for 101 requests within the staleness bound, want 1", n)
	}
	// A secret rotated in by another process works at once: a mismatch re-reads the client.
	rotated, rh := NewSecret()
	if err := cs.AddSecret(ctx, id, store.Secret{Hash: rh, CreatedAt: clk.t}, clk.t.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, id, rotated); err != nil {
		t.Fatalf("freshly rotated secret within the staleness bound: %v", err)
	}
	if err := cs.SetClientEnabled(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(MaxStaleness)
	if _, err := a.Authenticate(ctx, id, secret); !errors.Is(err, ErrClientDisabled) {
		t.Fatalf("after disable + %v: %v, want ErrClientDisabled", MaxStaleness, err)
	}
	// Rotation with no grace, then revocation: the old secret stops working.
	newSecret, h := NewSecret()
	if err := cs.SetClientEnabled(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if err := cs.AddSecret(ctx, id, store.Secret{Hash: h, CreatedAt: clk.t}, clk.t.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(MaxStaleness)
	for _, s := range []string{secret, newSecret} {
		if _, err := a.Authenticate(ctx, id, s); err != nil {
			t.Fatalf("during grace: %v", err)
		}
	}
	if _, err := cs.RevokeSecrets(ctx, id, h, clk.t); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(MaxStaleness)
	if _, err := a.Authenticate(ctx, id, secret); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("revoked secret: %v", err)
	}
	if _, err := a.Authenticate(ctx, id, newSecret); err != nil {
		t.Fatalf("new secret: %v", err)
	}
}

// TestUnknownIDsAreNotCached: guessing ids cannot grow the cache.
func TestUnknownIDsAreNotCached(t *testing.T) {
	a, _, _, _, _ := setup(t)
	for i := range 100 {
		a.Authenticate(context.Background(), "6f1c2d3e-4a5b-4c6d-8e7f-"+strings.Repeat("0", 10)+string(rune('a'+i%26))+string(rune('a'+i/26)), "sk_x")
	}
	if len(a.cache) != 0 {
		t.Errorf("cache holds %d entries after unknown ids", len(a.cache))
	}
}

// BenchmarkAuthenticate: the hot path is a cached lookup plus a hash and a constant-time
// compare. Compare the two sub-benchmarks by hand: a secret that matches the stored one's
// first bytes takes no less time than one that does not (CWE-208); not a CI assertion,
// timing tests are flaky on shared machines (docs/threat-model.md T8).
func BenchmarkAuthenticate(b *testing.B) {
	st, _ := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{})
	defer st.Close()
	secret, hash := NewSecret()
	id := "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	st.CreateClient(context.Background(), store.Client{ID: id, Name: "c", Enabled: true, CreatedAt: time.Now(),
		Secrets: []store.Secret{{Hash: hash, CreatedAt: time.Now()}}})
	a := NewAuthenticator(st, nil)
	for _, bc := range []struct{ name, secret string }{
		{"right-prefix", secret[:len(secret)-1] + "x"},
		{"wrong-prefix", "x" + secret[1:]},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				a.Authenticate(context.Background(), id, bc.secret)
			}
		})
	}
}
