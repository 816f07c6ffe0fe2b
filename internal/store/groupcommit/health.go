package groupcommit

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// ProbeAfter is how long after a failed write Health.Check keeps reporting it before it
// tries a write of its own: while requests keep failing, the store is not ready; once
// they stop (a load balancer sends no more), a probe tells whether writes work again.
const ProbeAfter = 2 * time.Second

// Health remembers whether a store's writes are failing, for its Ping: a read answering
// says nothing about writes (a full disk, a read-only file or a read-only server after a
// failover still answer reads). A zero Health is healthy.
type Health struct {
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	failing   atomic.Bool
	lastFault atomic.Int64 // Unix ns
}

func (h *Health) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Observe records the result of a write: a fault (an error that is not an outcome, see
// Options.IsOutcome; a Rollback's outcome counts as an outcome) sets the failing state, a
// success clears it, an outcome leaves it as it is.
func (h *Health) Observe(err error, isOutcome func(error) bool) {
	switch {
	case err == nil:
		if h.failing.Load() {
			h.failing.Store(false)
		}
	case isOutcome != nil && isOutcome(unwrapRollback(err)):
	default:
		h.lastFault.Store(h.now().UnixNano())
		h.failing.Store(true)
	}
}

// Failing reports whether the last write that was not an outcome failed.
func (h *Health) Failing() bool { return h.failing.Load() }

// Check is the write half of a Ping: nil unless writes are failing. Within ProbeAfter of
// the last fault that is an error; later, probe (a small write, which must report to
// Observe) decides, and its success clears the state.
func (h *Health) Check(ctx context.Context, probe func(ctx context.Context) error) error {
	if !h.failing.Load() {
		return nil
	}
	if since := h.now().Sub(time.Unix(0, h.lastFault.Load())); since < ProbeAfter {
		return fmt.Errorf("a write failed %v ago", since.Round(time.Millisecond))
	}
	if err := probe(ctx); err != nil {
		return fmt.Errorf("writes fail: %w", err)
	}
	return nil
}
