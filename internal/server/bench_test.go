package server_test

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/server"
)

// discardWriter is the cheapest http.ResponseWriter: the benchmark measures linkd's work
// per request, not net/http's (which the load benchmark in bench/ includes).
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }

// BenchmarkLinkToken runs POST /api/v1/linktoken through linkd's whole handler (route
// table, middleware, access log to a buffered discard, metrics, authentication,
// decoding, validation, the durable write on the embedded store, the answer) from 32
// goroutines, the load benchmark's concurrency, and reports the process's CPU time per
// request. It is the in-process, low-noise companion of `go run ./bench`.
func BenchmarkLinkToken(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400)) // as linkd serve runs
	e := linkdtest.Start(b)
	h := benchHandler(b, e)
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	var eth, sol string
	for _, n := range cat.Networks() {
		switch n.Name {
		case "Ethereum":
			eth = n.ID
		case "Solana":
			sol = n.ID
		}
	}
	body := []byte(`{"restrictMultipleAccounts":true,"transferOptions":{"amountInFiat":25,"clientFee":0.01,"isInclusiveFeeEnabled":false,"toAddresses":[` +
		`{"networkId":"` + eth + `","symbol":"USDC","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","amount":25},` +
		`{"networkId":"` + sol + `","symbol":"USDC","address":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"}],` +
		`"transactionId":"tx-7","transferType":"payment"},"userId":"bench-user-7"}`)
	serveParallel(b, h, e, body, http.StatusOK)
}

// BenchmarkOverloaded is BenchmarkLinkToken's request refused by admission control
// (503 overloaded): what a refusal costs linkd beyond net/http's parsing, against what an
// issued token costs (go test -bench 'LinkToken|Overloaded' ./internal/server).
func BenchmarkOverloaded(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	e := linkdtest.Start(b, func(c *config.Serve) { c.MaxInFlight = 1 })
	h := benchHandler(b, e)
	// One request holds the only place: its body never arrives. (Until it has the place,
	// the probes may take it first; then it is refused and sent again.)
	body := []byte(`{"userId":"bench-user-7"}`)
	header := func() http.Header {
		return http.Header{"Content-Type": {"application/json"}, "X-Client-Id": {e.Client.ID}, "X-Client-Secret": {e.Client.Secret}}
	}
	var pipes []*io.PipeWriter
	defer func() {
		for _, pw := range pipes {
			pw.Close()
		}
	}()
	for held := false; !held; {
		pr, pw := io.Pipe()
		pipes = append(pipes, pw)
		r, _ := http.NewRequest("POST", "http://127.0.0.1/api/v1/linktoken", pr)
		r.ContentLength, r.Header = 100, header()
		go h.ServeHTTP(&discardWriter{h: http.Header{}}, r)
		time.Sleep(20 * time.Millisecond)
		w := &discardWriter{h: http.Header{}}
		probe, _ := http.NewRequest("POST", "http://127.0.0.1/api/v1/linktoken", bytes.NewReader(body))
		probe.Header = header()
		h.ServeHTTP(w, probe)
		held = w.status == http.StatusServiceUnavailable
	}
	serveParallel(b, h, e, body, http.StatusServiceUnavailable)
}

// benchHandler is linkd's whole handler for e's configuration and store, with the access
// log going to a buffered discard and no other log.
func benchHandler(b *testing.B, e *linkdtest.Env) http.Handler {
	accessLog := server.NewAccessLog(server.NewBufferedWriter(io.Discard, 100*time.Millisecond), "json")
	srv, err := server.FromConfig(&e.Config, e.Store, slog.New(slog.DiscardHandler), accessLog, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	return srv.Handler()
}

// serveParallel sends body to POST /api/v1/linktoken as e's client through h, b.N times
// from 16 goroutines per P, fails the benchmark on an answer other than want, and reports
// the process's CPU time per request.
func serveParallel(b *testing.B, h http.Handler, e *linkdtest.Env, body []byte, want int) {
	var failed atomic.Int64
	var r0, r1 syscall.Rusage
	b.SetParallelism(16)
	b.ResetTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		rd := bytes.NewReader(body)
		req, _ := http.NewRequestWithContext(context.Background(), "POST", "http://127.0.0.1/api/v1/linktoken", rd)
		for pb.Next() {
			rd.Reset(body)
			r := req.Clone(req.Context())
			r.Body = io.NopCloser(rd)
			r.ContentLength = int64(len(body))
			r.Header = http.Header{"Content-Type": {"application/json"}, "X-Client-Id": {e.Client.ID}, "X-Client-Secret": {e.Client.Secret}}
			clear(w.h)
			w.status = 0
			h.ServeHTTP(w, r)
			if got := cmp.Or(w.status, http.StatusOK); got != want {
				failed.Add(1)
			}
		}
	})
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d answers other than %d", n, want)
	}
	cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
}
