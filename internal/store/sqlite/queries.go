package sqlite

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlshared"
)

// readStmts are the statements prepared once on the reader pool.
type readStmts struct {
	client, secrets, session, subClient *sql.Stmt
}

func (r *readStmts) prepare(ctx context.Context, db *sql.DB) error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.PrepareContext(ctx, q)
		return st
	}
	r.client = prep(`SELECT ` + clientCols + ` FROM clients WHERE id = ?`)
	r.secrets = prep(`SELECT hash, created_at, expires_at, revoked_at FROM client_secrets WHERE client_id = ? ORDER BY created_at DESC, rowid DESC`)
	r.session = prep(`SELECT hash, code_id, kind, client_id, sub_client_id, user_id, options, created_at, expires_at, revoked_at, revoked_by FROM sessions WHERE hash = ?`)
	r.subClient = prep(`SELECT id, client_id, name, created_at FROM sub_clients WHERE id = ? AND client_id = ?`)
	if err != nil {
		r.close()
		return fmt.Errorf("sqlite: prepare: %w", err)
	}
	return nil
}

func (r *readStmts) close() {
	for _, st := range []*sql.Stmt{r.client, r.secrets, r.session, r.subClient} {
		if st != nil {
			st.Close()
		}
	}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const clientCols = `id, name, origins, enabled, jurisdiction, rate_limit, rate_burst, allow_pii_user_id, created_at`

type scanner interface{ Scan(dest ...any) error }

func scanClient(sc scanner) (store.Client, error) {
	var (
		c       store.Client
		origins string
		enabled int
		pii     int
		created int64
	)
	if err := sc.Scan(&c.ID, &c.Name, &origins, &enabled, &c.Jurisdiction, &c.RateLimit, &c.RateBurst, &pii, &created); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(origins), &c.Origins); err != nil {
		return c, fmt.Errorf("sqlite: client %s: bad origins column: %w", c.ID, err)
	}
	c.Enabled = enabled != 0
	c.AllowPIIUserID = pii != 0
	c.CreatedAt = fromMS(created)
	return c, nil
}

func (s *Store) secretsOf(ctx context.Context, st *sql.Stmt, id string) ([]store.Secret, error) {
	rows, err := st.QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Secret
	for rows.Next() {
		var (
			sec              store.Secret
			created          int64
			expires, revoked sql.NullInt64
		)
		if err := rows.Scan(&sec.Hash, &created, &expires, &revoked); err != nil {
			return nil, err
		}
		sec.CreatedAt, sec.ExpiresAt, sec.RevokedAt = fromMS(created), fromNullMS(expires), fromNullMS(revoked)
		out = append(out, sec)
	}
	return out, rows.Err()
}

// CreateClient implements store.Store.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	origins, err := json.Marshal(nonNil(c.Origins))
	if err != nil {
		return err
	}
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM clients WHERE id = ?`, c.ID).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: create client: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("sqlite: client %s: %w", c.ID, store.ErrConflict)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO clients (`+clientCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Name, string(origins), boolInt(c.Enabled), c.Jurisdiction, c.RateLimit, c.RateBurst, boolInt(c.AllowPIIUserID), ms(c.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: create client: %w", err)
		}
		for _, sec := range c.Secrets {
			if err := insertSecret(ctx, tx, c.ID, sec); err != nil {
				return rollback{Err: fmt.Errorf("sqlite: create client: %w", err)}
			}
		}
		return nil
	})
}

