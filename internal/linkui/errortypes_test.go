package linkui

import (
	"maps"
	"regexp"
	"slices"
	"testing"

	"github.com/linkd-dev/linkd/internal/problem"
)

var (
	pageErrorTypesRE = regexp.MustCompile(`(?s)const PAGE_ERROR_TYPES = Object\.freeze\(\{(.*?)\}\)`)
	pageErrorPairRE  = regexp.MustCompile(`(\w+): '(\w+)'`)
	errorKindsRE     = regexp.MustCompile(`(?m)^  (\w+): \{ icon: '\w+', key: '\w+' \},`)
)

// TestWebErrorTypesCatalogued: every errorType the Link UI reports to the host (the close
// payload of an error screen, the *Error events) is one of internal/problem's, so that
// the README's tables document every value a host's onExit may branch on: the API's
// errorTypes, which it passes through, and the page's own (PageTypes).
func TestWebErrorTypesCatalogued(t *testing.T) {
	known := map[string]bool{}
	for _, typ := range append(slices.Clone(problem.Types), problem.PageTypes...) {
		known[typ.Name] = true
	}
	core := webText(t, "core.js")
	m := pageErrorTypesRE.FindStringSubmatch(core)
	if m == nil {
		t.Fatal("core.js: no PAGE_ERROR_TYPES")
	}
	own := map[string]string{}
	for _, p := range pageErrorPairRE.FindAllStringSubmatch(m[1], -1) {
		own[p[1]] = p[2]
		if !known[p[2]] {
			t.Errorf("core.js PAGE_ERROR_TYPES.%s = %q: not an errorType of internal/problem (add it to PageTypes)", p[1], p[2])
		}
	}
	for _, want := range []*problem.Type{problem.LinkCodeMissing, problem.NetworkError, problem.InternalError} {
		if !slices.Contains(slices.Collect(maps.Values(own)), want.Name) {
			t.Errorf("core.js PAGE_ERROR_TYPES never reports %s", want.Name)
		}
	}
	// Every error screen is an API errorType (reported as the answer's), or one of the
	// page's own kinds above, or shown only after an API answer (transferConfigure).
	kinds := errorKindsRE.FindAllStringSubmatch(core, -1)
	if len(kinds) < 10 {
		t.Fatalf("core.js: found %d error kinds; the pattern no longer matches ERRORS", len(kinds))
	}
	for _, k := range kinds {
		if _, ok := own[k[1]]; !ok && !known[k[1]] && k[1] != "transferConfigure" {
			t.Errorf("core.js ERRORS.%s: neither an errorType of internal/problem nor in PAGE_ERROR_TYPES", k[1])
		}
	}
}
