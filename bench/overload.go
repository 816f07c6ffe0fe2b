package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
)

// -overload: what linkd does when offered more than it can serve (issue 13, item 5). It
// measures linkd's capacity with the normal closed loop, then runs one open-loop schedule
// (openloop.go): half the capacity for 10 s (the unloaded baseline), twice the capacity
// for -overload-duration, half the capacity again for 10 s (recovery). It checks that
// every answer is 200, 429 or 503 and none is missing, that refusals are fast, that the
// accepted requests keep their latency, that linkd's memory stays bounded, and that
// throughput is back soon after the load drops.

// Targets of -overload.
const (
	normalFactor      = 0.5                   // offered before and after it, × capacity
	normalDuration    = 10 * time.Second      // baseline and recovery segments
	answerTimeout     = 10 * time.Second      // a request not answered by then hung
	targetRejectedP99 = 10 * time.Millisecond // p99 of the 429 and 503 answers
	targetAcceptedP99 = 5.0                   // accepted p99 ≤ this × the baseline's p99
	targetRSS         = 150 << 20             // linkd's peak resident memory, bytes
	targetRecovery    = 2 * time.Second       // throughput back at the normal rate within
	recoveredShare    = 0.9                   // a bin is back when ≥ this share of its due requests got 200 on time
)

type overloadReport struct {
	Machine  machine `json:"machine"`
	Config   any     `json:"config"`
	Capacity summary `json:"capacity"`
	Factor   float64 `json:"overloadFactor"` // offered during the overload, × capacity
	// Segments of the open-loop schedule: baseline, overload, recovery.
	Segments []segmentReport `json:"segments"`
	PeakRSS  float64         `json:"peakRssMiB"` // VmHWM at the end
	// Recovery is the time from the end of the overload until, in every later bin of the
	// recovery segment, recoveredShare of the requests due were answered 200 within
	// OnTimeBound ms; -1: never.
	Recovery    float64   `json:"recoverySeconds"`
	OnTimeBound float64   `json:"onTimeBoundMs"`
	RecoveryOK  []uint64  `json:"recoveryBinsOnTime"` // per bin of the recovery segment
	RecoveryDue []uint64  `json:"recoveryBinsDue"`
	Checks      []ovCheck `json:"checks"`
	Valid       bool      `json:"valid"`
	Problems    []string  `json:"problems,omitempty"`
	Pass        bool      `json:"pass"`
}

type segmentReport struct {
	segment
	Seconds     float64           `json:"seconds"`
	Offered     uint64            `json:"offered"`
	Status      map[int]uint64    `json:"status"`
	Errors      map[string]uint64 `json:"errors,omitempty"`
	AcceptedRPS float64           `json:"acceptedPerSecond"` // 200 answers to the requests due in the segment, per second of it
	// Delivered is the 200 answers that arrived during the segment's own time, per
	// second, whenever they were due: the throughput linkd delivered.
	Delivered float64 `json:"delivered200PerSecond"`
	AccP50    float64 `json:"acceptedP50Ms"`
	AccP99    float64 `json:"acceptedP99Ms"`
	AccMax    float64 `json:"acceptedMaxMs"`
	RejP50    float64 `json:"rejectedP50Ms"`
	RejP99    float64 `json:"rejectedP99Ms"`
	RejMax    float64 `json:"rejectedMaxMs"`
	LagP99    float64 `json:"sendLagP99Ms"`
	// From the moment of sending: the server's part.
	AccSentP99 float64 `json:"acceptedFromSendP99Ms"`
	RejSentP99 float64 `json:"rejectedFromSendP99Ms"`
	// CPU over the segment, in cores: linkd, the generator, everything else.
	LinkdCores   float64 `json:"linkdCores"`
	LoadgenCores float64 `json:"loadgenCores"`
	OtherCores   float64 `json:"otherCores"`
}

type ovCheck struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Target   string `json:"target"`
	Pass     bool   `json:"pass"`
}

