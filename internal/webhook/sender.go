// Package webhook delivers transfer status webhooks as Mesh sends them, from the durable
// outbox the store keeps (store.TransferStore): every status change of a transfer is
// written with one delivery per webhook in the transaction of the change, and this
// package's Sender takes due deliveries, signs and POSTs them, and records each attempt,
// retrying on a schedule for more than a day. Because nothing is sent that was not
// committed first, and a delivery stays pending until an attempt succeeds, an event is
// delivered at least once whatever happens to linkd in between (kill -9 included);
// receivers drop duplicates by eventId (docs/design.md §8).
//
// It also holds what webhooks need besides sending: the signing secrets' encryption at
// rest (Sealer), the body model and signature (Event, Sign), and the rule that keeps
// deliveries off private networks (docs/threat-model.md H1, H2).
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/linkd-dev/linkd/internal/metrics"
	"github.com/linkd-dev/linkd/internal/store"
)

// Outcomes of an attempt (store.DeliveryAttempt.Outcome, the metric's label).
const (
	OutcomeDelivered = "delivered" // the receiver answered 2xx
	OutcomeHTTPError = "httpError" // it answered 4xx or 5xx (or 1xx)
	OutcomeRedirect  = "redirect"  // it answered 3xx: never followed, a failure
	OutcomeTimeout   = "timeout"   // no complete answer within Timeout
	OutcomeNetwork   = "network"   // the connection failed (refused, reset, no such host)
	OutcomeRefused   = "refused"   // the address is private and not allowed (RefusedError)
	OutcomeSecretKey = "secretKey" // the webhook's secret does not open with this key file
)

// Settings of a Sender; the zero values of its fields take these.
const (
	// Timeout bounds one attempt: connecting, sending and reading the answer's status.
	Timeout = 10 * time.Second
	// PerWebhook bounds the attempts in flight to one webhook, so that a slow receiver
	// holds back neither the other webhooks nor linkd.
	PerWebhook = 4
	// InFlight bounds the attempts in flight of the whole Sender.
	InFlight = 32
	// Lease is how long a claimed delivery is the Sender's: after it (a crash), another
	// sender may take it. It covers a wait for a slot of its webhook (a batch brings at
	// most batch deliveries, two rounds of PerWebhook: one Timeout) and its own Timeout,
	// with room to record the attempt; short, because after a crash the deliveries the
	// process had claimed wait for it.
	Lease = 30 * time.Second
	// Poll is how often the Sender looks for due deliveries when nothing woke it.
	Poll = time.Second
	// batch is how many deliveries one claim takes at most.
	batch = 8
	// maxAnswer is how much of an answer's body is read (and discarded) so that the
	// connection can be reused.
	maxAnswer = 64 << 10
)

// Sender delivers the outbox's due deliveries. Run it once per process; several
// processes (or instances) on one store share the work, each attempt made by one of them.
type Sender struct {
	Store store.Store
	// Keys opens the webhooks' sealed secrets.
	Keys *KeyFile
	// Clock runs the Sender's poll (nil: the real clock); Now is the time attempts are made
	// and scheduled at (nil: Clock.Now), the same clock the events were written with.
	Clock clockwork.Clock
	Now   func() time.Time
	Log   *slog.Logger // nil: slog.Default()
	// Metrics counts attempts by outcome (nil: nothing is counted).
	Metrics *metrics.Metrics
	// AllowPrivate delivers to loopback, private and link-local addresses too
	// (--webhook-allow-private); AllowPrivateFor does so for these webhook ids only (the
	// demo's own webhook).
	AllowPrivate    bool
	AllowPrivateFor map[string]bool
	// Random returns numbers in [0, 1) for the retry jitter (nil: math/rand/v2).
	Random func() float64
	// Timeout, MaxPerWebhook, MaxInFlight, Lease and Poll override the defaults above
	// (PerWebhook, InFlight; tests).
	Timeout                    time.Duration
	MaxPerWebhook, MaxInFlight int
	Lease, Poll                time.Duration

	once           sync.Once
	guarded, plain *http.Client
	wake           chan struct{}

	mu       sync.Mutex
	inFlight int
	// perHook counts the attempts started per webhook (running or waiting for a slot), and
	// slots are their semaphores, MaxPerWebhook places each; both are dropped when a
	// webhook has nothing in flight.
	perHook map[string]int
	slots   map[string]chan struct{}
	wg      sync.WaitGroup
}

