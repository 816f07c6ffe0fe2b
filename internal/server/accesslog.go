package server

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/linkd-dev/linkd/internal/jsonappend"
)

// AccessLog writes one line per request. In the JSON format (the default) the line is
// appended by hand rather than through slog: it is written for every request, and a
// generic slog record (eight attributes, so an allocation, then a walk over them) costs
// several times more than the handful of appends it takes. The bytes are exactly those
// slog's JSONHandler writes for the same record (TestAccessLogMatchesSlog), so the log
// reads the same either way. The text format goes through slog's TextHandler.
type AccessLog struct {
	w    io.Writer    // JSON lines; nil for text
	text *slog.Logger // text lines; nil for JSON
}

// NewAccessLog writes the access log to w in format "json" or "text".
func NewAccessLog(w io.Writer, format string) *AccessLog {
	if format == "text" {
		return &AccessLog{text: slog.New(slog.NewTextHandler(w, nil))}
	}
	return &AccessLog{w: w}
}

// accessEntry is what the access log says about a request. The path only: no query
// string, no fragment (never sent), no headers — codes, secrets and session credentials
// never reach the log (docs/threat-model.md T10). clientIP is the client's address as
// the limits see it (behind a trusted proxy, the forwarded one; internal/clientip).
type accessEntry struct {
	time                                 time.Time
	method, path                         string
	status, bytes                        int
	elapsed                              time.Duration
	requestID, clientIP, clientID, route string
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (a *AccessLog) log(e *accessEntry) {
	ms := float64(e.elapsed.Microseconds()) / 1000
	if a.text != nil {
		a.text.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("method", e.method), slog.String("path", e.path), slog.Int("status", e.status),
			slog.Int("bytes", e.bytes), slog.Float64("ms", ms),
			slog.String("requestId", e.requestID), slog.String("clientIp", e.clientIP), slog.String("clientId", e.clientID), slog.String("route", e.route))
		return
	}
	bp := lineBufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"time":"`...)
	b = e.time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request","method":`...)
	b = appendJSONString(b, e.method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, e.path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(e.bytes), 10)
	b = append(b, `,"ms":`...)
	b = jsonappend.Float(b, ms) // what slog does through encoding/json
	b = append(b, `,"requestId":`...)
	b = appendJSONString(b, e.requestID)
	b = append(b, `,"clientIp":`...)
	b = appendJSONString(b, e.clientIP)
	b = append(b, `,"clientId":`...)
	b = appendJSONString(b, e.clientID)
	b = append(b, `,"route":`...)
	b = appendJSONString(b, e.route)
	b = append(b, "}\n"...)
	a.w.Write(b)
	*bp = b
	lineBufs.Put(bp)
}

// appendJSONString appends s as a JSON string the way slog's JSONHandler does: no HTML
// escaping; control characters, quote and backslash escaped; invalid UTF-8 replaced by
// U+FFFD; U+2028 and U+2029 escaped. A request path is attacker-chosen text: whatever it
// holds, the line stays one valid JSON object (no log injection, OWASP Logging Cheat
// Sheet "Event data sources").
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
