// Package auth authenticates API clients by X-Client-Id and X-Client-Secret and creates
// their secrets.
//
// Secrets are 256-bit random values, so they are stored as SHA-256 hashes and checked
// with a constant-time comparison of hashes (CWE-208, docs/threat-model.md T8): a slow password
// KDF protects low-entropy human passwords and would only make every API call CPU-bound.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// SecretPrefix marks linkd client secrets, so that secret scanners and people can tell
// them apart from other tokens.
const SecretPrefix = "sk_"

// NewSecret returns a new client secret and the hash to store. The secret is shown once.
func NewSecret() (secret string, hash []byte) {
	var b [32]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go ≥ 1.24)
	secret = SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret)
}

// HashSecret is the stored form of a client secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Errors of Authenticate. Any other error is a store fault (fail closed: 503). They are
// the answers themselves (compare with errors.Is; never modify them).
var (
	// ErrInvalidCredentials: missing, unknown client id or wrong secret. The three are
	// deliberately not told apart (OWASP API2:2023).
	ErrInvalidCredentials = problem.InvalidCredentials.New("X-Client-Id / X-Client-Secret: missing or not valid")
	// ErrClientDisabled: the credentials are right but the client is disabled.
	ErrClientDisabled = problem.ClientDisabled.New("X-Client-Id: this client is disabled")
)

// MaxStaleness bounds how long a change made by `linkd client` (disable, rotate, revoke),
// possibly from another process, takes to reach a running server: cached clients are
// re-read after this long.
const MaxStaleness = 500 * time.Millisecond

// Authenticator checks client credentials against the store, caching client records for
// at most MaxStaleness so that the hot path costs a map lookup and a hash.
type Authenticator struct {
	store store.Store
	now   func() time.Time
	// dummy is compared against when the client id is unknown, so that unknown id and
	// wrong secret take the same path and time.
	dummy []byte

	mu    sync.RWMutex
	cache map[string]cached
	group singleflight.Group
}

type cached struct {
	client  *store.Client
	fetched time.Time
}

// NewAuthenticator returns an Authenticator over s; now is the clock (nil: time.Now).
func NewAuthenticator(s store.Store, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	_, dummy := NewSecret()
	return &Authenticator{store: s, now: now, dummy: dummy, cache: map[string]cached{}}
}

// Authenticate returns the client whose id and secret these are. The returned client
// must not be modified.
func (a *Authenticator) Authenticate(ctx context.Context, id, secret string) (*store.Client, error) {
	if id == "" || secret == "" || len(id) > 64 || len(secret) > 256 {
		return nil, ErrInvalidCredentials
	}
	id = lowerASCII(id) // client ids are uuids; their case does not matter
	h := sha256.Sum256([]byte(secret))
	c, fresh, err := a.client(ctx, id, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if c != nil && !a.matches(c, h[:]) && !fresh {
		// The secret may be one rotated in by `linkd client` since the client was cached:
		// read the client again rather than refuse it for up to MaxStaleness. Failures
		// are rate-limited per address, so this cannot be used to hammer the database.
		if c, _, err = a.client(ctx, id, true); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if c == nil {
		// The dummy's secret is random and never leaves the process: this never matches,
		// and an unknown id costs the same hash and compare as a wrong secret.
		subtle.ConstantTimeCompare(h[:], a.dummy)
		return nil, ErrInvalidCredentials
	}
	if !a.matches(c, h[:]) {
		return nil, ErrInvalidCredentials
	}
	if !c.Enabled {
		return nil, ErrClientDisabled
	}
	return c, nil
}

// matches reports whether the secret hash h is one of c's live secrets, comparing in
// constant time (CWE-208).
func (a *Authenticator) matches(c *store.Client, h []byte) bool {
	now := a.now()
	ok := 0
	for _, s := range c.Secrets {
		if s.Live(now) {
			ok |= subtle.ConstantTimeCompare(h, s.Hash)
		}
	}
	return ok == 1
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// Client returns the client with this id from the cache, reading it from the store if
// the cached copy is older than MaxStaleness. Unknown ids are not cached (the cache holds
// only real clients, so it cannot be grown by guessing).
func (a *Authenticator) Client(ctx context.Context, id string) (*store.Client, error) {
	c, _, err := a.client(ctx, lowerASCII(id), false)
	return c, err
}

// client returns the client with this id and whether it was just read from the store;
// force skips the cache.
func (a *Authenticator) client(ctx context.Context, id string, force bool) (*store.Client, bool, error) {
	now := a.now()
	a.mu.RLock()
	e, ok := a.cache[id]
	a.mu.RUnlock()
	if ok && !force && now.Sub(e.fetched) < MaxStaleness && now.Sub(e.fetched) >= 0 {
		return e.client, false, nil
	}
	v, err, _ := a.group.Do(id, func() (any, error) {
		c, err := a.store.Client(ctx, id)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				a.mu.Lock()
				delete(a.cache, id)
				a.mu.Unlock()
			}
			return nil, err
		}
		a.mu.Lock()
		a.cache[id] = cached{client: &c, fetched: now}
		a.mu.Unlock()
		return &c, nil
	})
	if err != nil {
		return nil, true, err
	}
	return v.(*store.Client), true, nil
}