func (s *Sender) init() {
	s.once.Do(func() {
		if s.Clock == nil {
			s.Clock = clockwork.NewRealClock()
		}
		if s.Now == nil {
			s.Now = s.Clock.Now
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.Timeout <= 0 {
			s.Timeout = Timeout
		}
		if s.MaxPerWebhook <= 0 {
			s.MaxPerWebhook = PerWebhook
		}
		if s.MaxInFlight <= 0 {
			s.MaxInFlight = InFlight
		}
		if s.Lease <= 0 {
			s.Lease = Lease
		}
		if s.Poll <= 0 {
			s.Poll = Poll
		}
		s.guarded = newClient(s.Timeout, control)
		s.plain = newClient(s.Timeout, nil)
		s.wake = make(chan struct{}, 1)
		s.perHook = map[string]int{}
		s.slots = map[string]chan struct{}{}
	})
}

// newClient is the HTTP client of deliveries: Timeout per attempt, no proxy from the
// environment (the guard must see the receiver's address, not a proxy's), redirects never
// followed (a 3xx is the answer, and a failure: a redirect could lead the request
// anywhere, a private address included), and, with control, the guard on every connection.
// Its own transport, so that connections are never shared with other clients, nor between
// guarded and unguarded deliveries.
func newClient(timeout time.Duration, control func(network, address string, c syscall.RawConn) error) *http.Client {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: control}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   PerWebhook,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Transport: t, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Notify wakes the Sender now: an event was just written (by this process), so that its
// first attempt does not wait for the next Poll.
func (s *Sender) Notify() {
	if s == nil {
		return
	}
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, then waits for the attempts in flight (each bounded by
// Timeout) and returns. Deliveries it claimed and did not attempt become due again when
// their lease is over.
func (s *Sender) Run(ctx context.Context) {
	s.init()
	t := s.Clock.NewTicker(s.Poll)
	defer t.Stop()
	defer s.wg.Wait()
	for {
		s.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		case <-s.wake:
		}
	}
}

// RunOnce claims and starts what is due now, once, and waits for those attempts (tests).
func (s *Sender) RunOnce(ctx context.Context) {
	s.init()
	s.drain(ctx)
	s.wg.Wait()
}

// drain claims due deliveries, batch by batch, while there is room in flight.
func (s *Sender) drain(ctx context.Context) {
	for ctx.Err() == nil {
		free, skip := s.room()
		if free == 0 {
			return
		}
		claims, err := s.Store.ClaimDeliveries(ctx, s.Now(), min(free, batch), s.Lease, skip)
		if err != nil {
			if ctx.Err() == nil {
				s.Log.Warn("webhook: cannot claim deliveries", "err", err)
			}
			return
		}
		for _, c := range claims {
			s.start(c)
		}
		if len(claims) < min(free, batch) {
			return
		}
	}
}

// room is how many more attempts may start, and the webhooks that have no room left.
func (s *Sender) room() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var full []string
	for id, n := range s.perHook {
		if n >= s.MaxPerWebhook {
			full = append(full, id)
		}
	}
	return s.MaxInFlight - s.inFlight, full
}

// start runs one attempt in its own goroutine; it waits for a slot of its webhook if the
// batch brought more deliveries to one webhook than it has room for.
func (s *Sender) start(c store.DeliveryClaim) {
	id := c.Webhook.ID
	s.mu.Lock()
	s.inFlight++
	s.perHook[id]++ // counted from now: room() stops claiming for it
	sem := s.slots[id]
	if sem == nil {
		sem = make(chan struct{}, s.MaxPerWebhook)
		s.slots[id] = sem
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			s.inFlight--
			if s.perHook[id]--; s.perHook[id] <= 0 {
				delete(s.perHook, id)
				delete(s.slots, id)
			}
			s.mu.Unlock()
		}()
		s.attempt(sem, c)
	}()
}

