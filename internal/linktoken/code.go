package linktoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// CodeBytes is the entropy of a code and of a session credential: 256 bits from the
// operating system's CSPRNG. RFC 6749 §10.10 requires a guessing probability of at most
// 2^-128 (and recommends 2^-160); a uuid's 122 random bits fall short (docs/threat-model.md T1).
const CodeBytes = 32

// secretLen is the length of a session credential as text (unpadded base64url of
// CodeBytes); codeLen the length of a code (its 16-byte id and CodeBytes of secret).
var (
	secretLen = base64.RawURLEncoding.EncodedLen(CodeBytes)
	codeLen   = base64.RawURLEncoding.EncodedLen(codeIDBytes + CodeBytes)
)

// codeIDBytes is the size of a code's id: 8 bytes of time (nanoseconds) and 8 random.
const codeIDBytes = 16

// lastIDTime keeps code ids increasing within the process even when the clock does not.
var lastIDTime atomic.Int64

// NewCode returns a fresh one-time code as text, and its id and the hash of its secret,
// which are what the store keeps. The id leads with the time so that codes are stored in
// insertion order (the embedded store appends instead of rewriting random pages); the
// secret part alone carries CodeBytes of entropy.
func NewCode() (text string, id, hash []byte) {
	var b [codeIDBytes + CodeBytes]byte
	rand.Read(b[8:]) // never returns an error (crypto/rand, Go ≥ 1.24)
	now := time.Now().UnixNano()
	for {
		last := lastIDTime.Load()
		if now <= last {
			now = last + 1
		}
		if lastIDTime.CompareAndSwap(last, now) {
			break
		}
	}
	binary.BigEndian.PutUint64(b[:8], uint64(now))
	sum := sha256.Sum256(b[codeIDBytes:])
	return base64.RawURLEncoding.EncodeToString(b[:]), b[:codeIDBytes:codeIDBytes], sum[:]
}

// ParseCode splits a code into its id and the hash of its secret; ok is false for text
// that cannot be a code, which is refused without a database round trip.
func ParseCode(text string) (id, hash []byte, ok bool) {
	if len(text) != codeLen || !base64URL(text) {
		return nil, nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		return nil, nil, false
	}
	sum := sha256.Sum256(b[codeIDBytes:])
	return b[:codeIDBytes], sum[:], true
}

// NewSecret returns a fresh random value (a session credential) as unpadded base64url text and the SHA-256 hash
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

// wellFormedSecret reports whether s could be a session credential (length and
// alphabet), so that garbage is refused without a database round trip.
func wellFormedSecret(s string) bool {
	return len(s) == secretLen && base64URL(s)
}

func base64URL(s string) bool {
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
// client carrying code, under base (PageBase of the public URL). The code travels in the
// fragment, which browsers never send to servers, proxies or Referer headers (RFC 6819
// §4.4.1.1, docs/threat-model.md T10); the client id in the path lets the server send the
// client's frame-ancestors on page load.
//
// The SDK appends "?lng=…&th=…" to the end of the decoded token; with no "?" before the
// fragment those parameters land inside the fragment, where the page reads them.
func PageURL(base, kind, clientID, code string) string {
	p := LinkPath
	if kind == "pay" {
		p = PayPath
	}
	// clientID is a uuid and code base64url: nothing in them needs escaping.
	return base + p + clientID + "#c=" + code
}

// PageBase is the public URL as the prefix of page URLs: its path without a trailing
// slash, no query, no fragment.
func PageBase(publicURL *url.URL) string {
	u := *publicURL
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// Token encodes a page URL as a link token: standard base64, which the SDK decodes with
// window.atob.
func Token(pageURL string) string {
	return base64.StdEncoding.EncodeToString([]byte(pageURL))
}
