package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// secretName matches the names of values that hold a secret or a secret's hash.
var secretName = regexp.MustCompile(`(?i)(secret|hash|signature|^sig$|credential|password|token)`)

// allowEqual marks, on the line of a comparison or the line above it, an ordinary
// comparison of a secret-named value that is not a secret check, with the reason.
const allowEqual = "secretcompare:ok"

// TestNoVariableTimeSecretComparison is the lint of docs/threat-model.md T8 (CWE-208):
// in linkd's code (tests excluded), a value named like a secret, a hash, a signature or a
// token is never compared with ==, != or bytes.Equal (which return at the first differing
// byte), but with crypto/subtle or hmac.Equal. Comparisons with a literal, nil or a
// length are not checks of a secret; any other exception carries a `secretcompare:ok`
// comment saying why.
func TestNoVariableTimeSecretComparison(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var checked int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			// Test code, and the packages only tests import.
			case "node_modules", "testdata", ".git", "e2e", "bench", "storetest", "linkdtest", "openapitest", "pgtest":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		checked++
		// Package-qualified names (store.TokenRefresh, problem.LinkTokenAlreadyUsed) are
		// other packages' constants and variables: kinds and types, not secrets.
		imported := map[string]bool{}
		for _, im := range f.Imports {
			name := strings.Trim(im.Path.Value, `"`)
			name = name[strings.LastIndex(name, "/")+1:]
			if im.Name != nil {
				name = im.Name.Name
			}
			imported[name] = true
		}
		secretNamed := func(e ast.Expr) bool { return secretNamed(e, imported) }
		allowed := map[int]bool{}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if strings.Contains(c.Text, allowEqual) {
					line := fset.Position(c.Pos()).Line
					allowed[line], allowed[line+1] = true, true
				}
			}
		}
		report := func(n ast.Node, what string) {
			pos := fset.Position(n.Pos())
			if !allowed[pos.Line] {
				t.Errorf("%s: %s compares a secret in variable time: use crypto/subtle (or mark it %q with the reason)", pos, what, allowEqual)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && !trivial(n.X) && !trivial(n.Y) && (secretNamed(n.X) || secretNamed(n.Y)) {
					report(n, n.Op.String())
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Equal" {
					if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "bytes" || pkg.Name == "slices") {
						for _, a := range n.Args {
							if secretNamed(a) {
								report(n, pkg.Name+".Equal")
								break
							}
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d files: the walk missed the code", checked)
	}
}

// trivial reports whether e is a literal, nil, or a len/cap call: a comparison with one
// checks presence or shape, not the secret.
func trivial(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return e.Name == "nil"
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			return id.Name == "len" || id.Name == "cap"
		}
	}
	return false
}

// secretNamed reports whether e's own name (the last identifier of a selector, the operand
// of a conversion or an index) is a secret's; a name qualified by one of the imported
// packages is not.
func secretNamed(e ast.Expr, imported map[string]bool) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return secretName.MatchString(e.Name)
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok && imported[pkg.Name] {
			return false
		}
		return secretName.MatchString(e.Sel.Name)
	case *ast.CallExpr: // string(x), []byte(x)
		if len(e.Args) == 1 {
			switch e.Fun.(type) {
			case *ast.Ident, *ast.ArrayType:
				return secretNamed(e.Args[0], imported)
			}
		}
	case *ast.IndexExpr:
		return secretNamed(e.X, imported)
	case *ast.SliceExpr:
		return secretNamed(e.X, imported)
	case *ast.StarExpr:
		return secretNamed(e.X, imported)
	case *ast.ParenExpr:
		return secretNamed(e.X, imported)
	}
	return false
}