func runOverload(o options) int {
	rep := overloadReport{Machine: describeMachine(), Recovery: -1, Factor: o.overloadFactor, Config: map[string]any{
		"captureDuration": o.duration.String(), "warmup": o.warmup.String(), "concurrency": o.concurrency,
		"overloadDuration": o.overloadDuration.String(), "connections": o.connections, "loadgenNice": o.loadgenNice, "linkdFlags": o.linkdFlags}}
	b, err := prepare(o)
	if err != nil {
		logf("%v", err)
		return 1
	}
	defer b.close()
	l := b.l
	if o.loadgenNice != 0 {
		// The generator stands for clients on other machines, whose sending linkd's load
		// cannot delay: it gets the CPU first (linkd and everything else keep nice 0).
		if err := renice(o.loadgenNice); err != nil {
			logf("nice %d for the load generator: %v (its send lag shows what that costs)", o.loadgenNice, err)
		}
	}
	reqHeaders := [][2]string{{"Content-Type", "application/json"}, {"X-Client-Id", l.clientID}, {"X-Client-Secret", l.secret}}
	reqs := make([][]byte, len(b.bodies))
	for i, body := range b.bodies {
		reqs[i] = buildRequest(l.addr, "/api/v1/linktoken", reqHeaders, body)
	}

	logf("capacity: closed loop, %d connections, %v warm-up + %v", o.concurrency, o.warmup, o.duration)
	pid := l.pid()
	capRes, err := runLoad(l.addr, reqs[:o.concurrency], o.concurrency, o.warmup, o.duration, func() cpuSample { return takeSample(pid) })
	if err != nil {
		logf("%v", err)
		return 1
	}
	rep.Capacity = summarize(capRes)
	capacity := rep.Capacity.RPS
	logf("  %.0f requests/s, p99 %.2f ms, %d errors", capacity, rep.Capacity.P99, rep.Capacity.Errors)
	if rep.Capacity.Errors > 0 || capacity <= 0 {
		rep.Problems = append(rep.Problems, "the capacity run had error answers or none at all")
		return finishOverload(o, &rep)
	}
	time.Sleep(time.Second)

	segs := []segment{
		{Name: "baseline", Rate: normalFactor * capacity, Dur: normalDuration},
		{Name: "overload", Rate: o.overloadFactor * capacity, Dur: o.overloadDuration},
		{Name: "recovery", Rate: normalFactor * capacity, Dur: normalDuration},
	}
	logf("open loop, %d connections: %.0f/s for %v, %.0f/s for %v, %.0f/s for %v", o.connections,
		segs[0].Rate, segs[0].Dur, segs[1].Rate, segs[1].Dur, segs[2].Rate, segs[2].Dur)
	// One P for the open loop: its goroutines wake at scattered times, and with two Ps
	// the runtime spent a third of the generator's CPU handing work between threads
	// (futex wake-ups, work stealing) instead of sending.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rss := sampleRSS(pid)
	start := time.Now().Add(200 * time.Millisecond)
	cpu := sampleSegments(start, segs, pid)
	res := openLoop(start, l.addr, reqs, o.connections, segs, answerTimeout)
	peakRSS := rss.stop()
	samples := <-cpu
	rep.PeakRSS = float64(peakRSS) / (1 << 20)

	for k, g := range segs {
		s := res.Segs[k]
		sr := segmentReport{segment: g, Seconds: g.Dur.Seconds(), Offered: s.Offered, Status: s.Status, Errors: s.Errors,
			AcceptedRPS: float64(s.Status[200]) / g.Dur.Seconds(),
			AccP50:      ms(s.Accepted.Quantile(.5)), AccP99: ms(s.Accepted.Quantile(.99)), AccMax: ms(s.Accepted.Max()),
			RejP50: ms(s.Rejected.Quantile(.5)), RejP99: ms(s.Rejected.Quantile(.99)), RejMax: ms(s.Rejected.Max()),
			LagP99: ms(s.Lag.Quantile(.99)), AccSentP99: ms(s.AccSent.Quantile(.99)), RejSentP99: ms(s.RejSent.Quantile(.99))}
		sr.LinkdCores, sr.LoadgenCores, sr.OtherCores = cores(samples[k], samples[k+1], g.Dur)
		var segStart time.Duration
		for _, p := range segs[:k] {
			segStart += p.Dur
		}
		var delivered uint64
		for b := int(segStart / binWidth); b < int((segStart+g.Dur)/binWidth); b++ {
			delivered += res.Done200[b]
		}
		sr.Delivered = float64(delivered) / g.Dur.Seconds()
		rep.Segments = append(rep.Segments, sr)
		logf("  %s: %s; accepted p99 %.2f ms, rejected p99 %.2f ms", g.Name, statusList(s.Status), sr.AccP99, sr.RejP99)
	}

	// Recovery: the first bin of the recovery segment from which on the requests due in
	// every bin were answered 200 on time (within targetAcceptedP99 × the baseline's p99,
	// rounded up to one of onTimeBounds): throughput at the normal rate, and no backlog.
	bound := len(onTimeBounds) - 1
	for j, d := range onTimeBounds {
		if ms(d) >= targetAcceptedP99*rep.Segments[0].AccP99 {
			bound = j
			break
		}
	}
	rep.OnTimeBound = ms(onTimeBounds[bound])
	ovEnd := segs[0].Dur + segs[1].Dur
	first := int(ovEnd / binWidth)
	last := int((ovEnd+segs[2].Dur)/binWidth) - 1
	for b := first; b <= last; b++ {
		rep.RecoveryOK = append(rep.RecoveryOK, res.OnTime[b][bound])
		rep.RecoveryDue = append(rep.RecoveryDue, res.Due[b])
	}
	for b := last; b >= first && float64(res.OnTime[b][bound]) >= recoveredShare*float64(res.Due[b]); b-- {
		rep.Recovery = (time.Duration(b)*binWidth - ovEnd).Seconds()
	}

	// Every answer 200, 429 or 503; none missing.
	var odd, lost []string
	for k, s := range res.Segs {
		for code, n := range s.Status {
			if code != 200 && code != 429 && code != 503 {
				odd = append(odd, fmt.Sprintf("%s: %d× %d", segs[k].Name, n, code))
			}
		}
		for e, n := range s.Errors {
			lost = append(lost, fmt.Sprintf("%s: %d× %s", segs[k].Name, n, e))
		}
	}
	base, over := rep.Segments[0], rep.Segments[1]
	healthy := l.healthy()
	rep.Checks = []ovCheck{
		{"every answer is 200, 429 or 503", orNone(odd), "no other status", len(odd) == 0},
		{"nothing hangs", orNone(lost), fmt.Sprintf("every request answered within %v, no connection error; /healthz 200 after", answerTimeout),
			len(lost) == 0 && healthy},
		{"refusals are fast (overload, p99 of 429 and 503)", fmt.Sprintf("%.2f ms (%d refusals)", over.RejP99, over.Status[429]+over.Status[503]),
			fmt.Sprintf("< %v", targetRejectedP99), over.RejP99 < ms(targetRejectedP99)},
		{"accepted p99 (overload) / p99 (baseline)", fmt.Sprintf("%.2f (%.2f ms / %.2f ms)", ratio(over.AccP99, base.AccP99), over.AccP99, base.AccP99),
			fmt.Sprintf("≤ %.1f", targetAcceptedP99), base.AccP99 > 0 && over.AccP99 <= targetAcceptedP99*base.AccP99},
		{"peak RSS of linkd (VmHWM)", fmt.Sprintf("%.1f MiB", rep.PeakRSS), fmt.Sprintf("< %d MiB", targetRSS>>20), peakRSS > 0 && peakRSS < targetRSS},
		{"throughput back after the overload", recoveryText(rep.Recovery), fmt.Sprintf("≤ %v", targetRecovery),
			rep.Recovery >= 0 && rep.Recovery <= targetRecovery.Seconds()},
	}
	rep.Valid = true
	rep.Pass = true
	for _, c := range rep.Checks {
		rep.Pass = rep.Pass && c.Pass
	}
	return finishOverload(o, &rep)
}

