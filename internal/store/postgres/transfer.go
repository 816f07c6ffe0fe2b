package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/groupcommit"
	"github.com/linkd-dev/linkd/internal/store/sqlshared"
)

// transferCols are the transfers table's columns (the same in both backends).
const transferCols = sqlshared.TransferCols

// transferPH is the VALUES list of an INSERT of transferCols.
var transferPH = func() string {
	n := len(strings.Split(transferCols, ","))
	ph := make([]string, n)
	for i := range ph {
		ph[i] = sqlshared.Dollar(i + 1)
	}
	return strings.Join(ph, ", ")
}()

func transferArgs(t store.Transfer) ([]any, error) {
	fees, funding, err := sqlshared.EncodeFees(t)
	if err != nil {
		return nil, err
	}
	return []any{t.ID, t.ClientID, t.SubClientID, t.UserID, t.ClientTransactionID, t.InstitutionTransactionID, t.Status,
		t.Amount, t.AmountToReceive, t.SourceAmount, t.AmountInFiat, t.AmountToReceiveInFiat, t.TotalAmountInFiat, t.FiatCurrency,
		t.Symbol, t.TokenAddress, t.NetworkID, t.NetworkName, t.Hash, t.FromAddress, t.DestinationAddress, t.AddressTag,
		t.IntegrationID, t.IntegrationType, t.IntegrationName, fees, funding, t.TransferType, t.IsFeeIncluded,
		nilIfEmpty(t.SessionHash), t.CreatedAt, nullTime(t.ExecutedAt), t.UpdatedAt, nullTime(t.SettleAt)}, nil
}

// transferDest returns the scan destinations of transferCols into t, and a function that
// finishes t once they are scanned.
func transferDest(t *store.Transfer) ([]any, func() error) {
	var (
		fees, funding    string
		executed, settle *time.Time
	)
	dest := []any{&t.ID, &t.ClientID, &t.SubClientID, &t.UserID, &t.ClientTransactionID, &t.InstitutionTransactionID, &t.Status,
		&t.Amount, &t.AmountToReceive, &t.SourceAmount, &t.AmountInFiat, &t.AmountToReceiveInFiat, &t.TotalAmountInFiat, &t.FiatCurrency,
		&t.Symbol, &t.TokenAddress, &t.NetworkID, &t.NetworkName, &t.Hash, &t.FromAddress, &t.DestinationAddress, &t.AddressTag,
		&t.IntegrationID, &t.IntegrationType, &t.IntegrationName, &fees, &funding, &t.TransferType, &t.IsFeeIncluded, &t.SessionHash,
		&t.CreatedAt, &executed, &t.UpdatedAt, &settle}
	return dest, func() error {
		t.ExecutedAt, t.SettleAt = orZero(executed), orZero(settle)
		if err := sqlshared.DecodeFees(t, fees, funding); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		return nil
	}
}

func scanTransfer(row pgx.Row) (store.Transfer, error) {
	var t store.Transfer
	dest, finish := transferDest(&t)
	if err := row.Scan(dest...); err != nil {
		return t, err
	}
	return t, finish()
}

func scanTransfers(rows pgx.Rows) ([]store.Transfer, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Transfer, error) { return scanTransfer(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: transfers: %w", err)
	}
	return out, nil
}

// writeEvent stores one event of a transfer and a pending delivery of it, due at once, to
// every webhook the client has now, in tx.
func writeEvent(ctx context.Context, tx pgx.Tx, ev store.TransferEvent) error {
	tag, err := tx.Exec(ctx, `INSERT INTO transfer_events (id, transfer_id, client_id, status, at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, ev.ID, ev.TransferID, ev.ClientID, ev.Status, ev.At)
	if err != nil {
		return fmt.Errorf("postgres: write event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return groupcommit.Rollback{Err: fmt.Errorf("postgres: event %s: %w", ev.ID, store.ErrConflict)}
	}
	rows, err := tx.Query(ctx, `SELECT id FROM webhooks WHERE client_id = $1 ORDER BY created_at, id`, ev.ClientID)
	if err != nil {
		return fmt.Errorf("postgres: write event: %w", err)
	}
	hooks, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(hooks) == 0 {
		return err
	}
	ids := make([]string, len(hooks))
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	// WITH ORDINALITY keeps the webhooks' order in seq.
	if _, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event_id, transfer_id, client_id, state, next_attempt_at,
		created_at, updated_at) SELECT d.id, d.hook, $3, $4, $5, $6, $7, $7, $7 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS d (id, hook, n)
		ORDER BY d.n`, ids, hooks, ev.ID, ev.TransferID, ev.ClientID, store.DeliveryPending, ev.At); err != nil {
		return fmt.Errorf("postgres: write delivery: %w", err)
	}
	return nil
}