func insertSecret(ctx context.Context, tx *sql.Tx, clientID string, sec store.Secret) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO client_secrets (client_id, hash, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?)`,
		clientID, sec.Hash, ms(sec.CreatedAt), nullMS(sec.ExpiresAt), nullMS(sec.RevokedAt))
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Client implements store.Store.
func (s *Store) Client(ctx context.Context, id string) (store.Client, error) {
	c, err := scanClient(s.stmts.client.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Client{}, fmt.Errorf("sqlite: client %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Client{}, fmt.Errorf("sqlite: client: %w", err)
	}
	if c.Secrets, err = s.secretsOf(ctx, s.stmts.secrets, id); err != nil {
		return store.Client{}, fmt.Errorf("sqlite: client secrets: %w", err)
	}
	return c, nil
}

// Clients implements store.Store.
func (s *Store) Clients(ctx context.Context) ([]store.Client, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+clientCols+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: clients: %w", err)
	}
	var out []store.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: clients: %w", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: clients: %w", err)
	}
	for i := range out {
		if out[i].Secrets, err = s.secretsOf(ctx, s.stmts.secrets, out[i].ID); err != nil {
			return nil, fmt.Errorf("sqlite: client secrets: %w", err)
		}
	}
	return out, nil
}

// UpdateClient implements store.Store.
func (s *Store) UpdateClient(ctx context.Context, c store.Client) error {
	origins, err := json.Marshal(nonNil(c.Origins))
	if err != nil {
		return err
	}
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE clients SET name = ?, origins = ?, jurisdiction = ?, rate_limit = ?, rate_burst = ?, allow_pii_user_id = ?
			WHERE id = ?`, c.Name, string(origins), c.Jurisdiction, c.RateLimit, c.RateBurst, boolInt(c.AllowPIIUserID), c.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update client: %w", err)
		}
		return affected(res, c.ID, "client")
	})
}

// SetClientEnabled implements store.Store.
func (s *Store) SetClientEnabled(ctx context.Context, id string, enabled bool) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE clients SET enabled = ? WHERE id = ?`, boolInt(enabled), id)
		if err != nil {
			return fmt.Errorf("sqlite: set client enabled: %w", err)
		}
		return affected(res, id, "client")
	})
}

func affected(res sql.Result, id, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s %s: %w", what, id, store.ErrNotFound)
	}
	return nil
}

func clientExists(ctx context.Context, tx *sql.Tx, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM clients WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: client lookup: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: client %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// AddSecret implements store.Store.
func (s *Store) AddSecret(ctx context.Context, clientID string, sec store.Secret, retireOthersAt time.Time) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := clientExists(ctx, tx, clientID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE client_secrets SET expires_at = min(coalesce(expires_at, ?1), ?1)
			WHERE client_id = ?2 AND revoked_at IS NULL`, ms(retireOthersAt), clientID)
		if err != nil {
			return fmt.Errorf("sqlite: retire secrets: %w", err)
		}
		if err := insertSecret(ctx, tx, clientID, sec); err != nil {
			return fmt.Errorf("sqlite: add secret: %w", err)
		}
		return nil
	})
}

// RevokeSecrets implements store.Store.
func (s *Store) RevokeSecrets(ctx context.Context, clientID string, keep []byte, now time.Time) (int, error) {
	var n int64
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		if err := clientExists(ctx, tx, clientID); err != nil {
			return err
		}
		if keep == nil {
			keep = []byte{}
		}
		res, err := tx.ExecContext(ctx, `UPDATE client_secrets SET revoked_at = ?
			WHERE client_id = ? AND revoked_at IS NULL AND hash != ?`, ms(now), clientID, keep)
		if err != nil {
			return fmt.Errorf("sqlite: revoke secrets: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// ImportSecrets implements store.Store.
func (s *Store) ImportSecrets(ctx context.Context, clientID string, secrets []store.Secret) (int, error) {
	var n int64
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		if err := clientExists(ctx, tx, clientID); err != nil {
			return err
		}
		for _, sec := range secrets {
			// An existing secret keeps the earlier of the two expiries and revocations
			// (NULL is "never"), and counts only if that changes it.
			res, err := tx.ExecContext(ctx, `INSERT INTO client_secrets AS s (client_id, hash, created_at, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5)
				ON CONFLICT (client_id, hash) DO UPDATE SET
					expires_at = min(coalesce(s.expires_at, excluded.expires_at), coalesce(excluded.expires_at, s.expires_at)),
					revoked_at = min(coalesce(s.revoked_at, excluded.revoked_at), coalesce(excluded.revoked_at, s.revoked_at))
				WHERE s.expires_at IS NOT min(coalesce(s.expires_at, excluded.expires_at), coalesce(excluded.expires_at, s.expires_at))
				   OR s.revoked_at IS NOT min(coalesce(s.revoked_at, excluded.revoked_at), coalesce(excluded.revoked_at, s.revoked_at))`,
				clientID, sec.Hash, ms(sec.CreatedAt), nullMS(sec.ExpiresAt), nullMS(sec.RevokedAt))
			if err != nil {
				return fmt.Errorf("sqlite: import secret: %w", err)
			}
			m, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += m
		}
		return nil
	})
	return int(n), err
}

// CreateSubClient implements store.Store.
func (s *Store) CreateSubClient(ctx context.Context, sc store.SubClient) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := clientExists(ctx, tx, sc.ClientID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sub_clients WHERE id = ?`, sc.ID).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: create sub-client: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("sqlite: sub-client %s: %w", sc.ID, store.ErrConflict)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sub_clients (id, client_id, name, created_at) VALUES (?, ?, ?, ?)`,
			sc.ID, sc.ClientID, sc.Name, ms(sc.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: create sub-client: %w", err)
		}
		return nil
	})
}

