package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoDatabase: the client commands other than create, on a --data directory that holds
// no linkd database (a typo, an empty directory), fail with one line saying so and create
// nothing; create, serve and migrate are the commands that make a database.
func TestNoDatabase(t *testing.T) {
	const id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	commands := [][]string{
		{"client", "list"},
		{"client", "show", id},
		{"client", "update", id, "--name", "X"},
		{"client", "disable", id},
		{"client", "enable", id},
		{"client", "rotate-secret", id},
		{"client", "revoke-secret", id},
		{"client", "revoke-tokens", id},
		{"client", "subclient", "add", "--client", id, "--name", "X"},
		{"client", "subclient", "list", "--client", id},
	}
	for _, where := range []string{"missing directory", "empty directory"} {
		for _, args := range commands {
			t.Run(where+"/"+strings.Join(args[:2], " "), func(t *testing.T) {
				parent := t.TempDir()
				dir := filepath.Join(parent, "linkd-dta") // the typo
				if where == "empty directory" {
					dir = parent
				}
				out, errs, code := cli(t, dir, args...)
				want := "linkd: no linkd database in " + dir + " (linkd client create, linkd serve and linkd migrate create one; check --data)\n"
				if code != 1 || out != "" || errs != want {
					t.Fatalf("exit %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errs, want)
				}
				if where == "missing directory" {
					if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("%s was created (%v)", dir, err)
					}
				} else if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("%s holds %d entries after the refused command, want none", dir, len(entries))
				}
			})
		}
	}
	t.Run("sqlite URL to a missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.db")
		_, errs, code := cli(t, t.TempDir(), "client", "list", "--database-url", "sqlite:"+path)
		want := "linkd: no linkd database at " + path + " (linkd client create, linkd serve and linkd migrate create one; check --database-url)\n"
		if code != 1 || errs != want {
			t.Fatalf("exit %d, stderr %q; want 1, %q", code, errs, want)
		}
	})
	t.Run("create makes one, then list finds it", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "new")
		create(t, dir, "--origin", "http://localhost:3000")
		if out, errs, code := cli(t, dir, "client", "list"); code != 0 || !strings.Contains(out, `"name": "Acme"`) || errs != "" {
			t.Fatalf("list after create: exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})
}

// TestCreateWithoutOrigin: a client created without --origin works (exit 0, the usual
// JSON), and stderr warns that its Link UI cannot be embedded until an origin is added,
// naming the command that adds one.
func TestCreateWithoutOrigin(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := cli(t, dir, "client", "create", "--name", "Acme")
	if code != 0 || !strings.Contains(out, `"clientSecret"`) {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"warning", "no --origin", "blank frame", "linkd client update ", " --origin https://app.example"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q lacks %q", errs, want)
		}
	}
	if strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr is not one line: %q", errs)
	}
	if _, errs, _ := cli(t, dir, "client", "create", "--name", "Acme", "--origin", "http://localhost:3000"); errs != "" {
		t.Errorf("create with --origin: stderr %q, want nothing", errs)
	}
}
