package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
	"github.com/linkd-dev/linkd/meshapi"
)

// The webhook tests run the real binary with a receiver in the test, written the way an
// integrator writes one from Mesh's webhook documentation: it reads the body, checks
// X-Mesh-Signature-256 (base64 HMAC-SHA256 of the exact bytes with the secret), and
// answers 200. They register it with `linkd client webhook add` and make transfers
// through the Link UI's API, as the browser does.

// hook is one request a test receiver got.
type hook struct {
	At        time.Time
	Body      []byte
	Signature string
	Type      string
	Code      int // what the receiver answered
	Event     struct {
		EventID, ID, TransferID, TransferStatus, TransactionID, TxHash, UserID, Token, Chain string
		Timestamp, SentTimestamp                                                             int64
		SourceAmount, DestinationAmount                                                      float64
		SourceAccountProvider, DestinationAddress                                            string
	}
}

// hookReceiver records every request and answers 500 to the first failFirst of them, 200
// to the others. Each delivery is validated against the OpenAPI document's
// transferStatus webhook, failing t on a mismatch.
type hookReceiver struct {
	t         testing.TB
	mu        sync.Mutex
	got       []hook
	failFirst int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if problems := openapitest.Load(h.t).Webhook(r.Header, body); len(problems) > 0 {
		h.t.Errorf("openapi: a delivery does not match the document's transferStatus webhook: %s\n%s", strings.Join(problems, "; "), body)
	}
	rec := hook{At: time.Now(), Body: body, Signature: r.Header.Get("X-Mesh-Signature-256"), Type: r.Header.Get("Content-Type"), Code: 200}
	json.Unmarshal(body, &rec.Event)
	h.mu.Lock()
	if len(h.got) < h.failFirst {
		rec.Code = http.StatusInternalServerError
	}
	h.got = append(h.got, rec)
	h.mu.Unlock()
	w.WriteHeader(rec.Code)
}

func (h *hookReceiver) requests() []hook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hook(nil), h.got...)
}

// delivered returns the statuses delivered (answered 200) for transfer id, in order.
func (h *hookReceiver) delivered(id string) []string {
	var out []string
	for _, r := range h.requests() {
		if r.Event.TransferID == id && r.Code == 200 {
			out = append(out, r.Event.TransferStatus)
		}
	}
	return out
}

// validSignature is the receiver's check, as a Go backend makes it with meshapi: the
// base64 HMAC-SHA256 of the exact bytes received.
func validSignature(secret string, body []byte, signature string) bool {
	return meshapi.VerifyWebhook(secret, body, signature) == nil
}

// addWebhook runs `linkd client webhook add` and returns the webhook's id and secret.
func (p *proc) addWebhook(t *testing.T, c creds, url string) (string, string) {
	t.Helper()
	out := mustCLI(t, "client", "webhook", "add", "--data", p.DataDir, "--client", c.ID, "--url", url)
	var v struct{ WebhookID, Secret string }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Secret == "" {
		t.Fatalf("webhook add printed %q: %v", out, err)
	}
	return v.WebhookID, v.Secret
}

// linkCall sends a Link UI API call with the session credential and decodes the content
// into out.
func (p *proc) linkCall(t *testing.T, session, method, path, body string, out any) {
	t.Helper()
	r := p.do(t, method, "/link/api/"+path, []byte(body), "Authorization", "Bearer "+session, "Content-Type", "application/json")
	if r.Code != http.StatusOK {
		t.Fatalf("%s /link/api/%s: %v", method, path, r)
	}
	if out != nil {
		if err := json.Unmarshal(r.Env.Content, out); err != nil {
			t.Fatalf("%s /link/api/%s: %v", method, path, err)
		}
	}
}

// finished is the part of the transferFinished payload the tests read.
type finished struct {
	TransferID, TxHash, ClientTransactionID string
}

// deposit makes a deposit of amountInFiat USDC on Ethereum with transaction id txn as
// client c, through the Link UI's API as the browser does: redeem, sign in to the
// sandbox, choose its first account, preview, execute.
func (p *proc) deposit(t *testing.T, c creds, txn string, amountInFiat float64) finished {
	t.Helper()
	f, _ := p.depositTokens(t, c, txn, amountInFiat)
	return f
}

// accountToken is the tokens of the connected account the Link UI hands the client.
type accountToken struct{ AccessToken, RefreshToken string }

