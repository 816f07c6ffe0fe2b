package server_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/config"
)

// The README's errorType table is checked (and rewritten) from problem.Types by
// TestREADMEErrorTable in internal/problem.

// TestREADMEDocumentsEverySetting: every flag of `linkd serve` and its environment
// variable are in the README's settings table.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	config.BindServe(&config.Binder{FS: fs}, &config.Serve{})
	fs.VisitAll(func(f *flag.Flag) {
		row := fmt.Sprintf("| `--%s` | `%s` |", f.Name, config.EnvName(f.Name))
		if !strings.Contains(string(readme), row) {
			t.Errorf("README lacks the setting row starting %q", row)
		}
	})
}
