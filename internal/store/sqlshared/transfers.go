// Package sqlshared holds what the SQL backends (sqlite, postgres) build alike: the
// transfers table's columns, the JSON of a transfer's fees and funding, the query of the
// transfer list (so that both filter and order a client's transfers the same way from the
// same code: their tables have the same columns and indexes), and the token a refresh
// derives.
package sqlshared

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/store"
)

// TransferCols are the transfers table's columns, in the order of TransferArgs and of the
// backends' scans.
const TransferCols = `id, client_id, sub_client_id, user_id, client_transaction_id, institution_transaction_id, status,
	amount, amount_to_receive, source_amount, amount_in_fiat, amount_to_receive_in_fiat, total_amount_in_fiat, fiat_currency,
	symbol, token_address, network_id, network_name, hash, from_address, destination_address, address_tag,
	integration_id, integration_type, integration_name, fees, funding, transfer_type, is_fee_included, session_hash,
	created_at, executed_at, updated_at, settle_at`

// storedFees is the fees column: the three fees of a transfer, as JSON.
type storedFees struct {
	Gas        store.TransferFee `json:"gas"`
	Withdrawal store.TransferFee `json:"withdrawal"`
	Processing store.TransferFee `json:"processing"`
}

// EncodeFees returns the fees and funding columns of t.
func EncodeFees(t store.Transfer) (fees, funding string, err error) {
	f, err := json.Marshal(storedFees{t.GasFee, t.WithdrawalFee, t.ProcessingFee})
	if err != nil {
		return "", "", err
	}
	fu, err := json.Marshal(t.Funding, json.FormatNilSliceAsNull(true))
	if err != nil {
		return "", "", err
	}
	return string(f), string(fu), nil
}

// DecodeFees sets the fees and funding of t from its columns.
func DecodeFees(t *store.Transfer, fees, funding string) error {
	var f storedFees
	if err := json.Unmarshal([]byte(fees), &f); err != nil {
		return fmt.Errorf("transfer %s: bad fees column: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(funding), &t.Funding); err != nil {
		return fmt.Errorf("transfer %s: bad funding column: %w", t.ID, err)
	}
	t.GasFee, t.WithdrawalFee, t.ProcessingFee = f.Gas, f.Withdrawal, f.Processing
	return nil
}

// orderColumns maps store.TransferOrders to columns.
var orderColumns = map[string]string{
	store.TransferOrderCreated: "created_at", store.TransferOrderID: "id", store.TransferOrderClientTransfer: "client_transaction_id",
	store.TransferOrderUserID: "user_id", store.TransferOrderIntegrationType: "integration_type",
	store.TransferOrderAmountInFiat: "amount_in_fiat", store.TransferOrderStatus: "status", store.TransferOrderSymbol: "symbol",
	store.TransferOrderNetworkName: "network_name",
}

// Dialect is what differs between the backends in a query: how the n-th argument
// (from 1) is written, and how a time is passed.
type Dialect struct {
	Placeholder func(n int) string
	Time        func(time.Time) any
}

// Question is SQLite's placeholder.
func Question(int) string { return "?" }

// Dollar is PostgreSQL's placeholder ($1, $2, …).
func Dollar(n int) string { return "$" + strconv.Itoa(n) }

// TransferQuery builds the WHERE clause (with its args) and the ORDER BY of q for client
// clientID: every filter is a condition on the client's transfers, and ties of the order
// go by created_at, then id, in the same direction, which every index of the list ends
// with (docs/design.md §8).
func TransferQuery(d Dialect, clientID string, q store.TransferQuery) (where string, args []any, order string, err error) {
	var conds []string
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.Replace(cond, "?", d.Placeholder(len(args)), 1))
	}
	add("client_id = ?", clientID)
	for _, f := range []struct{ col, v string }{
		{"id", q.ID}, {"client_transaction_id", q.ClientTransactionID}, {"user_id", q.UserID}, {"hash", q.Hash},
		{"sub_client_id", q.SubClientID},
	} {
		if f.v != "" {
			add(f.col+" = ?", f.v)
		}
	}
	for _, f := range []struct {
		col string
		vs  []string
	}{{"integration_id", q.IntegrationIDs}, {"status", q.Statuses}} {
		if len(f.vs) == 0 {
			continue
		}
		ph := make([]string, len(f.vs))
		for i, v := range f.vs {
			args = append(args, v)
			ph[i] = d.Placeholder(len(args))
		}
		conds = append(conds, f.col+" IN ("+strings.Join(ph, ", ")+")")
	}
	if !q.From.IsZero() {
		add("created_at >= ?", d.Time(q.From))
	}
	if !q.To.IsZero() {
		add("created_at <= ?", d.Time(q.To))
	}
	if q.MinAmountInFiat != nil {
		add("amount_in_fiat >= ?", *q.MinAmountInFiat)
	}
	if q.MaxAmountInFiat != nil {
		add("amount_in_fiat <= ?", *q.MaxAmountInFiat)
	}
	by := q.OrderBy
	if by == "" {
		by = store.TransferOrderCreated
	}
	col, ok := orderColumns[by]
	if !ok {
		return "", nil, "", fmt.Errorf("transfers: unknown order %q", q.OrderBy)
	}
	dir := " ASC"
	if q.Descending {
		dir = " DESC"
	}
	order = col + dir
	if col != "created_at" && col != "id" {
		order += ", created_at" + dir
	}
	if col != "id" {
		order += ", id" + dir
	}
	return strings.Join(conds, " AND "), args, order, nil
}
