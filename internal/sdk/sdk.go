// Package sdk serves linkd's web SDK: /sdk/link.js, a small hand-written ES module with
// the API and callbacks of Mesh Connect's @meshconnect/web-link-sdk
// (createLink({...}).openLink(linkToken)), /sdk/link.d.ts, its TypeScript declarations,
// and /sdk/comlink.js, the vendored Comlink link.js imports for the wallet bridge (one
// copy, the Link UI's: internal/linkui/web/vendor). No build step: the files are served
// as they are.
package sdk

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed web/link.js web/link.d.ts
var web embed.FS

// Version is the SDK's version, as the script reports it to the Link UI in its
// meshSDKSpecs message ("linkd-" + Version).
const Version = "1.0.0"

// contentTypes of the served files.
var contentTypes = map[string]string{
	"link.js":   "text/javascript; charset=utf-8",
	"link.d.ts": "application/typescript; charset=utf-8",
}

// Handler serves one of the SDK's files, "link.js" or "link.d.ts" (it panics on any
// other name: a wiring mistake).
//
// Headers: a JavaScript MIME type (module scripts need one) and nosniff; cacheable for
// five minutes with an ETag, so a new linkd's script is picked up soon; and
// Access-Control-Allow-Origin: * with Cross-Origin-Resource-Policy: cross-origin, since
// host pages on other origins import it as a module, which needs CORS. The files are
// public and carry no credentials.
func Handler(name string) http.Handler {
	b, err := web.ReadFile("web/" + name)
	ct, ok := contentTypes[name]
	if err != nil || !ok {
		panic("sdk: no file " + name)
	}
	return serve(name, ct, b)
}

// Module serves b, a JavaScript module that link.js imports (the vendored Comlink), with
// link.js's headers.
func Module(name string, b []byte) http.Handler {
	if len(b) == 0 {
		panic("sdk: empty module " + name)
	}
	return serve(name, contentTypes["link.js"], b)
}

func serve(name, ct string, b []byte) http.Handler {
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("ETag", etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
}

// Script returns the bytes of link.js (for tests).
func Script() []byte {
	b, _ := web.ReadFile("web/link.js")
	return b
}
