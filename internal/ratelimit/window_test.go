package ratelimit

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := NewWindow(10*time.Minute, 60) // 10 s buckets
	const max = 3
	reserve := func(key string, at time.Time) (int64, bool, time.Duration) { return w.Reserve(key, max, at) }

	var slots []int64
	for i := range max {
		slot, ok, _ := reserve("a", t0.Add(time.Duration(i)*time.Minute))
		if !ok {
			t.Fatalf("event %d refused", i)
		}
		slots = append(slots, slot)
	}
	// Full: refused, and told to wait until the first event (t0) leaves the window.
	_, ok, wait := reserve("a", t0.Add(5*time.Minute))
	if ok {
		t.Fatal("a fourth event within the window was counted")
	}
	if want := 5 * time.Minute; wait < want || wait > want+10*time.Second {
		t.Errorf("wait = %v, want about %v", wait, want)
	}
	if got := w.Count("a", t0.Add(5*time.Minute)); got != max {
		t.Errorf("Count = %d, want %d (a refused event is not counted)", got, max)
	}
	// Keys are counted apart.
	if _, ok, _ := reserve("b", t0.Add(5*time.Minute)); !ok {
		t.Error("another key was refused")
	}
	// Releasing an event frees its place.
	w.Release("a", slots[2])
	if _, ok, _ := reserve("a", t0.Add(5*time.Minute)); !ok {
		t.Error("refused after a release")
	}
	// Once the first event has left the window, there is room again.
	if _, ok, _ := reserve("a", t0.Add(10*time.Minute+10*time.Second)); !ok {
		t.Error("refused after the oldest event left the window")
	}
	// Far later, everything has left.
	if got := w.Count("a", t0.Add(time.Hour)); got != 0 {
		t.Errorf("Count an hour later = %d, want 0", got)
	}
	// A release for a slot that already left the window, or for an unknown key, is harmless.
	w.Release("a", slots[0])
	w.Release("nobody", 1)
	if got := w.Count("a", t0.Add(time.Hour)); got != 0 {
		t.Errorf("Count after stale releases = %d, want 0", got)
	}
}

func TestWindowClockStepsBack(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := NewWindow(time.Minute, 6)
	w.Reserve("a", 10, t0)
	w.Reserve("a", 10, t0.Add(-30*time.Second))
	if got := w.Count("a", t0); got != 2 {
		t.Errorf("Count = %d, want 2", got)
	}
}

func TestWindowForgetsIdleKeys(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := NewWindow(time.Minute, 6)
	for i := range 5000 {
		w.Reserve(string(rune(i+1000)), 1, t0)
	}
	w.Reserve("late", 1, t0.Add(2*time.Minute))
	w.mu.Lock()
	n := len(w.keys)
	w.mu.Unlock()
	if n > 4097 {
		t.Errorf("%d keys kept; idle ones should be forgotten", n)
	}
}

// TestWindowStatus: Take reports the places left and when the oldest and the newest
// counted events leave the window.
func TestWindowStatus(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := NewWindow(time.Minute, 6) // 10 s buckets
	for _, tc := range []struct {
		name string
		at   time.Duration
		want WindowStatus
	}{
		{"first", 0, WindowStatus{OK: true, Remaining: 1, Wait: time.Minute, Empty: time.Minute}},
		{"second, 25 s later", 25 * time.Second, WindowStatus{OK: true, Remaining: 0, Wait: 35 * time.Second, Empty: 55 * time.Second}},
		{"full", 30 * time.Second, WindowStatus{OK: false, Remaining: 0, Wait: 30 * time.Second, Empty: 50 * time.Second}},
		{"the first has left", time.Minute, WindowStatus{OK: true, Remaining: 0, Wait: 20 * time.Second, Empty: time.Minute}},
	} {
		got := w.Take("a", 2, t0.Add(tc.at))
		got.Slot = 0
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
