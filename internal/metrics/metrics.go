// Package metrics holds linkd's Prometheus metrics. They are built first, by the wiring,
// and handed to every part that counts something, so that no part is given a counter
// after it was constructed.
//
// A nil *Metrics counts nothing: handlers built without metrics (tests) need no special
// case.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/linkd-dev/linkd/internal/store"
)

// Metrics are linkd's metrics, on a registry of their own.
type Metrics struct {
	reg              *prometheus.Registry
	requests         *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	issued           prometheus.Counter
	redeemed         *prometheus.CounterVec
	purged           prometheus.Counter
	errors           *prometheus.CounterVec
	storeUnavailable prometheus.Counter
	transfers        *prometheus.CounterVec
	webhookAttempts  *prometheus.CounterVec

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

// New returns linkd's metrics, with the Go runtime's and the process's, on a new registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
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
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkd_errors_total",
			Help: "Error answers by errorType."}, []string{"errorType"}),
		storeUnavailable: prometheus.NewCounter(prometheus.CounterOpts{Name: "linkd_store_unavailable_total",
			Help: "Requests answered 503 storeUnavailable because the store failed (the log has one line per burst)."}),
		transfers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkd_transfers_total",
			Help: "Transfer status changes by status: pending (a transfer executed in a Link session), succeeded, failed."}, []string{"status"}),
		webhookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkd_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome (delivered, httpError, redirect, timeout, network, refused, secretKey)."}, []string{"outcome"}),
		children: map[routeCode]routeMetrics{},
	}
	m.reg.MustRegister(m.requests, m.duration, m.issued, m.redeemed, m.purged, m.errors, m.storeUnavailable, m.transfers, m.webhookAttempts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Observe records one answered request; label children are cached so that the hot path
// does not hash label values.
func (m *Metrics) Observe(route string, code int, d time.Duration) {
	if m == nil {
		return
	}
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

// Issued counts a link token issued.
func (m *Metrics) Issued() {
	if m != nil {
		m.issued.Inc()
	}
}

// Redeemed counts a redemption of a link token's code by its outcome: "ok" or the
// errorType of the refusal.
func (m *Metrics) Redeemed(outcome string) {
	if m != nil {
		m.redeemed.WithLabelValues(outcome).Inc()
	}
}

// Purged counts n expired rows deleted.
func (m *Metrics) Purged(n int) {
	if m != nil {
		m.purged.Add(float64(n))
	}
}

// Error counts an error answer of this errorType.
func (m *Metrics) Error(errorType string) {
	if m != nil {
		m.errors.WithLabelValues(errorType).Inc()
	}
}

// StoreUnavailable counts a request the store failed (answered 503 storeUnavailable).
func (m *Metrics) StoreUnavailable() {
	if m != nil {
		m.storeUnavailable.Inc()
	}
}

// Transfer counts a transfer that reached status (pending when it is executed).
func (m *Metrics) Transfer(status string) {
	if m != nil {
		m.transfers.WithLabelValues(status).Inc()
	}
}

// WebhookAttempt counts an attempt to deliver a webhook, by outcome.
func (m *Metrics) WebhookAttempt(outcome string) {
	if m != nil {
		m.webhookAttempts.WithLabelValues(outcome).Inc()
	}
}

// CommitStats exports a store's group-commit counters, if it keeps them: ops/batches is
// the mean number of writes per commit.
func (m *Metrics) CommitStats(s store.CommitStats) {
	if m == nil {
		return
	}
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "linkd_store_commit_batches_total",
			Help: "Transactions committed by the store's writer (a group commit carries several writes)."},
			func() float64 { b, _ := s.BatchStats(); return float64(b) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "linkd_store_commit_ops_total",
			Help: "Writes made durable by the store's writer (several per group commit under load)."},
			func() float64 { _, o := s.BatchStats(); return float64(o) }))
}
