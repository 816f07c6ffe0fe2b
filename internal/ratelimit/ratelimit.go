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

// Allow takes one token for key from a bucket of rate r (per second) and size burst. If
// none is left it returns false and how long until one is.
func (k *Keyed) Allow(key string, r float64, burst int, now time.Time) (bool, time.Duration) {
	lim := k.get(key, rate.Limit(r), burst, now)
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Exhausted reports, without taking a token, whether key's bucket is empty, and how long
// until it is not. Used to refuse a client that keeps failing authentication before any
// costly work is done for it.
func (k *Keyed) Exhausted(key string, r float64, burst int, now time.Time) (bool, time.Duration) {
	lim := k.get(key, rate.Limit(r), burst, now)
	if tokens := lim.TokensAt(now); tokens < 1 {
		return true, time.Duration((1 - tokens) / r * float64(time.Second))
	}
	return false, 0
}

// Len is the number of keys held (for tests and metrics).
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.limiters)
}