// attempt makes one attempt under a slot of sem and records it.
func (s *Sender) attempt(sem chan struct{}, c store.DeliveryClaim) {
	sem <- struct{}{}
	defer func() { <-sem }()
	a := s.send(c)
	s.Metrics.WebhookAttempt(a.Outcome)
	if !a.Delivered {
		var ok bool
		if a.NextAttemptAt, ok = NextAttempt(c.Delivery.Attempts+1, a.At, s.Random); !ok {
			s.Log.Info("webhook: delivery given up", "deliveryId", c.Delivery.ID, "webhookId", c.Webhook.ID,
				"eventId", c.Event.ID, "attempts", c.Delivery.Attempts+1, "outcome", a.Outcome, "err", a.Error)
		}
	}
	// The attempt was made: record it even if Run is being stopped.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.Store.RecordAttempt(ctx, a)
	switch {
	case err == nil:
		s.Log.Debug("webhook: attempt", "deliveryId", c.Delivery.ID, "webhookId", c.Webhook.ID, "eventId", c.Event.ID,
			"outcome", a.Outcome, "status", a.StatusCode, "err", a.Error, "duration", a.Duration)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		// The webhook was deleted, or the lease ran out and another sender took over.
		s.Log.Debug("webhook: attempt not recorded", "deliveryId", c.Delivery.ID, "err", err)
	default:
		// The delivery stays claimed until the lease is over, then it is tried again: a
		// receiver may see this event twice, never zero times.
		s.Log.Warn("webhook: cannot record an attempt", "deliveryId", c.Delivery.ID, "err", err)
	}
}

// send makes one HTTP attempt of claim c and returns its record (NextAttemptAt unset).
func (s *Sender) send(c store.DeliveryClaim) store.DeliveryAttempt {
	a := store.DeliveryAttempt{DeliveryID: c.Delivery.ID, Claim: c.Delivery.Claim, ID: uuid.NewString(), At: s.Now()}
	sealer, err := s.Keys.Sealer()
	var secret string
	if err == nil {
		secret, err = sealer.Open(c.Webhook.ID, c.Webhook.SealedSecret)
	}
	if err != nil {
		a.Outcome, a.Error = OutcomeSecretKey, err.Error()
		return a
	}
	body, err := NewEvent(c.Event, c.Transfer, a.ID, a.At).Body()
	if err != nil {
		a.Outcome, a.Error = OutcomeNetwork, err.Error()
		return a
	}
	req, err := http.NewRequest(http.MethodPost, c.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		a.Outcome, a.Error = OutcomeNetwork, "bad URL: "+err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "linkd-webhooks/1")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	client := s.guarded
	if s.AllowPrivate || s.AllowPrivateFor[c.Webhook.ID] {
		client = s.plain
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		// The status decides; the body is read (a little of it) only so that the
		// connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
	}
	a.Duration = time.Since(start)
	var refused *RefusedError
	var netErr net.Error
	switch {
	case errors.As(err, &refused):
		a.Outcome, a.Error = OutcomeRefused, refused.Error()
	case errors.As(err, &netErr) && netErr.Timeout():
		a.Outcome, a.Error = OutcomeTimeout, fmt.Sprintf("no answer within %v", s.Timeout)
	case err != nil:
		a.Outcome, a.Error = OutcomeNetwork, errText(err)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		a.Outcome, a.StatusCode, a.Delivered = OutcomeDelivered, resp.StatusCode, true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Outcome, a.StatusCode = OutcomeRedirect, resp.StatusCode
		a.Error = "HTTP " + strconv.Itoa(resp.StatusCode) + " (redirects are not followed)"
	default:
		a.Outcome, a.StatusCode, a.Error = OutcomeHTTPError, resp.StatusCode, "HTTP "+strconv.Itoa(resp.StatusCode)
	}
	return a
}

// errText is a transport error without the request's method and URL, which the delivery
// record already names.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
