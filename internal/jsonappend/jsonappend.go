// Package jsonappend holds the few helpers linkd's hand-written JSON encoders share. Those
// encoders exist only on the hot path of POST /api/v1/linktoken (the stored options, the
// answer, the access log), where reflection-based encoding cost more than the rest of the
// work; each one is tested against the generic encoder it replaces.
package jsonappend

import (
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// Float appends f as a JSON number the way encoding/json and go-json-experiment both
// write it (the ECMAScript Number-to-string rule): plain decimal in [1e-6, 1e21),
// exponent notation outside, with no leading zero in the exponent. f must be finite.
func Float(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// String appends s as a JSON string exactly as jsontext.AppendQuote does (the encoder of
// go-json-experiment, which the generic encoders use), which it calls for anything but
// the common case: printable ASCII without a quote or backslash, which it copies as is.
// It fails as AppendQuote does, on invalid UTF-8.
func String(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return jsontext.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}
