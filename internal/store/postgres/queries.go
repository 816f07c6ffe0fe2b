package postgres

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/groupcommit"
	"github.com/linkd-dev/linkd/internal/store/sqlshared"
)

// micro is the precision of timestamptz: times are compared at it, on both sides.
const micro = time.Microsecond

// nullTime is t for a nullable column: NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const clientCols = `id, name, origins, enabled, jurisdiction, rate_limit, rate_burst, allow_pii_user_id, created_at`

func scanClient(row pgx.Row) (store.Client, error) {
	var c store.Client
	err := row.Scan(&c.ID, &c.Name, &c.Origins, &c.Enabled, &c.Jurisdiction, &c.RateLimit, &c.RateBurst, &c.AllowPIIUserID, &c.CreatedAt)
	c.Origins = nonNil(c.Origins)
	return c, err
}

// secretsQuery lists secrets newest first (seq breaks ties between secrets created in the
// same instant).
const secretsQuery = `SELECT client_id, hash, created_at, expires_at, revoked_at FROM client_secrets`
const secretsOrder = ` ORDER BY client_id, created_at DESC, seq DESC`

// scanSecrets reads secretsQuery's rows, by client.
func scanSecrets(rows pgx.Rows) (map[string][]store.Secret, error) {
	defer rows.Close()
	out := map[string][]store.Secret{}
	for rows.Next() {
		var (
			client           string
			sec              store.Secret
			expires, revoked *time.Time
		)
		if err := rows.Scan(&client, &sec.Hash, &sec.CreatedAt, &expires, &revoked); err != nil {
			return nil, err
		}
		sec.ExpiresAt, sec.RevokedAt = orZero(expires), orZero(revoked)
		out[client] = append(out[client], sec)
	}
	return out, rows.Err()
}

// CreateClient implements store.Store.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO clients (`+clientCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.Name, nonNil(c.Origins), c.Enabled, c.Jurisdiction, c.RateLimit, c.RateBurst, c.AllowPIIUserID, c.CreatedAt)
		if err != nil {
			return fmt.Errorf("postgres: create client: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: client %s: %w", c.ID, store.ErrConflict)
		}
		for _, sec := range c.Secrets {
			if err := insertSecret(ctx, tx, c.ID, sec); err != nil {
				return fmt.Errorf("postgres: create client: %w", err)
			}
		}
		return nil
	})
}

func insertSecret(ctx context.Context, tx pgx.Tx, clientID string, sec store.Secret) error {
	_, err := tx.Exec(ctx, `INSERT INTO client_secrets (client_id, hash, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)`,
		clientID, sec.Hash, sec.CreatedAt, nullTime(sec.ExpiresAt), nullTime(sec.RevokedAt))
	return err
}

