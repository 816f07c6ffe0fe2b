package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsAreContiguous(t *testing.T) {
	var next uint64
	for i := 0; i < histLen; i++ {
		lo, hi := bucketRange(i)
		if lo != next || hi < lo {
			t.Fatalf("bucket %d = [%d, %d], want it to start at %d", i, lo, hi, next)
		}
		if i >= 2*subCount && float64(hi-lo+1)/float64(lo) > 1.0/subCount+1e-12 {
			t.Fatalf("bucket %d = [%d, %d] is wider than 1/%d of its value", i, lo, hi, subCount)
		}
		next = hi + 1
		if next == 0 { // wrapped: the last bucket ends at 2^64-1
			if i != histLen-1 {
				t.Fatalf("buckets end at index %d, histLen is %d", i, histLen)
			}
			return
		}
	}
	t.Fatalf("buckets stop at %d before covering uint64", next)
}

func TestBucketOfRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := r.Uint64() >> r.UintN(64)
		lo, hi := bucketRange(bucketOf(v))
		if v < lo || v > hi {
			t.Fatalf("value %d landed in bucket [%d, %d]", v, lo, hi)
		}
	}
}

func TestQuantilesWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var vals []time.Duration
	a, b := NewHist(), NewHist()
	for i := range 200000 {
		// Log-normal-ish latencies between ~50µs and ~50ms.
		v := time.Duration(50e3 * (1 + r.ExpFloat64()*r.ExpFloat64()*20))
		vals = append(vals, v)
		if i%2 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(b)
	slices.Sort(vals)
	if a.Count() != uint64(len(vals)) {
		t.Fatalf("count %d, want %d", a.Count(), len(vals))
	}
	if a.Max() != vals[len(vals)-1] {
		t.Fatalf("max %v, want %v", a.Max(), vals[len(vals)-1])
	}
	for _, q := range []float64{0.001, 0.5, 0.9, 0.99, 0.999, 1} {
		want := vals[int(q*float64(len(vals))+0.999999)-1]
		got := a.Quantile(q)
		if d := float64(got-want) / float64(want); d > 0.01 || d < -0.01 {
			t.Errorf("q%.3f = %v, exact %v (%.2f%% off)", q, got, want, 100*d)
		}
	}
}

func TestEmptyAndSmall(t *testing.T) {
	h := NewHist()
	if h.Quantile(0.99) != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram should report zeros")
	}
	for _, v := range []time.Duration{3, 1, 2} {
		h.Record(v)
	}
	if got := h.Quantile(0.5); got != 2 {
		t.Fatalf("median of 1,2,3 = %v", got)
	}
	if got := h.Quantile(1); got != 3 {
		t.Fatalf("max quantile = %v", got)
	}
}
