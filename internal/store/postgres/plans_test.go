package postgres

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/linkd-dev/linkd/internal/store/sqlshared"
	"github.com/linkd-dev/linkd/internal/store/storetest"
)

// explain returns PostgreSQL's plan for query with args.
func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// sortRows matches the estimated rows of a plan's Sort nodes.
var sortRows = regexp.MustCompile(`Sort  \(cost=[0-9.]+ rows=([0-9]+)`)

// sortedRows is the most rows a Sort node of plan expects (0: none sorts). The planner
// sorts a handful of rows found by a narrow filter rather than walk an ordered index; what
// must not happen is a sort of a client's transfers.
func sortedRows(plan string) int {
	most := 0
	for _, m := range sortRows.FindAllStringSubmatch(plan, -1) {
		n, _ := strconv.Atoi(m[1])
		most = max(most, n)
	}
	return most
}

// TestTransferQueriesUseIndexes is the embedded store's test of the same name on
// PostgreSQL: with 40 clients of 1,000 transfers each (analyzed, so that the planner
// weighs real statistics), every order and selective filter of one client's list is
// answered from an index of the client's transfers, already in order (no scan of the
// table, no sort of the client's transfers); the background loops' queries (the
// settler's, the webhook sender's) use their partial indexes.
func TestTransferQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	defer s.Close()
	for _, q := range []string{`INSERT INTO transfers (id, client_id, user_id, client_transaction_id, status, amount, amount_to_receive,
		source_amount, amount_in_fiat, amount_to_receive_in_fiat, total_amount_in_fiat, fiat_currency, symbol, network_id, network_name,
		hash, destination_address, integration_id, integration_type, integration_name, fees, created_at, updated_at, settle_at)
		SELECT lpad(to_hex(g), 8, '0') || '-0000-4000-8000-000000000000', 'client-' || (g % 40), 'user-' || (g % 1000), 'order-' || g,
			(ARRAY['pending', 'succeeded', 'failed'])[g % 3 + 1], 25, 25, 25.3, g % 500, 25, 25.3, 'USD',
			(ARRAY['USDC', 'ETH'])[g % 2 + 1], 'e3c7fdd8', 'Ethereum', '0x' || g, '0x5aAe', 'b9cc860a-' || (g % 7), 'sandbox', 'Sandbox', '{}',
			now() - interval '1 second' * g, now() - interval '1 second' * g, CASE WHEN g % 3 = 0 THEN now() END
		FROM generate_series(1, 40000) g`,
		`INSERT INTO clients (id, name, created_at) VALUES ('c', 'c', now())`,
		`INSERT INTO webhooks (id, client_id, url, sealed_secret, created_at) VALUES ('w', 'c', 'https://h.example', '\x00', now())`,
		`INSERT INTO webhook_deliveries (id, webhook_id, event_id, transfer_id, client_id, state, next_attempt_at, created_at, updated_at)
		SELECT 'd' || g, 'w', 'e' || g, 't' || (g / 2), 'c', CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'delivered' END,
			CASE WHEN g % 50 = 0 THEN now() END, now(), now() FROM generate_series(1, 20000) g`,
		`ANALYZE transfers`, `ANALYZE webhook_deliveries`} {
		if _, err := s.pool.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range storetest.TransferPlanCases() {
		t.Run(c.Name, func(t *testing.T) {
			where, args, order, err := sqlshared.TransferQuery(dialect, "client-7", c.Query)
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, s, `SELECT count(*) FROM transfers WHERE `+where, args...)
			if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "Index") {
				t.Errorf("plan of the count:\n%s\nwant a search of an index", plan)
			}
			plan = explain(t, s, `SELECT `+transferCols+` FROM transfers WHERE `+where+` ORDER BY `+order+` LIMIT 10`, args...)
			if strings.Contains(plan, "Seq Scan") || (sortedRows(plan) > 100 && !c.Sorts) || !strings.Contains(plan, "Index") {
				t.Errorf("plan of the page:\n%s\nwant a search of an index, no scan, a sort of a few rows at most unless %v", plan, c.Sorts)
			}
			index := c.Index
			if index == storetest.PrimaryKey {
				// The id within the client's transfers: (client_id, id), found before the
				// primary key since the client is known.
				index = "transfers_client_id"
			}
			if index != "" && !strings.Contains(plan, " using "+index+" ") && !strings.Contains(plan, " on "+index+" ") {
				t.Errorf("plan of the page:\n%s\nwant index %s", plan, index)
			}
		})
	}
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"due transfers", dueTransfersSQL, []any{time.Now(), 100}},
		{"claim deliveries", claimSQL, []any{time.Now(), []string{}, 16, time.Now()}},
	} {
		t.Run(q.name, func(t *testing.T) {
			plan := explain(t, s, q.sql, q.args...)
			if strings.Contains(plan, "Seq Scan on transfers") || strings.Contains(plan, "Seq Scan on webhook_deliveries") {
				t.Errorf("plan:\n%s\nwant searches of the partial indexes", plan)
			}
		})
	}
}
