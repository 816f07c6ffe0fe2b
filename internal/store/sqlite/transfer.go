package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlshared"
)

// transferCols are the transfers table's columns (the same in both backends).
const transferCols = sqlshared.TransferCols

func transferArgs(t store.Transfer) ([]any, error) {
	fees, funding, err := sqlshared.EncodeFees(t)
	if err != nil {
		return nil, err
	}
	return []any{t.ID, t.ClientID, t.SubClientID, t.UserID, t.ClientTransactionID, t.InstitutionTransactionID, t.Status,
		t.Amount, t.AmountToReceive, t.SourceAmount, t.AmountInFiat, t.AmountToReceiveInFiat, t.TotalAmountInFiat, t.FiatCurrency,
		t.Symbol, t.TokenAddress, t.NetworkID, t.NetworkName, t.Hash, t.FromAddress, t.DestinationAddress, t.AddressTag,
		t.IntegrationID, t.IntegrationType, t.IntegrationName, fees, funding, t.TransferType, boolInt(t.IsFeeIncluded),
		nilIfEmpty(t.SessionHash), ms(t.CreatedAt), nullMS(t.ExecutedAt), ms(t.UpdatedAt), nullMS(t.SettleAt)}, nil
}

func scanTransfer(sc scanner) (store.Transfer, error) {
	var (
		t                store.Transfer
		fees, funding    string
		feeIncluded      int
		created, updated int64
		executed, settle sql.NullInt64
		sessionHash      []byte
	)
	err := sc.Scan(&t.ID, &t.ClientID, &t.SubClientID, &t.UserID, &t.ClientTransactionID, &t.InstitutionTransactionID, &t.Status,
		&t.Amount, &t.AmountToReceive, &t.SourceAmount, &t.AmountInFiat, &t.AmountToReceiveInFiat, &t.TotalAmountInFiat, &t.FiatCurrency,
		&t.Symbol, &t.TokenAddress, &t.NetworkID, &t.NetworkName, &t.Hash, &t.FromAddress, &t.DestinationAddress, &t.AddressTag,
		&t.IntegrationID, &t.IntegrationType, &t.IntegrationName, &fees, &funding, &t.TransferType, &feeIncluded, &sessionHash,
		&created, &executed, &updated, &settle)
	if err != nil {
		return t, err
	}
	if err := sqlshared.DecodeFees(&t, fees, funding); err != nil {
		return t, fmt.Errorf("sqlite: %w", err)
	}
	t.IsFeeIncluded = feeIncluded != 0
	t.SessionHash = sessionHash
	t.CreatedAt, t.ExecutedAt, t.UpdatedAt, t.SettleAt = fromMS(created), fromNullMS(executed), fromMS(updated), fromNullMS(settle)
	return t, nil
}

