package server

import (
	"testing"
	"time"
)

// TestBurstLog: the first failure is logged, those within the window after it only
// count, and the first one after the window is logged with that count.
func TestBurstLog(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name           string
		at             time.Duration // since t0
		log            bool
		wantSuppressed int
	}{
		{"first failure logs", 0, true, 0},
		{"repeat within the window", time.Second, false, 0},
		{"another within the window", 9 * time.Second, false, 0},
		{"just before the window ends", 10*time.Second - time.Nanosecond, false, 0},
		{"after the window: logs with the count", 10 * time.Second, true, 3},
		{"a new window starts at that line", 15 * time.Second, false, 0},
		{"after a long quiet", time.Hour, true, 1},
		{"and the count starts again", time.Hour + time.Second, false, 0},
		{"after the next window", time.Hour + 11*time.Second, true, 1},
	}
	now := t0
	b := &burstLog{window: 10 * time.Second, now: func() time.Time { return now }}
	for _, st := range steps {
		now = t0.Add(st.at)
		log, suppressed := b.note()
		if log != st.log || suppressed != st.wantSuppressed {
			t.Errorf("%s: log %v, suppressed %d; want %v, %d", st.name, log, suppressed, st.log, st.wantSuppressed)
		}
	}
}