func finishOverload(o options, rep *overloadReport) int {
	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printOverload(os.Stdout, rep)
	}
	return exitStatus(rep.Valid, rep.Pass)
}

func printOverload(w io.Writer, r *overloadReport) {
	m := r.Machine
	fmt.Fprintf(w, "linkd overload benchmark: POST /api/v1/linktoken, open loop at %.2f× and %.2f× the measured capacity\n", normalFactor, r.Factor)
	fmt.Fprintf(w, "machine: %d CPUs (%s), GOMAXPROCS %d, %s, commit %s, load average at start %s\n",
		m.NumCPU, m.CPU, m.GOMAXPROCS, m.GoVersion, m.Commit, m.LoadAvg)
	if f, _ := r.Config.(map[string]any)["linkdFlags"].(string); f != "" {
		fmt.Fprintf(w, "NOT THE DEFAULT CONFIGURATION: linkd serve %s\n", f)
	}
	c := r.Capacity
	fmt.Fprintf(w, "capacity (closed loop): %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d errors\n\n", c.RPS, c.P50, c.P99, c.Errors)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "segment\toffered/s\ts\tanswers\taccepted/s\t200 delivered/s\taccepted p50 ms\tp99 ms\tmax ms\trefused p50 ms\tp99 ms\tmax ms\tsend lag p99 ms\tfrom send: accepted p99\trefused p99\tcores: linkd\tloadgen\tothers\t")
	for _, s := range r.Segments {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%s\t%.0f\t%.0f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", s.Name, s.Rate, s.Seconds,
			statusList(s.Status), s.AcceptedRPS, s.Delivered, s.AccP50, s.AccP99, s.AccMax, s.RejP50, s.RejP99, s.RejMax, s.LagP99, s.AccSentP99, s.RejSentP99,
			s.LinkdCores, s.LoadgenCores, s.OtherCores)
	}
	tw.Flush()
	if len(r.RecoveryOK) > 0 {
		fmt.Fprintf(w, "\nafter the overload, per %v of due requests: answered 200 within %.0f ms (due): ", binWidth, r.OnTimeBound)
		for i := range min(len(r.RecoveryOK), 12) {
			fmt.Fprintf(w, "%d (%d) ", r.RecoveryOK[i], r.RecoveryDue[i])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	for _, ch := range r.Checks {
		fmt.Fprintf(w, "%-50s %-34s (target %s)  %s\n", ch.Name, ch.Measured, ch.Target, passFail(ch.Pass))
	}
	printVerdict(w, r.Problems, r.Valid, r.Pass)
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

func recoveryText(s float64) string {
	if s < 0 {
		return "not within the recovery segment"
	}
	return fmt.Sprintf("%.2f s", s)
}

// sampleSegments takes a CPU sample at start and at the end of each segment; the
// channel delivers them once the last is taken.
func sampleSegments(start time.Time, segs []segment, pid int) <-chan []cpuSample {
	out := make(chan []cpuSample, 1)
	go func() {
		at := start
		time.Sleep(time.Until(at))
		samples := []cpuSample{takeSample(pid)}
		for _, g := range segs {
			at = at.Add(g.Dur)
			time.Sleep(time.Until(at))
			samples = append(samples, takeSample(pid))
		}
		out <- samples
	}()
	return out
}

// cores is the CPU used between two samples, in cores, by linkd, by the load
// generator (this process) and by everything else on the machine.
func cores(a, b cpuSample, d time.Duration) (linkd, loadgen, others float64) {
	linkd = (b.server - a.server).Seconds() / d.Seconds()
	loadgen = (b.loadgen - a.loadgen).Seconds() / d.Seconds()
	busy := float64(b.machine.busy-a.machine.busy) / clockTicks / d.Seconds()
	return linkd, loadgen, max(0, busy-linkd-loadgen)
}

// renice sets the nice value of every thread of this process (Linux applies
// setpriority to one thread; threads started later inherit it from their creator).
func renice(n int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil {
			return err
		}
	}
	return nil
}

// healthy reports whether linkd answers GET /healthz with 200.
func (l *linkd) healthy() bool {
	resp, err := http.Get("http://" + l.addr + "/healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// rssSampler samples a process's resident memory (VmRSS) every 100 ms; stop returns the
// peak: VmHWM (the kernel's own high-water mark) if it can be read, else the largest
// sample.
type rssSampler struct {
	pid  int
	done chan struct{}
	wg   sync.WaitGroup
	max  uint64
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if v := procStatusKB(pid, "VmRSS"); v > s.max {
				s.max = v
			}
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *rssSampler) stop() uint64 {
	close(s.done)
	s.wg.Wait()
	if hwm := procStatusKB(s.pid, "VmHWM"); hwm > 0 {
		return max(hwm, s.max) << 10
	}
	return s.max << 10
}

// procStatusKB reads a "kB" field of /proc/PID/status (0 if it cannot).
func procStatusKB(pid int, field string) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseUint(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