func scanSubClient(sc scanner) (store.SubClient, error) {
	var (
		s       store.SubClient
		created int64
	)
	err := sc.Scan(&s.ID, &s.ClientID, &s.Name, &created)
	s.CreatedAt = fromMS(created)
	return s, err
}

// SubClient implements store.Store.
func (s *Store) SubClient(ctx context.Context, clientID, id string) (store.SubClient, error) {
	sc, err := scanSubClient(s.stmts.subClient.QueryRowContext(ctx, id, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.SubClient{}, fmt.Errorf("sqlite: sub-client %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.SubClient{}, fmt.Errorf("sqlite: sub-client: %w", err)
	}
	return sc, nil
}

// SubClients implements store.Store.
func (s *Store) SubClients(ctx context.Context, clientID string) ([]store.SubClient, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, client_id, name, created_at FROM sub_clients WHERE client_id = ? ORDER BY created_at, id`, clientID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sub-clients: %w", err)
	}
	defer rows.Close()
	var out []store.SubClient
	for rows.Next() {
		sc, err := scanSubClient(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: sub-clients: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: sub-clients: %w", err)
	}
	return out, nil
}

// CreateCodes implements store.Store.
func (s *Store) CreateCodes(ctx context.Context, codes ...store.LinkCode) error {
	for _, c := range codes {
		if _, _, ok := codeKey(c.ID); !ok {
			return fmt.Errorf("sqlite: create code: id %x is not 16 bytes led by a positive big-endian integer", c.ID)
		}
	}
	return s.w.insert(ctx, codes)
}

// capCountSQL tells whether client ?1 exists and counts its tokens active at ?2 (Unix
// seconds), with the first and the last second they stop counting.
const capCountSQL = `SELECT EXISTS (SELECT 1 FROM clients WHERE id = ?1), coalesce(sum(n), 0), min(expires_s), max(expires_s)
	FROM active_tokens WHERE client_id = ?1 AND expires_s > ?2`

// capUpsertSQL counts n more tokens of a client active until a second.
const capUpsertSQL = `INSERT INTO active_tokens (client_id, expires_s, n) VALUES (?, ?, ?)
	ON CONFLICT (client_id, expires_s) DO UPDATE SET n = n + excluded.n`

// plainInsertSQL inserts rows codes inside a transaction of database/sql (the raw
// inserter's INSERT OR ROLLBACK would end that transaction on a conflict).
func plainInsertSQL(rows int) string {
	return strings.Replace(insertCodesSQL(rows), "INSERT OR ROLLBACK", "INSERT", 1)
}

// CreateCodesCapped implements store.Store. The count and the insert run in one write
// transaction, which SQLite serialises with every other writer of the file (BEGIN
// IMMEDIATE, other processes included), so that the bound holds exactly; the ops of one
// batch share it, and its commit.
func (s *Store) CreateCodesCapped(ctx context.Context, max int, codes ...store.LinkCode) (store.ActiveTokens, error) {
	clientID, now, until, tokens, err := store.CappedRequest(codes)
	if err != nil {
		return store.ActiveTokens{}, fmt.Errorf("sqlite: create codes: %w", err)
	}
	args := make([]any, 0, codeCols*len(codes))
	for _, c := range codes {
		key, tail, ok := codeKey(c.ID)
		if !ok {
			return store.ActiveTokens{}, fmt.Errorf("sqlite: create code: id %x is not 16 bytes led by a positive big-endian integer", c.ID)
		}
		args = append(args, key, tail, c.Hash, c.Kind, c.ClientID, c.SubClientID, c.UserID, c.Options, ms(c.CreatedAt), ms(c.ExpiresAt))
	}
	var state store.ActiveTokens
	err = s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var (
			exists         bool
			held           int
			oldest, newest sql.NullInt64
		)
		if err := s.w.stmt(ctx, tx, capCountSQL).QueryRowContext(ctx, clientID, now.Unix()).Scan(&exists, &held, &oldest, &newest); err != nil {
			return fmt.Errorf("sqlite: count active tokens: %w", err)
		}
		if !exists {
			return fmt.Errorf("sqlite: client %s: %w", clientID, store.ErrNotFound)
		}
		state = store.CountState(held, oldest.Int64, newest.Int64)
		if held+tokens > max {
			return fmt.Errorf("sqlite: %d of %d: %w", held, max, store.ErrTooManyActive)
		}
		if _, err := s.w.stmt(ctx, tx, capUpsertSQL).ExecContext(ctx, clientID, until, tokens); err != nil {
			return fmt.Errorf("sqlite: count active tokens: %w", err)
		}
		var err error
		if len(codes) <= 2 {
			_, err = s.w.stmt(ctx, tx, plainInsertSQL(len(codes))).ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, plainInsertSQL(len(codes)), args...)
		}
		if isConstraint(err) {
			return rollback{Err: fmt.Errorf("sqlite: create code: %w", store.ErrConflict)}
		}
		if err != nil {
			return fmt.Errorf("sqlite: create code: %w", err)
		}
		state = state.Add(tokens, until)
		return nil
	})
	return state, err
}

func isConstraint(err error) bool {
	return err != nil && strings.Contains(err.Error(), "constraint failed")
}

// Redeem implements store.Store.
func (s *Store) Redeem(ctx context.Context, r store.Redemption) (store.Session, error) {
	key, wantTail, ok := codeKey(r.CodeID)
	if !ok {
		return store.Session{}, fmt.Errorf("sqlite: redeem: %w", store.ErrNotFound)
	}
	var sess store.Session
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		sess = store.Session{}
		var (
			expires                   int64
			redeemed, revoked         sql.NullInt64
			prevSession               []byte
			kind, client, sub, userID string
			options, hash, tail       []byte
		)
		err := tx.QueryRowContext(ctx, `SELECT id_tail, hash, kind, client_id, sub_client_id, user_id, options, expires_at, redeemed_at, revoked_at, session_hash
			FROM link_codes WHERE id = ?`, key).
			Scan(&tail, &hash, &kind, &client, &sub, &userID, &options, &expires, &redeemed, &revoked, &prevSession)
		if err == nil && !bytes.Equal(tail, wantTail) {
			err = sql.ErrNoRows
		}
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: redeem: %w", store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: redeem: %w", err)
		}
		// The secret is compared in constant time (CWE-208): a wrong secret for a known id
		// is an unknown code, and changes nothing.
		if subtle.ConstantTimeCompare(hash, r.CodeHash) != 1 {
			return fmt.Errorf("sqlite: redeem: %w", store.ErrNotFound)
		}
		if (r.ClientID != "" && r.ClientID != client) || (r.Kind != "" && r.Kind != kind) {
			return fmt.Errorf("sqlite: redeem: code of another client or kind: %w", store.ErrNotFound)
		}
		now := ms(r.Now)
		switch {
		case redeemed.Valid:
			// RFC 6749 §4.1.2: deny, and revoke what the first redemption opened.
			if _, err := tx.ExecContext(ctx, `UPDATE link_codes SET reuse_count = reuse_count + 1 WHERE id = ?`, key); err != nil {
				return fmt.Errorf("sqlite: redeem: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, now, prevSession); err != nil {
				return fmt.Errorf("sqlite: redeem: revoke session: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE session_hash = ? AND revoked_at IS NULL`, now, prevSession); err != nil {
				return fmt.Errorf("sqlite: redeem: revoke the session's tokens: %w", err)
			}
			return fmt.Errorf("sqlite: redeem: %w", store.ErrAlreadyUsed)
		case revoked.Valid:
			return fmt.Errorf("sqlite: redeem: %w", store.ErrRevoked)
		case now >= expires:
			return fmt.Errorf("sqlite: redeem: %w", store.ErrExpired)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE link_codes SET redeemed_at = ?, session_hash = ? WHERE id = ?`, now, r.SessionHash, key); err != nil {
			return fmt.Errorf("sqlite: redeem: %w", err)
		}
		sess = store.Session{
			Hash: r.SessionHash, CodeID: r.CodeID, Kind: kind, ClientID: client, SubClientID: sub, UserID: userID,
			Options: options, CreatedAt: fromMS(now), ExpiresAt: fromMS(ms(r.SessionExpiresAt)),
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (hash, code_id, kind, client_id, sub_client_id, user_id, options, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sess.Hash, sess.CodeID, kind, client, sub, userID, options, now, ms(sess.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlite: redeem: open session: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Session{}, err
	}
	return sess, nil
}

// Session implements store.Store.
func (s *Store) Session(ctx context.Context, hash []byte, now time.Time) (store.Session, error) {
	var (
		sess             store.Session
		created, expires int64
		revoked          sql.NullInt64
		revokedBy        sql.NullString
	)
	err := s.stmts.session.QueryRowContext(ctx, hash).Scan(&sess.Hash, &sess.CodeID, &sess.Kind, &sess.ClientID, &sess.SubClientID,
		&sess.UserID, &sess.Options, &created, &expires, &revoked, &revokedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt, sess.RevokedAt = fromMS(created), fromMS(expires), fromNullMS(revoked)
	switch {
	case !sess.RevokedAt.IsZero():
		return store.Session{}, fmt.Errorf("sqlite: session: %w", sqlshared.RevokedBy(revokedBy.String))
	case !now.Before(sess.ExpiresAt):
		return store.Session{}, fmt.Errorf("sqlite: session: %w", store.ErrExpired)
	}
	if subtle.ConstantTimeCompare(sess.Hash, hash) != 1 {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	}
	return sess, nil
}

// RevokeClientCodes implements store.Store.
func (s *Store) RevokeClientCodes(ctx context.Context, clientID string, now time.Time) (int, int, error) {
	var codes, sessions int64
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		codes, sessions = 0, 0
		if err := clientExists(ctx, tx, clientID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE link_codes SET revoked_at = ?
			WHERE client_id = ? AND redeemed_at IS NULL AND revoked_at IS NULL AND expires_at > ?`, ms(now), clientID, ms(now))
		if err != nil {
			return fmt.Errorf("sqlite: revoke codes: %w", err)
		}
		if codes, err = res.RowsAffected(); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?, revoked_by = ?
			WHERE client_id = ? AND revoked_at IS NULL AND expires_at > ?`, ms(now), sqlshared.RevokedByOperator, clientID, ms(now))
		if err != nil {
			return fmt.Errorf("sqlite: revoke sessions: %w", err)
		}
		if sessions, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM active_tokens WHERE client_id = ?`, clientID); err != nil {
			return fmt.Errorf("sqlite: revoke codes: %w", err)
		}
		return nil
	})
	return int(codes), int(sessions), err
}

