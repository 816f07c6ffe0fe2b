package server_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/readmetable"
)

// frontAPIList is a checked-in copy of the endpoints of node-api's FrontApi, so that the
// README's matrix is checked without npm; TestFrontAPIListMatchesPackage keeps it equal
// to the package's api.d.ts.
const frontAPIList = "testdata/node-api-frontapi.txt"

// nodeAPIDTS is node-api's declarations, when the e2e tests' node_modules is installed.
var nodeAPIDTS = filepath.Join("..", "..", "e2e", "node_modules", "@meshconnect", "node-api", "api.d.ts")

// frontAPIHeader starts the README's matrix of FrontApi endpoints.
const frontAPIHeader = "| node-api 2.0.28 `FrontApi` | request | linkd |\n|---|---|---|\n"

// endpoint is one FrontApi method: group.method, HTTP method and path.
type endpoint struct{ name, method, path string }

func (e endpoint) String() string { return e.name + " " + e.method + " " + e.path }

func readFrontAPIList(t *testing.T) []endpoint {
	t.Helper()
	f, err := os.Open(frontAPIList)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []endpoint
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("%s: %q is not `group.method METHOD /path`", frontAPIList, line)
		}
		out = append(out, endpoint{fs[0], fs[1], fs[2]})
	}
	if len(out) < 40 {
		t.Fatalf("%s lists %d endpoints; FrontApi 2.0.28 has 45", frontAPIList, len(out))
	}
	return out
}

var (
	frontAPIClassRE = regexp.MustCompile(`(?m)^export declare class FrontApi\b`)
	dtsGroupRE      = regexp.MustCompile(`^    (\w+): \{$`)
	dtsRequestRE    = regexp.MustCompile(`@request (\w+):(\S+)`)
	dtsMethodRE     = regexp.MustCompile(`^        (\w+): \(`)
)

// TestFrontAPIListMatchesPackage: the checked-in list is the installed node-api's FrontApi
// (skipped without e2e/node_modules, unless LINKD_E2E_REQUIRED=1).
func TestFrontAPIListMatchesPackage(t *testing.T) {
	b, err := os.ReadFile(nodeAPIDTS)
	if err != nil {
		if os.Getenv("LINKD_E2E_REQUIRED") == "1" {
			t.Fatalf("%v, and LINKD_E2E_REQUIRED=1: npm ci --prefix e2e", err)
		}
		t.Skipf("@meshconnect/node-api is not installed (%v): not comparing %s with it (npm ci --prefix e2e)", err, frontAPIList)
	}
	loc := frontAPIClassRE.FindIndex(b)
	if loc == nil {
		t.Fatal("api.d.ts: no `export declare class FrontApi`")
	}
	var got []endpoint
	var group, method, path string
	for line := range strings.SplitSeq(string(b[loc[0]:]), "\n") {
		if m := dtsGroupRE.FindStringSubmatch(line); m != nil {
			group = m[1]
		} else if m := dtsRequestRE.FindStringSubmatch(line); m != nil {
			method, path = m[1], m[2]
		} else if m := dtsMethodRE.FindStringSubmatch(line); m != nil {
			got = append(got, endpoint{group + "." + m[1], method, path})
		}
	}
	want := readFrontAPIList(t)
	if !slices.Equal(got, want) {
		t.Errorf("%s differs from node-api's FrontApi (%d endpoints):\n got %v\nwant %v", frontAPIList, len(got), want, got)
	}
}

// wildcardRE matches a path wildcard ({assetType}, {side}, {path...}).
var wildcardRE = regexp.MustCompile(`\{[^}]*\}`)

// TestREADMECompatibilityMatrix: the README's table of node-api's FrontApi says
// "implemented" for exactly the endpoints the route table serves, and for the others what
// linkd answers (404 routeNotFound, or 405 methodNotAllowed for a path it serves with
// another method). It reads the route table, so when an endpoint is added the table
// follows: go test ./internal/server -run Matrix -update.
func TestREADMECompatibilityMatrix(t *testing.T) {
	e := linkdtest.Start(t)
	served := map[string]bool{} // "METHOD /path/{}"
	paths := map[string]bool{}
	for _, rt := range e.Server.Routes() {
		p := wildcardRE.ReplaceAllString(rt.Pattern, "{}")
		served[rt.Method+" "+p] = true
		paths[p] = true
	}
	var rows []string
	implemented := 0
	for _, ep := range readFrontAPIList(t) {
		p := wildcardRE.ReplaceAllString(ep.path, "{}")
		answer := "`404 routeNotFound`"
		switch {
		case served[ep.method+" "+p]:
			answer = "implemented"
			implemented++
		case paths[p]:
			answer = "`405 methodNotAllowed`"
		}
		rows = append(rows, fmt.Sprintf("| `%s` | `%s %s` | %s |", ep.name, ep.method, ep.path, answer))
	}
	if implemented < 4 {
		t.Errorf("only %d FrontApi endpoints found in the route table; linkd implements at least linktoken, integrations, networks and balance/get", implemented)
	}
	readmetable.Check(t, "../../README.md", frontAPIHeader, rows, *update, "go test ./internal/server -run Matrix -update")
}
