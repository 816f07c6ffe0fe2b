package server_test

import (
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// The embedded store reports its group commits.
var _ store.CommitStats = (*sqlite.Store)(nil)

// TestMetricsExported: /metrics has the series operators and the load benchmark read,
// the store's group-commit counters among them.
func TestMetricsExported(t *testing.T) {
	e := linkdtest.Start(t)
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if r := e.LinkToken(t, e.Client, `{}`); r.StatusCode != 400 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	m := string(e.Do(t, "GET", "/metrics", nil).Body)
	for _, want := range []string{
		`linkd_http_requests_total{code="200",route="linktoken"} 1`,
		`linkd_http_requests_total{code="400",route="linktoken"} 1`,
		"linkd_link_tokens_issued_total 1",
		`linkd_errors_total{errorType="missingField"} 1`,
		"linkd_store_unavailable_total 0",
		"linkd_store_commit_batches_total ",
		"linkd_store_commit_ops_total ",
		"go_goroutines ",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
