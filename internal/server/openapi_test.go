package server_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/openapi"
	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
)

// restWildcardRE matches a ServeMux wildcard that takes the rest of the path ({path...}).
var restWildcardRE = regexp.MustCompile(`\{([A-Za-z0-9_]+)\.\.\.\}`)

// TestRoutesDocumented: the route table and internal/openapi/openapi.json list the same
// method and path pairs, both ways (docs/threat-model.md A9), so that a route added
// without its documentation, or documentation left behind by a removed route, fails.
// The server runs with every optional route on (--metrics, --demo). A {name...} wildcard
// is documented as {name}, with the route's own pattern in the path item's
// x-linkd-pattern (an OpenAPI path parameter is one segment).
func TestRoutesDocumented(t *testing.T) {
	e := linkdtest.Start(t, func(c *config.Serve) { c.Demo = true; c.Metrics = true })
	var routes, documented []string
	for _, r := range e.Server.Routes() {
		routes = append(routes, r.Method+" "+restWildcardRE.ReplaceAllString(r.Pattern, "{$1}"))
		if restWildcardRE.MatchString(r.Pattern) {
			item := openapitest.Load(t).Model().Paths.PathItems.GetOrZero(restWildcardRE.ReplaceAllString(r.Pattern, "{$1}"))
			if pat, ok := item.Extensions.Get("x-linkd-pattern"); item == nil || !ok || pat.Value != r.Pattern {
				t.Errorf("%s %s: the document's path item lacks x-linkd-pattern: %q", r.Method, r.Pattern, r.Pattern)
			}
		}
	}
	for p, item := range openapitest.Load(t).Model().Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented = append(documented, strings.ToUpper(method)+" "+p)
		}
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in internal/openapi/openapi.json: document it", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("internal/openapi/openapi.json documents %s, which the route table does not serve", d)
		}
	}
	if len(routes) != len(documented) {
		t.Errorf("%d routes, %d documented operations", len(routes), len(documented))
	}
}

// unvalidatedServers are the test functions that build a Server without linkdtest (whose
// every answer openapitest.Check validates), each with the reason its answers are not, or
// are otherwise, held to the OpenAPI document.
var unvalidatedServers = map[string]string{
	"benchHandler":               "the benchmarks' handler alone: validating would measure the validator",
	"TestSlowlorisHeaderTimeout": "no answer to validate: the half-sent request's connection is closed",
	"TestPurgeLoop":              "runs the purge loop only; no request is served",
	"TestSettleLoop":             "runs the settler only; no request is served",
	"TestFaultsCountedAndLogged": "validates each answer itself (openapitest's Error and Exchange): its routes are its own",
}

// TestEveryServerValidated: a test that builds a Server itself (server.New or
// server.FromConfig, outside linkdtest) is listed in unvalidatedServers with its reason,
// so that no new test gets answers past the OpenAPI validation without saying why.
func TestEveryServerValidated(t *testing.T) {
	root := "../.."
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		if !strings.HasSuffix(p, "_test.go") && filepath.Dir(p) != filepath.Join(root, "internal", "linkdtest") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		inServer := f.Name.Name == "server"
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var name string
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					if x, ok := fun.X.(*ast.Ident); ok && x.Name == "server" {
						name = fun.Sel.Name
					}
				case *ast.Ident:
					if inServer {
						name = fun.Name
					}
				}
				if name != "New" && name != "FromConfig" {
					return true
				}
				where := fn.Name.Name
				if where == "open" && strings.HasSuffix(filepath.ToSlash(p), "internal/linkdtest/linkdtest.go") {
					return true // linkdtest wraps it in openapitest.Check
				}
				if _, ok := unvalidatedServers[where]; !ok {
					t.Errorf("%s: %s builds a Server whose answers no one validates against the OpenAPI document: use linkdtest.Start, or list it in unvalidatedServers with the reason", p, where)
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenAPIServed: GET /openapi.json answers the embedded document, without
// credentials, readable from any origin, cached briefly and revalidated by ETag.
func TestOpenAPIServed(t *testing.T) {
	e := linkdtest.Start(t)
	r := e.Do(t, "GET", "/openapi.json", nil, "Origin", "https://elsewhere.example")
	if r.StatusCode != 200 || !bytes.Equal(r.Body, openapi.Document()) {
		t.Fatalf("GET /openapi.json: %d, %d bytes; want 200 and the embedded document's %d", r.StatusCode, len(r.Body), len(openapi.Document()))
	}
	for name, want := range map[string]string{"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*",
		"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	etag := r.Header.Get("ETag")
	if r := e.Do(t, "GET", "/openapi.json", nil, "If-None-Match", etag); etag == "" || r.StatusCode != 304 || len(r.Body) != 0 {
		t.Errorf("If-None-Match %q: %d with %d bytes, want 304 and none", etag, r.StatusCode, len(r.Body))
	}
}
