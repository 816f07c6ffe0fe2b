// Package server assembles linkd's HTTP server: the route table, the middleware every
// request passes (request id, panic recovery, access log, metrics), the http.Server with
// its timeouts, the background loops (the purge of expired rows, the settler of sandbox
// transfers, the webhook sender), and graceful shutdown.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/clientip"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linkui"
	"github.com/linkd-dev/linkd/internal/metrics"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/ratelimit"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// Options configure a Server.
type Options struct {
	Store     store.Store
	API       *api.Handler
	LinkUI    *linkui.Handler
	Catalog   *catalog.Catalog
	Logger    *slog.Logger
	AccessLog *AccessLog // nil: no access log
	// Metrics are the metrics the handlers were given; the server counts requests,
	// errors and purged rows in them too (nil: nothing is counted).
	Metrics *metrics.Metrics
	// ServeMetrics serves Metrics at /metrics.
	ServeMetrics    bool
	PurgeInterval   time.Duration
	Retention       time.Duration
	ShutdownTimeout time.Duration
	// MaxInFlight bounds the requests worked on at once (admission.go; 0: no bound).
	MaxInFlight int
	// Now is the clock requests see, Clock the one the background loops' timers run on
	// (nil: the real clock; Now defaults to Clock.Now).
	Now   func() time.Time
	Clock clockwork.Clock
	// Connectors settle the transfers that are due (nil: no settler runs).
	Connectors *connector.Registry
	// Webhooks delivers the webhook outbox while the server runs (nil: nothing is
	// delivered by this process).
	Webhooks *webhook.Sender
	// Extra routes (the demo page), added to the route table.
	Extra []Route
	// TrustedProxies are the reverse proxies whose forwarding headers name the client
	// (nil: nobody's; the TCP peer is the client). See clientIP.
	TrustedProxies *clientip.Trusted
}

// Route is a route added to the table by the caller.
type Route struct {
	Name, Method, Pattern string
	Handler               http.Handler
}

// Server is a configured linkd HTTP server.
type Server struct {
	opts    Options
	api     *api.Handler
	linkUI  *linkui.Handler
	log     *slog.Logger
	metrics *metrics.Metrics
	handler http.Handler
	ready   atomic.Bool
	// storeFaults keeps a store that is down from logging one line per request.
	storeFaults *burstLog
	// hints keeps the log's configuration hints (proxyHint) to one per key and period.
	hints     *ratelimit.Keyed
	admission *admission
}

// storeFaultWindow is how long the log stays quiet about store faults after a line.
const storeFaultWindow = 10 * time.Second

// New builds a Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Now == nil {
		o.Now = o.Clock.Now
	}
	s := &Server{opts: o, api: o.API, linkUI: o.LinkUI, log: o.Logger, metrics: o.Metrics,
		storeFaults: &burstLog{window: storeFaultWindow, now: o.Now}, hints: ratelimit.New(),
		admission: newAdmission(o.MaxInFlight, o.Metrics)}
	m, names := s.mux()
	s.handler = s.middleware(m, names)
	s.ready.Store(true)
	return s
}

// Handler is the server's root handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln until ctx is cancelled, then shuts down gracefully: the listener
// closes, requests in flight get ShutdownTimeout to finish, and the store is left to the
// caller to close.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler: s.handler,
		// Bounded resources (OWASP API4:2023, gosec G112 Slowloris).
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// The background loops stop after the requests in flight: a transfer executed during
	// the shutdown is still delivered by this process if it can.
	stopLoopsAndWait := s.StartBackground(ctx)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		stopLoopsAndWait()
		return err
	case <-ctx.Done():
	}
	s.ready.Store(false)
	s.log.Info("shutting down", "timeout", s.opts.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	stopLoopsAndWait()
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		return fmt.Errorf("server: shutdown: requests still in flight after %v", s.opts.ShutdownTimeout)
	}
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) {
		return e
	}
	return err
}

