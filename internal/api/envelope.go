// Package api is linkd's JSON API: the Mesh-compatible endpoints under /api/v1 and the
// envelope every JSON answer of linkd uses, success and error alike.
package api

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/problem"
)

// Envelope is Mesh's ApiResult: every JSON answer has this shape. errorData is omitted
// when there is none; the other members are always present (null when empty), as in the
// seed's example.
type Envelope struct {
	Content        any     `json:"content"`
	Status         string  `json:"status"`
	Message        string  `json:"message"`
	DisplayMessage *string `json:"displayMessage"`
	ErrorType      *string `json:"errorType"`
	ErrorData      any     `json:"errorData,omitzero"`
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// setHeaders sets the headers of every API answer: JSON, never cached (RFC 6749 §5.1 for
// token responses), never sniffed (OWASP API8:2023).
//
// The value slices are shared by every answer (four allocations less per request): a
// slice of length and capacity 1 is replaced, never changed in place, by Header.Set and
// Header.Add.
func setHeaders(h http.Header) {
	h["Content-Type"] = headerJSON
	h["Cache-Control"] = headerNoStore
	h["Pragma"] = headerNoCache
	h["X-Content-Type-Options"] = headerNoSniff
}

var (
	headerJSON    = []string{"application/json; charset=utf-8"}
	headerNoStore = []string{"no-store"}
	headerNoCache = []string{"no-cache"}
	headerNoSniff = []string{"nosniff"}
)

// WriteJSON writes an envelope with the given HTTP status.
func WriteJSON(w http.ResponseWriter, code int, env *Envelope) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := json.MarshalWrite(buf, env); err != nil {
		// Only a programming error (an unencodable content type) gets here.
		buf.Reset()
		buf.WriteString(`{"content":null,"status":"serverFailure","message":"internal error","displayMessage":null,"errorType":"internalError"}`)
		code = http.StatusInternalServerError
	}
	buf.WriteByte('\n')
	h := w.Header()
	setHeaders(h)
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// OK writes a 200 envelope with content.
func OK(w http.ResponseWriter, content any) {
	WriteJSON(w, http.StatusOK, &Envelope{Content: content, Status: problem.StatusOK})
}

// WriteRaw writes a pre-encoded 200 envelope (the catalog endpoints, encoded once).
func WriteRaw(w http.ResponseWriter, body []byte) {
	h := w.Header()
	setHeaders(h)
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// Encode returns the encoded 200 envelope of content, for WriteRaw.
func Encode(content any) ([]byte, error) {
	b, err := json.Marshal(&Envelope{Content: content, Status: problem.StatusOK})
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
