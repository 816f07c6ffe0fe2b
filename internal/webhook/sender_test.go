package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// received is one request a test receiver got.
type received struct {
	Body      []byte
	Signature string
	Type      string
	Event     Event
}

// receiver is an httptest server that records every request and answers with what
// answer returns for the n-th (from 0).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	hits atomic.Int64
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev Event
		json.Unmarshal(body, &ev)
		rc.mu.Lock()
		rc.got = append(rc.got, received{Body: body, Signature: r.Header.Get(SignatureHeader), Type: r.Header.Get("Content-Type"), Event: ev})
		rc.mu.Unlock()
		answer(int(rc.hits.Add(1)-1), w)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// outbox is a real embedded store with a client, the sealer of its webhooks and a fake
// clock.
type outbox struct {
	st     *sqlite.Store
	keys   *KeyFile
	sealer *Sealer
	clock  *clockwork.FakeClock
	client string
}

func newOutbox(t *testing.T) *outbox {
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := &KeyFile{Path: t.TempDir() + "/secret.key", Create: true}
	sealer, err := keys.Sealer()
	if err != nil {
		t.Fatal(err)
	}
	o := &outbox{st: st, keys: keys, sealer: sealer, clock: clockwork.NewFakeClockAt(goldenAt), client: uuid.NewString()}
	if err := st.CreateClient(context.Background(), store.Client{ID: o.client, Name: "c", Enabled: true, CreatedAt: goldenAt}); err != nil {
		t.Fatal(err)
	}
	return o
}

