package api

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/linkd-dev/linkd/internal/ratelimit"
)

// The rate-limit header fields of draft-ietf-httpapi-ratelimit-headers-11 (§3
// RateLimit-Policy, §4 RateLimit), structured-field lists (RFC 9651) of one item per
// policy:
//
//	RateLimit-Policy: "client";q=10;w=1
//	RateLimit: "client";r=7;t=1
//
// They tell a backend how close it is to a limit before it gets a 429, and a 429 says
// which limit it hit (docs/threat-model.md R2). linkd's policies, and how each maps its
// limiter onto q (quota), w (window), r (available quota) and t (effective window):
//
//   - "client", the client's token bucket (--rate-limit N, --burst B): q = B, w = B/N
//     rounded up (the time an empty bucket takes to fill); r = the whole tokens left;
//     t = when r is 0, the seconds until the next token (equal to Retry-After), else the
//     seconds until the bucket is full again. Sent on every answer of a client that has a
//     rate limit, success or not, once it has authenticated.
//   - "auth-failures", failed authentications per IP address (--auth-failures F): q = F,
//     w = 60, r = 0, t = Retry-After. Sent only on its 429 (never on a 401: it would
//     count down a guesser's attempts for it).
//   - "active-tokens", a client's unexpired link tokens (--max-active-tokens M): q = M,
//     w = --token-ttl; r = the places left; t = when r is 0, the seconds until the oldest
//     token expires (equal to Retry-After), else until the newest does. Sent on the
//     answers of POST /api/v1/linktoken when the cap is on.
//
// Seconds are rounded up, so that a client that waits t seconds finds what was promised.
const (
	policyClient       = "client"
	policyAuthFailures = "auth-failures"
	policyActiveTokens = "active-tokens"
)

// rateLimit is one policy's item in both fields.
type rateLimit struct {
	policy    string
	quota     int
	window    time.Duration
	remaining int
	reset     time.Duration
}

// clientLimit maps a token bucket's state onto the "client" policy.
func clientLimit(perSecond float64, burst int, s ratelimit.Status) rateLimit {
	reset := s.Full
	if s.Remaining == 0 {
		reset = s.Wait
	}
	return rateLimit{policy: policyClient, quota: burst, window: time.Duration(float64(burst) / perSecond * float64(time.Second)),
		remaining: s.Remaining, reset: reset}
}

// activeLimit maps the active-token window's state onto the "active-tokens" policy.
func activeLimit(limit int, ttl time.Duration, s ratelimit.WindowStatus) rateLimit {
	reset := s.Empty
	if s.Remaining <= 0 {
		reset = s.Wait
	}
	return rateLimit{policy: policyActiveTokens, quota: limit, window: ttl, remaining: max(s.Remaining, 0), reset: reset}
}

// setRateLimit adds l's items to the two fields of the answer of the request ctx belongs
// to (its RequestInfo's Header; outside the server's middleware there is none and
// nothing is sent). A second policy is appended to the list the first one started.
func setRateLimit(ctx context.Context, l rateLimit) {
	info := Info(ctx)
	if info == nil || info.Header == nil {
		return
	}
	name := `"` + l.policy + `"` // an sf-string: the draft makes the policy's name one
	appendItem(info.Header, "RateLimit-Policy", name+";q="+strconv.Itoa(l.quota)+";w="+strconv.Itoa(ceilSeconds(l.window)))
	appendItem(info.Header, "RateLimit", name+";r="+strconv.Itoa(l.remaining)+";t="+strconv.Itoa(ceilSeconds(l.reset)))
}

// appendItem adds item to the structured-field list in h's field (RFC 9651 §3.1).
func appendItem(h http.Header, field, item string) {
	if v := h.Get(field); v != "" {
		item = v + ", " + item
	}
	h.Set(field, item)
}

// ceilSeconds is d in whole seconds, rounded up (delay-seconds, RFC 9110 §10.2.3).
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}