// CreateTransfer implements store.Store.
func (s *Store) CreateTransfer(ctx context.Context, t store.Transfer, eventID string) error {
	t.Status, t.UpdatedAt = store.TransferPending, t.CreatedAt
	args, err := transferArgs(t)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO transfers (`+transferCols+`) VALUES (`+transferPH+`) ON CONFLICT (id) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("postgres: create transfer: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: transfer %s: %w", t.ID, store.ErrConflict)
		}
		return writeEvent(ctx, tx, store.TransferEvent{ID: eventID, TransferID: t.ID, ClientID: t.ClientID, Status: store.TransferPending, At: t.CreatedAt})
	})
}

// ImportTransfer implements store.Store.
func (s *Store) ImportTransfer(ctx context.Context, t store.Transfer) (bool, error) {
	args, err := transferArgs(t)
	if err != nil {
		return false, err
	}
	n, err := s.exec(ctx, `INSERT INTO transfers (`+transferCols+`) VALUES (`+transferPH+`) ON CONFLICT (id) DO NOTHING`, args...)
	if err != nil {
		return false, fmt.Errorf("postgres: import transfer: %w", err)
	}
	return n == 1, nil
}

// SetTransferStatus implements store.Store: one conditional UPDATE, so that of concurrent
// calls from the same status the first to lock the row matches and the others, once it
// commits, find another status.
func (s *Store) SetTransferStatus(ctx context.Context, u store.TransferUpdate) (store.Transfer, error) {
	var out store.Transfer
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = scanTransfer(tx.QueryRow(ctx, `UPDATE transfers SET status = $1, updated_at = $2, settle_at = NULL,
			hash = CASE WHEN $3 <> '' THEN $3 ELSE hash END WHERE id = $4 AND status = $5 RETURNING `+transferCols,
			u.To, u.At, u.Hash, u.ID, u.From))
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM transfers WHERE id = $1)`, u.ID).Scan(&exists); err != nil {
				return fmt.Errorf("postgres: set transfer status: %w", err)
			}
			if !exists {
				return fmt.Errorf("postgres: transfer %s: %w", u.ID, store.ErrNotFound)
			}
			return fmt.Errorf("postgres: transfer %s is not %s: %w", u.ID, u.From, store.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("postgres: set transfer status: %w", err)
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
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	t, err := scanTransfer(s.pool.QueryRow(ctx, `SELECT `+transferCols+` FROM transfers WHERE id = $1 AND client_id = $2`, id, clientID))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Transfer{}, fmt.Errorf("postgres: transfer %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Transfer{}, fmt.Errorf("postgres: transfer: %w", err)
	}
	return t, nil
}

// dialect is PostgreSQL's for the shared queries.
var dialect = sqlshared.Dialect{Placeholder: sqlshared.Dollar, Time: func(t time.Time) any { return t }}

// Transfers implements store.Store.
func (s *Store) Transfers(ctx context.Context, clientID string, q store.TransferQuery) ([]store.Transfer, int, error) {
	where, args, order, err := sqlshared.TransferQuery(dialect, clientID, q)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %w", err)
	}
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM transfers WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: transfers: %w", err)
	}
	if total == 0 || q.Offset >= total {
		return []store.Transfer{}, total, nil
	}
	n := len(args)
	rows, err := s.pool.Query(ctx, `SELECT `+transferCols+` FROM transfers WHERE `+where+` ORDER BY `+order+
		` LIMIT `+sqlshared.Dollar(n+1)+` OFFSET `+sqlshared.Dollar(n+2), append(args, max(q.Count, 0), max(q.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: transfers: %w", err)
	}
	out, err := scanTransfers(rows)
	return out, total, err
}

// dueTransfersSQL selects pending transfers due to be settled (index transfers_due).
const dueTransfersSQL = `SELECT ` + transferCols + ` FROM transfers
	WHERE status = 'pending' AND settle_at IS NOT NULL AND settle_at <= $1 ORDER BY settle_at, id LIMIT $2`

// DueTransfers implements store.Store.
func (s *Store) DueTransfers(ctx context.Context, now time.Time, limit int) ([]store.Transfer, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	rows, err := s.pool.Query(ctx, dueTransfersSQL, now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due transfers: %w", err)
	}
	return scanTransfers(rows)
}

// CreateWebhook implements store.Store.
func (s *Store) CreateWebhook(ctx context.Context, w store.Webhook) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1)`, w.ClientID).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: client lookup: %w", err)
		}
		if !exists {
			return fmt.Errorf("postgres: client %s: %w", w.ClientID, store.ErrNotFound)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO webhooks (`+webhookCols+`) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
			w.ID, w.ClientID, w.URL, w.SealedSecret, w.CreatedAt)
		if err != nil {
			return fmt.Errorf("postgres: create webhook: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: webhook %s: %w", w.ID, store.ErrConflict)
		}
		return nil
	})
}

