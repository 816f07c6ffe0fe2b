package main

import (
	"bufio"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The open-loop generator offers requests on a fixed schedule, whatever the server does:
// request i of a segment of rate R is due at the segment's start + i/R, and its latency is
// measured from that due time, not from when it was sent, so that a server that stalls
// is charged for every request that should have gone out meanwhile (no coordinated
// omission). Workers, each on its own keep-alive connection, claim due requests in order
// from one counter; when every worker is busy, the next due requests wait and their
// waiting counts in their latency. lag records how late requests were sent, so that a
// generator that cannot keep up is seen as such.

// segment is a stretch of the schedule at one rate.
type segment struct {
	Name string        `json:"name"`
	Rate float64       `json:"requestsPerSecond"`
	Dur  time.Duration `json:"-"`
}

// binWidth is the width of the throughput bins (by completion time).
const binWidth = 250 * time.Millisecond

// segResult is what one segment measured.
type segResult struct {
	Offered  uint64            // requests due in the segment
	Status   map[int]uint64    // answers by HTTP status
	Errors   map[string]uint64 // connection errors and timeouts
	Accepted *Hist             // latency of the 200 answers, from the due time
	Rejected *Hist             // latency of the 429 and 503 answers, from the due time
	Lag      *Hist             // how late requests were sent
	// AccSent and RejSent are the same latencies from the moment the request was sent:
	// the server's part, without the generator's lag.
	AccSent, RejSent *Hist
}

func newSegResult() *segResult {
	return &segResult{Status: map[int]uint64{}, Errors: map[string]uint64{}, Accepted: NewHist(), Rejected: NewHist(), Lag: NewHist(), AccSent: NewHist(), RejSent: NewHist()}
}

func (s *segResult) merge(o *segResult) {
	s.Offered += o.Offered
	for k, v := range o.Status {
		s.Status[k] += v
	}
	for k, v := range o.Errors {
		s.Errors[k] += v
	}
	s.Accepted.Merge(o.Accepted)
	s.Rejected.Merge(o.Rejected)
	s.Lag.Merge(o.Lag)
	s.AccSent.Merge(o.AccSent)
	s.RejSent.Merge(o.RejSent)
}

// openResult is the outcome of a schedule.
type openResult struct {
	Start time.Time
	Segs  []*segResult
	// OK200 counts the 200 answers completed in each binWidth from Start; Due the
	// requests due in each.
	OK200, Due []uint64
}

// schedule maps request indexes to due times.
type schedule struct {
	segs  []segment
	first []int64         // index of each segment's first request
	start []time.Duration // each segment's start, from the schedule's
	total int64
}

func newSchedule(segs []segment) *schedule {
	s := &schedule{segs: segs}
	var at time.Duration
	for _, g := range segs {
		s.first = append(s.first, s.total)
		s.start = append(s.start, at)
		s.total += int64(g.Rate * g.Dur.Seconds())
		at += g.Dur
	}
	return s
}

// due returns the segment of request i and its due time from the schedule's start.
func (s *schedule) due(i int64) (int, time.Duration) {
	k := len(s.segs) - 1
	for k > 0 && i < s.first[k] {
		k--
	}
	n := i - s.first[k]
	return k, s.start[k] + time.Duration(float64(n)/s.segs[k].Rate*float64(time.Second))
}

// openLoop runs the schedule from start against addr with conns connections
// (reqs[i%len] on connection i), each request given timeout to be answered.
func openLoop(start time.Time, addr string, reqs [][]byte, conns int, segs []segment, timeout time.Duration) *openResult {
	sch := newSchedule(segs)
	var total time.Duration
	for _, g := range segs {
		total += g.Dur
	}
	nbins := int(total/binWidth) + 1 + int(timeout/binWidth)
	var next atomic.Int64
	type workerOut struct {
		segs  []*segResult
		ok200 []uint64
	}
	outs := make([]*workerOut, conns)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			out := &workerOut{ok200: make([]uint64, nbins)}
			for range segs {
				out.segs = append(out.segs, newSegResult())
			}
			outs[w] = out
			req := reqs[w%len(reqs)]
			var conn net.Conn
			var br *bufio.Reader
			defer func() {
				if conn != nil {
					conn.Close()
				}
			}()
			for {
				i := next.Add(1) - 1
				if i >= sch.total {
					return
				}
				k, at := sch.due(i)
				due := start.Add(at)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				res := out.segs[k]
				if conn == nil {
					c, err := net.DialTimeout("tcp", addr, timeout)
					if err != nil {
						res.Errors["connect: "+shortErr(err)]++
						continue
					}
					conn = c
					br = bufio.NewReaderSize(conn, 16<<10)
				}
				sent := time.Now()
				res.Lag.Record(sent.Sub(due))
				conn.SetDeadline(sent.Add(timeout))
				_, err := conn.Write(req)
				var code int
				var closing bool
				if err == nil {
					code, closing, err = readResponse(br)
				}
				done := time.Now()
				if err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						res.Errors["no answer within "+timeout.String()]++
					} else {
						res.Errors["connection: "+shortErr(err)]++
					}
					conn.Close()
					conn = nil
					continue
				}
				res.Status[code]++
				switch code {
				case 200:
					res.Accepted.Record(done.Sub(due))
					res.AccSent.Record(done.Sub(sent))
					if b := int(done.Sub(start) / binWidth); b >= 0 && b < nbins {
						out.ok200[b]++
					}
				case 429, 503:
					res.Rejected.Record(done.Sub(due))
					res.RejSent.Record(done.Sub(sent))
				}
				if closing {
					conn.Close()
					conn = nil
				}
			}
		})
	}
	wg.Wait()
	r := &openResult{Start: start, OK200: make([]uint64, nbins), Due: make([]uint64, nbins)}
	for range segs {
		r.Segs = append(r.Segs, newSegResult())
	}
	for _, o := range outs {
		for k, s := range o.segs {
			r.Segs[k].merge(s)
		}
		for b, n := range o.ok200 {
			r.OK200[b] += n
		}
	}
	for i := int64(0); i < sch.total; i++ {
		k, at := sch.due(i)
		r.Segs[k].Offered++
		r.Due[int(at/binWidth)]++
	}
	return r
}

// statusList renders answers by status, e.g. "200: 1234, 503: 56".
func statusList(m map[int]uint64) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	for i := range codes { // insertion sort: a handful of codes
		for j := i; j > 0 && codes[j] < codes[j-1]; j-- {
			codes[j], codes[j-1] = codes[j-1], codes[j]
		}
	}
	s := ""
	for _, c := range codes {
		if s != "" {
			s += ", "
		}
		s += strconv.Itoa(c) + ": " + strconv.FormatUint(m[c], 10)
	}
	return s
}
