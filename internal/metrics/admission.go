package metrics

import "github.com/prometheus/client_golang/prometheus"

// Rejections counts requests refused by admission control (503 overloaded). A nil
// *Rejections counts nothing.
type Rejections struct{ c prometheus.Counter }

// Inc counts one refused request.
func (r *Rejections) Inc() {
	if r != nil {
		r.c.Inc()
	}
}

// Admission registers the metrics of admission control (--max-in-flight): the requests
// in flight now (read from inFlight at each scrape), the bound, and the requests refused;
// it returns the counter of the latter.
func (m *Metrics) Admission(inFlight func() float64, max int) *Rejections {
	if m == nil {
		return nil
	}
	r := &Rejections{c: prometheus.NewCounter(prometheus.CounterOpts{Name: "linkd_overload_rejections_total",
		Help: "Requests answered 503 overloaded because --max-in-flight requests were in flight."})}
	m.reg.MustRegister(r.c,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "linkd_requests_in_flight",
			Help: "Requests being worked on now (those admission control counts; /healthz, /readyz and /metrics are not)."}, inFlight),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "linkd_max_in_flight",
			Help: "The bound on requests in flight (--max-in-flight)."}, func() float64 { return float64(max) }))
	return r
}
