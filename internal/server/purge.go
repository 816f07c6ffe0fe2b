package server

import (
	"context"
	"time"
)

// purgeLoop deletes expired codes and sessions every PurgeInterval (on Options.Clock), in
// batches, so that storage stays bounded by traffic × (lifetime + retention)
// (docs/design.md §7).
func (s *Server) purgeLoop(ctx context.Context) {
	if s.opts.PurgeInterval <= 0 || s.opts.Store == nil {
		return
	}
	s.every(ctx, s.opts.PurgeInterval, func() {
		n, err := s.PurgeOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("purge failed", "err", err)
		} else if n > 0 {
			s.log.Debug("purged expired rows", "rows", n)
		}
	})
}

// every calls fn every interval of Options.Clock until ctx is done.
func (s *Server) every(ctx context.Context, interval time.Duration, fn func()) {
	t := s.opts.Clock.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
		fn()
	}
}

// PurgeOnce deletes everything that expired more than Retention ago and returns how
// many rows it deleted.
func (s *Server) PurgeOnce(ctx context.Context) (int, error) {
	const batch = 1000
	before := s.opts.Now().Add(-s.opts.Retention)
	total := 0
	for ctx.Err() == nil {
		n, err := s.opts.Store.Purge(ctx, before, batch)
		total += n
		s.metrics.Purged(n)
		if err != nil || n < batch {
			return total, err
		}
	}
	return total, ctx.Err()
}
