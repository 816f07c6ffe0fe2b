package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/linkd-dev/linkd/internal/problem"
)

// ErrUnavailable is the answer to a request linkd cannot serve now: the store failed,
// or the server is shutting down. It is the same whatever the cause, so that nothing
// about the store reaches the client. Never modify it.
var ErrUnavailable = &problem.Error{Type: problem.StoreUnavailable, RetryAfter: time.Second,
	Message: "the service is temporarily unavailable; nothing was changed, retry later"}

// bug is the answer to a programming error.
var bug = problem.InternalError.New("internal error")

// WriteError maps any error a handler returns to the envelope. It is the only place
// where errors become HTTP answers:
//   - a *problem.Error is answered as it says (status, errorType, message, errorData,
//     Retry-After, Allow);
//   - a body over the limit (*http.MaxBytesError) is requestTooLarge;
//   - a caller that went away gets 499, which nobody reads;
//   - anything else is a fault: 503 storeUnavailable if the store failed, 500
//     internalError for a *Bug.
//
// A fault's text never reaches the client (tailscale tsweb's rule: error details may be
// sensitive). WriteError records the answer's errorType, and a fault's error, on the
// request's RequestInfo, for the server's middleware to count and log; without a
// RequestInfo (a handler used outside the middleware) it logs the fault itself.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		p      *problem.Error
		tooBig *http.MaxBytesError
		fault  error
		code   int
	)
	switch {
	case errors.As(err, &p):
		code = p.StatusCode()
	case errors.As(err, &tooBig):
		p = problem.RequestTooLarge.New("request body: larger than the %d-byte limit", tooBig.Limit)
		code = p.StatusCode()
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The caller went away; nobody reads this answer.
		p, code = problem.StoreUnavailable.New("request cancelled"), 499
	default:
		p, fault = ErrUnavailable, err
		if !isUnavailable(err) {
			p = bug
		}
		code = p.StatusCode()
	}
	if info := Info(r.Context()); info != nil {
		if code != 499 {
			info.ErrorType = p.ErrorType()
		}
		info.Fault = fault
	} else if fault != nil {
		slog.ErrorContext(r.Context(), "request failed", "err", fault, "errorType", p.ErrorType())
	}
	h := w.Header()
	if p.Allow != "" {
		h.Set("Allow", p.Allow)
	}
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ceilSeconds(p.RetryAfter)))
	}
	var data any
	switch {
	case len(p.Fields) > 0:
		data = map[string]any{"errors": p.Fields}
	case p.Data != nil:
		data = p.Data
	}
	typ, display := p.ErrorType(), p.Type.DisplayMessage(code)
	WriteJSON(w, code, &Envelope{Status: problem.StatusText(code), Message: p.Message, DisplayMessage: &display, ErrorType: &typ, ErrorData: data})
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

// SameOrigin refuses state-changing browser requests from other origins (CSRF) with
// crossOriginRequest, using the browser's Sec-Fetch-Site / Origin headers (Go's
// http.CrossOriginProtection). Every browser-facing endpoint that changes state goes
// through it: the Link UI's API and the demo's backend.
func SameOrigin(h http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return problem.CrossOriginRequest.New("cross-origin request refused")
	}))
	return p.Handler(h)
}
