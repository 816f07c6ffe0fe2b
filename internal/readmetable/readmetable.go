// Package readmetable keeps the README's generated tables true: a test renders a table's
// rows from the code (the errorTypes, the route table, the Link UI's events) and Check
// compares them with the README, or rewrites them with -update. It exists so that the
// tables an integrator reads cannot drift from what linkd does (docs/threat-model.md A9).
package readmetable

import (
	"os"
	"strings"
	"testing"
)

// Check compares the rows of the README table that starts with header (the header line
// and the separator line, each ending in a newline) with rows, in order. With update it
// rewrites them instead. how says which command rewrites them, for the failure message.
func Check(t testing.TB, readmePath, header string, rows []string, update bool, how string) {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, header)
	if i < 0 || strings.Count(readme, header) != 1 {
		t.Fatalf("README: want one table starting\n%s", header)
	}
	start := i + len(header)
	end := start
	for end < len(readme) && readme[end] == '|' {
		nl := strings.IndexByte(readme[end:], '\n')
		if nl < 0 {
			end = len(readme)
			break
		}
		end += nl + 1
	}
	if update {
		readme = readme[:start] + strings.Join(rows, "\n") + "\n" + readme[end:]
		if err := os.WriteFile(readmePath, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got := strings.Split(strings.TrimSuffix(readme[start:end], "\n"), "\n")
	wrong := 0
	for i := range max(len(got), len(rows)) {
		switch {
		case i >= len(got):
			t.Errorf("README lacks row %d:\n%s", i+1, rows[i])
		case i >= len(rows):
			t.Errorf("README has row %d, which the code does not:\n%s", i+1, got[i])
		case got[i] != rows[i]:
			t.Errorf("README row %d:\n got %s\nwant %s", i+1, got[i], rows[i])
		default:
			continue
		}
		wrong++
	}
	if wrong > 0 {
		t.Logf("%d rows differ; %s rewrites the table", wrong, how)
	}
}
