package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/clientip"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/jsonappend"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/metrics"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/ratelimit"
	"github.com/linkd-dev/linkd/internal/store"
)

// Handler serves the /api/v1 endpoints.
type Handler struct {
	Auth   *auth.Authenticator
	Tokens *linktoken.Service
	Limits *ratelimit.Keyed
	// Active counts each client's unexpired link tokens (over the token lifetime);
	// MaxActive caps them (0: no cap). docs/threat-model.md A4.
	Active    *ratelimit.Window
	MaxActive int
	Now       func() time.Time
	MaxBody   int64
	// AuthFailures is the number of failed authentications allowed per client IP address
	// (RequestInfo.ClientIP) per minute before that address gets 429 (OWASP API2:2023,
	// docs/threat-model.md A2); 0 disables the limit.
	AuthFailures int
	// Metrics counts issued tokens (nil: nothing is counted).
	Metrics *metrics.Metrics
	// Store and Connectors serve POST /api/v1/balance/get: the access tokens the Link UI
	// handed out, and the institutions of the accounts they stand for.
	Store      store.Store
	Connectors *connector.Registry
	// AccessTTL and RefreshTTL are the lifetimes of the tokens POST /api/v1/token/refresh
	// issues (the Link UI's too).
	AccessTTL, RefreshTTL time.Duration

	integrations, networks []byte
	catalog                *catalog.Catalog
	publicURL              string
}

// NewHandler returns a Handler; the catalog answers are encoded once, for publicURL.
func NewHandler(h Handler, cat *catalog.Catalog, publicURL string, addressPattern func(string) string) (*Handler, error) {
	var err error
	if h.integrations, err = Encode(cat.IntegrationsJSON(publicURL)); err != nil {
		return nil, err
	}
	if h.networks, err = Encode(cat.NetworksJSON(publicURL, addressPattern)); err != nil {
		return nil, err
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	h.catalog, h.publicURL = cat, publicURL
	return &h, nil
}

// authenticate checks the request's client credentials (X-Client-Id, X-Client-Secret)
// as AuthenticateWith does.
func (h *Handler) authenticate(r *http.Request) (*store.Client, error) {
	return h.AuthenticateWith(r, r.Header.Get("X-Client-Id"), r.Header.Get("X-Client-Secret"))
}

// AuthenticateWith authenticates request r as the client with this id and secret, and
// checks the client's rate limit: the one check every caller of the API passes, the demo's
// backend included (it presents the demo client's stored credentials). A remote address
// that keeps failing is refused before any lookup. The client's id is recorded on the
// request's RequestInfo for the access log.
func (h *Handler) AuthenticateWith(r *http.Request, id, secret string) (*store.Client, error) {
	now := h.Now()
	ip := clientIP(r)
	perSecond := float64(h.AuthFailures) / 60
	if h.AuthFailures > 0 {
		if empty, wait := h.Limits.Exhausted("authfail:"+ip, perSecond, h.AuthFailures, now); empty {
			setRateLimit(r.Context(), rateLimit{policy: policyAuthFailures, quota: h.AuthFailures, window: time.Minute, reset: wait})
			return nil, &problem.Error{Type: problem.RateLimited, RetryAfter: wait,
				Message: fmt.Sprintf("too many failed authentications from this address (more than %d a minute); retry after Retry-After seconds. "+
					"The limit is linkd's --auth-failures setting (LINKD_AUTH_FAILURES; 0 turns it off, e.g. for a test suite that sends wrong secrets on purpose; "+
					"behind a reverse proxy, --trusted-proxies lets linkd tell its clients apart)", h.AuthFailures)}
		}
	}
	c, err := h.Auth.Authenticate(r.Context(), id, secret)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) && h.AuthFailures > 0 {
			h.Limits.Allow("authfail:"+ip, perSecond, h.AuthFailures, now)
		}
		return nil, err
	}
	if c.RateLimit > 0 {
		burst := ratelimit.Burst(c.RateLimit, c.RateBurst)
		s := h.Limits.Take("client:"+c.ID, c.RateLimit, burst, now)
		setRateLimit(r.Context(), clientLimit(c.RateLimit, burst, s))
		if !s.OK {
			return nil, &problem.Error{Type: problem.RateLimited, RetryAfter: s.Wait,
				Message: "rate limit of this client exceeded; retry later"}
		}
	}
	if info := Info(r.Context()); info != nil {
		info.ClientID = c.ID
	}
	return c, nil
}

// clientIP is the address the limit on failed authentications counts against: the one
// the server's middleware resolved (behind a trusted proxy, the client's), else the TCP
// peer.
func clientIP(r *http.Request) string {
	if info := Info(r.Context()); info != nil && info.ClientIP != "" {
		return info.ClientIP
	}
	return clientip.Peer(r)
}

// CreateLinkToken serves POST /api/v1/linktoken.
func (h *Handler) CreateLinkToken(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := ReadJSONBody(w, r, h.MaxBody, buf); err != nil {
		return err
	}
	issued, err := h.IssueLinkToken(r.Context(), c, buf.Bytes())
	if err != nil {
		return err
	}
	writeLinkToken(w, issued.LinkToken, issued.PaymentLink)
	return nil
}

