package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlshared"
)

const walletCols = `id, client_id, sub_client_id, user_id, address, address_key, network_id, network_type, method, message, signature,
	integration_id, wallet_name, sandbox, created_at`

// CreateWalletVerification implements store.Store.
func (s *Store) CreateWalletVerification(ctx context.Context, v store.WalletVerification) error {
	n, err := s.exec(ctx, `INSERT INTO wallet_verifications (`+walletCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
		v.ID, v.ClientID, v.SubClientID, v.UserID, v.Address, v.AddressKey, v.NetworkID, v.NetworkType, v.Method, v.Message,
		v.Signature, v.IntegrationID, v.WalletName, v.Sandbox, v.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: create wallet verification: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: create wallet verification %s: %w", v.ID, store.ErrConflict)
	}
	return nil
}

// WalletVerifications implements store.Store.
func (s *Store) WalletVerifications(ctx context.Context, f store.WalletVerificationFilter) ([]store.WalletVerification, error) {
	ctx, cancel := s.bound(ctx, false)
	defer cancel()
	q := `SELECT ` + walletCols + ` FROM wallet_verifications WHERE client_id = $1`
	args := []any{f.ClientID}
	if f.UserID != "" {
		args = append(args, f.UserID)
		q += ` AND user_id = ` + sqlshared.Dollar(len(args))
	}
	if f.AddressKey != "" {
		args = append(args, f.AddressKey)
		q += ` AND address_key = ` + sqlshared.Dollar(len(args))
	}
	args = append(args, f.Limit)
	q += ` ORDER BY created_at DESC, seq DESC LIMIT ` + sqlshared.Dollar(len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet verifications: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.WalletVerification, error) {
		var v store.WalletVerification
		err := r.Scan(&v.ID, &v.ClientID, &v.SubClientID, &v.UserID, &v.Address, &v.AddressKey, &v.NetworkID, &v.NetworkType,
			&v.Method, &v.Message, &v.Signature, &v.IntegrationID, &v.WalletName, &v.Sandbox, &v.CreatedAt)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet verifications: %w", err)
	}
	return out, nil
}
