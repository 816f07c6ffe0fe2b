package openapi_test

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/jsonschema/v6"

	"github.com/linkd-dev/linkd/internal/openapi"
	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
)

// TestDocumentIsValid: openapi.json passes libopenapi-validator's check against the
// OpenAPI 3.1 specification's schema, and every schema in it (components.schemas and each
// parameter's, header's and media type's) is valid against the JSON Schema 2020-12
// metaschema, which the specification's schema does not look into (a "type": "int" would
// pass it).
func TestDocumentIsValid(t *testing.T) {
	d := openapitest.Load(t)
	if problems := d.ValidateDocument(); len(problems) > 0 {
		t.Errorf("openapi.json is not a valid OpenAPI 3.1 document:\n%s", strings.Join(problems, "\n"))
	}
	if v := d.Model().Version; v != "3.1.0" {
		t.Errorf("openapi: %q, want 3.1.0", v)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapi.Document()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const url = "file:///openapi.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	pointers := schemaPointers(doc, "")
	if len(pointers) < 50 {
		t.Fatalf("only %d schemas found: %v", len(pointers), pointers)
	}
	for _, p := range pointers {
		if _, err := c.Compile(url + "#" + p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// schemaPointers returns the JSON pointers (RFC 6901) of the schemas in v, the document
// at pointer at: the members of components.schemas, and every "schema" member of a
// parameter, header or media type.
func schemaPointers(v any, at string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := at + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			switch {
			case at == "/components/schemas", k == "schema":
				out = append(out, p)
			default:
				out = append(out, schemaPointers(v[k], p)...)
			}
		}
	case []any:
		for i, e := range v {
			out = append(out, schemaPointers(e, at+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}
