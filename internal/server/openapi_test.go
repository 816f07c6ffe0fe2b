package server_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
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
