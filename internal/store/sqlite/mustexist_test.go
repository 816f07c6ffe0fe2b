package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestMustExist: with Options.MustExist, a directory without a database (missing, empty,
// or a typo of the right one) is an ErrNoDatabase naming the file, and nothing is
// created; an existing database opens as usual.
func TestMustExist(t *testing.T) {
	existing := t.TempDir()
	s, err := Open(t.Context(), existing, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	empty := t.TempDir()
	isDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(isDir, FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		open func(Options) (*Store, error)
		path string // what must not be created
		ok   bool
	}{
		{name: "missing directory", path: filepath.Join(existing, "typo"),
			open: func(o Options) (*Store, error) { return Open(t.Context(), filepath.Join(existing, "typo"), o) }},
		{name: "empty directory", path: filepath.Join(empty, FileName),
			open: func(o Options) (*Store, error) { return Open(t.Context(), empty, o) }},
		{name: "missing file", path: filepath.Join(empty, "other.db"),
			open: func(o Options) (*Store, error) { return OpenFile(t.Context(), filepath.Join(empty, "other.db"), o) }},
		{name: "a directory where the file should be", path: "",
			open: func(o Options) (*Store, error) { return Open(t.Context(), isDir, o) }},
		{name: "existing database", ok: true,
			open: func(o Options) (*Store, error) { return Open(t.Context(), existing, o) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.open(Options{MustExist: true})
			if tc.ok {
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				s.Close()
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("opened, want ErrNoDatabase")
			}
			var nd *NoDatabaseError
			if !errors.Is(err, ErrNoDatabase) || !errors.As(err, &nd) || nd.Path == "" {
				t.Fatalf("error %v (%T), want a *NoDatabaseError matching ErrNoDatabase", err, err)
			}
			if tc.path != "" {
				if _, err := os.Stat(tc.path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s exists after the refused open (%v)", tc.path, err)
				}
			}
		})
	}
}