// writeEvent stores one event of a transfer and a pending delivery of it, due at once, to
// every webhook the client has now.
func writeEvent(ctx context.Context, tx *sql.Tx, ev store.TransferEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO transfer_events (id, transfer_id, client_id, status, at) VALUES (?, ?, ?, ?, ?)`,
		ev.ID, ev.TransferID, ev.ClientID, ev.Status, ms(ev.At))
	if isConstraint(err) {
		return rollback{Err: fmt.Errorf("sqlite: event %s: %w", ev.ID, store.ErrConflict)}
	}
	if err != nil {
		return fmt.Errorf("sqlite: write event: %w", err)
	}
	hooks, err := queryStrings(ctx, tx, `SELECT id FROM webhooks WHERE client_id = ? ORDER BY created_at, id`, ev.ClientID)
	if err != nil {
		return fmt.Errorf("sqlite: write event: %w", err)
	}
	for _, h := range hooks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event_id, transfer_id, client_id, state,
			next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			uuid.NewString(), h, ev.ID, ev.TransferID, ev.ClientID, store.DeliveryPending, ms(ev.At), ms(ev.At), ms(ev.At)); err != nil {
			return fmt.Errorf("sqlite: write delivery: %w", err)
		}
	}
	return nil
}

// queryStrings runs a query of one text column in tx and returns its values.
func queryStrings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CreateTransfer implements store.Store.
func (s *Store) CreateTransfer(ctx context.Context, t store.Transfer, eventID string) error {
	t.Status, t.UpdatedAt = store.TransferPending, t.CreatedAt
	args, err := transferArgs(t)
	if err != nil {
		return err
	}
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO transfers (`+transferCols+`) VALUES (`+placeholders(len(args))+`)`, args...)
		if isConstraint(err) {
			return rollback{Err: fmt.Errorf("sqlite: transfer %s: %w", t.ID, store.ErrConflict)}
		}
		if err != nil {
			return fmt.Errorf("sqlite: create transfer: %w", err)
		}
		return writeEvent(ctx, tx, store.TransferEvent{ID: eventID, TransferID: t.ID, ClientID: t.ClientID, Status: store.TransferPending, At: t.CreatedAt})
	})
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// ImportTransfer implements store.Store.
func (s *Store) ImportTransfer(ctx context.Context, t store.Transfer) (bool, error) {
	args, err := transferArgs(t)
	if err != nil {
		return false, err
	}
	var n int64
	err = s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO transfers (`+transferCols+`) VALUES (`+placeholders(len(args))+`) ON CONFLICT (id) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: import transfer: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// SetTransferStatus implements store.Store.
func (s *Store) SetTransferStatus(ctx context.Context, u store.TransferUpdate) (store.Transfer, error) {
	var out store.Transfer
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE transfers SET status = ?, updated_at = ?, settle_at = NULL,
			hash = CASE WHEN ? != '' THEN ? ELSE hash END WHERE id = ? AND status = ?`,
			u.To, ms(u.At), u.Hash, u.Hash, u.ID, u.From)
		if err != nil {
			return fmt.Errorf("sqlite: set transfer status: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM transfers WHERE id = ?`, u.ID).Scan(&exists); err != nil {
				return fmt.Errorf("sqlite: set transfer status: %w", err)
			}
			if exists == 0 {
				return fmt.Errorf("sqlite: transfer %s: %w", u.ID, store.ErrNotFound)
			}
			return fmt.Errorf("sqlite: transfer %s is not %s: %w", u.ID, u.From, store.ErrConflict)
		}
		out, err = scanTransfer(tx.QueryRowContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE id = ?`, u.ID))
		if err != nil {
			return fmt.Errorf("sqlite: set transfer status: %w", err)
		}
		return writeEvent(ctx, tx, store.TransferEvent{ID: u.EventID, TransferID: u.ID, ClientID: out.ClientID, Status: u.To, At: u.At})
	})
	if err != nil {
		return store.Transfer{}, err
	}
	return out, nil
}

// Transfer implements store.Store.
func (s *Store) Transfer(ctx context.Context, clientID, id string) (store.Transfer, error) {
	t, err := scanTransfer(s.rdb.QueryRowContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE id = ? AND client_id = ?`, id, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Transfer{}, fmt.Errorf("sqlite: transfer %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Transfer{}, fmt.Errorf("sqlite: transfer: %w", err)
	}
	return t, nil
}

// transferQuery builds the WHERE clause and ORDER BY of q for client clientID.
func transferQuery(clientID string, q store.TransferQuery) (where string, args []any, order string, err error) {
	return sqlshared.TransferQuery(sqlshared.Dialect{Placeholder: sqlshared.Question, Time: func(t time.Time) any { return ms(t) }}, clientID, q)
}

// Transfers implements store.Store.
func (s *Store) Transfers(ctx context.Context, clientID string, q store.TransferQuery) ([]store.Transfer, int, error) {
	where, args, order, err := transferQuery(clientID, q)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM transfers WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: transfers: %w", err)
	}
	if total == 0 || q.Offset >= total {
		return []store.Transfer{}, total, nil
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, max(q.Count, 0), max(q.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: transfers: %w", err)
	}
	out, err := scanTransfers(rows)
	return out, total, err
}

func scanTransfers(rows *sql.Rows) ([]store.Transfer, error) {
	defer rows.Close()
	out := []store.Transfer{}
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: transfers: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: transfers: %w", err)
	}
	return out, nil
}

// dueTransfersSQL selects pending transfers due to be settled (index transfers_due).
const dueTransfersSQL = `SELECT ` + transferCols + ` FROM transfers
	WHERE status = 'pending' AND settle_at IS NOT NULL AND settle_at <= ? ORDER BY settle_at, id LIMIT ?`

// DueTransfers implements store.Store.
func (s *Store) DueTransfers(ctx context.Context, now time.Time, limit int) ([]store.Transfer, error) {
	rows, err := s.rdb.QueryContext(ctx, dueTransfersSQL, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due transfers: %w", err)
	}
	return scanTransfers(rows)
}

// CreateWebhook implements store.Store.
func (s *Store) CreateWebhook(ctx context.Context, w store.Webhook) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := clientExists(ctx, tx, w.ClientID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, client_id, url, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?)`,
			w.ID, w.ClientID, w.URL, w.SealedSecret, ms(w.CreatedAt))
		if isConstraint(err) {
			return rollback{Err: fmt.Errorf("sqlite: webhook %s: %w", w.ID, store.ErrConflict)}
		}
		if err != nil {
			return fmt.Errorf("sqlite: create webhook: %w", err)
		}
		return nil
	})
}

const webhookCols = `id, client_id, url, sealed_secret, created_at`

func scanWebhook(sc scanner) (store.Webhook, error) {
	var (
		w       store.Webhook
		created int64
	)
	err := sc.Scan(&w.ID, &w.ClientID, &w.URL, &w.SealedSecret, &created)
	w.CreatedAt = fromMS(created)
	return w, err
}

// Webhooks implements store.Store.
func (s *Store) Webhooks(ctx context.Context, clientID string) ([]store.Webhook, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE client_id = ? ORDER BY created_at, id`, clientID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhooks: %w", err)
	}
	defer rows.Close()
	out := []store.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: webhooks: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: webhooks: %w", err)
	}
	return out, nil
}

