package api

import (
	"context"
	"net/http"
)

// RequestInfo is what the server's middleware and the handlers share about one request:
// the id it is logged under (and echoed in X-Request-Id), the address it came from, the
// client it authenticated as, and how it failed. The middleware creates it; handlers fill
// in ClientID and WriteError the rest, which the middleware counts and logs.
type RequestInfo struct {
	ID string
	// ClientIP is the address of the client behind the request: the TCP peer, or what a
	// trusted reverse proxy reports (internal/clientip). The limit on failed
	// authentications and the access log key on it, resolved once per request.
	ClientIP string
	ClientID string
	// ErrorType is the errorType of the answer ("" for a success, and for a caller that
	// went away).
	ErrorType string
	// Fault is the error behind a 503 storeUnavailable or 500 internalError answer: what
	// the log says and the client never sees.
	Fault error
	// Header is the answer's header, for code that sees only the request and adds fields
	// to whatever the answer turns out to be: AuthenticateWith's RateLimit fields (nil
	// outside the middleware).
	Header http.Header
}

type infoKey struct{}

// WithInfo returns ctx carrying info.
func WithInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// Info returns the request's RequestInfo, or nil outside the server's middleware.
func Info(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(infoKey{}).(*RequestInfo)
	return info
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if info := Info(ctx); info != nil {
		return info.ID
	}
	return ""
}
