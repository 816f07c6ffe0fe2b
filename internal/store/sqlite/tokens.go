package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

const tokenCols = `hash, kind, client_id, user_id, integration_id, broker_type, account_id, account_name, grant_id, session_hash,
	created_at, expires_at, revoked_at`

func insertToken(ctx context.Context, tx *sql.Tx, t store.AccessToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Hash, t.Kind, t.ClientID, t.UserID, t.IntegrationID, t.BrokerType, t.AccountID, t.AccountName, t.GrantID, nilIfEmpty(t.SessionHash),
		ms(t.CreatedAt), ms(t.ExpiresAt), nullMS(t.RevokedAt))
	if isConstraint(err) {
		return rollback{fmt.Errorf("sqlite: create access token: %w", store.ErrConflict)}
	}
	if err != nil {
		return fmt.Errorf("sqlite: create access token: %w", err)
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

func scanToken(sc scanner) (store.AccessToken, error) {
	var (
		t                store.AccessToken
		created, expires int64
		revoked          sql.NullInt64
	)
	err := sc.Scan(&t.Hash, &t.Kind, &t.ClientID, &t.UserID, &t.IntegrationID, &t.BrokerType, &t.AccountID, &t.AccountName,
		&t.GrantID, &t.SessionHash, &created, &expires, &revoked)
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromMS(created), fromMS(expires), fromNullMS(revoked)
	return t, err
}

// tokenState is the error AccessToken returns with a token found at now.
func tokenState(t store.AccessToken, now time.Time) error {
	switch {
	case !t.RevokedAt.IsZero():
		return fmt.Errorf("sqlite: access token: %w", store.ErrRevoked)
	case !now.Before(t.ExpiresAt):
		return fmt.Errorf("sqlite: access token: %w", store.ErrExpired)
	}
	return nil
}

// CreateAccessTokens implements store.Store.
func (s *Store) CreateAccessTokens(ctx context.Context, tokens ...store.AccessToken) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
	t, err := scanToken(s.rdb.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM access_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.AccessToken{}, fmt.Errorf("sqlite: access token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.AccessToken{}, fmt.Errorf("sqlite: access token: %w", err)
	}
	return t, tokenState(t, now)
}

// RefreshAccessToken implements store.Store.
func (s *Store) RefreshAccessToken(ctx context.Context, r store.RefreshRequest) (store.AccessToken, error) {
	var old store.AccessToken
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		old, err = scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM access_tokens WHERE hash = ?`, r.RefreshHash))
		if errors.Is(err, sql.ErrNoRows) || err == nil && (old.Kind != store.TokenRefresh || old.ClientID != r.ClientID) {
			return fmt.Errorf("sqlite: refresh: %w", store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: refresh: %w", err)
		}
		if err := tokenState(old, r.Now); err != nil {
			return err
		}
		now := ms(r.Now)
		if _, err := tx.ExecContext(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE grant_id = ? AND client_id = ? AND kind = ? AND revoked_at IS NULL`,
			now, old.GrantID, old.ClientID, store.TokenAccess); err != nil {
			return fmt.Errorf("sqlite: refresh: %w", err)
		}
		fresh := []store.AccessToken{derived(old, r.Access, store.TokenAccess)}
		if r.Refresh != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE hash = ?`, now, old.Hash); err != nil {
				return fmt.Errorf("sqlite: refresh: %w", err)
			}
			fresh = append(fresh, derived(old, *r.Refresh, store.TokenRefresh))
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

// derived is a new token of kind with the hash and lifetime of t and everything else of
// the refresh token it comes from.
func derived(from, t store.AccessToken, kind string) store.AccessToken {
	d := from
	d.Hash, d.Kind, d.CreatedAt, d.ExpiresAt, d.RevokedAt = t.Hash, kind, t.CreatedAt, t.ExpiresAt, time.Time{}
	return d
}

// RevokeGrant implements store.Store.
func (s *Store) RevokeGrant(ctx context.Context, clientID, grantID string, now time.Time) (int, error) {
	var n int64
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_tokens WHERE grant_id = ? AND client_id = ?`, grantID, clientID).Scan(&exists); err != nil {
			return fmt.Errorf("sqlite: revoke grant: %w", err)
		}
		if exists == 0 {
			return fmt.Errorf("sqlite: revoke grant: %w", store.ErrNotFound)
		}
		res, err := tx.ExecContext(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE grant_id = ? AND client_id = ? AND revoked_at IS NULL`,
			ms(now), grantID, clientID)
		if err != nil {
			return fmt.Errorf("sqlite: revoke grant: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
