package problem

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/readmetable"
)

var update = flag.Bool("update", false, "rewrite the README's errorType table from Types")

const readmePath = "../../README.md"

// The README's errorType tables: each starts with its header; its rows follow the
// separator line. tableHeader is the answers' (Types), pageTableHeader that of the types
// only the page and the SDK report (PageTypes).
const (
	tableHeader     = "| errorType | HTTP / status | when |\n|---|---|---|\n"
	pageTableHeader = "| errorType (page and SDK only) | when |\n|---|---|\n"
)

// row is the README's row of t.
func row(t *Type) string {
	if t.Status == 0 {
		return fmt.Sprintf("| `%s` | %s |", t.Name, t.Description)
	}
	return fmt.Sprintf("| `%s` | %d `%s` | %s |", t.Name, t.Status, StatusText(t.Status), t.Description)
}

// TestREADMEErrorTable: the README's errorType tables are Types and PageTypes, row for row
// and in order. go test ./internal/problem -run README -update rewrites them.
func TestREADMEErrorTable(t *testing.T) {
	for _, tc := range []struct {
		header string
		types  []*Type
	}{{tableHeader, Types}, {pageTableHeader, PageTypes}} {
		checkREADMETable(t, tc.header, tc.types)
	}
}

// checkREADMETable compares (or, with -update, rewrites) the README table under header
// with types.
func checkREADMETable(t *testing.T, header string, types []*Type) {
	rows := make([]string, len(types))
	for i, typ := range types {
		rows[i] = row(typ)
	}
	readmetable.Check(t, readmePath, header, rows, *update, "go test ./internal/problem -run README -update")
}

// TestTypesListed: every *Type that types.go declares is in Types exactly once, under a
// Go name that is its errorType's, and the errorTypes are unique.
func TestTypesListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "types.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared, listed, listedPage []string
	names := map[string]string{} // Go name → errorType
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, v := range vs.Values {
				switch v := v.(type) {
				case *ast.UnaryExpr: // &Type{…}
					lit, ok := v.X.(*ast.CompositeLit)
					if !ok || fmt.Sprint(lit.Type) != "Type" {
						continue
					}
					declared = append(declared, vs.Names[i].Name)
					for _, el := range lit.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && fmt.Sprint(kv.Key) == "Name" {
							names[vs.Names[i].Name] = strings.Trim(kv.Value.(*ast.BasicLit).Value, `"`)
						}
					}
				case *ast.CompositeLit: // Types, PageTypes
					for _, el := range v.Elts {
						switch vs.Names[i].Name {
						case "Types":
							listed = append(listed, el.(*ast.Ident).Name)
						case "PageTypes":
							listedPage = append(listedPage, el.(*ast.Ident).Name)
						}
					}
				}
			}
		}
	}
	if len(declared) != len(Types)+len(PageTypes) || len(listed) != len(Types) || len(listedPage) != len(PageTypes) {
		t.Errorf("types.go declares %d types and lists %d and %d; Types has %d, PageTypes %d", len(declared), len(listed), len(listedPage), len(Types), len(PageTypes))
	}
	all := append(slices.Clone(listed), listedPage...)
	for _, d := range declared {
		if n := slices.Index(all, d); n < 0 {
			t.Errorf("%s is in neither Types nor PageTypes", d)
		} else if slices.Contains(all[n+1:], d) {
			t.Errorf("%s is listed twice", d)
		}
		if !strings.EqualFold(d, names[d]) {
			t.Errorf("%s is errorType %q: name the variable after its errorType", d, names[d])
		}
	}
	seen := map[string]bool{}
	for _, typ := range append(slices.Clone(Types), PageTypes...) {
		if seen[typ.Name] {
			t.Errorf("errorType %s twice", typ.Name)
		}
		seen[typ.Name] = true
		if typ.Description == "" {
			t.Errorf("%s: no description", typ.Name)
		}
	}
	for _, typ := range Types {
		if typ.Status < 400 || typ.Status > 599 {
			t.Errorf("%s: status %d", typ.Name, typ.Status)
		}
	}
	for _, typ := range PageTypes {
		if typ.Status != 0 || typ.Display != "" {
			t.Errorf("%s: no HTTP answer carries it, so it has no status or displayMessage (got %d, %q)", typ.Name, typ.Status, typ.Display)
		}
	}
}

// TestError: what an Error says about its answer.
func TestError(t *testing.T) {
	cases := []struct {
		name               string
		err                *Error
		status             int
		errorType, message string
		fields             int
	}{
		{"New formats", RateLimited.New("retry in %d s", 3), 429, "rateLimited", "retry in 3 s", 0},
		{"Field lists the field", MissingField.Field("userId", "userId: required"), 400, "missingField", "userId: required", 1},
		{"Status overrides the type's", &Error{Type: IntegrationNotFound, Message: "m", Status: 404}, 404, "integrationNotFound", "m", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.err
			if e.StatusCode() != tc.status || e.ErrorType() != tc.errorType || e.Error() != tc.message || len(e.Fields) != tc.fields {
				t.Errorf("got %d %s %q %v", e.StatusCode(), e.ErrorType(), e.Error(), e.Fields)
			}
			for _, f := range e.Fields {
				if f.Type != e.ErrorType() || f.Message != e.Message {
					t.Errorf("field %+v", f)
				}
			}
		})
	}
}

// TestDisplayMessage: a type's own message, else one by status.
func TestDisplayMessage(t *testing.T) {
	cases := []struct {
		name string
		typ  *Type
		code int
		want string
	}{
		{"own message", LinkTokenExpired, 403, "This link has expired. Please start again from the app."},
		{"server failure", StoreUnavailable, 503, "Something went wrong on our side. Please try again later."},
		{"unauthorized", InvalidCredentials, 401, "Authentication failed."},
		{"other", InvalidJSON, 400, "The request could not be processed."},
		{"by the answer's status", StoreUnavailable, 499, "The request could not be processed."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.typ.DisplayMessage(tc.code); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
