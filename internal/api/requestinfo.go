package api

import "context"

// RequestInfo is what the server's middleware and the handlers share about one request:
// the id it is logged under (and echoed in X-Request-Id) and the client it authenticated
// as. The middleware creates it; handlers fill in ClientID.
type RequestInfo struct {
	ID       string
	ClientID string
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