// Client implements store.Store.
func (s *Store) Client(ctx context.Context, id string) (store.Client, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	c, err := scanClient(s.pool.QueryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Client{}, fmt.Errorf("postgres: client %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Client{}, fmt.Errorf("postgres: client: %w", err)
	}
	rows, err := s.pool.Query(ctx, secretsQuery+` WHERE client_id = $1`+secretsOrder, id)
	if err != nil {
		return store.Client{}, fmt.Errorf("postgres: client secrets: %w", err)
	}
	secrets, err := scanSecrets(rows)
	if err != nil {
		return store.Client{}, fmt.Errorf("postgres: client secrets: %w", err)
	}
	c.Secrets = secrets[id]
	return c, nil
}

// Clients implements store.Store.
func (s *Store) Clients(ctx context.Context) ([]store.Client, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+clientCols+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: clients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Client, error) { return scanClient(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: clients: %w", err)
	}
	rows, err = s.pool.Query(ctx, secretsQuery+secretsOrder)
	if err != nil {
		return nil, fmt.Errorf("postgres: client secrets: %w", err)
	}
	secrets, err := scanSecrets(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: client secrets: %w", err)
	}
	for i := range out {
		out[i].Secrets = secrets[out[i].ID]
	}
	return out, nil
}

// UpdateClient implements store.Store.
func (s *Store) UpdateClient(ctx context.Context, c store.Client) error {
	n, err := s.exec(ctx, `UPDATE clients SET name = $1, origins = $2, jurisdiction = $3, rate_limit = $4, rate_burst = $5, allow_pii_user_id = $6
		WHERE id = $7`, c.Name, nonNil(c.Origins), c.Jurisdiction, c.RateLimit, c.RateBurst, c.AllowPIIUserID, c.ID)
	return affected(n, err, c.ID, "update client")
}

// SetClientEnabled implements store.Store.
func (s *Store) SetClientEnabled(ctx context.Context, id string, enabled bool) error {
	n, err := s.exec(ctx, `UPDATE clients SET enabled = $1 WHERE id = $2`, enabled, id)
	return affected(n, err, id, "set client enabled")
}

// affected turns the result of an UPDATE of one client into ErrNotFound when no row
// matched.
func affected(n int64, err error, id, what string) error {
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: client %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// lockClient locks a client's row for the transaction (changes to its secrets take
// turns), or returns ErrNotFound.
func lockClient(ctx context.Context, tx pgx.Tx, id string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM clients WHERE id = $1 FOR UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: client %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: client lookup: %w", err)
	}
	return nil
}

// AddSecret implements store.Store.
func (s *Store) AddSecret(ctx context.Context, clientID string, sec store.Secret, retireOthersAt time.Time) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockClient(ctx, tx, clientID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE client_secrets SET expires_at = LEAST(COALESCE(expires_at, $1), $1)
			WHERE client_id = $2 AND revoked_at IS NULL`, retireOthersAt, clientID); err != nil {
			return fmt.Errorf("postgres: retire secrets: %w", err)
		}
		if err := insertSecret(ctx, tx, clientID, sec); err != nil {
			return fmt.Errorf("postgres: add secret: %w", err)
		}
		return nil
	})
}

// RevokeSecrets implements store.Store.
func (s *Store) RevokeSecrets(ctx context.Context, clientID string, keep []byte, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockClient(ctx, tx, clientID); err != nil {
			return err
		}
		if keep == nil {
			keep = []byte{}
		}
		tag, err := tx.Exec(ctx, `UPDATE client_secrets SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL AND hash <> $3`,
			now, clientID, keep)
		if err != nil {
			return fmt.Errorf("postgres: revoke secrets: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

// ImportSecrets implements store.Store.
func (s *Store) ImportSecrets(ctx context.Context, clientID string, secrets []store.Secret) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		n = 0
		if err := lockClient(ctx, tx, clientID); err != nil {
			return err
		}
		for _, sec := range secrets {
			// An existing secret keeps the earlier of the two expiries and revocations
			// (NULL is "never"), and counts only if that changes it.
			tag, err := tx.Exec(ctx, `INSERT INTO client_secrets AS s (client_id, hash, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (client_id, hash) DO UPDATE SET
					expires_at = LEAST(COALESCE(s.expires_at, excluded.expires_at), COALESCE(excluded.expires_at, s.expires_at)),
					revoked_at = LEAST(COALESCE(s.revoked_at, excluded.revoked_at), COALESCE(excluded.revoked_at, s.revoked_at))
				WHERE s.expires_at IS DISTINCT FROM LEAST(COALESCE(s.expires_at, excluded.expires_at), COALESCE(excluded.expires_at, s.expires_at))
				   OR s.revoked_at IS DISTINCT FROM LEAST(COALESCE(s.revoked_at, excluded.revoked_at), COALESCE(excluded.revoked_at, s.revoked_at))`,
				clientID, sec.Hash, sec.CreatedAt, nullTime(sec.ExpiresAt), nullTime(sec.RevokedAt))
			if err != nil {
				return fmt.Errorf("postgres: import secret: %w", err)
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	return int(n), err
}

// CreateSubClient implements store.Store.
func (s *Store) CreateSubClient(ctx context.Context, sc store.SubClient) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1)`, sc.ClientID).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: client lookup: %w", err)
		}
		if !exists {
			return fmt.Errorf("postgres: client %s: %w", sc.ClientID, store.ErrNotFound)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO sub_clients (id, client_id, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
			sc.ID, sc.ClientID, sc.Name, sc.CreatedAt)
		if err != nil {
			return fmt.Errorf("postgres: create sub-client: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: sub-client %s: %w", sc.ID, store.ErrConflict)
		}
		return nil
	})
}

const subClientCols = `id, client_id, name, created_at`

func scanSubClient(row pgx.Row) (store.SubClient, error) {
	var sc store.SubClient
	err := row.Scan(&sc.ID, &sc.ClientID, &sc.Name, &sc.CreatedAt)
	return sc, err
}