// IssueLinkToken issues a link token for client c from a request body. It is the one
// path every token takes (POST /api/v1/linktoken and the demo's backend), so that every
// token counts against MaxActive and in the metrics.
func (h *Handler) IssueLinkToken(ctx context.Context, c *store.Client, body []byte) (linktoken.Issued, error) {
	slot, err := h.reserveActive(ctx, c.ID)
	if err != nil {
		return linktoken.Issued{}, err
	}
	issued, err := h.Tokens.Issue(ctx, c, body)
	if err != nil {
		if h.MaxActive > 0 { // nothing issued: the place is free again
			h.Active.Release(c.ID, slot)
		}
		return linktoken.Issued{}, err
	}
	h.Metrics.Issued()
	return issued, nil
}

// reserveActive counts a token about to be issued for client against MaxActive (if set)
// and returns the slot to release it with if the token is not issued after all.
func (h *Handler) reserveActive(ctx context.Context, client string) (int64, error) {
	if h.MaxActive <= 0 {
		return 0, nil
	}
	s := h.Active.Take(client, h.MaxActive, h.Now())
	setRateLimit(ctx, activeLimit(h.MaxActive, h.Tokens.TTL, s))
	if !s.OK {
		return 0, &problem.Error{Type: problem.TooManyActiveTokens, RetryAfter: s.Wait,
			Message: fmt.Sprintf("this client holds %d unexpired link tokens, the most this server allows (--max-active-tokens); retry when some have expired", h.MaxActive)}
	}
	return s.Slot, nil
}

// writeLinkToken writes the 200 envelope of a link token (paymentLink null when "") by
// appending its few members, not through the generic encoder: it is the answer linkd
// gives most, and reflection over the envelope cost more than the rest of the answer.
// TestLinkTokenEnvelope checks that the bytes are the generic encoder's.
func writeLinkToken(w http.ResponseWriter, linkToken, paymentLink string) {
	model := &linkTokenModel{LinkToken: linkToken}
	if paymentLink != "" {
		model.PaymentLink = &paymentLink
	}
	bp := answerBufs.Get().(*[]byte)
	defer answerBufs.Put(bp)
	b, ok := appendLinkToken((*bp)[:0], model)
	if !ok { // text jsontext cannot quote (invalid UTF-8): the encoder reports it
		OK(w, model)
		return
	}
	*bp = b
	WriteRaw(w, b)
}

var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendLinkToken appends the 200 envelope of m, newline included.
func appendLinkToken(b []byte, m *linkTokenModel) ([]byte, bool) {
	b = append(b, `{"content":{"linkToken":`...)
	b, err := jsonappend.String(b, m.LinkToken)
	if err != nil {
		return b, false
	}
	b = append(b, `,"paymentLink":`...)
	if m.PaymentLink == nil {
		b = append(b, "null"...)
	} else if b, err = jsonappend.String(b, *m.PaymentLink); err != nil {
		return b, false
	}
	return append(b, `},"status":"ok","message":"","displayMessage":null,"errorType":null}`+"\n"...), true
}

// linkTokenModel is node-api's LinkTokenModel.
type linkTokenModel struct {
	LinkToken   string  `json:"linkToken"`
	PaymentLink *string `json:"paymentLink"`
}

// ReadJSONBody checks that the request declares a JSON body of at most max bytes and
// reads it into buf.
func ReadJSONBody(w http.ResponseWriter, r *http.Request, max int64, buf *bytes.Buffer) error {
	ct := r.Header.Get("Content-Type")
	if ct != "application/json" && !strings.EqualFold(ct, "application/json; charset=utf-8") {
		if err := checkJSONMediaType(ct); err != nil {
			return err
		}
	}
	if r.ContentLength > max {
		return &http.MaxBytesError{Limit: max}
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || r.Context().Err() != nil {
			return problem.InvalidJSON.New("request body: connection closed before the body was complete")
		}
		return problem.InvalidJSON.New("request body: could not be read")
	}
	return nil
}

// checkJSONMediaType accepts application/json and application/*+json, with no charset
// or utf-8. (ReadJSONBody skips it for the two spellings nearly every client sends.)
func checkJSONMediaType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !(mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		got := "none"
		if ct != "" {
			got = ct
		}
		return problem.UnsupportedMediaType.New("Content-Type: must be application/json, got %s", quoteShort(got))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return problem.UnsupportedMediaType.New("Content-Type: charset must be utf-8, got %s", quoteShort(cs))
	}
	return nil
}

func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' {
			return '?'
		}
		return r
	}, s) + `"`
}

// Integrations serves GET /api/v1/integrations.
func (h *Handler) Integrations(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.authenticate(r); err != nil {
		return err
	}
	WriteRaw(w, h.integrations)
	return nil
}

// Networks serves GET /api/v1/transfers/managed/networks.
func (h *Handler) Networks(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.authenticate(r); err != nil {
		return err
	}
	WriteRaw(w, h.networks)
	return nil
}
