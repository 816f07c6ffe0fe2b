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

// binWidth is the width of the throughput bins (by due time).
const binWidth = 250 * time.Millisecond

// onTimeBounds are the latency bounds OnTime counts under: the recovery check picks the
// smallest one above its own bound.
var onTimeBounds = [...]time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2 * time.Second, 5 * time.Second, 10 * time.Second}

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
	// OnTime[b][j] counts the requests due in the b-th binWidth from Start that were
	// answered 200 within onTimeBounds[j] of their due time; Due[b] the requests due in
	// it.
	OnTime [][len(onTimeBounds)]uint64
	Due    []uint64
	// Done200[b] counts the 200 answers that arrived in the b-th binWidth from Start,
	// whenever they were due: the throughput the server delivered.
	Done200 []uint64
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
	// Results go to a few shards, not one set per worker: a set of histograms is
	// ~0.9 MB, and a thousand of them would make the generator's memory, not the server,
	// the thing measured.
	shards := make([]*resultShard, 16)
	for i := range shards {
		shards[i] = &resultShard{onTime: make([][len(onTimeBounds)]uint64, nbins), done200: make([]uint64, nbins)}
		for range segs {
			shards[i].segs = append(shards[i].segs, newSegResult())
		}
	}
	workers := make([]*workerState, conns)
	for i := range workers {
		workers[i] = &workerState{}
	}
	stopWatch := watchdog(workers, timeout)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			sh := shards[w%len(shards)]
			ws := workers[w]
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
				if conn == nil {
					c, err := net.DialTimeout("tcp", addr, timeout)
					if err != nil {
						sh.error(k, "connect: "+shortErr(err))
						continue
					}
					conn = c
					br = bufio.NewReaderSize(conn, 16<<10)
				}
				sent := time.Now()
				ws.start(conn, sent)
				_, err := conn.Write(req)
				var code int
				var closing bool
				if err == nil {
					code, closing, err = readResponse(br)
				}
				done := time.Now()
				hung := ws.end()
				if err != nil {
					if hung {
						sh.error(k, "no answer within "+timeout.String())
					} else {
						sh.error(k, "connection: "+shortErr(err))
					}
					conn.Close()
					conn = nil
					continue
				}
				sh.record(k, code, due, sent, done, start)
				if closing {
					conn.Close()
					conn = nil
				}
			}
		})
	}
	wg.Wait()
	stopWatch()
	r := &openResult{Start: start, OnTime: make([][len(onTimeBounds)]uint64, nbins), Due: make([]uint64, nbins),
		Done200: make([]uint64, nbins)}
	for range segs {
		r.Segs = append(r.Segs, newSegResult())
	}
	for _, sh := range shards {
		for k, s := range sh.segs {
			r.Segs[k].merge(s)
		}
		for b, n := range sh.done200 {
			r.Done200[b] += n
		}
		for b, counts := range sh.onTime {
			for j, n := range counts {
				r.OnTime[b][j] += n
			}
		}
	}
	for i := int64(0); i < sch.total; i++ {
		k, at := sch.due(i)
		r.Segs[k].Offered++
		r.Due[int(at/binWidth)]++
	}
	return r
}

// resultShard collects the results of some workers.
type resultShard struct {
	mu      sync.Mutex
	segs    []*segResult
	onTime  [][len(onTimeBounds)]uint64
	done200 []uint64
}

func (sh *resultShard) error(seg int, what string) {
	sh.mu.Lock()
	sh.segs[seg].Errors[what]++
	sh.mu.Unlock()
}

// record records an answer with this status to a request due at due, sent at sent and
// answered at done.
func (sh *resultShard) record(seg, code int, due, sent, done, start time.Time) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	res := sh.segs[seg]
	res.Lag.Record(sent.Sub(due))
	res.Status[code]++
	switch code {
	case 200:
		res.Accepted.Record(done.Sub(due))
		res.AccSent.Record(done.Sub(sent))
		if b := int(done.Sub(start) / binWidth); b >= 0 && b < len(sh.done200) {
			sh.done200[b]++
		}
		if b := int(due.Sub(start) / binWidth); b >= 0 && b < len(sh.onTime) {
			for j, bound := range onTimeBounds {
				if done.Sub(due) <= bound {
					sh.onTime[b][j]++
				}
			}
		}
	case 429, 503:
		res.Rejected.Record(done.Sub(due))
		res.RejSent.Record(done.Sub(sent))
	}
}

// workerState is what the watchdog sees of a worker: the request it waits for, if any.
// (A deadline set on the connection for every request cost the generator more CPU than
// the rest of its work.)
type workerState struct {
	mu    sync.Mutex
	conn  net.Conn
	since time.Time // zero: no request in flight
	hung  bool
}

func (ws *workerState) start(c net.Conn, at time.Time) {
	ws.mu.Lock()
	ws.conn, ws.since = c, at
	ws.mu.Unlock()
}

// end marks the request answered (or failed) and reports whether the watchdog cut it.
func (ws *workerState) end() bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	hung := ws.hung
	ws.since, ws.hung = time.Time{}, false
	return hung
}

// watchdog closes the connection of a request not answered within timeout, every
// 100 ms, until stop is called.
func watchdog(workers []*workerState, timeout time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				for _, ws := range workers {
					ws.mu.Lock()
					if !ws.since.IsZero() && now.Sub(ws.since) > timeout && !ws.hung {
						ws.hung = true
						ws.conn.Close()
					}
					ws.mu.Unlock()
				}
			}
		}
	}()
	return func() { close(done) }
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
