package meshapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotEnvelope is wrapped by the *Error of an answer whose body is not Mesh's envelope:
// a proxy's or load balancer's error page, or something that is not Mesh's API at the
// base URL.
var ErrNotEnvelope = errors.New("the answer is not a Mesh API envelope")

// Error is an answer that was not a success: a status other than 2xx, or a body that is
// not Mesh's envelope with status "ok".
type Error struct {
	// HTTPStatus is the answer's HTTP status code.
	HTTPStatus int
	// Status is the envelope's status ("badRequest", "tooManyRequest", …); "" when the
	// body is not an envelope.
	Status string
	// ErrorType is the envelope's errorType, a stable code to switch on ("invalidAddress",
	// "rateLimited", "overloaded", …; linkd's README lists its own).
	ErrorType string
	// Message is for the developer: what was wrong, naming the field.
	Message string
	// DisplayMessage is safe to show the end user.
	DisplayMessage string
	// ErrorData is the envelope's errorData, raw (FieldErrors decodes linkd's).
	ErrorData json.RawMessage
	// RetryAfter is the answer's Retry-After in seconds or as a date (0 when absent): how
	// long to wait before sending the request again.
	RetryAfter time.Duration
	// RequestID is the answer's X-Request-Id, to quote when asking the operator.
	RequestID string

	what     string // "POST /api/v1/linktoken"
	envelope bool
}

// newError builds the Error of an answer; env is nil when the body is not an envelope.
func newError(what string, resp *http.Response, env *envelope, raw []byte) *Error {
	e := &Error{HTTPStatus: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
		RequestID: resp.Header.Get("X-Request-Id"), what: what, envelope: env != nil}
	if env == nil {
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if ct == "" {
			ct = "no Content-Type"
		}
		e.Message = fmt.Sprintf("%v (HTTP %d, %s): %s", ErrNotEnvelope, resp.StatusCode, ct, snippet(raw))
		return e
	}
	e.Status, e.Message, e.ErrorData = env.Status, env.Message, env.ErrorData
	if env.ErrorType != nil {
		e.ErrorType = *env.ErrorType
	}
	if env.DisplayMessage != nil {
		e.DisplayMessage = *env.DisplayMessage
	}
	return e
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "meshapi: %s: %d", e.what, e.HTTPStatus)
	if e.Status != "" {
		b.WriteString(" " + e.Status)
	}
	if e.ErrorType != "" {
		b.WriteString(" " + e.ErrorType)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// Unwrap returns ErrNotEnvelope for an answer that was not an envelope.
func (e *Error) Unwrap() error {
	if e.envelope {
		return nil
	}
	return ErrNotEnvelope
}

// Temporary reports whether the same request may succeed later unchanged: a rate limit
// (429), or a server, proxy or store that is unavailable or overloaded (502, 503, 504).
func (e *Error) Temporary() bool {
	switch e.HTTPStatus {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// FieldError is one problem with one field of a request, as linkd lists them in
// errorData.errors (every problem of a request at once; the first sets ErrorType).
type FieldError struct {
	Field     string `json:"field"`
	ErrorType string `json:"errorType"`
	Message   string `json:"message"`
}

// FieldErrors decodes errorData.errors; nil when there are none (Mesh itself sends
// errorData of other shapes, or none).
func (e *Error) FieldErrors() []FieldError {
	var data struct {
		Errors []FieldError `json:"errors"`
	}
	if len(e.ErrorData) == 0 || json.Unmarshal(e.ErrorData, &data) != nil {
		return nil
	}
	return data.Errors
}

// retryAfter parses Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > 1<<31 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// snippet is the start of a body, for a message: valid UTF-8, one line, at most 200
// bytes.
func snippet(b []byte) string {
	const n = 200
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if len(s) <= n {
		if s == "" {
			return "(empty body)"
		}
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
