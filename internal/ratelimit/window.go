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

// Reserve counts one event for key at now if fewer than max are in the window, and
// returns the slot to Release it with. If max are already counted, ok is false and wait
// is how long until the oldest of them leaves the window.
func (w *Window) Reserve(key string, max int, now time.Time) (slot int64, ok bool, wait time.Duration) {
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
	if c.total >= max {
		n := int64(len(c.ring))
		for i := idx - n + 1; i <= idx; i++ { // the oldest bucket still counted
			if c.ring[i%n] > 0 {
				return 0, false, time.Duration((i+n)*int64(w.bucket) - now.UnixNano())
			}
		}
		return 0, false, w.bucket
	}
	c.ring[idx%int64(len(c.ring))]++
	c.total++
	if len(w.keys) > 4096 && idx != w.lastGC { // at most once a bucket
		w.lastGC = idx
		w.forgetEmpty(idx)
	}
	return idx, true, 0
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
