package ratelimit

import (
	"sync"
	"time"
)

// Window counts events per key over a sliding window of time, in buckets: how many link
// tokens a client holds that have not expired yet. It bounds what one client can make
// linkd keep (docs/threat-model.md A4, OWASP API4:2023), which a rate limit alone does not when
// none is configured. Like Keyed, it counts for one process.
type Window struct {
	span    time.Duration
	bucket  time.Duration // span / buckets
	buckets int

	mu     sync.Mutex
	keys   map[string]*windowCount
	lastGC int64 // bucket of the last forgetEmpty
}

// windowCount is a ring of buckets; head is the absolute index (time / bucket) of the
// newest one.
type windowCount struct {
	ring  []int32
	head  int64
	total int
}

// NewWindow counts over span in the given number of buckets: an event leaves the count
// between span and span + span/buckets after it happened.
func NewWindow(span time.Duration, buckets int) *Window {
	buckets = max(1, buckets)
	return &Window{span: span, bucket: max(1, span/time.Duration(buckets)), buckets: buckets, keys: map[string]*windowCount{}}
}

// advance drops the buckets that have left the window at absolute bucket index idx.
func (c *windowCount) advance(idx int64) {
	n := int64(len(c.ring))
	if idx <= c.head {
		return
	}
	if idx-c.head >= n {
		clear(c.ring)
		c.total = 0
	} else {
		for i := c.head + 1; i <= idx; i++ {
			c.total -= int(c.ring[i%n])
			c.ring[i%n] = 0
		}
	}
	c.head = idx
}

// WindowStatus is the outcome of Take: the slot to Release the event with, and what the
// RateLimit header fields report about key's window.
type WindowStatus struct {
	Slot int64
	// OK is false if max events were already counted (nothing was counted then).
	OK bool
	// Remaining is how many more events fit in the window now.
	Remaining int
	// Wait is how long until the oldest counted event leaves the window (when a place
	// frees); Empty how long until the newest does (when every place is free).
	Wait, Empty time.Duration
}

// Reserve counts one event for key at now if fewer than max are in the window, and
// returns the slot to Release it with. If max are already counted, ok is false and wait
// is how long until the oldest of them leaves the window.
func (w *Window) Reserve(key string, max int, now time.Time) (slot int64, ok bool, wait time.Duration) {
	s := w.Take(key, max, now)
	return s.Slot, s.OK, s.Wait
}

// Take is Reserve with the window's state (WindowStatus).
func (w *Window) Take(key string, max int, now time.Time) WindowStatus {
	idx := now.UnixNano() / int64(w.bucket)
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.keys[key]
	if c == nil {
		c = &windowCount{ring: make([]int32, w.buckets), head: idx}
		w.keys[key] = c
	}
	c.advance(idx)
	idx = c.head // a clock that stepped back counts in the newest bucket
	s := WindowStatus{OK: c.total < max}
	if s.OK {
		c.ring[idx%int64(len(c.ring))]++
		c.total++
		s.Slot = idx
		if len(w.keys) > 4096 && idx != w.lastGC { // at most once a bucket
			w.lastGC = idx
			w.forgetEmpty(idx)
		}
	}
	s.Remaining = max - c.total
	s.Wait, s.Empty = w.leave(c, idx, now)
	return s
}

// leave returns how long until the oldest and the newest event counted in c leave the
// window (an event of bucket i leaves when bucket i+len(ring) begins).
func (w *Window) leave(c *windowCount, idx int64, now time.Time) (oldest, newest time.Duration) {
	n := int64(len(c.ring))
	at := func(i int64) time.Duration { return time.Duration((i+n)*int64(w.bucket) - now.UnixNano()) }
	first := true
	for i := idx - n + 1; i <= idx; i++ {
		if c.ring[i%n] > 0 {
			if first {
				oldest, first = at(i), false
			}
			newest = at(i)
		}
	}
	if first && c.total > 0 {
		return w.bucket, w.bucket
	}
	return oldest, newest
}

// Release takes back an event Reserve counted in slot (the token was not issued after
// all). An event that has already left the window is left alone.
func (w *Window) Release(key string, slot int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.keys[key]
	if c == nil || slot <= c.head-int64(len(c.ring)) || slot > c.head {
		return
	}
	n := int64(len(c.ring))
	if i := slot % n; c.ring[i] > 0 {
		c.ring[i]--
		c.total--
	}
}

// Count returns how many events of key are in the window at now.
func (w *Window) Count(key string, now time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.keys[key]
	if c == nil {
		return 0
	}
	c.advance(now.UnixNano() / int64(w.bucket))
	return c.total
}

// forgetEmpty drops the keys with nothing left in the window, so that the map stays as
// small as the set of clients active within the last span.
func (w *Window) forgetEmpty(idx int64) {
	for k, c := range w.keys {
		c.advance(idx)
		if c.total == 0 {
			delete(w.keys, k)
		}
	}
}