// SetWebhookSecret implements store.Store.
func (s *Store) SetWebhookSecret(ctx context.Context, id string, sealed []byte) (store.Webhook, error) {
	return s.webhookReturning(ctx, "set webhook secret", id, `UPDATE webhooks SET sealed_secret = ? WHERE id = ? RETURNING `+webhookCols, sealed, id)
}

// DeleteWebhook implements store.Store. The deliveries and their attempts go with the
// webhook (ON DELETE CASCADE).
func (s *Store) DeleteWebhook(ctx context.Context, id string) (store.Webhook, error) {
	return s.webhookReturning(ctx, "delete webhook", id, `DELETE FROM webhooks WHERE id = ? RETURNING `+webhookCols, id)
}

// webhookReturning runs a write of webhook id that returns the row (… RETURNING
// webhookCols): ErrNotFound if it touched none.
func (s *Store) webhookReturning(ctx context.Context, what, id, query string, args ...any) (store.Webhook, error) {
	var w store.Webhook
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		w, err = scanWebhook(tx.QueryRowContext(ctx, query, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: webhook %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: %s: %w", what, err)
		}
		return nil
	})
	if err != nil {
		return store.Webhook{}, err
	}
	return w, nil
}

// dueDeliverySQL tells whether any delivery is due, on the readers, so that an idle
// sender does not take the write lock every time it looks.
const dueDeliverySQL = `SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? LIMIT 1)`

// claimSQL selects the deliveries to claim: due, not to a skipped webhook, and not behind
// a pending delivery of an earlier event of the same transfer to the same webhook.
const claimSQL = `SELECT d.id FROM webhook_deliveries d
	WHERE d.state = 'pending' AND d.next_attempt_at <= ?%s
	AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
		WHERE e.webhook_id = d.webhook_id AND e.transfer_id = d.transfer_id AND e.state = 'pending' AND e.seq < d.seq)
	ORDER BY d.next_attempt_at, d.seq LIMIT ?`

const deliveryCols = `d.id, d.webhook_id, w.url, d.client_id, d.event_id, d.transfer_id, e.status, e.at, d.state, d.attempts,
	d.next_attempt_at, d.claim, d.created_at, d.updated_at`

func scanDelivery(sc scanner, extra ...any) (store.Delivery, error) {
	var (
		d                         store.Delivery
		eventAt, created, updated int64
		next                      sql.NullInt64
	)
	dest := append([]any{&d.ID, &d.WebhookID, &d.URL, &d.ClientID, &d.EventID, &d.TransferID, &d.EventStatus, &eventAt, &d.State,
		&d.Attempts, &next, &d.Claim, &created, &updated}, extra...)
	err := sc.Scan(dest...)
	d.EventAt, d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = fromMS(eventAt), fromNullMS(next), fromMS(created), fromMS(updated)
	return d, err
}