// SubClient implements store.Store.
func (s *Store) SubClient(ctx context.Context, clientID, id string) (store.SubClient, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	sc, err := scanSubClient(s.pool.QueryRow(ctx, `SELECT `+subClientCols+` FROM sub_clients WHERE id = $1 AND client_id = $2`, id, clientID))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.SubClient{}, fmt.Errorf("postgres: sub-client %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.SubClient{}, fmt.Errorf("postgres: sub-client: %w", err)
	}
	return sc, nil
}

// SubClients implements store.Store.
func (s *Store) SubClients(ctx context.Context, clientID string) ([]store.SubClient, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+subClientCols+` FROM sub_clients WHERE client_id = $1 ORDER BY created_at, id`, clientID)
	if err != nil {
		return nil, fmt.Errorf("postgres: sub-clients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SubClient, error) { return scanSubClient(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: sub-clients: %w", err)
	}
	return out, nil
}

// CreateCodes implements store.Store: the codes go to the group commit (see insertCodes)
// and the call returns once the statement that inserted them has committed.
func (s *Store) CreateCodes(ctx context.Context, codes ...store.LinkCode) error {
	for _, c := range codes {
		if _, _, ok := store.CodeKey(c.ID); !ok {
			return fmt.Errorf("postgres: create code: id %x is not 16 bytes led by a positive big-endian integer", c.ID)
		}
	}
	err := s.codes.Submit(ctx, codeWork{codes: codes}, time.Now().Add(s.timeout))
	if err != nil && (errors.Is(err, groupcommit.ErrDeadline) || errors.Is(err, groupcommit.ErrClosed) || ctx.Err() != nil) {
		return fmt.Errorf("postgres: create codes: %w", err) // not from insertCodes, which names itself
	}
	return err
}

// codeWork is one write of the codes' group commit: the codes of one CreateCodes or
// CreateCodesCapped call, the latter's bound (0: none), and where the latter's count is
// reported (written by the batch's worker before the op's result is delivered).
type codeWork struct {
	codes  []store.LinkCode
	max    int
	active *store.ActiveTokens
}

// handleCodes commits a batch of the codes' group commit: the uncapped inserts by one
// statement (insertCodes), then the capped ones in one transaction (insertCapped).
func (s *Store) handleCodes(batch []*groupcommit.Op[codeWork]) {
	plain, capped := batch[:0:0], batch[:0:0]
	for _, o := range batch {
		if o.Work.max > 0 {
			capped = append(capped, o)
		} else {
			plain = append(plain, o)
		}
	}
	if len(capped) == 0 {
		s.codes.Run(batch, s.insertCodes) // the bound is off: nothing else to do
		return
	}
	s.codes.Run(plain, s.insertCodes)
	s.codes.Run(capped, s.insertCapped)
}

// CreateCodesCapped implements store.Store. The codes go to the group commit, with the
// bound: see insertCapped.
func (s *Store) CreateCodesCapped(ctx context.Context, max int, codes ...store.LinkCode) (store.ActiveTokens, error) {
	if _, _, _, _, err := store.CappedRequest(codes); err != nil {
		return store.ActiveTokens{}, fmt.Errorf("postgres: create codes: %w", err)
	}
	if max <= 0 {
		return store.ActiveTokens{}, fmt.Errorf("postgres: create codes: bound %d", max)
	}
	for _, c := range codes {
		if _, _, ok := store.CodeKey(c.ID); !ok {
			return store.ActiveTokens{}, fmt.Errorf("postgres: create code: id %x is not 16 bytes led by a positive big-endian integer", c.ID)
		}
	}
	var state store.ActiveTokens
	err := s.codes.Submit(ctx, codeWork{codes: codes, max: max, active: &state}, time.Now().Add(s.timeout))
	if err != nil && (errors.Is(err, groupcommit.ErrDeadline) || errors.Is(err, groupcommit.ErrClosed) || ctx.Err() != nil) {
		return store.ActiveTokens{}, fmt.Errorf("postgres: create codes: %w", err)
	}
	return state, err
}

