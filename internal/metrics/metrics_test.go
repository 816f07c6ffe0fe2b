package metrics

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestNilCountsNothing: handlers built without metrics call them all the same.
func TestNilCountsNothing(t *testing.T) {
	var m *Metrics
	m.Observe("linktoken", 200, time.Millisecond)
	m.Issued()
	m.Redeemed("ok")
	m.Purged(3)
	m.Error("invalidJson")
	m.StoreUnavailable()
	m.Transfer("pending")
	m.WebhookAttempt("delivered")
	m.CommitStats(fakeCommits{})
}

type fakeCommits struct{}

func (fakeCommits) BatchStats() (int64, int64) { return 2, 7 }

// TestCounts: each method counts in its series.
func TestCounts(t *testing.T) {
	m := New()
	m.Observe("linktoken", 200, time.Millisecond)
	m.Observe("linktoken", 200, time.Millisecond)
	m.Issued()
	m.Redeemed("linkTokenExpired")
	m.Purged(3)
	m.Error("invalidJson")
	m.StoreUnavailable()
	m.Transfer("succeeded")
	m.WebhookAttempt("refused")
	m.CommitStats(fakeCommits{})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`linkd_http_requests_total{code="200",route="linktoken"} 2`,
		`linkd_http_request_duration_seconds_count{route="linktoken"} 2`,
		"linkd_link_tokens_issued_total 1",
		`linkd_link_token_redemptions_total{outcome="linkTokenExpired"} 1`,
		"linkd_store_purged_rows_total 3",
		`linkd_errors_total{errorType="invalidJson"} 1`,
		"linkd_store_unavailable_total 1",
		`linkd_transfers_total{status="succeeded"} 1`,
		`linkd_webhook_attempts_total{outcome="refused"} 1`,
		"linkd_store_commit_batches_total 2",
		"linkd_store_commit_ops_total 7",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
