package server

import (
	"net/http"

	"github.com/linkd-dev/linkd/internal/api"
)

// Waiting is the handler of `linkd serve` while it waits for its database (a PostgreSQL
// server that does not answer yet, retried with backoff): the process is up, so /healthz
// answers 200 (status "starting", where the full server says "up") and an orchestrator
// does not restart it for nothing, but it is not ready,
// so /readyz, like every other request, answers 503 storeUnavailable with Retry-After and
// a load balancer sends it no traffic (docs/threat-model.md S1). The full handler takes
// over on the same listener once the store is open. Its answers carry an X-Request-Id as
// every answer of linkd does (the OpenAPI document requires it).
func Waiting() http.Handler {
	ids := &requestIDs{prefix: randomPrefix()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Request-Id"] = []string{ids.next()}
		if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			api.OK(w, map[string]string{"status": "starting"})
			return
		}
		api.WriteError(w, r, api.ErrUnavailable)
	})
}
