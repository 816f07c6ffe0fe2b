package api

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// TestLinkTokenEnvelope: the hand-appended link-token answer is byte for byte what the
// generic envelope encoder writes.
func TestLinkTokenEnvelope(t *testing.T) {
	tests := []struct {
		name, linkToken, paymentLink string
	}{
		{"token only", "aHR0cDovL2xvY2FsaG9zdDo4MDgwL2xpbmsvYWJjI2M9eHl6", ""},
		{"with pay link", "aHR0cHM6Ly9saW5rZC5leGFtcGxl", "https://linkd.example/pay/5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f#c=abc-_DEF"},
		{"characters JSON escapes", `a"b\c`, "https://x.example/p?q=<a>&b=\u2028\u2029\x01\t\n"},
		{"non-ASCII", "é日本🙂", "https://bücher.example/"},
		{"empty token", "", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &linkTokenModel{LinkToken: tc.linkToken}
			if tc.paymentLink != "" {
				m.PaymentLink = &tc.paymentLink
			}
			got, ok := appendLinkToken(nil, m)
			if !ok {
				t.Fatal("appendLinkToken refused valid UTF-8")
			}
			want, err := Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("hand-appended answer differs:\n got %s\nwant %s", got, want)
			}
			// And through the ResponseWriter, with the API's headers.
			rec := httptest.NewRecorder()
			writeLinkToken(rec, tc.linkToken, tc.paymentLink)
			if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), want) || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("writeLinkToken: %d %s %v", rec.Code, rec.Body.Bytes(), rec.Header())
			}
		})
	}
	if _, ok := appendLinkToken(nil, &linkTokenModel{LinkToken: "\xff"}); ok {
		t.Error("appendLinkToken accepted invalid UTF-8")
	}
}
