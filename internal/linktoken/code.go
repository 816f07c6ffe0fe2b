package linktoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
)

// CodeBytes is the entropy of a code and of a session credential: 256 bits from the
// operating system's CSPRNG. RFC 6749 §10.10 requires a guessing probability of at most
// 2^-128 (and recommends 2^-160); a uuid's 122 random bits fall short (security.md T1).
const CodeBytes = 32

// codeLen is the length of a code as text (unpadded base64url of CodeBytes).
var codeLen = base64.RawURLEncoding.EncodedLen(CodeBytes)

// NewSecret returns a fresh random value as unpadded base64url text and the SHA-256 hash
// under which it is stored (RFC 6819 §5.1.4.1.3: store only hashes of credentials).
func NewSecret() (text string, hash []byte) {
	var b [CodeBytes]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go ≥ 1.24)
	text = base64.RawURLEncoding.EncodeToString(b[:])
	return text, Hash(text)
}

// Hash is the stored form of a code or session credential.
func Hash(text string) []byte {
	h := sha256.Sum256([]byte(text))
	return h[:]
}

// WellFormedCode reports whether s could be a code (length and alphabet), so that
// garbage is refused without a database round trip.
func WellFormedCode(s string) bool {
	if len(s) != codeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Paths of the pages a code opens, under the public base URL.
const (
	LinkPath = "/link/"
	PayPath  = "/pay/"
)

// PageURL is the absolute URL of the Link UI (kind "link") or payment page ("pay") of a
// client carrying code. The code travels in the fragment, which browsers never send to
// servers, proxies or Referer headers (RFC 6819 §4.4.1.1, security.md T10); the client
// id in the path lets the server send the client's frame-ancestors on page load.
//
// The SDK appends "?lng=…&th=…" to the end of the decoded token; with no "?" before the
// fragment those parameters land inside the fragment, where the page reads them.
func PageURL(publicURL *url.URL, kind, clientID, code string) string {
	p := LinkPath
	if kind == "pay" {
		p = PayPath
	}
	u := *publicURL
	u.Path = strings.TrimRight(u.Path, "/") + p + clientID
	u.RawPath = ""
	u.RawQuery = ""
	u.Fragment = ""
	return u.String() + "#c=" + code
}

// Token encodes a page URL as a link token: standard base64, which the SDK decodes with
// window.atob.
func Token(pageURL string) string {
	return base64.StdEncoding.EncodeToString([]byte(pageURL))
}
