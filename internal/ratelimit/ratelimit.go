// Package ratelimit keeps token-bucket limiters per key (client id, remote IP) for one
// linkd process. Limits are per instance: with several instances behind a load balancer
// the effective limit is the sum (docs/threat-model.md R3).
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed holds one limiter per key and forgets keys idle for longer than Idle.
type Keyed struct {
	// Idle is how long an unused limiter is kept (default 10 minutes).
	Idle time.Duration

	mu       sync.Mutex
	limiters map[string]*entry
	lastGC   time.Time
}

type entry struct {
	lim  *rate.Limiter
	used time.Time
}

// New returns an empty Keyed.
func New() *Keyed { return &Keyed{Idle: 10 * time.Minute, limiters: map[string]*entry{}} }

// Burst is the burst for a rate when none is configured: one second's worth.
func Burst(perSecond float64, burst int) int {
	if burst > 0 {
		return burst
	}
	return max(1, int(math.Ceil(perSecond)))
}

func (k *Keyed) get(key string, r rate.Limit, burst int, now time.Time) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastGC) > k.Idle {
		for key, e := range k.limiters {
			if now.Sub(e.used) > k.Idle {
				delete(k.limiters, key)
			}
		}
		k.lastGC = now
	}
	e, ok := k.limiters[key]
	if !ok {
		e = &entry{lim: rate.NewLimiter(r, burst)}
		k.limiters[key] = e
	} else if e.lim.Limit() != r || e.lim.Burst() != burst {
		// The client's limit changed (linkd client …): apply it from now on.
		e.lim.SetLimitAt(now, r)
		e.lim.SetBurstAt(now, burst)
	}
	e.used = now
	return e.lim
}

// Status is a bucket's state after a decision: whether the request may go on, and what
// the RateLimit header fields report about the bucket (api/ratelimit.go maps it onto
// them).
type Status struct {
	// OK is true if a token was taken (Take) or one is there (Peek).
	OK bool
	// Remaining is the whole tokens left in the bucket, after the one taken.
	Remaining int
	// Wait is how long until the bucket holds a whole token (0 if it does).
	Wait time.Duration
	// Full is how long until the bucket is full again (0 if it is).
	Full time.Duration
}

// Take takes one token for key from a bucket of rate r (per second) and size burst, and
// returns the bucket's state: if none is left, OK is false, nothing is taken, and Wait is
// how long until one is.
func (k *Keyed) Take(key string, r float64, burst int, now time.Time) Status {
	lim := k.get(key, rate.Limit(r), burst, now)
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return Status{Wait: time.Second}
	}
	ok := true
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		ok = false
	}
	return status(ok, lim.TokensAt(now), r, burst)
}

// Peek returns key's bucket state without taking a token: OK is false if the bucket is
// empty. Used to refuse a client that keeps failing authentication before any costly
// work is done for it.
func (k *Keyed) Peek(key string, r float64, burst int, now time.Time) Status {
	tokens := k.get(key, rate.Limit(r), burst, now).TokensAt(now)
	return status(tokens >= 1, tokens, r, burst)
}

func status(ok bool, tokens, r float64, burst int) Status {
	s := Status{OK: ok, Remaining: max(0, int(tokens))}
	if tokens < 1 {
		s.Wait = seconds((1 - tokens) / r)
	}
	if missing := float64(burst) - tokens; missing > 0 {
		s.Full = seconds(missing / r)
	}
	return s
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Allow takes one token for key from a bucket of rate r (per second) and size burst. If
// none is left it returns false and how long until one is.
func (k *Keyed) Allow(key string, r float64, burst int, now time.Time) (bool, time.Duration) {
	if s := k.Take(key, r, burst, now); !s.OK {
		return false, s.Wait
	}
	return true, 0
}

// Exhausted reports, without taking a token, whether key's bucket is empty, and how long
// until it is not.
func (k *Keyed) Exhausted(key string, r float64, burst int, now time.Time) (bool, time.Duration) {
	s := k.Peek(key, r, burst, now)
	return !s.OK, s.Wait
}

// Len is the number of keys held (for tests and metrics).
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.limiters)
}
