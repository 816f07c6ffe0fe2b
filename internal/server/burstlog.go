package server

import (
	"sync"
	"time"
)

// burstLog decides which of a burst of like failures are logged: the first is, those
// within window after a logged one only count, and the first one after that is logged
// again with the count of those not logged in between. A store that is down fails every
// request; a line per request would bury everything else in the log.
type burstLog struct {
	window time.Duration
	now    func() time.Time

	mu         sync.Mutex
	logged     time.Time // when the last logged failure happened; zero: none yet
	suppressed int       // failures not logged since then
}

// note records a failure and reports whether to log it and, if so, how many failures
// were not logged since the previous line.
func (b *burstLog) note() (log bool, suppressed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.logged.IsZero() && now.Sub(b.logged) < b.window {
		b.suppressed++
		return false, 0
	}
	suppressed = b.suppressed
	b.logged, b.suppressed = now, 0
	return true, suppressed
}