// depositTokens is deposit, also returning the tokens of the account connected for it.
func (p *proc) depositTokens(t *testing.T, c creds, txn string, amountInFiat float64) (finished, accountToken) {
	t.Helper()
	tok, _ := p.issue(t, c, &meshapi.LinkTokenRequest{UserID: "hook-user", TransferOptions: &meshapi.TransferOptions{
		ToAddresses:  []meshapi.ToAddress{{NetworkID: ethereumID, Symbol: "USDC", Address: allowedAddress}},
		AmountInFiat: amountInFiat, TransactionID: txn}})
	var info sessionInfo
	decodeContent(t, p.redeem(t, tok.ClientID, "link", tok.Code), &info)
	var conn struct {
		ConnectionID string
		Accounts     []struct{ AccountID string }
	}
	p.linkCall(t, info.SessionToken, "POST", "connections", `{"integrationId":"`+sandboxID+`","username":"user_good","password":"pass_good"}`, &conn)
	acct := conn.Accounts[0].AccountID
	var chosen struct {
		AccessToken struct{ AccountTokens []accountToken }
	}
	p.linkCall(t, info.SessionToken, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+acct+`"]}`, &chosen)
	if len(chosen.AccessToken.AccountTokens) != 1 {
		t.Fatalf("choosing an account gave %d account tokens, want 1", len(chosen.AccessToken.AccountTokens))
	}
	var preview struct{ PreviewID string }
	p.linkCall(t, info.SessionToken, "POST", "transfers", `{"connectionId":"`+conn.ConnectionID+`","accountId":"`+acct+`","networkId":"`+ethereumID+`","symbol":"USDC"}`, &preview)
	var f finished
	p.linkCall(t, info.SessionToken, "POST", "transfers/"+preview.PreviewID+"/execute", "", &f)
	return f, chosen.AccessToken.AccountTokens[0]
}

// deliveryRecord is one delivery as `linkd client webhook deliveries` prints it.
type deliveryRecord struct {
	EventID, TransferID, TransferStatus, State string
	Attempts                                   int
	History                                    []struct {
		ID         string
		HTTPStatus int
		Outcome    string
	}
}