// insertCapped commits the capped ops of a batch in one transaction: it locks the rows of
// their clients (FOR NO KEY UPDATE, in id order so that instances never deadlock; foreign
// key checks still pass), so that the capped issuances of a client, on every instance,
// take turns; then, with a snapshot taken after the locks, counts each client's active
// tokens (at the earliest CreatedAt of the batch: a token that expires in between still
// counts, never the other way round), takes the ops in order while they fit, and stores
// their codes and counts. Sharing the transaction shares its commit, during which the
// locks are held: one client's issuances are not one commit each.
func (s *Store) insertCapped(ops []*groupcommit.Op[codeWork], results []error) error {
	ctx, cancel := context.WithDeadline(context.Background(), groupcommit.Deadline(ops))
	defer cancel()
	var err error
	for attempt := 1; ; attempt++ {
		err = s.txOnce(ctx, func(ctx context.Context, tx pgx.Tx) error { return cappedTx(ctx, tx, ops, results) })
		if !retryable(err) || attempt == maxAttempts || backoff(ctx, attempt) != nil {
			break
		}
	}
	if err != nil && !groupcommit.IsRollback(err) {
		return fmt.Errorf("postgres: create codes: %w", err)
	}
	return err
}

// cappedTx is insertCapped's transaction.
func cappedTx(ctx context.Context, tx pgx.Tx, ops []*groupcommit.Op[codeWork], results []error) error {
	clear(results)
	type request struct {
		client string
		until  int64
		tokens int
	}
	reqs := make([]request, len(ops))
	var clients []string
	now := time.Time{}
	for i, o := range ops {
		c, at, until, tokens, _ := store.CappedRequest(o.Work.codes) // checked by CreateCodesCapped
		reqs[i] = request{c, until, tokens}
		if !slices.Contains(clients, c) {
			clients = append(clients, c)
		}
		if now.IsZero() || at.Before(now) {
			now = at
		}
	}
	slices.Sort(clients)
	rows, err := tx.Query(ctx, `SELECT id FROM clients WHERE id = ANY ($1) ORDER BY id FOR NO KEY UPDATE`, clients)
	if err != nil {
		return err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT client_id, sum(n), min(expires_s), max(expires_s) FROM active_tokens
		WHERE client_id = ANY ($1) AND expires_s > $2 GROUP BY client_id`, found, now.Unix())
	if err != nil {
		return err
	}
	state := map[string]store.ActiveTokens{}
	for rows.Next() {
		var (
			c              string
			n, first, last int64
		)
		if err := rows.Scan(&c, &n, &first, &last); err != nil {
			rows.Close()
			return err
		}
		state[c] = store.CountState(int(n), first, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var (
		codes     = newCodeArrays(len(ops))
		upClients []string
		upUntil   []int64
		upN       []int32
	)
	for i, o := range ops {
		r := reqs[i]
		switch {
		case !slices.Contains(found, r.client):
			results[i] = fmt.Errorf("postgres: client %s: %w", r.client, store.ErrNotFound)
			continue
		case state[r.client].Held+r.tokens > o.Work.max:
			*o.Work.active = state[r.client]
			results[i] = fmt.Errorf("postgres: %d of %d: %w", state[r.client].Held, o.Work.max, store.ErrTooManyActive)
			continue
		}
		state[r.client] = state[r.client].Add(r.tokens, r.until)
		*o.Work.active = state[r.client]
		upClients, upUntil, upN = append(upClients, r.client), append(upUntil, r.until), append(upN, int32(r.tokens))
		for _, c := range o.Work.codes {
			codes.add(c)
		}
	}
	if len(upClients) == 0 {
		return nil
	}
	// One row per (client, second): the batch's requests of a second are summed first.
	if _, err := tx.Exec(ctx, `INSERT INTO active_tokens AS a (client_id, expires_s, n)
		SELECT c, s, sum(n) FROM unnest($1::text[], $2::bigint[], $3::int[]) AS u (c, s, n) GROUP BY c, s
		ON CONFLICT (client_id, expires_s) DO UPDATE SET n = a.n + excluded.n`, upClients, upUntil, upN); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, insertCodesSQL, codes.args()...)
	if isUniqueViolation(err) {
		// Alone (groupcommit retries the ops one by one), the op that brought the
		// duplicate gets ErrConflict and the others go through.
		return groupcommit.Rollback{Err: fmt.Errorf("postgres: create code: %w", store.ErrConflict)}
	}
	return err
}

// insertCodesSQL inserts the codes of a batch, given as one array per column: one
// statement (one round trip, its own transaction) whatever the batch's size.
const insertCodesSQL = `INSERT INTO link_codes (id, id_tail, hash, kind, client_id, sub_client_id, user_id, options, created_at, expires_at)
	SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::timestamptz[], $10::timestamptz[])`

// codeArrays are the columns of codes to insert, one array each (insertCodesSQL's args).
type codeArrays struct {
	ids                         []int64
	tails, hashes, options      [][]byte
	kinds, clients, subs, users []string
	created, expires            []time.Time
}

func newCodeArrays(n int) *codeArrays {
	return &codeArrays{ids: make([]int64, 0, n), tails: make([][]byte, 0, n), hashes: make([][]byte, 0, n), options: make([][]byte, 0, n),
		kinds: make([]string, 0, n), clients: make([]string, 0, n), subs: make([]string, 0, n), users: make([]string, 0, n),
		created: make([]time.Time, 0, n), expires: make([]time.Time, 0, n)}
}

func (a *codeArrays) add(c store.LinkCode) {
	key, tail, _ := store.CodeKey(c.ID)
	a.ids, a.tails, a.hashes, a.options = append(a.ids, key), append(a.tails, tail), append(a.hashes, c.Hash), append(a.options, c.Options)
	a.kinds, a.clients, a.subs, a.users = append(a.kinds, c.Kind), append(a.clients, c.ClientID), append(a.subs, c.SubClientID), append(a.users, c.UserID)
	a.created, a.expires = append(a.created, c.CreatedAt), append(a.expires, c.ExpiresAt)
}

// args are insertCodesSQL's arguments. FlatArray: pgx encodes [][]byte by reflection
// otherwise.
func (a *codeArrays) args() []any {
	return []any{a.ids, pgtype.FlatArray[[]byte](a.tails), pgtype.FlatArray[[]byte](a.hashes), a.kinds, a.clients, a.subs, a.users,
		pgtype.FlatArray[[]byte](a.options), a.created, a.expires}
}

// insertCodes inserts the codes of every op of a batch by one statement. If one of them
// exists already (two processes minting codes in the same nanosecond, a caller's bug),
// insertSkippingConflicts tells which ops brought duplicates, in one transaction too:
// retrying the batch op by op, as groupcommit would, costs a commit per op, which under
// load takes the later ops past their deadline.
func (s *Store) insertCodes(ops []*groupcommit.Op[codeWork], results []error) error {
	n := 0
	for _, o := range ops {
		n += len(o.Work.codes)
	}
	a := newCodeArrays(n)
	for _, o := range ops {
		for _, c := range o.Work.codes {
			a.add(c)
		}
	}
	args := a.args()
	ctx, cancel := context.WithDeadline(context.Background(), groupcommit.Deadline(ops))
	defer cancel()
	var err error
	for attempt := 1; ; attempt++ {
		_, err = s.pool.Exec(ctx, insertCodesSQL, args...)
		if isUniqueViolation(err) {
			err = s.txOnce(ctx, func(ctx context.Context, tx pgx.Tx) error {
				return insertSkippingConflicts(ctx, tx, ops, args, results)
			})
		}
		if !retryable(err) || attempt == maxAttempts || backoff(ctx, attempt) != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: create codes: %w", err)
	}
	return nil
}

// insertSkippingConflicts inserts what it can of a batch's codes, then deletes again the
// codes of every op that brought a duplicate (an id stored before, or twice in the batch:
// the first op in the batch keeps it), whose result is ErrConflict: each op's codes are
// stored all or none.
func insertSkippingConflicts(ctx context.Context, tx pgx.Tx, ops []*groupcommit.Op[codeWork], args []any, results []error) error {
	rows, err := tx.Query(ctx, insertCodesSQL+` ON CONFLICT (id) DO NOTHING RETURNING id`, args...)
	if err != nil {
		return err
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	inserted := make(map[int64]bool, len(keys)) // true: inserted and not yet claimed by an op
	for _, k := range keys {
		inserted[k] = true
	}
	var undo []int64
	for i, o := range ops {
		var mine []int64
		conflict := false
		for _, c := range o.Work.codes {
			key, _, _ := store.CodeKey(c.ID)
			if !inserted[key] {
				conflict = true
				continue
			}
			inserted[key] = false
			mine = append(mine, key)
		}
		results[i] = nil
		if conflict {
			results[i] = fmt.Errorf("postgres: create code: %w", store.ErrConflict)
			undo = append(undo, mine...)
		}
	}
	if len(undo) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM link_codes WHERE id = ANY($1)`, undo); err != nil {
			return err
		}
	}
	return nil
}

