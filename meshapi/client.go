package meshapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Client calls Mesh's API (or linkd's) with one client's credentials. It is safe for
// concurrent use; make one and keep it.
type Client struct {
	base           string // without a trailing slash; may have a path prefix
	id, secret     string
	hc             *http.Client
	userAgent      string
	retries        int
	backoff        time.Duration
	sleep          func(context.Context, time.Duration) error // tests replace it
	maxRetryAfter  time.Duration
	maxAnswerBytes int64
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends the requests with hc (its Timeout, Transport and proxy settings)
// instead of a client with a 30-second timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent sets the User-Agent header, e.g. to name the calling service in the
// server's logs.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetry retries the calls that only read (Integrations, Networks, Transfers) up to n
// times: after a network error, and after a 429 or 503 answer, waiting what its
// Retry-After says (at most a minute; a longer wait returns the error instead), or else
// backoff, doubled at each retry up to a minute, and jittered. CreateLinkToken is never retried: it is
// not idempotent, and a request that timed out may have issued a token.
func WithRetry(n int, backoff time.Duration) Option {
	return func(c *Client) { c.retries, c.backoff = max(n, 0), max(backoff, 0) }
}

// NewClient returns a client for the API at baseURL ("https://linkd.example", or Mesh's
// own base URL) with a client id and secret.
func NewClient(baseURL, clientID, clientSecret string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), id: clientID, secret: clientSecret,
		hc: &http.Client{Timeout: 30 * time.Second}, userAgent: "meshapi-go/1",
		sleep: sleepCtx, maxRetryAfter: time.Minute, maxAnswerBytes: 32 << 20}
	for _, o := range opts {
		o(c)
	}
	return c
}

// CreateLinkToken asks for a link token (POST /api/v1/linktoken): node-api's
// v1LinktokenCreate.
func (c *Client) CreateLinkToken(ctx context.Context, req *LinkTokenRequest) (*LinkToken, error) {
	if req == nil {
		return nil, errors.New("meshapi: CreateLinkToken: nil request")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("meshapi: CreateLinkToken: %w", err)
	}
	var tok LinkToken
	if err := c.call(ctx, http.MethodPost, "/api/v1/linktoken", "", body, &tok); err != nil {
		return nil, err
	}
	return &tok, nil
}

// Integrations lists the integrations Link can connect (GET /api/v1/integrations):
// node-api's v1IntegrationsList.
func (c *Client) Integrations(ctx context.Context) ([]Integration, error) {
	var content struct {
		Items []Integration `json:"items"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v1/integrations", "", nil, &content); err != nil {
		return nil, err
	}
	return content.Items, nil
}

// Networks lists the networks transfers can use, with their tokens
// (GET /api/v1/transfers/managed/networks): node-api's v1TransfersManagedNetworksList.
func (c *Client) Networks(ctx context.Context) ([]Network, error) {
	var content struct {
		Networks []Network `json:"networks"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v1/transfers/managed/networks", "", nil, &content); err != nil {
		return nil, err
	}
	return content.Networks, nil
}

// Transfers lists the transfers made through Link that match q (nil: the first page of
// all), newest first unless q orders them otherwise (GET /api/v1/transfers/managed/mesh):
// node-api's v1TransfersManagedMeshList.
func (c *Client) Transfers(ctx context.Context, q *TransferQuery) (*TransferPage, error) {
	var page TransferPage
	if err := c.call(ctx, http.MethodGet, "/api/v1/transfers/managed/mesh", q.Encode(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// envelope is Mesh's ApiResult, decoded generically: content stays raw until the
// caller's type decodes it.
type envelope struct {
	Content        json.RawMessage `json:"content"`
	Status         string          `json:"status"`
	Message        string          `json:"message"`
	DisplayMessage *string         `json:"displayMessage"`
	ErrorType      *string         `json:"errorType"`
	ErrorData      json.RawMessage `json:"errorData"`
}

// call sends one request, retrying a GET as WithRetry allows, and decodes the envelope's
// content into out.
func (c *Client) call(ctx context.Context, method, path, query string, body []byte, out any) error {
	u := c.base + path
	if query != "" {
		u += "?" + query
	}
	retries := 0
	if method == http.MethodGet {
		retries = c.retries
	}
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, method, u, body, out)
		if err == nil || attempt >= retries || ctx.Err() != nil {
			return err
		}
		wait := c.backoff // doubled at each retry, up to maxRetryAfter
		for i := 0; i < attempt && wait < c.maxRetryAfter; i++ {
			wait *= 2
		}
		wait = min(wait, c.maxRetryAfter)
		wait = wait/2 + rand.N(wait/2+1) // jitter: clients that failed together retry apart
		var e *Error
		if errors.As(err, &e) {
			if e.HTTPStatus != http.StatusTooManyRequests && e.HTTPStatus != http.StatusServiceUnavailable {
				return err
			}
			if e.RetryAfter > c.maxRetryAfter {
				return err
			}
			if e.RetryAfter > 0 {
				wait = e.RetryAfter
			}
		}
		if c.sleep(ctx, wait) != nil {
			return err
		}
	}
}

// once sends one request and decodes its answer.
func (c *Client) once(ctx context.Context, method, u string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("meshapi: %w", err)
	}
	h := req.Header
	h.Set("X-Client-Id", c.id)
	h.Set("X-Client-Secret", c.secret)
	h.Set("Accept", "application/json")
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		h.Set("User-Agent", c.userAgent)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("meshapi: %s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.maxAnswerBytes+1))
	if err != nil {
		return fmt.Errorf("meshapi: %s %s: reading the answer: %w", method, req.URL.Path, err)
	}
	if int64(len(raw)) > c.maxAnswerBytes {
		return fmt.Errorf("meshapi: %s %s: the answer is larger than %d bytes", method, req.URL.Path, c.maxAnswerBytes)
	}
	return decode(method+" "+req.URL.Path, resp, raw, out)
}

// decode turns an answer into out (a success) or an *Error.
func decode(what string, resp *http.Response, raw []byte, out any) error {
	var env envelope
	isEnvelope := json.Unmarshal(raw, &env) == nil && env.Status != ""
	if !isEnvelope {
		return newError(what, resp, nil, raw)
	}
	if resp.StatusCode/100 != 2 || env.Status != "ok" {
		return newError(what, resp, &env, raw)
	}
	if out != nil && len(env.Content) > 0 && string(env.Content) != "null" {
		if err := json.Unmarshal(env.Content, out); err != nil {
			return fmt.Errorf("meshapi: %s: content does not decode: %w", what, err)
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
