package server_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/linkui"
)

// TestREADMEDocumentsEveryErrorType keeps the README's errorType table equal to the code:
// every errorType linkd can answer has its row, with its HTTP status and envelope status.
func TestREADMEDocumentsEveryErrorType(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]linktoken.ErrorType{linktoken.ErrorTypes, api.ErrorTypes, linkui.FlowErrorTypes} {
		for _, e := range list {
			row := fmt.Sprintf("| `%s` | %d `%s` | %s |", e.Type, e.Status, api.StatusText(e.Status), e.Description)
			if !strings.Contains(string(readme), row) {
				t.Errorf("README lacks the row:\n%s", row)
			}
		}
	}
}

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
