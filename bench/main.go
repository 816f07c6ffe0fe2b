// Command bench is linkd's load benchmark: POST /api/v1/linktoken on the embedded store
// against a bare net/http ceiling, measured in the same run on the same machine.
//
//	go run ./bench [-duration 10s] [-warmup 3s] [-concurrency 32] [-rounds 2] [-json]
//
// It builds ./cmd/linkd, starts it with its default configuration on a fresh database,
// starts the ceiling (a static answer of the same size and headers), and loads each in
// turn with a closed loop of keep-alive connections. It prints requests/s and latency
// percentiles of both, the ratios against the targets, and checks that every token
// answered with 200 is in the database after linkd is killed. See bench/README.md.
//
// Exit status: 0 targets met; 1 invalid run (an error answer, a lost token, a setup
// failure); 2 bad flags; 3 valid run that missed a target.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// Targets of the issue.
const (
	targetThroughput = 0.45 // linkd requests/s ≥ this × the ceiling's
	targetP99        = 3.0  // linkd p99 ≤ this × the ceiling's
)

// Addresses of the typical request: the EIP-55 checksummed example of EIP-55 itself,
// and a valid Solana address (32 bytes in base58).
const (
	ethAddress = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	solAddress = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"
)

type options struct {
	duration, warmup time.Duration
	concurrency      int
	rounds           int
	jsonOut          bool
	linkdBin         string
	keep             bool
	stop             string
	linkdFlags       string
	// -overload mode (overload.go).
	overload         bool
	overloadDuration time.Duration
	connections      int
	loadgenNice      int
	overloadFactor   float64
	cpuProfile       string
}

