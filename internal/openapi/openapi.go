// Package openapi holds linkd's OpenAPI 3.1 document (openapi.json): every endpoint linkd
// serves to a backend or a browser, the Mesh envelope as one schema, and every errorType
// with its status. It is written by hand and embedded in the binary, and served at
// GET /openapi.json without authentication, so that an integrator (or a code generator)
// reads the same contract the tests hold linkd to (docs/threat-model.md A9).
//
// Three tests keep it true: the route table and the document list the same method and
// path pairs (internal/server), every answer of the HTTP-level tests is validated against
// it (internal/openapi/openapitest, wrapped around every linkdtest server), and its
// errorType parts are generated from internal/problem (go test ./internal/openapi -run
// ErrorTypes -update).
package openapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document's bytes (callers must not modify them).
func Document() []byte { return document }

// Handler serves the document (GET /openapi.json). It is public: no credentials, any
// origin may read it (Access-Control-Allow-Origin: *, as for /sdk/link.js; it holds no
// secret), cached for five minutes and revalidated by ETag (http.ServeContent answers
// If-None-Match with 304, and HEAD).
func Handler() http.Handler {
	sum := sha256.Sum256(document)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(document))
	})
}
