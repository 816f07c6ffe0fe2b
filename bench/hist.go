package main

import (
	"math"
	"math/bits"
	"time"
)

// Hist is a log-linear latency histogram (HDR-like): values below 2·subCount are exact,
// above that every power of two is split into subCount equal buckets, so a recorded
// value is known to within 1/subCount (< 0.8%) of itself. Recording is a few
// instructions and never allocates; each load worker owns one, and they are merged at
// the end.
type Hist struct {
	counts   []uint64
	n        uint64
	sum      float64 // nanoseconds
	min, max int64   // nanoseconds
}

const (
	subBits  = 7
	subCount = 1 << subBits // 128 buckets per power of two: ≤ 0.78% relative error
	// The highest index is that of 2^64-1: shift 64-(subBits+1), mantissa 2·subCount-1.
	histLen = (64-subBits-1)*subCount + 2*subCount
)

// NewHist returns an empty histogram.
func NewHist() *Hist {
	return &Hist{counts: make([]uint64, histLen), min: math.MaxInt64}
}

// bucketOf is the index of v (v ≥ 0).
func bucketOf(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(v) - (subBits + 1)
	return shift*subCount + int(v>>uint(shift))
}

// bucketRange is the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < 2*subCount {
		return uint64(i), uint64(i)
	}
	shift := i/subCount - 1
	m := uint64(i - shift*subCount)
	return m << uint(shift), (m+1)<<uint(shift) - 1
}

// Record adds one latency.
func (h *Hist) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(uint64(v))]++
	h.n++
	h.sum += float64(v)
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

// Merge adds o's values to h.
func (h *Hist) Merge(o *Hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count is the number of recorded values.
func (h *Hist) Count() uint64 { return h.n }

// Max is the largest recorded value (exact).
func (h *Hist) Max() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.max)
}

// Mean is the mean of the recorded values (exact).
func (h *Hist) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the q-quantile (0 < q ≤ 1): the value below or at which a fraction q
// of the recorded values lie, as the midpoint of its bucket clamped to [min, max].
func (h *Hist) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			v := int64(lo + (hi-lo)/2)
			return time.Duration(min(max(v, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}
