// Package openapitest validates linkd's answers against its OpenAPI document
// (internal/openapi) with libopenapi-validator, a maintained OpenAPI 3.1 validator
// (JSON Schema 2020-12). Tests use it, never the binary: linkdtest wraps every server it
// starts (Wrap), so that every answer an HTTP-level test receives is validated, success
// and error alike, and the e2e tests validate the answers of the real binary in their
// HTTP client's transport, and the webhooks it delivers (docs/threat-model.md A9).
//
// What is validated, per exchange:
//   - the answer: its status is documented for the operation, its Content-Type is one
//     the operation declares for that status, its body matches the schema (JSON bodies;
//     formats and content encodings asserted), and the headers the document requires are
//     there;
//   - the request, when the answer is a success (2xx): linkd accepted it, so the
//     document must accept it too (parameters, body, security). Requests linkd refused
//     are not validated: tests send invalid ones on purpose;
//   - a request for a path or method the document does not have: the answer must be the
//     documented routeNotFound (404) or methodNotAllowed (405, with Allow); so may the
//     answer of an operation marked x-linkd-optional (a --demo route without --demo);
//   - an unclean path (. or .. segments, doubled slashes): ServeMux's redirect to the
//     clean path;
//   - HEAD: the status must be documented for GET (there is no body to check).
package openapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/linkd-dev/linkd/internal/openapi"
)

// Doc is linkd's document, loaded once per test binary (building the validator compiles
// every schema, which takes a while).
type Doc struct {
	model *v3.Document
	v     validator.Validator
	opts  *config.ValidationOptions
	// wildcards are the prefixes (with the trailing slash) of the routes that take the
	// rest of the path ({name...}; the path item's x-linkd-pattern).
	wildcards []string
}

var load = sync.OnceValues(func() (*Doc, error) {
	doc, err := libopenapi.NewDocument(openapi.Document())
	if err != nil {
		return nil, err
	}
	opts := []config.Option{config.WithFormatAssertions(), config.WithContentAssertions()}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi.json: %v", errs)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	d := &Doc{model: &m.Model, v: v, opts: config.NewValidationOptions(opts...)}
	for _, item := range m.Model.Paths.PathItems.FromOldest() {
		if pat, ok := item.Extensions.Get("x-linkd-pattern"); ok && pat != nil {
			prefix, _, _ := strings.Cut(pat.Value, "{")
			d.wildcards = append(d.wildcards, prefix)
		}
	}
	return d, nil
})

// Load returns the document, or fails t.
func Load(t testing.TB) *Doc {
	t.Helper()
	d, err := load()
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	return d
}

// Model is the document's model.
func (d *Doc) Model() *v3.Document { return d.model }

// ValidateDocument checks the document against the OpenAPI 3.1 specification's schema.
func (d *Doc) ValidateDocument() []string {
	_, errs := d.v.ValidateDocument()
	return messages(errs)
}

// Check returns h wrapped so that every answer it gives is validated against the
// document (Exchange); each mismatch fails t, naming the request. There is no way to
// turn it off: a test that serves linkd through linkdtest is validated whether it means
// to be or not. The validations that are still running when t ends are waited for
// (t.Cleanup: register it before the cleanup that stops the server, so that it runs
// after).
func Check(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	Load(t)
	wrapped, wait := Wrap(h, t.Errorf)
	t.Cleanup(wait)
	return wrapped
}

// Wrap is Check for code without a testing.TB: each mismatch goes to report (formatted
// as by fmt.Sprintf); wait returns once every validation of an answer given so far has
// reported. Validation runs after the answer has gone, so that it adds nothing to what a
// test measures between requests (a rate limit's refill). Wrap panics if the document does
// not load.
func Wrap(h http.Handler, report func(format string, args ...any)) (wrapped http.Handler, wait func()) {
	d, err := load()
	if err != nil {
		panic(err)
	}
	var running sync.WaitGroup
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		if r.Body != nil {
			r.Body = &teeBody{ReadCloser: r.Body, copy: &body}
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		req := r.Clone(context.WithoutCancel(r.Context()))
		req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
		header := w.Header().Clone()
		running.Go(func() {
			if problems := d.Exchange(req, rec.status(), header, rec.body.Bytes()); len(problems) > 0 {
				report("openapi: %s %s → %d does not match internal/openapi/openapi.json:\n\t%s\n\tbody: %.600s",
					r.Method, r.URL.RequestURI(), rec.status(), strings.Join(problems, "\n\t"), rec.body.Bytes())
			}
		})
	}), running.Wait
}

// teeBody copies what the handler reads of a request body.
type teeBody struct {
	io.ReadCloser
	copy *bytes.Buffer
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.copy.Write(p[:n])
	return n, err
}