const webhookCols = `id, client_id, url, sealed_secret, created_at`

func scanWebhook(row pgx.Row) (store.Webhook, error) {
	var w store.Webhook
	err := row.Scan(&w.ID, &w.ClientID, &w.URL, &w.SealedSecret, &w.CreatedAt)
	return w, err
}

// Webhooks implements store.Store.
func (s *Store) Webhooks(ctx context.Context, clientID string) ([]store.Webhook, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE client_id = $1 ORDER BY created_at, id`, clientID)
	if err != nil {
		return nil, fmt.Errorf("postgres: webhooks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Webhook, error) { return scanWebhook(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: webhooks: %w", err)
	}
	return out, nil
}

// SetWebhookSecret implements store.Store.
func (s *Store) SetWebhookSecret(ctx context.Context, id string, sealed []byte) (store.Webhook, error) {
	return s.webhookReturning(ctx, "set webhook secret", id, `UPDATE webhooks SET sealed_secret = $1 WHERE id = $2 RETURNING `+webhookCols, sealed, id)
}

// DeleteWebhook implements store.Store. The deliveries and their attempts go with the
// webhook (ON DELETE CASCADE).
func (s *Store) DeleteWebhook(ctx context.Context, id string) (store.Webhook, error) {
	return s.webhookReturning(ctx, "delete webhook", id, `DELETE FROM webhooks WHERE id = $1 RETURNING `+webhookCols, id)
}

// webhookReturning runs a write of webhook id that returns the row (… RETURNING
// webhookCols): ErrNotFound if it touched none.
func (s *Store) webhookReturning(ctx context.Context, what, id, query string, args ...any) (store.Webhook, error) {
	var w store.Webhook
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		w, err = scanWebhook(tx.QueryRow(ctx, query, args...))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: webhook %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", what, err)
		}
		return nil
	})
	if err != nil {
		return store.Webhook{}, err
	}
	return w, nil
}

// claimSQL claims deliveries in one statement: the due ones (not to a skipped webhook, not
// behind a pending delivery of an earlier event of the same transfer to the same webhook)
// are locked with FOR UPDATE SKIP LOCKED, so that concurrent claimers, on any instance,
// each take rows the others have not; a row another claimer committed meanwhile is read
// again once locked and no longer due. A claimed delivery stays pending until its attempt
// is recorded, so the events behind it wait. ($1 now, $2 skip, $3 limit, $4 now+lease.)
var claimSQL = `WITH due AS (
	SELECT d.seq, d.next_attempt_at AS due_at FROM webhook_deliveries d
	WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND NOT (d.webhook_id = ANY ($2::text[]))
	  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
		WHERE e.webhook_id = d.webhook_id AND e.transfer_id = d.transfer_id AND e.state = 'pending' AND e.seq < d.seq)
	ORDER BY d.next_attempt_at, d.seq LIMIT $3 FOR UPDATE OF d SKIP LOCKED)
