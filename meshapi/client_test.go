package meshapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fake is a server that answers each request with the next of its answers and records
// what it received.
type fake struct {
	*httptest.Server
	mu      sync.Mutex
	answers []answer
	got     []*http.Request
	bodies  []string
}

// answer is one canned answer; hangUp closes the connection instead.
type answer struct {
	code   int
	header map[string]string
	body   string
	hangUp bool
}

func newFake(t *testing.T, answers ...answer) *fake {
	f := &fake{answers: answers}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.got = append(f.got, r)
		f.bodies = append(f.bodies, string(body))
		a := f.answers[min(len(f.got), len(f.answers))-1]
		f.mu.Unlock()
		if a.hangUp {
			c, _, _ := http.NewResponseController(w).Hijack()
			c.Close()
			return
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.code)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

const okNetworks = `{"content":{"networks":[{"id":"e3c7fdd8-b1fc-4e51-85ae-bb276e075611","name":"Ethereum"}]},"status":"ok","message":"","displayMessage":null,"errorType":null}`

var jsonHeader = map[string]string{"Content-Type": "application/json; charset=utf-8"}

// TestErrors: every answer but a successful envelope is an *Error with what the answer
// said; an answer that is not an envelope wraps ErrNotEnvelope and says what it was.
func TestErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name string
		ans  answer
		want Error // what, envelope aside
		// notEnvelope: errors.Is(err, ErrNotEnvelope); message: a substring of Message.
		notEnvelope bool
		message     string
		temporary   bool
		fields      []FieldError
	}{
		{name: "validation error",
			ans: answer{code: 400, header: map[string]string{"X-Request-Id": "ab12-7"}, body: `{"content":null,"status":"badRequest",` +
				`"message":"transferOptions.toAddresses[0].address: not a valid Ethereum address","displayMessage":"The request could not be processed.",` +
				`"errorType":"invalidAddress","errorData":{"errors":[{"field":"transferOptions.toAddresses[0].address","errorType":"invalidAddress","message":"not valid"}]}}`},
			want: Error{HTTPStatus: 400, Status: "badRequest", ErrorType: "invalidAddress", DisplayMessage: "The request could not be processed.",
				Message: "transferOptions.toAddresses[0].address: not a valid Ethereum address", RequestID: "ab12-7"},
			fields: []FieldError{{Field: "transferOptions.toAddresses[0].address", ErrorType: "invalidAddress", Message: "not valid"}}},
		{name: "rate limited, Retry-After in seconds",
			ans:       answer{code: 429, header: map[string]string{"Retry-After": "3"}, body: `{"content":null,"status":"tooManyRequest","message":"slow down","displayMessage":"Too many requests.","errorType":"rateLimited"}`},
			want:      Error{HTTPStatus: 429, Status: "tooManyRequest", ErrorType: "rateLimited", Message: "slow down", DisplayMessage: "Too many requests.", RetryAfter: 3 * time.Second},
			temporary: true},
		{name: "overloaded, Retry-After as a date",
			ans:  answer{code: 503, header: map[string]string{"Retry-After": date}, body: `{"content":null,"status":"serverFailure","message":"busy","displayMessage":null,"errorType":"overloaded"}`},
			want: Error{HTTPStatus: 503, Status: "serverFailure", ErrorType: "overloaded", Message: "busy"}, temporary: true},
		{name: "a proxy's HTML error page", notEnvelope: true, temporary: true, message: "(HTTP 502, text/html): <html><body> <h1>502 Bad Gateway</h1> </body></html>",
			ans:  answer{code: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>"},
			want: Error{HTTPStatus: 502}},
		{name: "JSON that is not the envelope", notEnvelope: true, message: "(HTTP 404, application/json): {\"error\":\"not found\"}",
			ans:  answer{code: 404, header: jsonHeader, body: `{"error":"not found"}`},
			want: Error{HTTPStatus: 404}},
		{name: "200 that is not the envelope", notEnvelope: true, message: "(HTTP 200, text/plain): hello",
			ans:  answer{code: 200, header: map[string]string{"Content-Type": "text/plain"}, body: "hello"},
			want: Error{HTTPStatus: 200}},
		{name: "empty 500", notEnvelope: true, message: "(empty body)",
			ans:  answer{code: 500},
			want: Error{HTTPStatus: 500}},
		{name: "200 envelope whose status is not ok",
			ans:  answer{code: 200, header: jsonHeader, body: `{"content":null,"status":"serverFailure","message":"odd","displayMessage":null,"errorType":"internalError"}`},
			want: Error{HTTPStatus: 200, Status: "serverFailure", ErrorType: "internalError", Message: "odd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.ans)
			_, err := NewClient(f.URL, "id", "secret").Networks(context.Background())
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want an *Error", err, err)
			}
			if errors.Is(err, ErrNotEnvelope) != tc.notEnvelope {
				t.Errorf("errors.Is(err, ErrNotEnvelope) = %v", !tc.notEnvelope)
			}
			got := *e
			got.what, got.envelope, got.ErrorData = "", false, nil
			if tc.message != "" {
				if !strings.Contains(got.Message, tc.message) {
					t.Errorf("Message %q lacks %q", got.Message, tc.message)
				}
				got.Message = ""
			}
			if tc.name == "overloaded, Retry-After as a date" {
				if got.RetryAfter < 85*time.Second || got.RetryAfter > 90*time.Second {
					t.Errorf("RetryAfter = %v, want about 90s", got.RetryAfter)
				}
				got.RetryAfter = 0
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if e.Temporary() != tc.temporary {
				t.Errorf("Temporary() = %v", e.Temporary())
			}
			if fe := e.FieldErrors(); !reflect.DeepEqual(fe, tc.fields) {
				t.Errorf("FieldErrors() = %+v, want %+v", fe, tc.fields)
			}
			if !strings.HasPrefix(err.Error(), "meshapi: GET /api/v1/transfers/managed/networks: ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// TestLinkTokenRequestWire: CreateLinkToken sends every field of the request under Mesh's
// JSON name (testdata/linktoken_request.golden.json), zero values not at all, with the
// credentials in headers, and decodes the answer.
func TestLinkTokenRequestWire(t *testing.T) {
	fee := 0.0
	full := &LinkTokenRequest{
		UserID: "user-1234", BrokerType: "coinbase", RestrictMultipleAccounts: true,
		IntegrationID: "47a37b36-6d56-5a8e-9b8b-11ba4ec1e2bf", DisableAPIKeyGeneration: true,
		SubClientID: "d1f9a7c2-6b3e-4f80-9c15-2a7e8b4d6f01",
		TransferOptions: &TransferOptions{
			ToAddresses: []ToAddress{{NetworkID: "0f5a2a07-0000-4000-8000-00000000000a", Symbol: "XRP", Address: "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe",
				AddressTag: "12345", Amount: 20, DisplayAmountInFiat: 10.5}},
			AmountInFiat: 25, TransactionID: "order-17", ClientFee: &fee, TransferType: TransferTypePayment,
			FundingOptions: &FundingOptions{Enabled: true}, IsInclusiveFeeEnabled: true, Description: "Two coffees",
			GoodsDetails:    []GoodsDetails{{GoodsType: "01", GoodsCategory: "Food", ReferenceGoodsID: "sku-1", GoodsName: "Coffee", GoodsDetail: "Large"}},
			GeneratePayLink: true,
		},
		VerifyWalletOptions: &VerifyWalletOptions{Message: "Sign to verify", VerificationMethods: []string{"signedMessage"},
			Addresses: []string{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}, NetworkID: "e3c7fdd8-b1fc-4e51-85ae-bb276e075611", NetworkType: "evm"},
	}
	f := newFake(t, answer{code: 200, header: jsonHeader,
		body: `{"content":{"linkToken":"aHR0cDovL2xpbmtkL2xpbmsveA==","paymentLink":"http://linkd/pay/x#c=y"},"status":"ok","message":"","displayMessage":null,"errorType":null}`})
	c := NewClient(f.URL+"/", "client-1", "sk_secret", WithUserAgent("acme-backend/2"))
	tok, err := c.CreateLinkToken(context.Background(), full)
	if err != nil {
		t.Fatal(err)
	}
	if *tok != (LinkToken{LinkToken: "aHR0cDovL2xpbmtkL2xpbmsveA==", PaymentLink: "http://linkd/pay/x#c=y"}) {
		t.Errorf("token %+v", tok)
	}
	r := f.got[0]
	for k, want := range map[string]string{"X-Client-Id": "client-1", "X-Client-Secret": "sk_secret", "Content-Type": "application/json",
		"User-Agent": "acme-backend/2", "Accept": "application/json"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if r.Method != "POST" || r.URL.Path != "/api/v1/linktoken" {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(f.bodies[0]), "", "  "); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/linktoken_request.golden.json", indented.String()+"\n")

	// Only userId when nothing else is set; clientFee 0 is sent (it is not the default).
	f2 := newFake(t, answer{code: 200, header: jsonHeader, body: `{"content":{"linkToken":"x","paymentLink":null},"status":"ok"}`})
	c2 := NewClient(f2.URL, "id", "s")
	tok, err = c2.CreateLinkToken(context.Background(), &LinkTokenRequest{UserID: "u1", TransferOptions: &TransferOptions{ClientFee: &fee}})
	if err != nil || tok.PaymentLink != "" {
		t.Fatalf("%+v %v", tok, err)
	}
	if want := `{"userId":"u1","transferOptions":{"clientFee":0}}`; f2.bodies[0] != want {
		t.Errorf("body %s, want %s", f2.bodies[0], want)
	}
	if _, err := c2.CreateLinkToken(context.Background(), nil); err == nil {
		t.Error("a nil request was sent")
	}
}

// TestTransfers: the query of node-api's v1TransfersManagedMeshList, parameter by
// parameter (testdata/transfers_query.golden), and a node-api-shaped page decoded field by
// field (testdata/transfers_page.json: every member decodes into a field).
func TestTransfers(t *testing.T) {
	page, err := os.ReadFile("testdata/transfers_page.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(t, answer{code: 200, header: jsonHeader, body: string(page)})
	c := NewClient(f.URL, "id", "s")
	got, err := c.Transfers(context.Background(), &TransferQuery{
		Count: 25, Offset: 50, ID: "6c1d5e0a-3f6b-4d8e-9a51-0d1e7f2c4b10", ClientTransactionID: "order 17/a&b", UserID: "user-1234",
		IntegrationIDs: []string{"b9cc860a-935d-5982-8562-c164e2e7a703", "47a37b36-6d56-5a8e-9b8b-11ba4ec1e2bf"},
		Statuses:       []string{TransferStatusPending, TransferStatusFailed}, FromTimestamp: 1796300000000, ToTimestamp: 1796310000000,
		MinAmountInFiat: 1.5, MaxAmountInFiat: 1000, OrderBy: "createdTimestamp", DescendingOrder: true, Hash: "0xabc",
		SubClientID: "d1f9a7c2-6b3e-4f80-9c15-2a7e8b4d6f01",
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.got[0]; r.Method != "GET" || r.URL.Path != "/api/v1/transfers/managed/mesh" {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	golden(t, "testdata/transfers_query.golden", f.got[0].URL.RawQuery+"\n")

	// Every member of the page is a field of TransferPage.
	var env struct{ Content json.RawMessage }
	json.Unmarshal(page, &env)
	dec := json.NewDecoder(strings.NewReader(string(env.Content)))
	dec.DisallowUnknownFields()
	var strict TransferPage
	if err := dec.Decode(&strict); err != nil {
		t.Errorf("testdata/transfers_page.json has a member TransferPage lacks: %v", err)
	}
	if got.Total != 42 || len(got.Items) != 2 {
		t.Fatalf("total %d, %d items", got.Total, len(got.Items))
	}
	a, b := got.Items[0], got.Items[1]
	if a.ID != "6c1d5e0a-3f6b-4d8e-9a51-0d1e7f2c4b10" || a.ClientTransactionID != "order-17" || a.Status != "succeeded" ||
		a.AmountInFiat != 25 || a.From.Type != "sandbox" || a.GasFee.FeeCurrency != "ETH" || *a.ExecutedTimestamp != 1796305260000 ||
		*a.DestinationAmountInFiat != 24.5 || a.FundingMethods[0].Fee.FeeInFiat != 0.05 || a.BridgingDetails.TargetSide.NetworkName != "Base" ||
		a.BridgingDetails.Timeline[0].Timestamp != 1796305230000 || a.TotalTransactionAmountInFiat != 25.66 {
		t.Errorf("first transfer decoded as %+v", a)
	}
	if b.From != nil || b.GasFee != nil || b.ExecutedTimestamp != nil || b.SourceAmount != nil || b.ClientTransactionID != "" ||
		b.FundingMethods != nil || b.BridgingDetails != nil || !b.IsFeeIncluded || b.SubClientID == "" {
		t.Errorf("nulls of the second transfer decoded as %+v", b)
	}

	// No query: no query string.
	if _, err := c.Transfers(context.Background(), nil); err != nil || f.got[1].URL.RawQuery != "" {
		t.Errorf("nil query: %q %v", f.got[1].URL.RawQuery, err)
	}
}

// TestRetry: WithRetry retries reads after network errors and 429/503 (waiting
// Retry-After, else the jittered backoff), never a POST, never past a minute's
// Retry-After, never another error, and stops when the context ends.
func TestRetry(t *testing.T) {
	busy := answer{code: 503, header: map[string]string{"Retry-After": "2"}, body: `{"content":null,"status":"serverFailure","message":"busy","errorType":"overloaded"}`}
	limited := answer{code: 429, body: `{"content":null,"status":"tooManyRequest","message":"slow","errorType":"rateLimited"}`}
	ok := answer{code: 200, header: jsonHeader, body: okNetworks}
	for _, tc := range []struct {
		name     string
		answers  []answer
		post     bool
		retries  int
		wantErr  bool
		requests int
		waits    []time.Duration // exact; 0 stands for "the jittered backoff"
	}{
		{name: "503 then ok", answers: []answer{busy, ok}, retries: 3, requests: 2, waits: []time.Duration{2 * time.Second}},
		{name: "429 without Retry-After, twice", answers: []answer{limited, limited, ok}, retries: 3, requests: 3, waits: []time.Duration{0, 0}},
		{name: "network error then ok", answers: []answer{{hangUp: true}, ok}, retries: 1, requests: 2, waits: []time.Duration{0}},
		{name: "out of retries", answers: []answer{busy}, retries: 2, requests: 3, wantErr: true, waits: []time.Duration{2 * time.Second, 2 * time.Second}},
		{name: "no retry without WithRetry", answers: []answer{busy, ok}, retries: 0, requests: 1, wantErr: true},
		{name: "400 is not retried", answers: []answer{{code: 400, body: `{"status":"badRequest","errorType":"invalidJson"}`}, ok}, retries: 3, requests: 1, wantErr: true},
		{name: "Retry-After over a minute is not waited", answers: []answer{{code: 429, header: map[string]string{"Retry-After": "600"}, body: `{"status":"tooManyRequest"}`}, ok},
			retries: 3, requests: 1, wantErr: true},
		{name: "POST is never retried", answers: []answer{busy, ok}, post: true, retries: 3, requests: 1, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.answers...)
			c := NewClient(f.URL, "id", "s", WithRetry(tc.retries, 100*time.Millisecond))
			var waits []time.Duration
			c.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			var err error
			if tc.post {
				_, err = c.CreateLinkToken(context.Background(), &LinkTokenRequest{UserID: "u1"})
			} else {
				_, err = c.Networks(context.Background())
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v", err)
			}
			if n := f.requests(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if len(waits) != len(tc.waits) {
				t.Fatalf("waits %v, want %v", waits, tc.waits)
			}
			for i, w := range tc.waits {
				backoff := 100 * time.Millisecond << i
				if w == 0 && (waits[i] < backoff/2 || waits[i] > backoff) || w != 0 && waits[i] != w {
					t.Errorf("wait %d = %v, want %v (0: between %v and %v)", i, waits[i], w, backoff/2, backoff)
				}
			}
		})
	}

	t.Run("many retries: the backoff stops doubling at a minute", func(t *testing.T) {
		f := newFake(t, answer{code: 503, body: `{"status":"serverFailure","errorType":"overloaded"}`})
		c := NewClient(f.URL, "id", "s", WithRetry(70, time.Second))
		var longest time.Duration
		c.sleep = func(ctx context.Context, d time.Duration) error { longest = max(longest, d); return nil }
		if _, err := c.Networks(context.Background()); err == nil || f.requests() != 71 {
			t.Fatalf("%v after %d requests", err, f.requests())
		}
		if longest < 30*time.Second || longest > time.Minute {
			t.Errorf("longest wait %v, want between 30 s and a minute", longest)
		}
	})

	t.Run("context ends the waiting", func(t *testing.T) {
		f := newFake(t, busy)
		c := NewClient(f.URL, "id", "s", WithRetry(5, time.Hour))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Networks(ctx)
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != 503 || time.Since(start) > 5*time.Second {
			t.Errorf("%v after %v", err, time.Since(start))
		}
	})
}

// TestContext: a call stops when its context ends, even while the server has not
// answered.
func TestContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewClient(srv.URL, "id", "s").CreateLinkToken(ctx, &LinkTokenRequest{UserID: "u1"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("%v after %v, want context.DeadlineExceeded at once", err, time.Since(start))
	}
	// The HTTP client's own timeout applies too.
	hc := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := NewClient(srv.URL, "id", "s", WithHTTPClient(hc)).Integrations(context.Background()); err == nil {
		t.Error("no error past the HTTP client's timeout")
	} else if ne, ok := errors.Unwrap(errors.Unwrap(err)).(net.Error); ok && !ne.Timeout() {
		t.Errorf("%v: not a timeout", err)
	}
}

// TestBaseURL: a base URL with a path prefix (linkd behind a proxy under /linkd) and a
// trailing slash.
func TestBaseURL(t *testing.T) {
	f := newFake(t, answer{code: 200, header: jsonHeader, body: `{"content":{"items":[{"id":"x","name":"Sandbox","type":"sandbox"}]},"status":"ok"}`})
	ints, err := NewClient(f.URL+"/linkd/", "id", "s").Integrations(context.Background())
	if err != nil || len(ints) != 1 || ints[0].Type != "sandbox" {
		t.Fatalf("%+v %v", ints, err)
	}
	if p := f.got[0].URL.Path; p != "/linkd/api/v1/integrations" {
		t.Errorf("path %s", p)
	}
}

// TestVerifyWebhook: only the exact body under the right secret verifies.
func TestVerifyWebhook(t *testing.T) {
	body := []byte(`{"transferId":"6c1d5e0a","transferStatus":"succeeded"}`)
	const secret = "whsec_test"
	// base64(HMAC-SHA256("whsec_test", body)), computed independently:
	// printf '%s' "$body" | openssl dgst -sha256 -hmac whsec_test -binary | base64
	const want = "e26ewtuNlWhdrPITgE9PYX835u9JjzuFFtgkJ1Zp/eU="
	sig := WebhookSignature(secret, body)
	if sig != want {
		t.Errorf("WebhookSignature = %s, want %s", sig, want)
	}
	for _, tc := range []struct {
		name           string
		secret, header string
		body           []byte
		want           error
	}{
		{"valid", secret, sig, body, nil},
		{"valid, spaces around", secret, " " + sig + " ", body, nil},
		{"another secret", "whsec_other", sig, body, ErrWebhookSignatureMismatch},
		{"body changed", secret, sig, append([]byte(" "), body...), ErrWebhookSignatureMismatch},
		{"truncated signature", secret, sig[:20], body, ErrWebhookSignatureMismatch},
		{"not base64", secret, "not base64!", body, ErrWebhookSignatureMismatch},
		{"hex instead of base64", secret, "7b6e9ec2db8d95685dacf213804f4f617f37e6ef498f3b8516d824275669fde5", body, ErrWebhookSignatureMismatch},
		{"no header", secret, "", body, ErrWebhookNoSignature},
		{"no secret", "", sig, body, ErrWebhookNoSecret},
	} {
		if err := VerifyWebhook(tc.secret, tc.body, tc.header); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./meshapi -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./meshapi -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
