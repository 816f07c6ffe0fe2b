package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"
)

// The load generator is deliberately not net/http's client: each worker writes a
// pre-serialised HTTP/1.1 request on its own keep-alive connection and reads the answer
// with a minimal parser (status line, Content-Length, body skipped), so that as much of
// the machine as possible is left to the server under test.

// phaseResult is what one load phase measured.
type phaseResult struct {
	Hist     *Hist
	OK       uint64            // 200 answers in the measured window
	All200   uint64            // 200 answers in warm-up and window (for the row check)
	Errors   map[string]uint64 // non-200 statuses and connection errors, whole phase
	Measured time.Duration     // length of the measured window
	// CPU used during the measured window.
	Before, After cpuSample
}

func (p *phaseResult) errorCount() uint64 {
	var n uint64
	for _, c := range p.Errors {
		n += c
	}
	return n
}

// runLoad runs a closed loop of conc workers against addr: each sends reqs[i%len(reqs)]
// and waits for the answer before sending the next. Requests answered during warmup are
// not recorded; those started in [warmup, warmup+dur) and answered by its end are.
// sample is called at the start and at the end of the measured window.
func runLoad(addr string, reqs [][]byte, conc int, warmup, dur time.Duration, sample func() cpuSample) (*phaseResult, error) {
	conns := make([]net.Conn, conc)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return nil, fmt.Errorf("connect to %s: %w", addr, err)
		}
		conns[i] = c
	}
	begin := time.Now()
	start := begin.Add(warmup)
	end := start.Add(dur)
	var before, after cpuSample
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		time.Sleep(time.Until(start))
		before = sample()
		time.Sleep(time.Until(end))
		after = sample()
	}()
	results := make([]*workerResult, conc)
	var wg sync.WaitGroup
	for i := range conc {
		wg.Go(func() {
			results[i] = work(addr, conns[i], reqs[i%len(reqs)], start, end)
		})
	}
	wg.Wait()
	<-sampled
	out := &phaseResult{Hist: NewHist(), Errors: map[string]uint64{}, Measured: dur, Before: before, After: after}
	for _, r := range results {
		out.Hist.Merge(r.hist)
		out.OK += r.ok
		out.All200 += r.all200
		for k, v := range r.errs {
			out.Errors[k] += v
		}
	}
	return out, nil
}

type workerResult struct {
	hist   *Hist
	ok     uint64
	all200 uint64
	errs   map[string]uint64
}

func work(addr string, conn net.Conn, req []byte, start, end time.Time) *workerResult {
	res := &workerResult{hist: NewHist(), errs: map[string]uint64{}}
	br := bufio.NewReaderSize(conn, 16<<10)
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		t := time.Now()
		if !t.Before(end) {
			return res
		}
		if conn == nil {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				res.errs["connect: "+shortErr(err)]++
				time.Sleep(10 * time.Millisecond)
				continue
			}
			conn = c
			br.Reset(conn)
			t = time.Now()
		}
		_, err := conn.Write(req)
		var code int
		var closing bool
		if err == nil {
			code, closing, err = readResponse(br)
		}
		d := time.Since(t)
		if err != nil {
			res.errs["connection: "+shortErr(err)]++
			conn.Close()
			conn = nil
			continue
		}
		if code == 200 {
			res.all200++
			if !t.Before(start) && t.Add(d).Before(end) {
				res.ok++
				res.hist.Record(d)
			}
		} else {
			res.errs["HTTP "+strconv.Itoa(code)]++
		}
		if closing {
			res.errs["server closed the keep-alive connection"]++
			conn.Close()
			conn = nil
		}
	}
}

func shortErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op + ": " + op.Err.Error()
	}
	return err.Error()
}

var (
	errStatusLine = errors.New("malformed status line")
	errNoLength   = errors.New("answer without Content-Length (chunked answers are not supported)")
)

// readResponse reads one HTTP/1.1 answer: it returns the status code and whether the
// server announced that it closes the connection; the body is skipped.
func readResponse(br *bufio.Reader) (code int, closing bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 13 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, errStatusLine
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false, errStatusLine
		}
		code = code*10 + int(c-'0')
	}
	length := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		if len(line) <= 2 { // "\r\n": end of the header
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name := line[:colon]
		value := bytes.TrimSpace(line[colon+1:])
		switch {
		case asciiEqualFold(name, "content-length"):
			n, perr := strconv.Atoi(string(value))
			if perr != nil || n < 0 {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		case asciiEqualFold(name, "connection"):
			closing = asciiEqualFold(value, "close")
		case asciiEqualFold(name, "transfer-encoding"):
			return 0, false, errNoLength
		}
	}
	if length < 0 {
		return 0, false, errNoLength
	}
	if _, err := br.Discard(length); err != nil {
		return 0, false, err
	}
	return code, closing, nil
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// buildRequest serialises one HTTP/1.1 POST.
func buildRequest(host, path string, headers [][2]string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\n", path, host)
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// sortedErrors lists the errors of a phase, most frequent first.
func sortedErrors(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%d× %s", m[k], k)
	}
	return out
}