// redeemSQL consumes a redeemable code and opens its session, in one statement (one
// round trip, one transaction): the UPDATE's condition is the whole test of
// redeemability, so that of concurrent redemptions at READ COMMITTED exactly one
// matches (the others wait for its row lock, then see redeemed_at set). The secret's hash
// is compared by the database here; that comparison's timing tells at most how much of
// a SHA-256 digest an attacker guessed, which does not help find its preimage.
//
// $1 now, $2 session hash, $3 key, $4 tail, $5 code hash, $6 client (” any), $7 kind
// (” any), $8 the code's id, $9 the session's expiry.
const redeemSQL = `WITH c AS (
	UPDATE link_codes SET redeemed_at = $1, session_hash = $2
	WHERE id = $3 AND id_tail = $4 AND hash = $5 AND ($6::text = '' OR client_id = $6) AND ($7::text = '' OR kind = $7)
	  AND redeemed_at IS NULL AND revoked_at IS NULL AND expires_at > $1
	RETURNING kind, client_id, sub_client_id, user_id, options)
INSERT INTO sessions (hash, code_id, kind, client_id, sub_client_id, user_id, options, created_at, expires_at)
SELECT $2, $8, kind, client_id, sub_client_id, user_id, options, $1, $9 FROM c
RETURNING kind, client_id, sub_client_id, user_id, options`

