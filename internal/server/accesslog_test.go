package server

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"
)

// slogLine is what slog's JSONHandler writes for e: the reference the hand-written JSON
// access log must match byte for byte.
func slogLine(t *testing.T, e *accessEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	r := slog.NewRecord(e.time, slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("method", e.method), slog.String("path", e.path), slog.Int("status", e.status),
		slog.Int("bytes", e.bytes), slog.Float64("ms", float64(e.elapsed.Microseconds())/1000),
		slog.String("requestId", e.requestID), slog.String("clientIp", e.clientIP), slog.String("clientId", e.clientID), slog.String("route", e.route))
	if err := slog.NewJSONHandler(&buf, nil).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAccessLogMatchesSlog(t *testing.T) {
	at := time.Date(2026, 11, 25, 15, 4, 5, 123456789, time.UTC)
	base := accessEntry{time: at, method: "POST", path: "/api/v1/linktoken", status: 200, bytes: 290, elapsed: 1234567 * time.Nanosecond,
		requestID: "a1b2c3-000001", clientIP: "198.51.100.7", route: "linktoken.create"}
	base.clientID = "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
	tests := []struct {
		name string
		mod  func(e *accessEntry)
	}{
		{"typical", func(e *accessEntry) {}},
		{"quote and backslash", func(e *accessEntry) { e.path = `/a"b\c` }},
		{"control characters", func(e *accessEntry) { e.path = "/\x00\x01\x1f\n\r\t\x7f" }},
		{"html is not escaped", func(e *accessEntry) { e.path = "/<script>&amp;</script>" }},
		{"invalid UTF-8", func(e *accessEntry) { e.path = "/\xff\xfe\xc3(\xe2\x82" }},
		{"line and paragraph separators", func(e *accessEntry) { e.path = "/\u2028x\u2029" }},
		{"non-ASCII", func(e *accessEntry) { e.path = "/été/日本/🙂" }},
		{"empty strings", func(e *accessEntry) {
			e.method, e.path, e.requestID, e.clientIP, e.clientID, e.route = "", "", "", "", "", ""
		}},
		{"IPv6 client", func(e *accessEntry) { e.clientIP = "2001:db8::7" }},
		{"obfuscated client", func(e *accessEntry) { e.clientIP = "_hidden-7" }},
		{"zero duration", func(e *accessEntry) { e.elapsed = 0 }},
		{"sub-millisecond", func(e *accessEntry) { e.elapsed = 1500 * time.Nanosecond }},
		{"long request", func(e *accessEntry) { e.elapsed = 3 * time.Hour }},
		{"error status", func(e *accessEntry) { e.status, e.bytes = 413, 0 }},
		{"local time zone", func(e *accessEntry) { e.time = at.In(time.FixedZone("X", -5*3600-30*60)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			tc.mod(&e)
			var got bytes.Buffer
			NewAccessLog(&got, "json").log(&e)
			if want := slogLine(t, &e); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("line differs from slog's:\n got %s\nwant %s", got.Bytes(), want)
			}
		})
	}
	// Random paths: any bytes at all.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		p := make([]byte, rng.IntN(24))
		for j := range p {
			p[j] = byte(rng.IntN(256))
		}
		e := base
		e.path = string(p)
		e.elapsed = time.Duration(rng.Int64N(int64(10 * time.Second)))
		var got bytes.Buffer
		NewAccessLog(&got, "json").log(&e)
		if want := slogLine(t, &e); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("random case %d differs from slog's:\n got %q\nwant %q", i, got.Bytes(), want)
		}
	}
}

func TestAccessLogText(t *testing.T) {
	var buf bytes.Buffer
	NewAccessLog(&buf, "text").log(&accessEntry{time: time.Now(), method: "GET", path: "/x y", status: 404, route: "other"})
	for _, want := range []string{"level=INFO", "msg=request", "method=GET", `path="/x y"`, "status=404", "route=other"} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("text line %q lacks %q", buf.Bytes(), want)
		}
	}
}
