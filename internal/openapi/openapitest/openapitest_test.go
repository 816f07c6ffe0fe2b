package openapitest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
)

const (
	okHealth   = `{"content":{"status":"up"},"status":"ok","message":"","displayMessage":null,"errorType":null}`
	badCreds   = `{"content":null,"status":"permissionDenied","message":"X-Client-Secret: wrong","displayMessage":"Authentication failed.","errorType":"invalidCredentials"}`
	notFound   = `{"content":null,"status":"notFound","message":"/x: no such endpoint","displayMessage":"The request could not be processed.","errorType":"routeNotFound"}`
	notAllowed = `{"content":null,"status":"badRequest","message":"PUT: not allowed","displayMessage":"The request could not be processed.","errorType":"methodNotAllowed"}`
	linkToken  = `{"content":{"linkToken":"aHR0cDovL2xvY2FsaG9zdC9saW5rL3gjYz15","paymentLink":null},"status":"ok","message":"","displayMessage":null,"errorType":null}`
)

// TestExchange: the validator accepts linkd's answers and refuses each kind of drift the
// document guards against, so that a silent validator cannot pass the HTTP-level tests.
func TestExchange(t *testing.T) {
	d := openapitest.Load(t)
	jsonHeader := func(kv ...string) http.Header {
		h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Request-Id": {"abc-1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	auth := []string{"X-Client-Id", "c", "X-Client-Secret", "s", "Content-Type", "application/json"}
	cases := []struct {
		name, method, target, reqBody string
		reqHeaders                    []string
		status                        int
		header                        http.Header
		body                          string
		want                          string // a problem's substring; "" for none
	}{
		{"success", "GET", "/healthz", "", nil, 200, jsonHeader(), okHealth, ""},
		{"documented error", "GET", "/api/v1/integrations", "", nil, 401, jsonHeader(), badCreds, ""},
		{"link token", "POST", "/api/v1/linktoken", `{"userId":"u-1"}`, auth, 200, jsonHeader(), linkToken, ""},
		{"unknown path", "GET", "/nope", "", nil, 404, jsonHeader(), notFound, ""},
		{"other method", "PUT", "/api/v1/linktoken", "", nil, 405, jsonHeader("Allow", "POST"), notAllowed, ""},
		{"HEAD of a GET", "HEAD", "/healthz", "", nil, 200, jsonHeader(), "", ""},
		{"clean-path redirect", "GET", "/link/assets/../x", "", nil, 307, http.Header{"Location": {"/link/x"}}, "", ""},

		{"undocumented status", "GET", "/healthz", "", nil, 418, jsonHeader(), okHealth, "418"},
		{"wrong content", "GET", "/healthz", "", nil, 200, jsonHeader(), strings.Replace(okHealth, `"up"`, `"down"`, 1), "failed to validate"},
		{"member outside the envelope", "GET", "/healthz", "", nil, 200, jsonHeader(), strings.Replace(okHealth, `{"content"`, `{"extra":1,"content"`, 1), "failed to validate"},
		{"errorType of another status", "GET", "/api/v1/integrations", "", nil, 401, jsonHeader(), strings.Replace(badCreds, "invalidCredentials", "invalidJson", 1), "failed to validate"},
		{"unknown errorType", "GET", "/api/v1/integrations", "", nil, 401, jsonHeader(), strings.Replace(badCreds, "invalidCredentials", "nope", 1), "failed to validate"},
		{"error without X-Request-Id", "GET", "/api/v1/integrations", "", nil, 401, http.Header{"Content-Type": {"application/json"}}, badCreds, "X-Request-Id"},
		{"undocumented content type", "GET", "/sdk/link.js", "", nil, 200, http.Header{"Content-Type": {"text/plain"}, "Access-Control-Allow-Origin": {"*"}, "Etag": {`"1"`}}, "x", "content type"},
		{"405 without Allow", "PUT", "/api/v1/linktoken", "", nil, 405, jsonHeader(), notAllowed, "Allow"},
		{"unknown path answered 200", "GET", "/nope", "", nil, 200, jsonHeader(), okHealth, "not 404 or 405"},
		{"accepted request the document refuses", "POST", "/api/v1/linktoken", `{"userId":"` + strings.Repeat("u", 51) + `"}`, auth, 200, jsonHeader(), linkToken, "request (answered 200)"},
		{"accepted request without credentials", "POST", "/api/v1/linktoken", `{"userId":"u-1"}`, []string{"Content-Type", "application/json"}, 200, jsonHeader(), linkToken, "request (answered 200)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.reqBody))
			for i := 0; i+1 < len(tc.reqHeaders); i += 2 {
				req.Header.Set(tc.reqHeaders[i], tc.reqHeaders[i+1])
			}
			problems := strings.Join(d.Exchange(req, tc.status, tc.header, []byte(tc.body)), "\n")
			switch {
			case tc.want == "" && problems != "":
				t.Errorf("want no problem, got:\n%s", problems)
			case tc.want != "" && !strings.Contains(problems, tc.want):
				t.Errorf("want a problem with %q, got:\n%s", tc.want, problems)
			}
		})
	}
}

// recordingTB is a testing.TB that keeps its errors.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Helper() {}

// TestCheck: a handler wrapped in Check (Wrap) fails its test on an answer the document does
// not allow, naming the request, and passes the answer through unchanged.
func TestCheck(t *testing.T) {
	rec := &recordingTB{TB: t}
	h, wait := openapitest.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte(okHealth))
	}), rec.Errorf)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	wait()
	if w.Code != http.StatusTeapot || w.Body.String() != okHealth {
		t.Errorf("answer changed: %d %s", w.Code, w.Body)
	}
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "GET /healthz → 418") {
		t.Errorf("errors %q, want one naming GET /healthz → 418", rec.errors)
	}
}

// TestWebhook: the webhook body of internal/webhook's golden files is the document's
// transferStatus webhook; a body without eventId, or a delivery without its signature,
// is not.
func TestWebhook(t *testing.T) {
	d := openapitest.Load(t)
	for _, name := range []string{"event.golden.json", "event_pending.golden.json"} {
		body, err := os.ReadFile(filepath.Join("..", "..", "webhook", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		signed := http.Header{"Content-Type": {"application/json"}, "X-Mesh-Signature-256": {"c2ln"}}
		if problems := d.Webhook(signed, body); len(problems) > 0 {
			t.Errorf("%s: %v", name, problems)
		}
		if problems := d.Webhook(http.Header{"Content-Type": {"application/json"}}, body); len(problems) == 0 {
			t.Errorf("%s without X-Mesh-Signature-256: no problem found", name)
		}
		if problems := d.Webhook(signed, bytes.Replace(body, []byte(`"eventId"`), []byte(`"eventID"`), 1)); len(problems) == 0 {
			t.Errorf("%s without eventId: no problem found", name)
		}
	}
}