// classifySQL reads why a code could not be redeemed and, if it was redeemed before,
// revokes the session that redemption opened and the access and refresh tokens that
// session issued (RFC 6749 §4.1.2, docs/threat-model.md T5), in one statement. It
// takes no lock on the code: of the redemptions that lose a race, the first revokes the
// session and the others, finding it revoked, write nothing, so that they do not wait
// for each other's commit. ($1 key, $2 now, $3 tail, $4 code hash, $5 client, $6 kind.)
const classifySQL = `WITH c AS (
	SELECT id_tail, hash, kind, client_id, expires_at, redeemed_at, revoked_at, session_hash FROM link_codes WHERE id = $1),
reused AS (SELECT session_hash FROM c
	WHERE redeemed_at IS NOT NULL AND id_tail = $3 AND hash = $4 AND ($5::text = '' OR client_id = $5) AND ($6::text = '' OR kind = $6)),
r AS (UPDATE sessions SET revoked_at = $2 WHERE revoked_at IS NULL AND hash = (SELECT session_hash FROM reused)),
t AS (UPDATE access_tokens SET revoked_at = $2 WHERE revoked_at IS NULL AND session_hash = (SELECT session_hash FROM reused))
SELECT id_tail, hash, kind, client_id, expires_at, redeemed_at IS NOT NULL, revoked_at IS NOT NULL FROM c`

// errRedeemable is why Redeem tries again: the code looks redeemable, although the
// UPDATE found nothing (it was committed in between).
var errRedeemable = errors.New("postgres: redeem: the code became redeemable meanwhile")

// Redeem implements store.Store.
func (s *Store) Redeem(ctx context.Context, r store.Redemption) (store.Session, error) {
	key, tail, ok := store.CodeKey(r.CodeID)
	if !ok {
		return store.Session{}, fmt.Errorf("postgres: redeem: %w", store.ErrNotFound)
	}
	now := r.Now.Truncate(micro)
	sess := store.Session{Hash: r.SessionHash, CodeID: r.CodeID, CreatedAt: now.UTC(), ExpiresAt: r.SessionExpiresAt.Truncate(micro).UTC()}
	ctx, cancel := s.bound(ctx, true)
	defer cancel()
	var err error
	for attempt := 1; ; attempt++ {
		err = s.pool.QueryRow(ctx, redeemSQL, now, r.SessionHash, key, tail, r.CodeHash, r.ClientID, r.Kind, r.CodeID, sess.ExpiresAt).
			Scan(&sess.Kind, &sess.ClientID, &sess.SubClientID, &sess.UserID, &sess.Options)
		if errors.Is(err, pgx.ErrNoRows) {
			err = s.classify(ctx, r, key, tail, now)
		}
		if (!retryable(err) && !errors.Is(err, errRedeemable)) || attempt == maxAttempts || backoff(ctx, attempt) != nil {
			break
		}
	}
	s.health.Observe(err, store.IsOutcome)
	if err != nil {
		if !store.IsOutcome(err) {
			err = fmt.Errorf("postgres: redeem: %w", err)
		}
		return store.Session{}, err
	}
	return sess, nil
}

