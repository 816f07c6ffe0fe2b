// Package auth authenticates API clients by X-Client-Id and X-Client-Secret and creates
// their secrets.
//
// Secrets are 256-bit random values, so they are stored as SHA-256 hashes and checked
// with a constant-time comparison of hashes (CWE-208, security.md T8): a slow password
// KDF protects low-entropy human passwords and would only make every API call CPU-bound.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

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

// Errors of Authenticate. Any other error is a store fault (fail closed: 503).
var (
	// ErrInvalidCredentials: missing, unknown client id or wrong secret. The three are
	// deliberately not told apart (OWASP API2:2023).
	ErrInvalidCredentials = errors.New("invalid client credentials")
	// ErrClientDisabled: the credentials are right but the client is disabled.
	ErrClientDisabled = errors.New("client disabled")
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
	c, err := a.Client(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	h := sha256.Sum256([]byte(secret))
	now := a.now()
	ok := 0
	if c == nil {
		// The dummy's secret is random and never leaves the process: this never matches.
		ok = subtle.ConstantTimeCompare(h[:], a.dummy)
	} else {
		for _, s := range c.Secrets {
			if s.Live(now) {
				ok |= subtle.ConstantTimeCompare(h[:], s.Hash)
			}
		}
	}
	if ok != 1 || c == nil {
		return nil, ErrInvalidCredentials
	}
	if !c.Enabled {
		return nil, ErrClientDisabled
	}
	return c, nil
}

// Client returns the client with this id from the cache, reading it from the store if
// the cached copy is older than MaxStaleness. Unknown ids are not cached (the cache holds
// only real clients, so it cannot be grown by guessing).
func (a *Authenticator) Client(ctx context.Context, id string) (*store.Client, error) {
	now := a.now()
	a.mu.RLock()
	e, ok := a.cache[id]
	a.mu.RUnlock()
	if ok && now.Sub(e.fetched) < MaxStaleness && now.Sub(e.fetched) >= 0 {
		return e.client, nil
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
		return nil, err
	}
	return v.(*store.Client), nil
}
