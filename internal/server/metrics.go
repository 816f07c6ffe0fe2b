package server

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are linkd's Prometheus metrics, on a registry of its own.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	issued   prometheus.Counter
	redeemed *prometheus.CounterVec
	purged   prometheus.Counter

	mu       sync.RWMutex
	children map[routeCode]routeMetrics
}

// routeMetrics are the label children of one route and status code.
type routeMetrics struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

type routeCode struct {
	route string
	code  int
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkd_http_requests_total",
			Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "linkd_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
		issued: prometheus.NewCounter(prometheus.CounterOpts{Name: "linkd_link_tokens_issued_total",
			Help: "Link tokens issued."}),
		redeemed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkd_link_token_redemptions_total",
			Help: "Link token redemptions by outcome (ok or the errorType)."}, []string{"outcome"}),
		purged: prometheus.NewCounter(prometheus.CounterOpts{Name: "linkd_store_purged_rows_total",
			Help: "Expired link tokens and sessions deleted."}),
		children: map[routeCode]routeMetrics{},
	}
	reg.MustRegister(m.requests, m.duration, m.issued, m.redeemed, m.purged,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one request; label children are cached so the hot path does not hash
// label values.
func (m *metrics) observe(route string, code int, d time.Duration) {
	k := routeCode{route, code}
	m.mu.RLock()
	c, ok := m.children[k]
	m.mu.RUnlock()
	if !ok {
		c = routeMetrics{m.requests.WithLabelValues(route, strconv.Itoa(code)), m.duration.WithLabelValues(route)}
		m.mu.Lock()
		m.children[k] = c
		m.mu.Unlock()
	}
	c.requests.Inc()
	c.duration.Observe(d.Seconds())
}

func (s *Server) metricsHandler() http.Handler {
	if !s.opts.Metrics {
		return nil
	}
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

func randomPrefix() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "-"
}
