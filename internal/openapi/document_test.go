package openapi_test

import (
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
)

// TestDocumentIsValid: openapi.json passes libopenapi-validator's check against the
// OpenAPI 3.1 specification's schema, and builds a model whose every schema compiles
// (JSON Schema 2020-12).
func TestDocumentIsValid(t *testing.T) {
	d := openapitest.Load(t)
	if problems := d.ValidateDocument(); len(problems) > 0 {
		t.Errorf("openapi.json is not a valid OpenAPI 3.1 document:\n%s", strings.Join(problems, "\n"))
	}
	if v := d.Model().Version; v != "3.1.0" {
		t.Errorf("openapi: %q, want 3.1.0", v)
	}
}