// purgeCodesSQL deletes up to a limit of the codes minted before a time (in ns) that
// expired before it (in ms).
const purgeCodesSQL = `DELETE FROM link_codes WHERE id IN
	(SELECT id FROM link_codes WHERE id < ? AND expires_at < ? ORDER BY id LIMIT ?)`

// Purge implements store.Store.
func (s *Store) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	var total int64
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		total = 0
		// link_codes has no index on expires_at (one index less on the hot insert): its key
		// is the minting time in nanoseconds, and a code that expired before `before` was
		// minted before it, so the search stays within the keys below that bound instead
		// of walking every code still alive (which, inside the write transaction, held up
		// issuance for as long as the scan took).
		res, err := tx.ExecContext(ctx, purgeCodesSQL, before.UnixNano(), ms(before), limit)
		if err != nil {
			return fmt.Errorf("sqlite: purge: %w", err)
		}
		if total, err = res.RowsAffected(); err != nil {
			return err
		}
		for _, q := range []struct {
			sql   string
			bound int64
		}{
			{`DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`, ms(before)},
			{`DELETE FROM session_objects WHERE (session_hash, kind, id) IN
				(SELECT session_hash, kind, id FROM session_objects WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`, ms(before)},
			{`DELETE FROM access_tokens WHERE hash IN (SELECT hash FROM access_tokens WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`, ms(before)},
			// Counted per second of expiry.
			{`DELETE FROM active_tokens WHERE (client_id, expires_s) IN
				(SELECT client_id, expires_s FROM active_tokens WHERE expires_s < ? ORDER BY expires_s LIMIT ?)`, before.Unix()},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.bound, limit)
			if err != nil {
				return fmt.Errorf("sqlite: purge: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
		}
		n, err := purgeOutbox(ctx, tx, before, limit)
		total += n
		return err
	})
	return int(total), err
}