// webhook registers url and returns its id and secret.
func (o *outbox) webhook(t *testing.T, url string) (string, string) {
	id, secret := uuid.NewString(), NewSecret()
	if err := o.st.CreateWebhook(context.Background(), store.Webhook{ID: id, ClientID: o.client, URL: url,
		SealedSecret: o.sealer.Seal(id, secret), CreatedAt: o.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return id, secret
}

// transfer executes a transfer now (its pending event goes to every webhook).
func (o *outbox) transfer(t *testing.T) store.Transfer {
	tr := goldenTransfer
	tr.ID, tr.ClientID, tr.Status, tr.CreatedAt = uuid.NewString(), o.client, store.TransferPending, o.clock.Now()
	if err := o.st.CreateTransfer(context.Background(), tr, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	return tr
}

func (o *outbox) sender() *Sender {
	return &Sender{Store: o.st, Keys: o.keys, Clock: o.clock, Random: func() float64 { return 0.5 }}
}

// deliveries returns the client's deliveries, newest first.
func (o *outbox) deliveries(t *testing.T) []store.Delivery {
	ds, err := o.st.Deliveries(context.Background(), o.client, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestSenderRetriesAndSigns: a receiver that answers 500 gets the event again 5 s later
// (the schedule's first step, within 10 s), with the same eventId, a new id, and a valid
// signature over the exact bytes received; the final status follows once the pending one
// is delivered.
func TestSenderRetriesAndSigns(t *testing.T) {
	o := newOutbox(t)
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	_, secret := o.webhook(t, rc.URL+"/hook")
	tr := o.transfer(t)
	s := o.sender()
	s.AllowPrivate = true // the receiver is on 127.0.0.1
	ctx := context.Background()

	s.RunOnce(ctx)
	if n := rc.hits.Load(); n != 1 {
		t.Fatalf("%d requests after the first run, want 1", n)
	}
	d := o.deliveries(t)[0]
	if d.State != store.DeliveryPending || d.Attempts != 1 || d.History[0].StatusCode != 500 || d.History[0].Outcome != OutcomeHTTPError {
		t.Fatalf("after a 500: %+v", d)
	}
	if wait := d.NextAttemptAt.Sub(d.History[0].At); wait != 5*time.Second {
		t.Errorf("first retry %v after the failure, want 5 s", wait)
	}
	o.clock.Advance(4 * time.Second)
	s.RunOnce(ctx)
	if n := rc.hits.Load(); n != 1 {
		t.Fatalf("retried before the schedule: %d requests", n)
	}
	// The transfer settles meanwhile: its event waits for the pending one.
	if _, err := o.st.SetTransferStatus(ctx, store.TransferUpdate{ID: tr.ID, From: store.TransferPending, To: store.TransferSucceeded,
		EventID: uuid.NewString(), At: o.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	o.clock.Advance(time.Second)
	s.RunOnce(ctx)
	s.RunOnce(ctx) // the succeeded event, now that pending is delivered
	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3 (pending twice, then succeeded)", len(got))
	}
	for i, r := range got {
		if !Verify(secret, r.Body, r.Signature) {
			t.Errorf("request %d: signature %q does not verify over the body received", i, r.Signature)
		}
		if r.Type != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, r.Type)
		}
		if r.Event.TransferID != tr.ID || r.Event.UserID != tr.UserID || r.Event.Token != "USDC" || r.Event.Chain != "Ethereum" {
			t.Errorf("request %d: %+v", i, r.Event)
		}
	}
	first, retry, final := got[0].Event, got[1].Event, got[2].Event
	if first.EventID != retry.EventID || first.ID == retry.ID || first.TransferStatus != "pending" || retry.TransferStatus != "pending" {
		t.Errorf("retry: eventId %s → %s (want the same), id %s → %s (want a new one)", first.EventID, retry.EventID, first.ID, retry.ID)
	}
	if final.TransferStatus != "succeeded" || final.EventID == first.EventID || final.Timestamp != o.clock.Now().Add(-time.Second).UnixMilli() {
		t.Errorf("final event %+v", final)
	}
	if retry.SentTimestamp-first.SentTimestamp != 5000 {
		t.Errorf("sentTimestamps %d and %d: want 5 s apart", first.SentTimestamp, retry.SentTimestamp)
	}
	for _, d := range o.deliveries(t) {
		if d.State != store.DeliveryDelivered {
			t.Errorf("delivery %s/%s: %s", d.EventStatus, d.ID, d.State)
		}
	}
}

// TestSenderOutcomes: what is recorded for each way a receiver can fail, and that
// nothing is followed or sent where it must not go.
func TestSenderOutcomes(t *testing.T) {
	elsewhere := newReceiver(t, func(int, http.ResponseWriter) {})
	cases := []struct {
		name         string
		answer       func(n int, w http.ResponseWriter)
		allowPrivate bool
		allowThis    bool
		timeout      time.Duration
		wrongKey     bool
		noKeyFile    bool
		wantOutcome  string
		wantCode     int
		wantHits     int64
	}{
		{name: "200", answer: func(int, http.ResponseWriter) {}, allowPrivate: true, wantOutcome: OutcomeDelivered, wantCode: 200, wantHits: 1},
		{name: "204", answer: func(_ int, w http.ResponseWriter) { w.WriteHeader(204) }, allowPrivate: true, wantOutcome: OutcomeDelivered, wantCode: 204, wantHits: 1},
		{name: "404", answer: func(_ int, w http.ResponseWriter) { w.WriteHeader(404) }, allowPrivate: true, wantOutcome: OutcomeHTTPError, wantCode: 404, wantHits: 1},
		{name: "redirect not followed", answer: func(_ int, w http.ResponseWriter) {
			w.Header().Set("Location", elsewhere.URL)
			w.WriteHeader(http.StatusTemporaryRedirect)
		}, allowPrivate: true, wantOutcome: OutcomeRedirect, wantCode: 307, wantHits: 1},
		{name: "timeout", answer: func(int, http.ResponseWriter) { time.Sleep(400 * time.Millisecond) }, allowPrivate: true,
			timeout: 100 * time.Millisecond, wantOutcome: OutcomeTimeout, wantHits: 1},
		{name: "loopback refused", answer: func(int, http.ResponseWriter) {}, wantOutcome: OutcomeRefused, wantHits: 0},
		{name: "loopback allowed for this webhook", answer: func(int, http.ResponseWriter) {}, allowThis: true, wantOutcome: OutcomeDelivered, wantCode: 200, wantHits: 1},
		{name: "secret sealed under another key", answer: func(int, http.ResponseWriter) {}, allowPrivate: true, wrongKey: true,
			wantOutcome: OutcomeSecretKey, wantHits: 0},
		{name: "no key file", answer: func(int, http.ResponseWriter) {}, allowPrivate: true, noKeyFile: true,
			wantOutcome: OutcomeSecretKey, wantHits: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newOutbox(t)
			rc := newReceiver(t, tc.answer)
			id, _ := o.webhook(t, rc.URL)
			o.transfer(t)
			s := o.sender()
			s.AllowPrivate, s.Timeout = tc.allowPrivate, tc.timeout
			if tc.allowThis {
				s.AllowPrivateFor = map[string]bool{id: true}
			}
			if tc.wrongKey {
				other := t.TempDir() + "/other.key"
				os.WriteFile(other, make([]byte, KeySize), 0o600)
				s.Keys = &KeyFile{Path: other}
			}
			if tc.noKeyFile {
				s.Keys = &KeyFile{Path: t.TempDir() + "/missing.key"}
			}
			s.RunOnce(context.Background())
			d := o.deliveries(t)[0]
			if len(d.History) != 1 {
				t.Fatalf("delivery %+v: want one attempt", d)
			}
			a := d.History[0]
			if a.Outcome != tc.wantOutcome || a.StatusCode != tc.wantCode || rc.hits.Load() != tc.wantHits {
				t.Errorf("attempt %+v with %d requests; want outcome %s, code %d, %d requests", a, rc.hits.Load(), tc.wantOutcome, tc.wantCode, tc.wantHits)
			}
			if a.Delivered != (tc.wantOutcome == OutcomeDelivered) || (d.State == store.DeliveryDelivered) != a.Delivered {
				t.Errorf("delivered %v, state %s", a.Delivered, d.State)
			}
			if !a.Delivered && (a.NextAttemptAt.IsZero() || a.Error == "") {
				t.Errorf("a failed attempt: %+v; want a reason and a next attempt (refusals retry too, on the same schedule)", a)
			}
			if elsewhere.hits.Load() != 0 {
				t.Errorf("the redirect was followed")
			}
		})
	}
}

// TestSenderGivesUp: after the schedule's last attempt the delivery ends as failed.
func TestSenderGivesUp(t *testing.T) {
	o := newOutbox(t)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(503) })
	o.webhook(t, rc.URL)
	o.transfer(t)
	s := o.sender()
	s.AllowPrivate = true
	for range MaxAttempts + 2 {
		s.RunOnce(context.Background())
		o.clock.Advance(10 * time.Hour)
	}
	d := o.deliveries(t)[0]
	if d.State != store.DeliveryFailed || d.Attempts != MaxAttempts || int(rc.hits.Load()) != MaxAttempts {
		t.Errorf("after the schedule: state %s, %d attempts, %d requests; want failed, %d, %d", d.State, d.Attempts, rc.hits.Load(), MaxAttempts, MaxAttempts)
	}
	if last := d.History[len(d.History)-1]; !last.NextAttemptAt.IsZero() {
		t.Errorf("last attempt names a next one: %+v", last)
	}
}

// TestSlowReceiverHoldsBackNoOther: a webhook whose receiver hangs gets at most
// MaxPerWebhook attempts at once, and the other webhook's deliveries go through meanwhile.
func TestSlowReceiverHoldsBackNoOther(t *testing.T) {
	o := newOutbox(t)
	release := make(chan struct{})
	var now, peak atomic.Int64
	slow := newReceiver(t, func(int, http.ResponseWriter) {
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		now.Add(-1)
	})
	fast := newReceiver(t, func(int, http.ResponseWriter) {})
	o.webhook(t, slow.URL)
	o.webhook(t, fast.URL)
	const transfers = 10
	for range transfers {
		o.transfer(t)
	}
	s := o.sender()
	s.AllowPrivate, s.MaxPerWebhook = true, 2
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for fast.hits.Load() < transfers && time.Now().Before(deadline) {
		o.clock.Advance(Poll)
		time.Sleep(20 * time.Millisecond)
	}
	if fast.hits.Load() != transfers {
		t.Errorf("the fast receiver got %d of %d events while the slow one hung", fast.hits.Load(), transfers)
	}
	if p := peak.Load(); p != 2 {
		t.Errorf("%d attempts at once to the slow receiver, want 2 (MaxPerWebhook)", p)
	}
	close(release)
	cancel()
	<-done
}

// TestRunWakesOnNotify: Run attempts a new event as soon as it is told, without waiting
// for its poll, and stops when its context ends.
func TestRunWakesOnNotify(t *testing.T) {
	o := newOutbox(t)
	rc := newReceiver(t, func(int, http.ResponseWriter) {})
	o.webhook(t, rc.URL)
	s := o.sender()
	s.AllowPrivate = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	o.clock.BlockUntilContext(ctx, 1) // Run waits on its ticker
	o.transfer(t)
	s.Notify()
	deadline := time.Now().Add(5 * time.Second)
	for rc.hits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if rc.hits.Load() != 1 {
		t.Errorf("no delivery after Notify (the clock did not move)")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