func main() {
	var o options
	var ceilingAddr, ceilingSpecJSON string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per phase (one server, one round)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before each phase")
	fs.IntVar(&o.concurrency, "concurrency", 32, "keep-alive connections, each with one request in flight")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds; each loads the ceiling and linkd once, alternating which goes first")
	fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON on stdout (progress goes to stderr)")
	fs.StringVar(&o.linkdBin, "linkd", "", "linkd binary to benchmark (default: go build ./cmd/linkd of this repository)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (linkd's database and log)")
	fs.StringVar(&o.stop, "stop", "kill", "how linkd is stopped before the row count: kill (SIGKILL under load, a crash) or term (graceful, after the load)")
	fs.StringVar(&o.linkdFlags, "linkd-flags", "", "extra flags for linkd serve, space-separated (experiments only: the benchmark is linkd's defaults)")
	fs.BoolVar(&o.overload, "overload", false, "overload mode: measure capacity, then offer twice that on a fixed schedule (bench/README.md, \"Overload\")")
	fs.DurationVar(&o.overloadDuration, "overload-duration", 30*time.Second, "-overload: how long twice the capacity is offered")
	fs.IntVar(&o.connections, "connections", 1024, "-overload: keep-alive connections of the open-loop generator")
	fs.Float64Var(&o.overloadFactor, "overload-factor", 2, "-overload: what is offered during the overload, × the measured capacity")
	fs.IntVar(&o.loadgenNice, "loadgen-nice", -5, "-overload: nice value of the load generator (0: leave it)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file")
	fs.StringVar(&ceilingAddr, "serve-ceiling", "", "internal: run the ceiling server on this address")
	fs.StringVar(&ceilingSpecJSON, "ceiling-spec", "", "internal: what the ceiling answers (JSON)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if ceilingAddr != "" {
		if err := serveCeiling(ceilingAddr, ceilingSpecJSON); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}
	if o.duration <= 0 || o.warmup < 0 || o.concurrency < 1 || o.rounds < 1 || (o.stop != "kill" && o.stop != "term") {
		fmt.Fprintln(os.Stderr, "bench: -duration > 0, -warmup ≥ 0, -concurrency ≥ 1, -rounds ≥ 1, -stop kill|term")
		os.Exit(2)
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	if o.overload {
		if o.overloadDuration <= 0 || o.connections < 1 || o.overloadFactor <= 0 {
			fmt.Fprintln(os.Stderr, "bench: -overload-duration > 0, -connections ≥ 1, -overload-factor > 0")
			os.Exit(2)
		}
		exit(runOverload(o))
	}
	exit(run(o))
}

// exit ends the process with status code, after the CPU profile (if any) is written.
func exit(code int) {
	pprof.StopCPUProfile()
	os.Exit(code)
}

// report is the outcome of a run (the -json output).
type report struct {
	Machine     machine          `json:"machine"`
	Config      runConfig        `json:"config"`
	Phases      []phaseReport    `json:"phases"`
	Ceiling     summary          `json:"ceiling"`
	Linkd       summary          `json:"linkd"`
	Ratios      ratios           `json:"ratios"`
	Durability  durability       `json:"durability"`
	GroupCommit *groupCommitInfo `json:"groupCommit,omitempty"`
	Valid       bool             `json:"valid"`
	Problems    []string         `json:"problems,omitempty"`
	Pass        bool             `json:"pass"`
}

type machine struct {
	NumCPU     int     `json:"numCpu"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	CPU        string  `json:"cpu"`
	GoVersion  string  `json:"goVersion"`
	Commit     string  `json:"commit"`
	LoadAvg    string  `json:"loadAvgAtStart"`
	StealPct   float64 `json:"stealPct"` // CPU time stolen by the hypervisor during the measured windows
}

type runConfig struct {
	Duration     string `json:"duration"`
	Warmup       string `json:"warmup"`
	Concurrency  int    `json:"concurrency"`
	Rounds       int    `json:"rounds"`
	RequestBytes int    `json:"requestBodyBytes"`
	AnswerBytes  int    `json:"answerBodyBytes"`
	AnswerHdrs   int    `json:"answerHeaders"`
	Stop         string `json:"stop"`
	LinkdFlags   string `json:"linkdFlags,omitempty"`
}

type phaseReport struct {
	Round  int    `json:"round"`
	Server string `json:"server"`
	summary
}

type summary struct {
	Requests     uint64   `json:"requests"`
	RPS          float64  `json:"requestsPerSecond"`
	P50          float64  `json:"p50Ms"`
	P90          float64  `json:"p90Ms"`
	P99          float64  `json:"p99Ms"`
	Max          float64  `json:"maxMs"`
	Mean         float64  `json:"meanMs"`
	Errors       uint64   `json:"errors"`
	ErrorList    []string `json:"errorList,omitempty"`
	ServerCPUUs  float64  `json:"serverCpuUsPerRequest"`
	LoadgenCPUUs float64  `json:"loadgenCpuUsPerRequest"`
	MachineBusy  float64  `json:"machineBusyPct"`
	// OtherCores is the CPU used meanwhile by everything but the server and the load
	// generator (other processes, kernel work not charged to them), in cores.
	OtherCores float64 `json:"otherCores"`
}

type ratios struct {
	Throughput     float64 `json:"linkdOverCeilingRequestsPerSecond"`
	ThroughputPass bool    `json:"throughputPass"`
	P99            float64 `json:"linkdP99OverCeilingP99"`
	P99Pass        bool    `json:"p99Pass"`
}

type durability struct {
	Answered200  uint64 `json:"answered200"`
	Rows         int64  `json:"linkCodeRows"`
	IssuedMetric int64  `json:"issuedMetric"`
	StoppedWith  string `json:"stoppedWith"`
	// InFlight bounds the rows beyond the answers: with -stop kill, linkd is killed under
	// load, and the requests in flight then may have been stored without their answer
	// arriving (one code each: the bench's bodies ask for no payment link).
	InFlight      uint64 `json:"inFlight"`
	NothingLost   bool   `json:"nothingLost"`
	CheckedFailed string `json:"checkFailed,omitempty"`
}

type groupCommitInfo struct {
	Batches  float64 `json:"batches"`
	Ops      float64 `json:"ops"`
	MeanSize float64 `json:"meanSize"`
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(o options) int {
	rep := report{Machine: describeMachine(), Config: runConfig{Duration: o.duration.String(), Warmup: o.warmup.String(),
		Concurrency: o.concurrency, Rounds: o.rounds, Stop: o.stop, LinkdFlags: o.linkdFlags}}

	b, err := prepare(o)
	if err != nil {
		logf("%v", err)
		return 1
	}
	defer b.close()
	l, bodies := b.l, b.bodies
	size, hdrs, err := l.probe(bodies[0])
	if err != nil {
		logf("%v", err)
		return 1
	}
	var probe200 uint64 = 1
	rep.Config.RequestBytes, rep.Config.AnswerBytes, rep.Config.AnswerHdrs = len(bodies[0]), size, len(hdrs)+2

	ceil, ceilAddr, err := startCeiling(ceilingSpec{BodySize: size, Headers: hdrs})
	if err != nil {
		logf("%v", err)
		return 1
	}
	defer func() { ceil.Process.Kill(); ceil.Wait() }()
	logf("ceiling pid %d on %s", ceil.Process.Pid, ceilAddr)
	if csize, chdrs, err := probeCeiling(ceilAddr, bodies[0]); err != nil || csize != size || len(chdrs) != len(hdrs) {
		logf("the ceiling does not answer like linkd: %d bytes and %d headers, want %d and %d (%v)", csize, len(chdrs), size, len(hdrs), err)
		return 1
	}

	reqHeaders := [][2]string{{"Content-Type", "application/json"}, {"X-Client-Id", l.clientID}, {"X-Client-Secret", l.secret}}
	requestsFor := func(addr string) [][]byte {
		reqs := make([][]byte, len(bodies))
		for i, b := range bodies {
			reqs[i] = buildRequest(addr, "/api/v1/linktoken", reqHeaders, b)
		}
		return reqs
	}
	type server struct {
		name string
		addr string
		pid  int
		reqs [][]byte
	}
	servers := []server{
		{"ceiling", ceilAddr, ceil.Process.Pid, requestsFor(ceilAddr)},
		{"linkd", l.addr, l.pid(), requestsFor(l.addr)},
	}
	pooled := map[string]*phaseResult{}
	var linkd200 uint64
	var stealJiffies, totalJiffies uint64
	for round := 1; round <= o.rounds; round++ {
		order := []server{servers[0], servers[1]}
		if round%2 == 0 {
			order[0], order[1] = order[1], order[0]
		}
		for _, s := range order {
			logf("round %d/%d: %s, %v warm-up + %v", round, o.rounds, s.name, o.warmup, o.duration)
			pid := s.pid
			res, err := runLoad(s.addr, s.reqs, o.concurrency, o.warmup, o.duration, func() cpuSample { return takeSample(pid) })
			if err != nil {
				logf("%v", err)
				return 1
			}
			if s.name == "linkd" {
				linkd200 += res.All200
			}
			sum := summarize(res)
			rep.Phases = append(rep.Phases, phaseReport{Round: round, Server: s.name, summary: sum})
			stealJiffies += res.After.machine.steal - res.Before.machine.steal
			totalJiffies += res.After.machine.total - res.Before.machine.total
			if p := pooled[s.name]; p == nil {
				pooled[s.name] = res
			} else {
				p.Hist.Merge(res.Hist)
				p.OK += res.OK
				p.All200 += res.All200
				p.Measured += res.Measured
				for k, v := range res.Errors {
					p.Errors[k] += v
				}
				p.After.server += res.After.server - res.Before.server
				p.After.loadgen += res.After.loadgen - res.Before.loadgen
				p.After.machine.busy += res.After.machine.busy - res.Before.machine.busy
				p.After.machine.total += res.After.machine.total - res.Before.machine.total
			}
			logf("  %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d errors", sum.RPS, sum.P50, sum.P99, sum.Errors)
			time.Sleep(500 * time.Millisecond) // let the server settle (GC, WAL checkpoint)
		}
	}
	if totalJiffies > 0 {
		rep.Machine.StealPct = 100 * float64(stealJiffies) / float64(totalJiffies)
	}
	rep.Ceiling = summarize(pooled["ceiling"])
	rep.Linkd = summarize(pooled["linkd"])
	if rep.Ceiling.RPS > 0 {
		rep.Ratios.Throughput = rep.Linkd.RPS / rep.Ceiling.RPS
	}
	if rep.Ceiling.P99 > 0 {
		rep.Ratios.P99 = rep.Linkd.P99 / rep.Ceiling.P99
	}
	rep.Ratios.ThroughputPass = rep.Ratios.Throughput >= targetThroughput
	rep.Ratios.P99Pass = rep.Ratios.P99 > 0 && rep.Ratios.P99 <= targetP99

	// linkd's own count of issued tokens, and the group-commit size if linkd exports it.
	if m, err := l.metrics("linkd_link_tokens_issued_total", "linkd_store_commit_batches_total", "linkd_store_commit_ops_total"); err == nil {
		rep.Durability.IssuedMetric = int64(m["linkd_link_tokens_issued_total"])
		if b, ok := m["linkd_store_commit_batches_total"]; ok && b > 0 {
			rep.GroupCommit = &groupCommitInfo{Batches: b, Ops: m["linkd_store_commit_ops_total"], MeanSize: m["linkd_store_commit_ops_total"] / b}
		}
	}

	// Nothing accepted is lost: every 200 is a row, after linkd is stopped and restarted.
	d := &rep.Durability
	d.Answered200 = linkd200 + probe200
	if o.stop == "kill" {
		// The crash comes under load: one more stretch of the same load, and SIGKILL part
		// way through it, with requests in flight. Every answer 200 that arrived must be a
		// row after the restart; at most the requests in flight may be rows without one.
		done := make(chan *phaseResult, 1)
		go func() {
			res, err := runLoad(l.addr, servers[1].reqs, o.concurrency, 0, crashLoad, func() cpuSample { return cpuSample{} })
			if err != nil {
				logf("load before the crash: %v", err)
			}
			done <- res
		}()
		time.Sleep(crashAfter)
		l.kill()
		if res := <-done; res != nil {
			d.Answered200 += res.All200
		}
		d.InFlight = uint64(o.concurrency)
		d.StoppedWith = fmt.Sprintf("SIGKILL %v into a stretch of load", crashAfter)
	} else {
		if err := l.stop(); err != nil {
			d.CheckedFailed = err.Error()
		}
		d.StoppedWith = "SIGTERM"
	}
	// What a restart finds: opening the database recovers the committed transactions
	// from its WAL, as the next linkd to open it would.
	if d.Rows, err = countCodes(l.dataDir); err != nil {
		d.CheckedFailed = "count link_codes: " + err.Error()
	}
	d.NothingLost = d.CheckedFailed == "" && uint64(d.Rows) >= d.Answered200 && uint64(d.Rows) <= d.Answered200+d.InFlight

	rep.Valid = true
	if rep.Ceiling.Errors > 0 || rep.Linkd.Errors > 0 {
		rep.Valid = false
		rep.Problems = append(rep.Problems, "error answers: the run is invalid")
	}
	if !d.NothingLost {
		rep.Valid = false
		rep.Problems = append(rep.Problems, fmt.Sprintf("durability: %d answers 200 (%d more requests in flight) but %d link_codes rows %s", d.Answered200, d.InFlight, d.Rows, d.CheckedFailed))
	}
	rep.Pass = rep.Valid && rep.Ratios.ThroughputPass && rep.Ratios.P99Pass

	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printReport(os.Stdout, &rep)
	}
	return exitStatus(rep.Valid, rep.Pass)
}

// bed is what both modes start from: a temporary directory, a running linkd with a
// client on a fresh database, and the typical request bodies, one per connection.
type bed struct {
	tmp    string
	keep   bool
	l      *linkd
	bodies [][]byte
}

// prepare sets up the bed: builds linkd (unless -linkd), starts it, and makes the bodies
// with the network ids of its catalog. Interrupted, the run removes its files.
func prepare(o options) (*bed, error) {
	tmp, err := os.MkdirTemp("", "linkd-bench-")
	if err != nil {
		return nil, err
	}
	b := &bed{tmp: tmp, keep: o.keep}
	if o.keep {
		logf("temporary directory: %s (kept)", tmp)
	}
	// Interrupted: the servers die with us (Pdeathsig); remove their files.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		logf("interrupted")
		if !o.keep {
			time.Sleep(200 * time.Millisecond) // let the children exit first
			os.RemoveAll(tmp)
		}
		os.Exit(130)
	}()
	bin := o.linkdBin
	if bin == "" {
		logf("building ./cmd/linkd")
		if bin, err = buildLinkd(tmp); err != nil {
			b.close()
			return nil, err
		}
	}
	if b.l, err = startLinkd(bin, tmp, strings.Fields(o.linkdFlags)); err != nil {
		b.close()
		return nil, err
	}
	logf("linkd pid %d on %s (log: %s)", b.l.pid(), b.l.addr, b.l.logPath)
	eth, sol, err := b.l.networkIDs()
	if err != nil {
		b.close()
		return nil, err
	}
	n := o.concurrency
	if o.overload {
		n = max(n, o.connections)
	}
	for i := range n {
		b.bodies = append(b.bodies, typicalBody(i, eth, sol))
	}
	return b, nil
}

// close stops linkd if it still runs and removes the temporary directory (unless -keep).
func (b *bed) close() {
	if b.l != nil {
		select {
		case <-b.l.exited:
		default:
			b.l.kill()
		}
	}
	if !b.keep {
		os.RemoveAll(b.tmp)
	}
}

// typicalBody is the request of worker n: a user, a payment to two addresses (Ethereum
// with an amount, Solana without), a transaction id.
func typicalBody(n int, eth, sol string) []byte {
	type toAddress struct {
		NetworkID string   `json:"networkId"`
		Symbol    string   `json:"symbol"`
		Address   string   `json:"address"`
		Amount    *float64 `json:"amount,omitempty"`
	}
	amount := 25.0
	body := map[string]any{
		"userId": "bench-user-" + strconv.Itoa(n),
		"transferOptions": map[string]any{
			"toAddresses": []toAddress{
				{NetworkID: eth, Symbol: "USDC", Address: ethAddress, Amount: &amount},
				{NetworkID: sol, Symbol: "USDC", Address: solAddress},
			},
			"amountInFiat":          25,
			"transactionId":         "tx-" + strconv.Itoa(n),
			"clientFee":             0.01,
			"transferType":          "payment",
			"isInclusiveFeeEnabled": false,
		},
		"restrictMultipleAccounts": true,
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	return b
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func summarize(p *phaseResult) summary {
	s := summary{Requests: p.OK, Errors: p.errorCount(), ErrorList: sortedErrors(p.Errors)}
	if p.Measured > 0 {
		s.RPS = float64(p.OK) / p.Measured.Seconds()
	}
	h := p.Hist
	s.P50, s.P90, s.P99, s.Max, s.Mean = ms(h.Quantile(.5)), ms(h.Quantile(.9)), ms(h.Quantile(.99)), ms(h.Max()), ms(h.Mean())
	if p.OK > 0 {
		s.ServerCPUUs = float64(p.After.server-p.Before.server) / 1e3 / float64(p.OK)
		s.LoadgenCPUUs = float64(p.After.loadgen-p.Before.loadgen) / 1e3 / float64(p.OK)
	}
	if t := p.After.machine.total - p.Before.machine.total; t > 0 {
		busy := p.After.machine.busy - p.Before.machine.busy
		s.MachineBusy = 100 * float64(busy) / float64(t)
		own := (p.After.server - p.Before.server) + (p.After.loadgen - p.Before.loadgen)
		s.OtherCores = max(0, (float64(busy)/clockTicks-own.Seconds())/p.Measured.Seconds())
	}
	return s
}

func printReport(w io.Writer, r *report) {
	m := r.Machine
	fmt.Fprintf(w, "linkd load benchmark: POST /api/v1/linktoken, closed loop, %d keep-alive connections\n", r.Config.Concurrency)
	fmt.Fprintf(w, "machine: %d CPUs (%s), GOMAXPROCS %d, %s, commit %s, load average at start %s, steal %.1f%%\n",
		m.NumCPU, m.CPU, m.GOMAXPROCS, m.GoVersion, m.Commit, m.LoadAvg, m.StealPct)
	fmt.Fprintf(w, "request body %d bytes; answer body %d bytes + %d headers; %d rounds × (%s warm-up + %s) per server\n",
		r.Config.RequestBytes, r.Config.AnswerBytes, r.Config.AnswerHdrs, r.Config.Rounds, r.Config.Warmup, r.Config.Duration)
	if r.Config.LinkdFlags != "" {
		fmt.Fprintf(w, "NOT THE DEFAULT CONFIGURATION: linkd serve %s\n", r.Config.LinkdFlags)
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\tserver\trequests/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tserver CPU µs/req\tloadgen CPU µs/req\tmachine busy\tothers (cores)\t")
	for _, p := range r.Phases {
		row(tw, strconv.Itoa(p.Round), p.Server, p.summary)
	}
	fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t\t\t\t")
	row(tw, "all", "ceiling", r.Ceiling)
	row(tw, "all", "linkd", r.Linkd)
	tw.Flush()

	fmt.Fprintln(w)
	fmt.Fprintf(w, "linkd/ceiling requests/s   %5.2f   (target ≥ %.2f)  %s\n", r.Ratios.Throughput, targetThroughput, passFail(r.Ratios.ThroughputPass))
	fmt.Fprintf(w, "linkd p99 / ceiling p99    %5.2f   (target ≤ %.2f)  %s\n", r.Ratios.P99, targetP99, passFail(r.Ratios.P99Pass))
	d := r.Durability
	fmt.Fprintf(w, "nothing accepted is lost:  %d link_codes rows after the restart for %d answers 200 and %d requests in flight (linkd stopped with %s)  %s\n",
		d.Rows, d.Answered200, d.InFlight, d.StoppedWith, passFail(d.NothingLost))
	if g := r.GroupCommit; g != nil {
		fmt.Fprintf(w, "group commit: %.0f writes in %.0f transactions, %.1f per commit\n", g.Ops, g.Batches, g.MeanSize)
	}
	for _, s := range []struct {
		name string
		sum  summary
	}{{"ceiling", r.Ceiling}, {"linkd", r.Linkd}} {
		for _, e := range s.sum.ErrorList {
			fmt.Fprintf(w, "%s error: %s\n", s.name, e)
		}
	}
	printVerdict(w, r.Problems, r.Valid, r.Pass)
}

// printVerdict prints a run's problems and its result line.
func printVerdict(w io.Writer, problems []string, valid, pass bool) {
	for _, p := range problems {
		fmt.Fprintln(w, "INVALID:", p)
	}
	switch {
	case !valid:
		fmt.Fprintln(w, "RESULT: INVALID RUN")
	case pass:
		fmt.Fprintln(w, "RESULT: PASS")
	default:
		fmt.Fprintln(w, "RESULT: FAIL (a target is missed)")
	}
}

// exitStatus is the exit status of a run: 0 targets met, 1 invalid, 3 a target missed.
func exitStatus(valid, pass bool) int {
	switch {
	case !valid:
		return 1
	case !pass:
		return 3
	}
	return 0
}

func row(w io.Writer, round, name string, s summary) {
	fmt.Fprintf(w, "%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.1f\t%d\t%.1f\t%.1f\t%.0f%%\t%.2f\t\n",
		round, name, s.RPS, s.P50, s.P90, s.P99, s.Max, s.Errors, s.ServerCPUUs, s.LoadgenCPUUs, s.MachineBusy, s.OtherCores)
}

// cpuSample is CPU time used so far by the server under load, by the load generator,
// and by the whole machine.
type cpuSample struct {
	server, loadgen time.Duration
	machine         procStat
}

type procStat struct{ busy, steal, total uint64 } // jiffies, all CPUs

func takeSample(pid int) cpuSample {
	s := cpuSample{loadgen: selfCPU(), machine: readProcStat()}
	s.server, _ = cpuTime(pid)
	return s
}

// readProcStat reads the machine's CPU counters: busy excludes idle and iowait; steal is
// time the hypervisor gave to other guests (noise from neighbours).
func readProcStat() procStat {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return procStat{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return procStat{}
	}
	var v [8]uint64
	for i := range v {
		v[i], _ = strconv.ParseUint(f[i+1], 10, 64)
	}
	var total uint64
	for _, x := range v {
		total += x
	}
	idle := v[3] + v[4]
	return procStat{busy: total - idle, steal: v[7], total: total}
}

func describeMachine() machine {
	m := machine{NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, Commit: "unknown", CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	if root, err := moduleRoot(); err == nil {
		if out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
			m.Commit = strings.TrimSpace(string(out))
			if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
				m.Commit += "+dirty"
			}
		}
	}
	return m
}

// crashLoad is the stretch of load that linkd is killed crashAfter into (-stop kill).
const (
	crashLoad  = 1500 * time.Millisecond
	crashAfter = 700 * time.Millisecond
)
