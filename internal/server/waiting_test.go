package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
)

// TestWaiting: while serve waits for its database, /healthz says the process is up and
// everything else, /readyz included, is 503 storeUnavailable with Retry-After; every
// answer is one the OpenAPI document allows.
func TestWaiting(t *testing.T) {
	waiting := openapitest.Check(t, Waiting())
	tests := []struct {
		name, method, path string
		code               int
	}{
		{"healthz", "GET", "/healthz", 200},
		{"readyz", "GET", "/readyz", 503},
		{"the API", "POST", "/api/v1/linktoken", 503},
		{"the Link UI", "GET", "/link/x", 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			waiting.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.code || (tc.code == http.StatusOK && !strings.Contains(rec.Body.String(), `"starting"`)) {
				t.Fatalf("%s %s: %d %s, want %d", tc.method, tc.path, rec.Code, rec.Body, tc.code)
			}
			if tc.code == http.StatusServiceUnavailable &&
				(rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"storeUnavailable"`)) {
				t.Errorf("%s: Retry-After %q, body %s; want storeUnavailable with Retry-After", tc.path, rec.Header().Get("Retry-After"), rec.Body)
			}
		})
	}
}
