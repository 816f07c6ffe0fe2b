package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/groupcommit"
	"github.com/linkd-dev/linkd/internal/store/sqlshared"
)

const tokenCols = `hash, kind, client_id, user_id, integration_id, broker_type, account_id, account_name, grant_id, session_hash,
	created_at, expires_at, revoked_at`

func insertToken(ctx context.Context, tx pgx.Tx, t store.AccessToken) error {
	_, err := tx.Exec(ctx, `INSERT INTO access_tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		t.Hash, t.Kind, t.ClientID, t.UserID, t.IntegrationID, t.BrokerType, t.AccountID, t.AccountName, t.GrantID, nilIfEmpty(t.SessionHash),
		t.CreatedAt, t.ExpiresAt, nullTime(t.RevokedAt))
	if isUniqueViolation(err) {
		return groupcommit.Rollback{Err: fmt.Errorf("postgres: create access token: %w", store.ErrConflict)}
	}
	if err != nil {
		return fmt.Errorf("postgres: create access token: %w", err)
	}
	return nil
}

// nilIfEmpty stores an empty byte slice as NULL.
func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func scanToken(row pgx.Row) (store.AccessToken, error) {
	var (
		t       store.AccessToken
		revoked *time.Time
	)
	err := row.Scan(&t.Hash, &t.Kind, &t.ClientID, &t.UserID, &t.IntegrationID, &t.BrokerType, &t.AccountID, &t.AccountName,
		&t.GrantID, &t.SessionHash, &t.CreatedAt, &t.ExpiresAt, &revoked)
	t.RevokedAt = orZero(revoked)
	return t, err
}

// tokenState is the error AccessToken returns with a token found at now (revocation
// wins over expiry).
func tokenState(t store.AccessToken, now time.Time) error {
	switch {
	case !t.RevokedAt.IsZero():
		return fmt.Errorf("postgres: access token: %w", store.ErrRevoked)
	case !now.Truncate(micro).Before(t.ExpiresAt):
		return fmt.Errorf("postgres: access token: %w", store.ErrExpired)
	}
	return nil
}

// CreateAccessTokens implements store.Store.
func (s *Store) CreateAccessTokens(ctx context.Context, tokens ...store.AccessToken) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, t := range tokens {
			if err := insertToken(ctx, tx, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// AccessToken implements store.Store.
func (s *Store) AccessToken(ctx context.Context, hash []byte, now time.Time) (store.AccessToken, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM access_tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AccessToken{}, fmt.Errorf("postgres: access token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.AccessToken{}, fmt.Errorf("postgres: access token: %w", err)
	}
	return t, tokenState(t, now)
}

// RefreshAccessToken implements store.Store. The refresh token's row is locked first, so
// that of concurrent refreshes that rotate it the first wins and the others, reading it
// again once it commits, find it revoked.
func (s *Store) RefreshAccessToken(ctx context.Context, r store.RefreshRequest) (store.AccessToken, error) {
	var old store.AccessToken
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		old, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM access_tokens WHERE hash = $1 FOR UPDATE`, r.RefreshHash))
		if errors.Is(err, pgx.ErrNoRows) || err == nil && (old.Kind != store.TokenRefresh || old.ClientID != r.ClientID) {
			return fmt.Errorf("postgres: refresh: %w", store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("postgres: refresh: %w", err)
		}
		if err := tokenState(old, r.Now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE access_tokens SET revoked_at = $1 WHERE grant_id = $2 AND client_id = $3 AND kind = $4 AND revoked_at IS NULL`,
			r.Now, old.GrantID, old.ClientID, store.TokenAccess); err != nil {
			return fmt.Errorf("postgres: refresh: %w", err)
		}
		fresh := []store.AccessToken{sqlshared.DerivedToken(old, r.Access, store.TokenAccess)}
		if r.Refresh != nil {
			if _, err := tx.Exec(ctx, `UPDATE access_tokens SET revoked_at = $1 WHERE hash = $2`, r.Now, old.Hash); err != nil {
				return fmt.Errorf("postgres: refresh: %w", err)
			}
			fresh = append(fresh, sqlshared.DerivedToken(old, *r.Refresh, store.TokenRefresh))
		}
		for _, t := range fresh {
			if err := insertToken(ctx, tx, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.AccessToken{}, err
	}
	return old, nil
}

// RevokeGrant implements store.Store.
func (s *Store) RevokeGrant(ctx context.Context, clientID, grantID string, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM access_tokens WHERE grant_id = $1 AND client_id = $2)`, grantID, clientID).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: revoke grant: %w", err)
		}
		if !exists {
			return fmt.Errorf("postgres: revoke grant: %w", store.ErrNotFound)
		}
		tag, err := tx.Exec(ctx, `UPDATE access_tokens SET revoked_at = $1 WHERE grant_id = $2 AND client_id = $3 AND revoked_at IS NULL`,
			now, grantID, clientID)
		if err != nil {
			return fmt.Errorf("postgres: revoke grant: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

// ClientAccessTokens implements store.Store.
func (s *Store) ClientAccessTokens(ctx context.Context, clientID string, now time.Time) ([]store.AccessToken, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+tokenCols+` FROM access_tokens
		WHERE client_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at, hash`, clientID, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: access tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AccessToken, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: access tokens: %w", err)
	}
	return out, nil
}