// recorder passes an answer through and keeps its status and body.
type recorder struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 && code >= 200 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// Exchange validates one request and the answer linkd gave (status, headers, body) and
// returns the problems, none if both match the document. req's body, if any, must be
// the bytes sent.
func (d *Doc) Exchange(req *http.Request, status int, header http.Header, body []byte) []string {
	if status == 499 {
		return nil // the caller went away: nobody reads this answer (api.WriteError)
	}
	if clean := cleanPath(req.URL.Path); clean != req.URL.Path {
		// ServeMux redirects an unclean path (. or .. segments, doubled slashes) to its
		// clean form before any route sees it.
		if loc, _ := url.Parse(header.Get("Location")); (status == http.StatusMovedPermanently || status == http.StatusTemporaryRedirect) && loc != nil && loc.Path == clean {
			return nil
		}
	}
	req = d.forRouting(req)
	method := req.Method
	if method == http.MethodHead {
		req = req.Clone(req.Context())
		req.Method = http.MethodGet
	}
	pathItem, errs, found := paths.FindPath(req, d.model, d.opts)
	var op *v3.Operation
	if pathItem != nil && len(errs) == 0 {
		op = pathItem.GetOperations().GetOrZero(strings.ToLower(req.Method))
	}
	if op == nil || method == http.MethodOptions {
		return d.unrouted(status, header, body)
	}
	if _, optional := op.Extensions.Get("x-linkd-optional"); optional && status == http.StatusNotFound {
		return d.unrouted(status, header, body) // served only with a setting this server lacks
	}
	if method == http.MethodHead {
		if op.Responses.Codes.GetOrZero(strconv.Itoa(status)) == nil {
			return []string{fmt.Sprintf("status %d is not documented for GET %s", status, found)}
		}
		return nil
	}
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	_, rerrs := d.v.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(req, resp, pathItem, found)
	problems := messages(rerrs)
	if status >= 200 && status < 300 {
		_, qerrs := d.v.ValidateHttpRequestSyncWithPathItem(req, pathItem, found)
		for _, p := range messages(qerrs) {
			problems = append(problems, "request (answered "+strconv.Itoa(status)+"): "+p)
		}
	}
	return problems
}

// cleanPath is p as ServeMux cleans it (path.Clean, keeping a trailing slash).
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// forRouting returns req with a wildcard route's rest of the path escaped into one
// segment (/link/assets/vendor/comlink.js is /link/assets/{path} with path
// "vendor/comlink.js"), since an OpenAPI path parameter is one segment.
func (d *Doc) forRouting(req *http.Request) *http.Request {
	for _, prefix := range d.wildcards {
		rest, ok := strings.CutPrefix(req.URL.Path, prefix)
		if !ok || !strings.Contains(rest, "/") {
			continue
		}
		req = req.Clone(req.Context())
		u := *req.URL
		u.Path = prefix + url.PathEscape(rest)
		u.RawPath = ""
		req.URL = &u
		return req
	}
	return req
}

// unrouted checks the answer to a request the document has no operation for: linkd's
// 404 routeNotFound or 405 methodNotAllowed.
func (d *Doc) unrouted(status int, header http.Header, body []byte) []string {
	want := map[int]string{404: "routeNotFound", 405: "methodNotAllowed"}[status]
	if want == "" {
		return []string{fmt.Sprintf("no operation in the document, and the answer is %d, not 404 or 405", status)}
	}
	problems := d.Error(status, header, body)
	if !bytes.Contains(body, []byte(`"errorType":"`+want+`"`)) {
		problems = append(problems, "no operation in the document, and the answer's errorType is not "+want)
	}
	return problems
}

// Error validates an error answer against the document's Error<status> response (the
// envelope with an errorType of that status, and the headers it requires), for answers
// of routes the document does not have: a test's own routes (server.Options.Extra).
func (d *Doc) Error(status int, header http.Header, body []byte) []string {
	r := d.model.Components.Responses.GetOrZero("Error" + strconv.Itoa(status))
	if r == nil {
		return []string{fmt.Sprintf("the document has no error response for status %d", status)}
	}
	var problems []string
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		problems = append(problems, "Content-Type "+ct+", want application/json")
	}
	for name, h := range r.Headers.FromOldest() {
		if h.Required && header.Get(name) == "" {
			problems = append(problems, "no "+name+" header")
		}
	}
	schema := r.Content.GetOrZero("application/json").Schema.Schema()
	return append(problems, validateSchema(schema, body)...)
}

// Webhook validates a transfer status webhook linkd delivered (the document's
// webhooks.transferStatus): a JSON body of the WebhookEvent schema, signed in
// X-Mesh-Signature-256 (base64).
func (d *Doc) Webhook(header http.Header, body []byte) []string {
	item := d.model.Webhooks.GetOrZero("transferStatus")
	if item == nil || item.Post == nil {
		return []string{"the document has no transferStatus webhook"}
	}
	var problems []string
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		problems = append(problems, "Content-Type "+ct+", want application/json")
	}
	for _, p := range item.Post.Parameters {
		if p.In == "header" && p.Required != nil && *p.Required && header.Get(p.Name) == "" {
			problems = append(problems, "no "+p.Name+" header")
		}
	}
	schema := item.Post.RequestBody.Content.GetOrZero("application/json").Schema.Schema()
	return append(problems, validateSchema(schema, body)...)
}

// validateSchema validates body against schema.
func validateSchema(schema *base.Schema, body []byte) []string {
	_, errs := schema_validation.NewSchemaValidator(config.WithFormatAssertions(), config.WithContentAssertions()).ValidateSchemaBytes(schema, body)
	return messages(errs)
}

// messages renders validation errors, each with its schema errors' locations.
func messages(errs []*verrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		m := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			m += ": " + e.Reason
		}
		for _, s := range e.SchemaValidationErrors {
			m += fmt.Sprintf("\n\t\t%s: %s", s.FieldPath, s.Reason)
		}
		out = append(out, m)
	}
	return out
}
