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
// before its body is read and before any store call, instead of joining a queue whose
// every member would wait longer: under twice the load linkd can serve, the accepted
// requests keep their latency, the others learn within a millisecond to come back
// (Retry-After), and the process's memory stays bounded (bench/README.md, "Overload").
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
			if r.ContentLength != 0 {
				// Answer now: net/http would otherwise read the rest of the body before
				// sending the answer (to keep the connection), and a slow client's
				// refusal would wait for it. In full-duplex mode the answer goes first
				// and the body is drained after it, with no place held.
				_ = http.NewResponseController(w).EnableFullDuplex()
			}
			api.WriteError(w, r, errOverloaded)
			return
		}
		defer a.inFlight.Add(-1)
		next.ServeHTTP(w, r)
	})
}

// exemptFromAdmission are the operations routes: a load balancer's health checks and the
// metrics must answer when linkd is busiest, and they cost next to nothing.
var exemptFromAdmission = map[string]bool{"healthz": true, "readyz": true, "metrics": true}