func (p *proc) deliveries(t *testing.T, c creds) []deliveryRecord {
	t.Helper()
	var out []deliveryRecord
	if err := json.Unmarshal([]byte(mustCLI(t, "client", "webhook", "deliveries", "--data", p.DataDir, "--client", c.ID)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWebhooks: every status change of a transfer reaches the receiver, signed over the
// exact bytes; a receiver that answers 500 gets the event again within 10 s, with the same
// eventId and a new id; each transfer's statuses arrive in order (pending, then succeeded,
// or failed for an amount ending in .13); the client's `webhook deliveries` shows it all.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	rcv := &hookReceiver{t: t, failFirst: 1}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	p := startLinkd(t, "--webhook-allow-private", "--sandbox-settle-delay", "1s")
	c := p.createClient(t, "Hooked Co")
	_, secret := p.addWebhook(t, c, srv.URL+"/mesh/webhooks")
	ok := p.deposit(t, c, "hook-order-1", 25)
	bad := p.deposit(t, c, "hook-order-2", 10.13)
	waitFor(t, 40*time.Second, "every event delivered", func() string {
		a, b := rcv.delivered(ok.TransferID), rcv.delivered(bad.TransferID)
		if len(a) < 2 || len(b) < 2 {
			return fmt.Sprintf("delivered %v and %v", a, b)
		}
		return ""
	})
	for _, tc := range []struct {
		f    finished
		want string
	}{{ok, "pending,succeeded"}, {bad, "pending,failed"}} {
		if got := strings.Join(rcv.delivered(tc.f.TransferID), ","); got != tc.want {
			t.Errorf("transfer %s: delivered %s, want %s (in order)", tc.f.ClientTransactionID, got, tc.want)
		}
	}
	got := rcv.requests()
	if len(got) != 5 {
		t.Errorf("%d requests, want 5 (four events, one of them twice)", len(got))
	}
	eventIDs, attemptIDs := map[string]int{}, map[string]bool{}
	for i, r := range got {
		if !validSignature(secret, r.Body, r.Signature) {
			t.Errorf("request %d: signature %q does not verify over the %d bytes received", i, r.Signature, len(r.Body))
		}
		if r.Type != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, r.Type)
		}
		if attemptIDs[r.Event.ID] || !isUUID(r.Event.ID) || !isUUID(r.Event.EventID) {
			t.Errorf("request %d: id %q (want a new uuid per attempt), eventId %q", i, r.Event.ID, r.Event.EventID)
		}
		attemptIDs[r.Event.ID] = true
		eventIDs[r.Event.EventID]++
		f := ok
		if r.Event.TransferID == bad.TransferID {
			f = bad
		}
		e := r.Event
		if e.TransferID != f.TransferID || e.TxHash != f.TxHash || e.TransactionID != f.ClientTransactionID || e.UserID != "hook-user" ||
			e.Token != "USDC" || e.Chain != "Ethereum" || e.SourceAccountProvider != "Sandbox" || e.DestinationAddress == "" ||
			e.DestinationAmount <= 0 || e.SourceAmount < e.DestinationAmount || e.Timestamp <= 0 || e.SentTimestamp < e.Timestamp {
			t.Errorf("request %d: %+v\nwant the transfer of onTransferFinished %+v", i, e, f)
		}
	}
	// The retry: the first request failed; the same event came again, within 10 s.
	first, retry := got[0], hook{}
	for _, r := range got[1:] {
		if r.Event.EventID == first.Event.EventID {
			retry = r
		}
	}
	if first.Code != 500 || retry.Event.EventID == "" || eventIDs[first.Event.EventID] != 2 || len(eventIDs) != 4 {
		t.Fatalf("first request answered %d; event ids %v: want the failed event twice and three others once", first.Code, eventIDs)
	}
	if wait := retry.At.Sub(first.At); wait > 10*time.Second || wait < 3*time.Second {
		t.Errorf("first retry %v after the failure, want within 10 s (5 s ± 20%%)", wait.Round(time.Millisecond))
	}
	if retry.Event.ID == first.Event.ID || retry.Event.TransferStatus != first.Event.TransferStatus || retry.Event.Timestamp != first.Event.Timestamp {
		t.Errorf("retry %+v of %+v: want the same event with a new id", retry.Event, first.Event)
	}
	// What the integrator sees with `linkd client webhook deliveries`.
	ds := p.deliveries(t, c)
	retried := 0
	for _, d := range ds {
		if d.State != "delivered" {
			t.Errorf("delivery %+v: want delivered", d)
		}
		if d.EventID == first.Event.EventID {
			retried++
			if d.Attempts != 2 || len(d.History) != 2 || d.History[0].HTTPStatus != 500 || d.History[0].Outcome != "httpError" ||
				d.History[0].ID != first.Event.ID || d.History[1].HTTPStatus != 200 || d.History[1].ID != retry.Event.ID {
				t.Errorf("the retried delivery: %+v", d)
			}
		}
	}
	if len(ds) != 4 || retried != 1 {
		t.Errorf("webhook deliveries lists %d deliveries (%d retried), want 4 (1)", len(ds), retried)
	}

	// The transfer list, as a Go backend reads it with meshapi (lists sent as repeated
	// parameters, as Mesh's ASP.NET binding reads them).
	api := p.api(c)
	for _, tc := range []struct {
		q    meshapi.TransferQuery
		want finished
		st   string
	}{
		{meshapi.TransferQuery{ClientTransactionID: "hook-order-1"}, ok, meshapi.TransferStatusSucceeded},
		{meshapi.TransferQuery{Statuses: []string{meshapi.TransferStatusFailed, meshapi.TransferStatusPending}, IntegrationIDs: []string{sandboxID},
			UserID: "hook-user", MinAmountInFiat: 10, MaxAmountInFiat: 10.5, OrderBy: "createdTimestamp", DescendingOrder: true, Count: 5}, bad, meshapi.TransferStatusFailed},
	} {
		page, err := api.Transfers(context.Background(), &tc.q)
		if err != nil {
			t.Fatalf("Transfers(%s): %v", tc.q.Encode(), err)
		}
		if page.Total != 1 || len(page.Items) != 1 || page.Items[0].ID != tc.want.TransferID || page.Items[0].Status != tc.st ||
			page.Items[0].ClientTransactionID != tc.want.ClientTransactionID || page.Items[0].Hash != tc.want.TxHash {
			t.Errorf("Transfers(%s) = %+v, want %s only, %s", tc.q.Encode(), page, tc.want.TransferID, tc.st)
		}
	}
	var e *meshapi.Error
	if _, err := api.Transfers(context.Background(), &meshapi.TransferQuery{Statuses: []string{"done"}}); !errors.As(err, &e) ||
		e.ErrorType != "invalidEnumValue" || len(e.FieldErrors()) != 1 {
		t.Errorf("Transfers with an unknown status: %v, want invalidEnumValue naming Statuses[0]", err)
	}
}