// PutObject implements store.Store.
func (s *Store) PutObject(ctx context.Context, o store.SessionObject) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO session_objects (session_hash, kind, id, state, data, created_at, updated_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.SessionHash, o.Kind, o.ID, o.State, o.Data, ms(o.CreatedAt), ms(o.UpdatedAt), ms(o.ExpiresAt))
		if isConstraint(err) {
			return rollback{Err: fmt.Errorf("sqlite: put object %s/%s: %w", o.Kind, o.ID, store.ErrConflict)}
		}
		if err != nil {
			return fmt.Errorf("sqlite: put object: %w", err)
		}
		return nil
	})
}

// Object implements store.Store.
func (s *Store) Object(ctx context.Context, sessionHash []byte, kind, id string) (store.SessionObject, error) {
	o := store.SessionObject{SessionHash: sessionHash, Kind: kind, ID: id}
	var created, updated, expires int64
	err := s.rdb.QueryRowContext(ctx, `SELECT state, data, created_at, updated_at, expires_at FROM session_objects
		WHERE session_hash = ? AND kind = ? AND id = ?`, sessionHash, kind, id).Scan(&o.State, &o.Data, &created, &updated, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SessionObject{}, fmt.Errorf("sqlite: object %s/%s: %w", kind, id, store.ErrNotFound)
	}
	if err != nil {
		return store.SessionObject{}, fmt.Errorf("sqlite: object: %w", err)
	}
	o.CreatedAt, o.UpdatedAt, o.ExpiresAt = fromMS(created), fromMS(updated), fromMS(expires)
	return o, nil
}

// SwapObject implements store.Store.
func (s *Store) SwapObject(ctx context.Context, o store.SessionObject, fromState string) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE session_objects SET state = ?, data = ?, updated_at = ?, expires_at = ?
			WHERE session_hash = ? AND kind = ? AND id = ? AND state = ?`,
			o.State, o.Data, ms(o.UpdatedAt), ms(o.ExpiresAt), o.SessionHash, o.Kind, o.ID, fromState)
		if err != nil {
			return fmt.Errorf("sqlite: swap object: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			return nil
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM session_objects WHERE session_hash = ? AND kind = ? AND id = ?`,
			o.SessionHash, o.Kind, o.ID).Scan(&exists); err != nil {
			return fmt.Errorf("sqlite: swap object: %w", err)
		}
		if exists == 0 {
			return fmt.Errorf("sqlite: object %s/%s: %w", o.Kind, o.ID, store.ErrNotFound)
		}
		return fmt.Errorf("sqlite: object %s/%s not in state %s: %w", o.Kind, o.ID, fromState, store.ErrConflict)
	})
}