UPDATE webhook_deliveries d SET next_attempt_at = $4, claim = d.claim + 1, claimed = true
FROM due, webhooks w, transfer_events e, transfers t
WHERE d.seq = due.seq AND w.id = d.webhook_id AND e.id = d.event_id AND t.id = d.transfer_id
RETURNING due.due_at, d.seq, d.id, d.webhook_id, w.url, d.client_id, d.event_id, d.transfer_id, e.status, e.at, d.state, d.attempts,
	d.next_attempt_at, d.claim, d.created_at, d.updated_at, w.client_id, w.sealed_secret, w.created_at, ` + tTransferCols

// tTransferCols is transferCols qualified by the alias t.
var tTransferCols = "t." + strings.Join(strings.Fields(strings.ReplaceAll(transferCols, ",", " ")), ", t.")

// deliveryDest returns the scan destinations of a delivery's columns (see deliveryCols).
func deliveryDest(d *store.Delivery, next **time.Time) []any {
	return []any{&d.ID, &d.WebhookID, &d.URL, &d.ClientID, &d.EventID, &d.TransferID, &d.EventStatus, &d.EventAt, &d.State,
		&d.Attempts, next, &d.Claim, &d.CreatedAt, &d.UpdatedAt}
}

const deliveryCols = `d.id, d.webhook_id, w.url, d.client_id, d.event_id, d.transfer_id, e.status, e.at, d.state, d.attempts,
	d.next_attempt_at, d.claim, d.created_at, d.updated_at`

// ClaimDeliveries implements store.Store (see claimSQL).
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration, skip []string) ([]store.DeliveryClaim, error) {
	if limit <= 0 {
		return nil, nil
	}
	type claimed struct {
		dueAt time.Time
		seq   int64
		c     store.DeliveryClaim
	}
	var out []claimed
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, claimSQL, now, nonNil(skip), limit, now.Add(lease))
		if err != nil {
			return fmt.Errorf("postgres: claim deliveries: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
			var (
				cl   claimed
				next *time.Time
			)
			tdest, finish := transferDest(&cl.c.Transfer)
			dest := append([]any{&cl.dueAt, &cl.seq}, deliveryDest(&cl.c.Delivery, &next)...)
			dest = append(dest, &cl.c.Webhook.ClientID, &cl.c.Webhook.SealedSecret, &cl.c.Webhook.CreatedAt)
			if err := r.Scan(append(dest, tdest...)...); err != nil {
				return cl, err
			}
			d := &cl.c.Delivery
			d.NextAttemptAt = orZero(next)
			cl.c.Webhook.ID, cl.c.Webhook.URL = d.WebhookID, d.URL
			cl.c.Event = store.TransferEvent{ID: d.EventID, TransferID: d.TransferID, ClientID: d.ClientID, Status: d.EventStatus, At: d.EventAt}
			return cl, finish()
		})
		if err != nil {
			return fmt.Errorf("postgres: claim deliveries: %w", err)
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	// RETURNING has no order: put the claims back in the order they were due.
	slices.SortFunc(out, func(a, b claimed) int {
		if c := a.dueAt.Compare(b.dueAt); c != 0 {
			return c
		}
		return int(a.seq - b.seq)
	})
	cs := make([]store.DeliveryClaim, len(out))
	for i := range out {
		cs[i] = out[i].c
	}
	return cs, nil
}

// RecordAttempt implements store.Store. The delivery's row is locked first, so that of
// two recordings of one claim the second finds it recorded.
func (s *Store) RecordAttempt(ctx context.Context, a store.DeliveryAttempt) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var (
			state    string
			claim    int64
			claimed  bool
			attempts int
		)
		err := tx.QueryRow(ctx, `SELECT state, claim, claimed, attempts FROM webhook_deliveries WHERE id = $1 FOR UPDATE`, a.DeliveryID).
			Scan(&state, &claim, &claimed, &attempts)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: delivery %s: %w", a.DeliveryID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("postgres: record attempt: %w", err)
		}
		if state != store.DeliveryPending || claim != a.Claim || !claimed {
			return fmt.Errorf("postgres: delivery %s: claim %d is not current (%s, claim %d, claimed %v): %w",
				a.DeliveryID, a.Claim, state, claim, claimed, store.ErrConflict)
		}
		next := nullTime(a.NextAttemptAt)
		newState := store.DeliveryPending
		switch {
		case a.Delivered:
			newState, next = store.DeliveryDelivered, nil
		case next == nil:
			newState = store.DeliveryFailed
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, n, claim, id, at, duration_ms, status_code, outcome, error,
			delivered, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.DeliveryID, attempts+1, a.Claim, a.ID, a.At, a.Duration.Milliseconds(), a.StatusCode, a.Outcome, a.Error, a.Delivered, next); err != nil {
			return fmt.Errorf("postgres: record attempt: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, next_attempt_at = $2, updated_at = $3,
			claimed = false WHERE id = $4`, newState, next, a.At, a.DeliveryID); err != nil {
			return fmt.Errorf("postgres: record attempt: %w", err)
		}
		return nil
	})
}

// Deliveries implements store.Store.
func (s *Store) Deliveries(ctx context.Context, clientID string, limit int) ([]store.Delivery, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id JOIN transfer_events e ON e.id = d.event_id
		WHERE d.client_id = $1 ORDER BY d.seq DESC LIMIT $2`, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Delivery, error) {
		var (
			d    store.Delivery
			next *time.Time
		)
		err := r.Scan(deliveryDest(&d, &next)...)
		d.NextAttemptAt = orZero(next)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: deliveries: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	at := make(map[string]int, len(out))
	for i, d := range out {
		ids[i], at[d.ID] = d.ID, i
	}
	rows, err = s.pool.Query(ctx, `SELECT delivery_id, claim, id, at, duration_ms, status_code, outcome, error, delivered, next_attempt_at
		FROM webhook_attempts WHERE delivery_id = ANY ($1) ORDER BY delivery_id, n`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			a          store.DeliveryAttempt
			durationMS int64
			next       *time.Time
		)
		if err := rows.Scan(&a.DeliveryID, &a.Claim, &a.ID, &a.At, &durationMS, &a.StatusCode, &a.Outcome, &a.Error, &a.Delivered, &next); err != nil {
			return nil, fmt.Errorf("postgres: attempts: %w", err)
		}
		a.Duration, a.NextAttemptAt = time.Duration(durationMS)*time.Millisecond, orZero(next)
		d := &out[at[a.DeliveryID]]
		d.History = append(d.History, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: attempts: %w", err)
	}
	return out, nil
}