// ClaimDeliveries implements store.Store: the claim is one write transaction of the
// writer, which SQLite serialises with every other writer of the file (other processes
// included), so concurrent claims never overlap.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration, skip []string) ([]store.DeliveryClaim, error) {
	if limit <= 0 {
		return nil, nil
	}
	var due int
	if err := s.rdb.QueryRowContext(ctx, dueDeliverySQL, ms(now)).Scan(&due); err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	var out []store.DeliveryClaim
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = nil
		args := []any{ms(now)}
		skipSQL := ""
		if len(skip) > 0 {
			skipSQL = " AND d.webhook_id NOT IN (" + placeholders(len(skip)) + ")"
			for _, id := range skip {
				args = append(args, id)
			}
		}
		ids, err := queryStrings(ctx, tx, fmt.Sprintf(claimSQL, skipSQL), append(args, limit)...)
		if err != nil {
			return fmt.Errorf("sqlite: claim deliveries: %w", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ?, claim = claim + 1, claimed = 1 WHERE id = ?`,
				ms(now.Add(lease)), id); err != nil {
				return fmt.Errorf("sqlite: claim deliveries: %w", err)
			}
			var c store.DeliveryClaim
			var created int64
			row := tx.QueryRowContext(ctx, `SELECT `+deliveryCols+`, w.client_id, w.sealed_secret, w.created_at
				FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN transfer_events e ON e.id = d.event_id
				WHERE d.id = ?`, id)
			if c.Delivery, err = scanDelivery(row, &c.Webhook.ClientID, &c.Webhook.SealedSecret, &created); err != nil {
				return fmt.Errorf("sqlite: claim deliveries: %w", err)
			}
			c.Webhook.ID, c.Webhook.URL, c.Webhook.CreatedAt = c.Delivery.WebhookID, c.Delivery.URL, fromMS(created)
			c.Event = store.TransferEvent{ID: c.Delivery.EventID, TransferID: c.Delivery.TransferID, ClientID: c.Delivery.ClientID,
				Status: c.Delivery.EventStatus, At: c.Delivery.EventAt}
			if c.Transfer, err = scanTransfer(tx.QueryRowContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE id = ?`, c.Delivery.TransferID)); err != nil {
				return fmt.Errorf("sqlite: claim deliveries: transfer %s: %w", c.Delivery.TransferID, err)
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordAttempt implements store.Store.
func (s *Store) RecordAttempt(ctx context.Context, a store.DeliveryAttempt) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var (
			state             string
			claim             int64
			attempts, claimed int
		)
		err := tx.QueryRowContext(ctx, `SELECT state, claim, claimed, attempts FROM webhook_deliveries WHERE id = ?`, a.DeliveryID).
			Scan(&state, &claim, &claimed, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: delivery %s: %w", a.DeliveryID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: record attempt: %w", err)
		}
		if state != store.DeliveryPending || claim != a.Claim || claimed == 0 {
			return fmt.Errorf("sqlite: delivery %s: claim %d is not current (%s, claim %d, claimed %d): %w",
				a.DeliveryID, a.Claim, state, claim, claimed, store.ErrConflict)
		}
		next := nullMS(a.NextAttemptAt)
		newState := store.DeliveryPending
		switch {
		case a.Delivered:
			newState, next = store.DeliveryDelivered, sql.NullInt64{}
		case !next.Valid:
			newState = store.DeliveryFailed
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, n, claim, id, at, duration_ms, status_code, outcome, error,
			delivered, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.DeliveryID, attempts+1, a.Claim, a.ID, ms(a.At), a.Duration.Milliseconds(), a.StatusCode, a.Outcome, a.Error, boolInt(a.Delivered), next); err != nil {
			return fmt.Errorf("sqlite: record attempt: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, updated_at = ?,
			claimed = 0 WHERE id = ?`, newState, next, ms(a.At), a.DeliveryID); err != nil {
			return fmt.Errorf("sqlite: record attempt: %w", err)
		}
		return nil
	})
}

// Deliveries implements store.Store.
func (s *Store) Deliveries(ctx context.Context, clientID string, limit int) ([]store.Delivery, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id JOIN transfer_events e ON e.id = d.event_id
		WHERE d.client_id = ? ORDER BY d.seq DESC LIMIT ?`, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: deliveries: %w", err)
	}
	out := []store.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: deliveries: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: deliveries: %w", err)
	}
	for i := range out {
		if out[i].History, err = s.attempts(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) attempts(ctx context.Context, deliveryID string) ([]store.DeliveryAttempt, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT claim, id, at, duration_ms, status_code, outcome, error, delivered, next_attempt_at
		FROM webhook_attempts WHERE delivery_id = ? ORDER BY n`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: attempts: %w", err)
	}
	defer rows.Close()
	var out []store.DeliveryAttempt
	for rows.Next() {
		a := store.DeliveryAttempt{DeliveryID: deliveryID}
		var (
			at, durationMS int64
			delivered      int
			next           sql.NullInt64
		)
		if err := rows.Scan(&a.Claim, &a.ID, &at, &durationMS, &a.StatusCode, &a.Outcome, &a.Error, &delivered, &next); err != nil {
			return nil, fmt.Errorf("sqlite: attempts: %w", err)
		}
		a.At, a.Duration, a.Delivered, a.NextAttemptAt = fromMS(at), time.Duration(durationMS)*time.Millisecond, delivered != 0, fromNullMS(next)
		out = append(out, a)
	}
	return out, rows.Err()
}

// purgeOutbox deletes at most limit deliveries that ended before `before` (their attempts
// go with them) and at most limit events older than `before` with no delivery left.
func purgeOutbox(ctx context.Context, tx *sql.Tx, before time.Time, limit int) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries
			WHERE state != 'pending' AND updated_at < ? ORDER BY updated_at LIMIT ?)`,
		`DELETE FROM transfer_events WHERE id IN (SELECT id FROM transfer_events e WHERE at < ?
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id) ORDER BY at LIMIT ?)`,
	} {
		res, err := tx.ExecContext(ctx, q, ms(before), limit)
		if err != nil {
			return total, fmt.Errorf("sqlite: purge outbox: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