// TestWebhooksSurviveKill: linkd is killed (SIGKILL) after a transfer executed while the
// receiver was down; once both are back, every event of the transfer is delivered: the
// outbox is durable, written with the transfer itself (docs/design.md §8).
func TestWebhooksSurviveKill(t *testing.T) {
	t.Parallel()
	port := freePort(t) // nothing listens there yet: the receiver is down
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/hook"
	p := startLinkd(t, "--webhook-allow-private", "--sandbox-settle-delay", "2s")
	c := p.createClient(t, "Durable Hooks")
	_, secret := p.addWebhook(t, c, url)
	f := p.deposit(t, c, "kill-order", 25)
	// The first attempt fails (connection refused) and is recorded; kill before the retry.
	var pendingEvent string
	waitFor(t, 10*time.Second, "the first attempt recorded", func() string {
		for _, d := range p.deliveries(t, c) {
			if d.TransferID == f.TransferID && d.Attempts >= 1 {
				if d.State != "pending" || d.History[0].Outcome != "network" {
					return fmt.Sprintf("delivery %+v: want pending after a network failure", d)
				}
				pendingEvent = d.EventID
				return ""
			}
		}
		return "no attempt yet"
	})
	p.Kill()
	rcv := &hookReceiver{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("the receiver cannot listen on %d: %v", port, err)
	}
	srv := &http.Server{Handler: rcv, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	p.Restart()
	waitFor(t, 60*time.Second, "the transfer's events delivered after the restart", func() string {
		if got := rcv.delivered(f.TransferID); strings.Join(got, ",") != "pending,succeeded" {
			return fmt.Sprintf("delivered %v", got)
		}
		return ""
	})
	got := rcv.requests()
	if got[0].Event.EventID != pendingEvent {
		t.Errorf("the pending event arrived with eventId %s, want %s (the one attempted before the kill)", got[0].Event.EventID, pendingEvent)
	}
	for i, r := range got {
		if !validSignature(secret, r.Body, r.Signature) {
			t.Errorf("request %d: bad signature after the restart", i)
		}
	}
}

// checkingReceiver is a receiver as an integrator writes it: a delivery whose signature
// does not verify with the secret it holds is answered 401 (and counted in rejected);
// the others go to the hookReceiver.
type checkingReceiver struct {
	*hookReceiver
	mu       sync.Mutex
	secret   string
	rejected int
}

func (c *checkingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	ok := validSignature(c.secret, body, r.Header.Get("X-Mesh-Signature-256"))
	if !ok {
		c.rejected++
	}
	c.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.hookReceiver.ServeHTTP(w, r)
}

func (c *checkingReceiver) use(secret string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.secret = secret
}

func (c *checkingReceiver) rejections() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rejected
}

// TestWebhookSecretRotation: `linkd client webhook rotate-secret`, run beside a serving
// linkd, takes effect at its next attempt; a receiver still checking the old secret
// refuses those deliveries, and they are retried until it checks the new one: the
// rotation loses no event.
func TestWebhookSecretRotation(t *testing.T) {
	t.Parallel()
	rcv := &checkingReceiver{hookReceiver: &hookReceiver{t: t}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	p := startLinkd(t, "--webhook-allow-private", "--sandbox-settle-delay", "1s")
	c := p.createClient(t, "Rotating Co")
	hookID, oldSecret := p.addWebhook(t, c, srv.URL+"/hooks")
	rcv.use(oldSecret)
	before := p.deposit(t, c, "rotate-before", 25)
	waitFor(t, 40*time.Second, "the deposit before the rotation delivered", func() string {
		if got := strings.Join(rcv.delivered(before.TransferID), ","); got != "pending,succeeded" {
			return "delivered " + got
		}
		return ""
	})
	var rotated struct{ WebhookID, Secret string }
	if err := json.Unmarshal([]byte(mustCLI(t, "client", "webhook", "rotate-secret", hookID, "--data", p.DataDir)), &rotated); err != nil ||
		rotated.WebhookID != hookID || rotated.Secret == "" || rotated.Secret == oldSecret {
		t.Fatalf("rotate-secret printed %+v (%v); want the webhook's id and a new secret", rotated, err)
	}
	after := p.deposit(t, c, "rotate-after", 30)
	waitFor(t, 40*time.Second, "a delivery signed with the new secret, refused by the receiver", func() string {
		if rcv.rejections() == 0 {
			return "no refused delivery yet"
		}
		return ""
	})
	rcv.use(rotated.Secret)
	waitFor(t, 60*time.Second, "the deposit after the rotation delivered once the receiver checks the new secret", func() string {
		if got := strings.Join(rcv.delivered(after.TransferID), ","); got != "pending,succeeded" {
			return "delivered " + got
		}
		return ""
	})
	for _, r := range rcv.requests() {
		want := oldSecret
		if r.Event.TransferID == after.TransferID {
			want = rotated.Secret
		}
		if !validSignature(want, r.Body, r.Signature) {
			t.Errorf("delivery of %s (%s): signature does not verify with the secret of its time", r.Event.TransferID, r.Event.TransferStatus)
		}
	}
}
