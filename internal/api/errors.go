package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/linktoken"
)

// Error types of the API itself (request validation ones are in linktoken.ErrorTypes).
const (
	ErrInvalidCredentials   = "invalidCredentials"
	ErrClientDisabled       = "clientDisabled"
	ErrRateLimited          = "rateLimited"
	ErrTooManyActiveTokens  = "tooManyActiveTokens"
	ErrUnsupportedMediaType = "unsupportedMediaType"
	ErrRequestTooLarge      = "requestTooLarge"
	ErrMethodNotAllowed     = "methodNotAllowed"
	ErrRouteNotFound        = "routeNotFound"
	ErrCrossOrigin          = "crossOriginRequest"
	ErrStoreUnavailable     = "storeUnavailable"
	ErrInternal             = "internalError"
)

// ErrorTypes documents the API's own error types, in the order of the README's table.
var ErrorTypes = []linktoken.ErrorType{
	{Type: ErrInvalidCredentials, Status: http.StatusUnauthorized, Description: "X-Client-Id or X-Client-Secret is missing, unknown or wrong (one answer for all three; secrets in the query string are ignored)."},
	{Type: ErrClientDisabled, Status: http.StatusLocked, Description: "The client is disabled (linkd client disable)."},
	{Type: ErrRateLimited, Status: http.StatusTooManyRequests, Description: "The client's rate limit, or the limit on failed authentications per IP address, is exceeded; Retry-After says when to retry."},
	{Type: ErrTooManyActiveTokens, Status: http.StatusTooManyRequests, Description: "The client already holds --max-active-tokens unexpired link tokens (off by default; counted per instance); Retry-After says when the oldest expires."},
	{Type: ErrUnsupportedMediaType, Status: http.StatusUnsupportedMediaType, Description: "The request body is not declared as JSON (Content-Type: application/json)."},
	{Type: ErrRequestTooLarge, Status: http.StatusRequestEntityTooLarge, Description: "The request body is larger than --max-body (64 KiB by default)."},
	{Type: ErrMethodNotAllowed, Status: http.StatusMethodNotAllowed, Description: "The path exists but not with this method; Allow lists the methods."},
	{Type: ErrRouteNotFound, Status: http.StatusNotFound, Description: "No such endpoint."},
	{Type: ErrCrossOrigin, Status: http.StatusForbidden, Description: "A browser sent a state-changing request from another origin (CSRF protection of the Link UI's API)."},
	{Type: ErrStoreUnavailable, Status: http.StatusServiceUnavailable, Description: "The database did not answer in time; nothing was issued. Retry-After says when to retry."},
	{Type: ErrInternal, Status: http.StatusInternalServerError, Description: "A bug in linkd; the log has the details under the X-Request-Id of the answer."},
}

// Problem is an error with its own envelope: status, errorType and a message for the
// developer. Handlers return it for problems of the HTTP layer (media type, size,
// method, rate limit).
type Problem struct {
	Code       int
	Type       string
	Message    string
	RetryAfter time.Duration // > 0: send Retry-After
	Allow      string        // 405: send Allow
	// Data, if not nil, is sent as errorData (machine-readable details).
	Data any
}

func (p *Problem) Error() string { return p.Message }

// NewProblem returns a Problem.
func NewProblem(code int, typ, format string, args ...any) *Problem {
	return &Problem{Code: code, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// displayMessages are safe to show an end user, by errorType or HTTP status.
var displayMessages = map[string]string{
	linktoken.ErrCodeNotFound:              "This link is not valid. Please start again from the app.",
	linktoken.ErrCodeExpired:               "This link has expired. Please start again from the app.",
	linktoken.ErrCodeAlreadyUsed:           "This link was already used. For your security, please start again from the app.",
	linktoken.ErrCodeRevoked:               "This link is no longer valid. Please start again from the app.",
	linktoken.ErrSessionInvalid:            "Your session is no longer valid. Please start again from the app.",
	linktoken.ErrSessionExpired:            "Your session has expired. Please start again from the app.",
	linktoken.ErrSessionRevoked:            "Your session was ended for your security. Please start again from the app.",
	ErrClientDisabled:                      "This service is temporarily unavailable.",
	ErrRateLimited:                         "Too many requests. Please try again in a moment.",
	linktoken.ErrUnavailableInJurisdiction: "This provider is not available in your region.",
}

func displayFor(typ string, code int) string {
	if m, ok := displayMessages[typ]; ok {
		return m
	}
	switch {
	case code >= 500:
		return "Something went wrong on our side. Please try again later."
	case code == http.StatusUnauthorized:
		return "Authentication failed."
	}
	return "The request could not be processed."
}

// WriteError maps any error a handler returns to the envelope. It is the only place
// where domain errors become HTTP answers; internal error text is logged with the request
// id and never sent (tailscale tsweb's rule: error details may be sensitive).
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		code   int
		typ    string
		msg    string
		data   any
		retry  time.Duration
		p      *Problem
		lerr   *linktoken.Error
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &p):
		code, typ, msg, retry, data = p.Code, p.Type, p.Message, p.RetryAfter, p.Data
		if p.Allow != "" {
			w.Header().Set("Allow", p.Allow)
		}
	case errors.As(err, &lerr):
		code, typ, msg = lerr.Status, lerr.Type(), lerr.Errors[0].Message
		data = map[string]any{"errors": lerr.Errors}
	case errors.Is(err, auth.ErrInvalidCredentials):
		code, typ, msg = http.StatusUnauthorized, ErrInvalidCredentials, "X-Client-Id / X-Client-Secret: missing or not valid"
	case errors.Is(err, auth.ErrClientDisabled):
		code, typ, msg = http.StatusLocked, ErrClientDisabled, "X-Client-Id: this client is disabled"
	case errors.As(err, &tooBig):
		code, typ, msg = http.StatusRequestEntityTooLarge, ErrRequestTooLarge, fmt.Sprintf("request body: larger than the %d-byte limit", tooBig.Limit)
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The caller went away; nobody reads this answer.
		code, typ, msg = 499, ErrStoreUnavailable, "request cancelled"
	default:
		code, typ, msg, retry = http.StatusServiceUnavailable, ErrStoreUnavailable, "the service is temporarily unavailable; nothing was changed, retry later", time.Second
		if !isUnavailable(err) {
			code, typ, msg, retry = http.StatusInternalServerError, ErrInternal, "internal error", 0
		}
		slog.ErrorContext(r.Context(), "request failed", "err", err, "errorType", typ, "requestId", RequestID(r.Context()))
	}
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	}
	display := displayFor(typ, code)
	WriteJSON(w, code, &Envelope{Status: StatusText(code), Message: msg, DisplayMessage: &display, ErrorType: &typ, ErrorData: data})
}

// isUnavailable tells store faults (fail closed: 503, retry) from bugs (500). Every error
// that is not a known domain error and comes from the store is a fault of the store: the
// database timed out, is locked, is gone, or its disk is full.
func isUnavailable(err error) bool {
	var u interface{ Unavailable() bool }
	if errors.As(err, &u) {
		return u.Unavailable()
	}
	var bug *Bug
	return !errors.As(err, &bug)
}

// Bug marks an error as a programming error (500) rather than an unavailable dependency.
type Bug struct{ Err error }

func (b *Bug) Error() string { return b.Err.Error() }
func (b *Bug) Unwrap() error { return b.Err }

// HandlerFunc is a handler that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP implements http.Handler: a returned error is written by WriteError.
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		WriteError(w, r, err)
	}
}