// StartBackground starts the background loops (the purge, the settler, the webhook
// sender) until ctx is done or the returned function is called, which waits for them to
// end. Serve starts them itself; tests that serve the Handler their own way call it.
func (s *Server) StartBackground(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var loops sync.WaitGroup
	for _, loop := range []func(context.Context){s.purgeLoop, s.settleLoop, s.webhookLoop} {
		loops.Add(1)
		go func() {
			defer loops.Done()
			loop(ctx)
		}()
	}
	return func() { cancel(); loops.Wait() }
}

// webhookLoop runs the webhook sender, if the server has one, until ctx is done; the
// attempts in flight then finish (each within webhook.Timeout).
func (s *Server) webhookLoop(ctx context.Context) {
	if s.opts.Webhooks != nil {
		s.opts.Webhooks.Run(ctx)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	api.OK(w, map[string]string{"status": "up"})
}

// readyz answers 503 while the store does not answer or the server is shutting down, so
// that a load balancer stops sending traffic (docs/threat-model.md S1).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		api.WriteError(w, r, api.ErrUnavailable) // not a fault: nothing to log
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		api.WriteError(w, r, err)
		return
	}
	api.OK(w, map[string]string{"status": "ready"})
}

// statusWriter records the status and size of an answer for the access log and metrics.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestIDs makes request ids: a random per-process prefix and a counter, unique
// without a syscall per request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func (g *requestIDs) next() string {
	return g.prefix + strconv.FormatUint(g.n.Add(1), 36)
}

// middleware wraps the mux: request id, panic recovery, access log, metrics, and the
// headers every answer carries.
func (s *Server) middleware(next http.Handler, names map[string]string) http.Handler {
	ids := &requestIDs{prefix: randomPrefix()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &api.RequestInfo{ID: ids.next(), ClientIP: s.clientIP(r)}
		r = r.WithContext(api.WithInfo(r.Context(), info))
		w.Header()["X-Request-Id"] = []string{info.ID}
		info.Header = w.Header()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "requestId", info.ID)
				if sw.code == 0 {
					api.WriteError(sw, r, &api.Bug{Err: fmt.Errorf("panic: %v", p)})
				}
			}
			elapsed := time.Since(start)
			name := names[r.Pattern]
			if name == "" {
				name = "other"
			}
			s.metrics.Observe(name, sw.code, elapsed)
			if info.ErrorType != "" {
				s.metrics.Error(info.ErrorType)
			}
			if info.Fault != nil {
				s.logFault(info)
			}
			if s.opts.AccessLog != nil {
				s.opts.AccessLog.log(&accessEntry{time: time.Now(), method: r.Method, path: r.URL.Path, status: sw.code, bytes: sw.bytes,
					elapsed: elapsed, requestID: info.ID, clientIP: info.ClientIP, clientID: info.ClientID, route: name})
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// logFault logs the fault behind a 503 or 500 answer, which the client was not told. A
// bug is logged every time; a store fault once per burst (storeFaults), and counted.
func (s *Server) logFault(info *api.RequestInfo) {
	if info.ErrorType != problem.StoreUnavailable.Name {
		s.log.Error("request failed", "err", info.Fault, "errorType", info.ErrorType, "requestId", info.ID)
		return
	}
	s.metrics.StoreUnavailable()
	if ok, suppressed := s.storeFaults.note(); ok {
		attrs := []any{"err", info.Fault, "errorType", info.ErrorType, "requestId", info.ID}
		if suppressed > 0 {
			attrs = append(attrs, "notLogged", suppressed)
		}
		s.log.Error("store unavailable", attrs...)
	}
}

// logo serves the catalog's generated logos (GET /static/logos/{name}).
func (s *Server) logo(w http.ResponseWriter, r *http.Request) error {
	svg, ok := s.opts.Catalog.LogoSVG(r.PathValue("name"))
	if !ok {
		return problem.RouteNotFound.New("%s: no such logo", r.URL.Path)
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	// An SVG opened directly must not run anything (they contain no script; belt and braces).
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	w.Write(svg)
	return nil
}

// metricsHandler serves the metrics at /metrics, if they are served (nil: no route).
func (s *Server) metricsHandler() http.Handler {
	if !s.opts.ServeMetrics || s.metrics == nil {
		return nil
	}
	return s.metrics.Handler()
}

func randomPrefix() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "-"
}
