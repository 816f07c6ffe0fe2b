package server

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/metrics"
	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
	"github.com/linkd-dev/linkd/internal/problem"
)

// TestFaultsCountedAndLogged: every error answer is counted by errorType; a store fault
// is also counted on its own and logged once per burst, a bug is logged every time with
// its request id, and neither's text reaches the client.
func TestFaultsCountedAndLogged(t *testing.T) {
	var logs bytes.Buffer
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fail := func(err error) http.Handler {
		return api.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return err })
	}
	s := New(Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: metrics.New(), ServeMetrics: true,
		Now: func() time.Time { return now },
		Extra: []Route{
			{"store", "GET", "/test/store", fail(errors.New("sqlite: disk I/O error"))},
			{"bug", "GET", "/test/bug", fail(&api.Bug{Err: errors.New("nil map write")})},
			{"client", "GET", "/test/client", fail(problem.MissingField.New("userId: required"))},
		}})
	doc := openapitest.Load(t)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		s.Handler().ServeHTTP(rec, req)
		// The /test/ routes are this test's own: their answers are held to the document's
		// error responses; /metrics to its operation.
		problems := doc.Error(rec.Code, rec.Header(), rec.Body.Bytes())
		if !strings.HasPrefix(path, "/test/") {
			problems = doc.Exchange(req, rec.Code, rec.Header(), rec.Body.Bytes())
		}
		if len(problems) > 0 {
			t.Errorf("GET %s → %d does not match the OpenAPI document: %v", path, rec.Code, problems)
		}
		return rec
	}
	steps := []struct {
		name    string
		path    string
		advance time.Duration // before the request
		status  int
		lines   string // what the log gains (a substring of it), "" for nothing
	}{
		{"store fault logs", "/test/store", 0, 503, `"msg":"store unavailable","err":"sqlite: disk I/O error","errorType":"storeUnavailable","requestId":"`},
		{"store fault within 10 s only counts", "/test/store", 5 * time.Second, 503, ""},
		{"and another", "/test/store", time.Second, 503, ""},
		{"a bug logs every time", "/test/bug", 0, 500, `"msg":"request failed","err":"nil map write","errorType":"internalError","requestId":"`},
		{"a bug logs every time, again", "/test/bug", 0, 500, `"msg":"request failed","err":"nil map write"`},
		{"a client's error is not logged", "/test/client", 0, 400, ""},
		{"store fault after 10 s logs what it did not", "/test/store", 10 * time.Second, 503, `"notLogged":2}`},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		before := logs.Len()
		rec := get(st.path)
		if rec.Code != st.status {
			t.Fatalf("%s: status %d: %s", st.name, rec.Code, rec.Body)
		}
		if b := rec.Body.String(); strings.Contains(b, "sqlite") || strings.Contains(b, "nil map") {
			t.Errorf("%s: the fault's text reached the client: %s", st.name, b)
		}
		added := logs.String()[before:]
		if st.lines == "" && added != "" || st.lines != "" && (!strings.Contains(added, st.lines) || strings.Count(added, "\n") != 1) {
			t.Errorf("%s: the log gained %q, want one line with %q", st.name, added, st.lines)
		}
		if st.lines != "" && !strings.Contains(added, rec.Header().Get("X-Request-Id")) {
			t.Errorf("%s: the line %q does not name request %s", st.name, added, rec.Header().Get("X-Request-Id"))
		}
	}
	m := get("/metrics").Body.String()
	for _, want := range []string{
		`linkd_errors_total{errorType="storeUnavailable"} 4`,
		`linkd_errors_total{errorType="internalError"} 2`,
		`linkd_errors_total{errorType="missingField"} 1`,
		"linkd_store_unavailable_total 4",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Count(m, "linkd_errors_total{") != 3 {
		t.Errorf("metrics count errorTypes that were not answered:\n%s", m)
	}
}
