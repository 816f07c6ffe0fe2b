package server

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/metrics"
	"github.com/linkd-dev/linkd/internal/problem"
)

// admission bounds the requests linkd works on at once (--max-in-flight;
// docs/threat-model.md A4). Past the bound a request is answered 503 overloaded at once,
// before its handler reads the body and before any store call, instead of joining a
// queue whose every member would wait longer: the requests inside linkd, its memory and
// the queue stay bounded however much is offered, what is refused is told to come back
// (Retry-After), and the normal rate is served on time soon after the load drops. What
// it cannot do is make reading a request free: when the CPU saturates, refusals wait
// for it too (bench/README.md, "Overload", has the figures).
//
// net/http still reads the rest of a refused request's body (up to 256 KiB) before it
// sends the answer, to keep the connection: a body sent with its headers is already
// there, and a client that trickles its body waits for its own body, holding no place.
// (Answering first in full-duplex mode would spare it that, but net/http 1.26 then
// panics on the connection's next request, "invalid concurrent Body.Read call", and
// closing the connection instead would make every refused client reconnect.)
//
// It is a counter, not a queue: a request that finds no place does not wait for one. A
// short wait would turn away fewer requests in a burst that lasts less than a request,
// but every waiter adds its wait to the latency of everything behind it, which is what
// the bound is there to prevent.
type admission struct {
	max      int64
	inFlight atomic.Int64
	rejected *metrics.Rejections
}

// errOverloaded is the answer past the bound. Never modify it.
var errOverloaded = &problem.Error{Type: problem.Overloaded, RetryAfter: time.Second,
	Message: "linkd is working on as many requests as it takes at once (--max-in-flight); nothing was done, retry after Retry-After"}

// newAdmission returns the admission control for max requests at once (0: none, nil).
func newAdmission(max int, m *metrics.Metrics) *admission {
	if max <= 0 {
		return nil
	}
	a := &admission{max: int64(max)}
	a.rejected = m.Admission(func() float64 { return float64(a.inFlight.Load()) }, max)
	return a
}

// admit wraps the handler of a route that the bound applies to.
func (a *admission) admit(next http.Handler) http.Handler {
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.inFlight.Add(1) > a.max {
			a.inFlight.Add(-1)
			a.rejected.Inc()
			overloadedAnswer.write(w, r)
			return
		}
		defer a.inFlight.Add(-1)
		next.ServeHTTP(w, r)
	})
}

// exemptFromAdmission are the operations routes: a load balancer's health checks and the
// metrics must answer when linkd is busiest, and they cost next to nothing.
var exemptFromAdmission = map[string]bool{"healthz": true, "readyz": true, "metrics": true}

// overloadedAnswer is errOverloaded as api.WriteError writes it, recorded once: the
// refusal is the answer linkd gives most when it is busiest, so it costs a copy, not an
// encoding. TestOverloadedAnswer checks it against WriteError.
var overloadedAnswer = record(errOverloaded)

// recordedAnswer is an answer recorded from api.WriteError, with its errorType.
type recordedAnswer struct {
	code      int
	header    http.Header
	body      []byte
	errorType string
}

func record(err *problem.Error) *recordedAnswer {
	rec := &recordedAnswer{header: http.Header{}, errorType: err.ErrorType()}
	api.WriteError(rec, recordingRequest, err)
	return rec
}

// recordingRequest is a request without RequestInfo, for recording.
var recordingRequest, _ = http.NewRequest("GET", "/", nil)

func (a *recordedAnswer) Header() http.Header  { return a.header }
func (a *recordedAnswer) WriteHeader(code int) { a.code = code }
func (a *recordedAnswer) Write(b []byte) (int, error) {
	a.body = append(a.body, b...)
	return len(b), nil
}

// write replays the answer, and records its errorType for the middleware to count.
func (a *recordedAnswer) write(w http.ResponseWriter, r *http.Request) {
	if info := api.Info(r.Context()); info != nil {
		info.ErrorType = a.errorType
	}
	h := w.Header()
	for k, v := range a.header {
		h[k] = v // shared slices: Header.Set and Add replace them, never change them in place
	}
	w.WriteHeader(a.code)
	w.Write(a.body)
}