// classify tells why a code could not be redeemed (see classifySQL): unknown (or not the
// presented secret, client or kind: nothing changes), already used, revoked, or expired.
func (s *Store) classify(ctx context.Context, r store.Redemption, key int64, wantTail []byte, now time.Time) error {
	var (
		tail, hash        []byte
		kind, client      string
		expires           time.Time
		redeemed, revoked bool
	)
	err := s.pool.QueryRow(ctx, classifySQL, key, now, wantTail, r.CodeHash, r.ClientID, r.Kind).
		Scan(&tail, &hash, &kind, &client, &expires, &redeemed, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: redeem: %w", store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	// Compared in constant time (CWE-208): a wrong secret for a known id is an unknown
	// code, and changes nothing.
	if subtle.ConstantTimeCompare(tail, wantTail)&subtle.ConstantTimeCompare(hash, r.CodeHash) != 1 ||
		(r.ClientID != "" && r.ClientID != client) || (r.Kind != "" && r.Kind != kind) {
		return fmt.Errorf("postgres: redeem: %w", store.ErrNotFound)
	}
	switch {
	case redeemed:
		return fmt.Errorf("postgres: redeem: %w", store.ErrAlreadyUsed)
	case revoked:
		return fmt.Errorf("postgres: redeem: %w", store.ErrRevoked)
	case !now.Before(expires):
		return fmt.Errorf("postgres: redeem: %w", store.ErrExpired)
	}
	return errRedeemable
}

// Session implements store.Store.
func (s *Store) Session(ctx context.Context, hash []byte, now time.Time) (store.Session, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	var (
		sess      store.Session
		revoked   *time.Time
		revokedBy *string
	)
	err := s.pool.QueryRow(ctx, `SELECT hash, code_id, kind, client_id, sub_client_id, user_id, options, created_at, expires_at, revoked_at, revoked_by
		FROM sessions WHERE hash = $1`, hash).Scan(&sess.Hash, &sess.CodeID, &sess.Kind, &sess.ClientID, &sess.SubClientID,
		&sess.UserID, &sess.Options, &sess.CreatedAt, &sess.ExpiresAt, &revoked, &revokedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, fmt.Errorf("postgres: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("postgres: session: %w", err)
	}
	sess.RevokedAt = orZero(revoked)
	switch {
	case revoked != nil:
		var by string
		if revokedBy != nil {
			by = *revokedBy
		}
		return store.Session{}, fmt.Errorf("postgres: session: %w", sqlshared.RevokedBy(by))
	case !now.Truncate(micro).Before(sess.ExpiresAt):
		return store.Session{}, fmt.Errorf("postgres: session: %w", store.ErrExpired)
	}
	return sess, nil
}

// bulkTimeout bounds RevokeClientCodes instead of Options.Timeout: an operator's command
// that may revoke a busy client's hundreds of thousands of open codes at once.
const bulkTimeout = time.Minute

// RevokeClientCodes implements store.Store.
func (s *Store) RevokeClientCodes(ctx context.Context, clientID string, now time.Time) (int, int, error) {
	var codes, sessions int64
	err := s.writeWithin(ctx, max(s.timeout, bulkTimeout), func(ctx context.Context, tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1)`, clientID).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: client lookup: %w", err)
		}
		if !exists {
			return fmt.Errorf("postgres: client %s: %w", clientID, store.ErrNotFound)
		}
		// A redemption running meanwhile holds its code's row: this waits for it, then
		// skips the code it redeemed, and the next statement revokes its session.
		tag, err := tx.Exec(ctx, `UPDATE link_codes SET revoked_at = $1
			WHERE client_id = $2 AND redeemed_at IS NULL AND revoked_at IS NULL AND expires_at > $1`, now, clientID)
		if err != nil {
			return fmt.Errorf("postgres: revoke codes: %w", err)
		}
		codes = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `UPDATE sessions SET revoked_at = $1, revoked_by = $3 WHERE client_id = $2 AND revoked_at IS NULL AND expires_at > $1`,
			now, clientID, sqlshared.RevokedByOperator)
		if err != nil {
			return fmt.Errorf("postgres: revoke sessions: %w", err)
		}
		sessions = tag.RowsAffected()
		if _, err := tx.Exec(ctx, `DELETE FROM active_tokens WHERE client_id = $1`, clientID); err != nil {
			return fmt.Errorf("postgres: revoke codes: %w", err)
		}
		return nil
	})
	return int(codes), int(sessions), err
}

// purgeSQL deletes, in one statement, up to $3 rows of each kind that expired before $2:
// codes, sessions, session objects, access tokens, the counts of active tokens that
// expired ($4, in Unix seconds), webhook deliveries that ended (their
// attempts go with them, ON DELETE CASCADE) and events left with no delivery (seen as of
// the statement's start: the events of the deliveries it deletes go in the next round).
// Transfers are never purged.
// Codes are searched among the keys minted before the bound ($1, in ns), not by an index
// on expiry (a code that expired before the bound was minted before it). FOR UPDATE SKIP
// LOCKED lets instances purge at the same time: each takes rows the others have not,
// and none waits for another (or for a redemption holding a code's row).
const purgeSQL = `WITH
c AS (DELETE FROM link_codes WHERE id IN
	(SELECT id FROM link_codes WHERE id < $1 AND expires_at < $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING 1),
s AS (DELETE FROM sessions WHERE hash IN
	(SELECT hash FROM sessions WHERE expires_at < $2 ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING 1),
o AS (DELETE FROM session_objects WHERE (session_hash, kind, id) IN
	(SELECT session_hash, kind, id FROM session_objects WHERE expires_at < $2 ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING 1),
a AS (DELETE FROM access_tokens WHERE hash IN
	(SELECT hash FROM access_tokens WHERE expires_at < $2 ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING 1),
d AS (DELETE FROM webhook_deliveries WHERE seq IN
	(SELECT seq FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < $2 ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING 1),
k AS (DELETE FROM active_tokens WHERE (client_id, expires_s) IN
	(SELECT client_id, expires_s FROM active_tokens WHERE expires_s < $4 ORDER BY expires_s LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING 1),
e AS (DELETE FROM transfer_events WHERE id IN
	(SELECT id FROM transfer_events ev WHERE at < $2 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries dl WHERE dl.event_id = ev.id)
	 ORDER BY at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING 1)
SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM s) + (SELECT count(*) FROM o) + (SELECT count(*) FROM a) +
	(SELECT count(*) FROM d) + (SELECT count(*) FROM e) + (SELECT count(*) FROM k)`

// Purge implements store.Store.
func (s *Store) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, purgeSQL, before.UnixNano(), before, limit, before.Unix()).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: purge: %w", err)
	}
	return int(n), nil
}

// PutObject implements store.Store.
func (s *Store) PutObject(ctx context.Context, o store.SessionObject) error {
	n, err := s.exec(ctx, `INSERT INTO session_objects (session_hash, kind, id, state, data, created_at, updated_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`, o.SessionHash, o.Kind, o.ID, o.State, o.Data, o.CreatedAt, o.UpdatedAt, o.ExpiresAt)
	if err != nil {
		return fmt.Errorf("postgres: put object: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: put object %s/%s: %w", o.Kind, o.ID, store.ErrConflict)
	}
	return nil
}

// Object implements store.Store.
func (s *Store) Object(ctx context.Context, sessionHash []byte, kind, id string) (store.SessionObject, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	o := store.SessionObject{SessionHash: sessionHash, Kind: kind, ID: id}
	err := s.pool.QueryRow(ctx, `SELECT state, data, created_at, updated_at, expires_at FROM session_objects
		WHERE session_hash = $1 AND kind = $2 AND id = $3`, sessionHash, kind, id).Scan(&o.State, &o.Data, &o.CreatedAt, &o.UpdatedAt, &o.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.SessionObject{}, fmt.Errorf("postgres: object %s/%s: %w", kind, id, store.ErrNotFound)
	}
	if err != nil {
		return store.SessionObject{}, fmt.Errorf("postgres: object: %w", err)
	}
	return o, nil
}

// SwapObject implements store.Store. Of concurrent swaps from one state, the first to
// lock the row matches; the others wait for it, then find another state.
func (s *Store) SwapObject(ctx context.Context, o store.SessionObject, fromState string) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE session_objects SET state = $1, data = $2, updated_at = $3, expires_at = $4
			WHERE session_hash = $5 AND kind = $6 AND id = $7 AND state = $8`,
			o.State, o.Data, o.UpdatedAt, o.ExpiresAt, o.SessionHash, o.Kind, o.ID, fromState)
		if err != nil {
			return fmt.Errorf("postgres: swap object: %w", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM session_objects WHERE session_hash = $1 AND kind = $2 AND id = $3)`,
			o.SessionHash, o.Kind, o.ID).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: swap object: %w", err)
		}
		if !exists {
			return fmt.Errorf("postgres: object %s/%s: %w", o.Kind, o.ID, store.ErrNotFound)
		}
		return fmt.Errorf("postgres: object %s/%s not in state %s: %w", o.Kind, o.ID, fromState, store.ErrConflict)
	})
}
