package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/linkd-dev/linkd/internal/store"
)

// CreateWalletVerification implements store.Store.
func (s *Store) CreateWalletVerification(ctx context.Context, v store.WalletVerification) error {
	return s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO wallet_verifications (id, client_id, sub_client_id, user_id, address, address_key,
			network_id, network_type, method, message, signature, integration_id, wallet_name, sandbox, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ID, v.ClientID, v.SubClientID, v.UserID, v.Address, v.AddressKey, v.NetworkID, v.NetworkType, v.Method, v.Message,
			v.Signature, v.IntegrationID, v.WalletName, boolInt(v.Sandbox), ms(v.CreatedAt))
		if isConstraint(err) {
			return rollback{fmt.Errorf("sqlite: create wallet verification %s: %w", v.ID, store.ErrConflict)}
		}
		if err != nil {
			return fmt.Errorf("sqlite: create wallet verification: %w", err)
		}
		return nil
	})
}

// WalletVerifications implements store.Store.
func (s *Store) WalletVerifications(ctx context.Context, f store.WalletVerificationFilter) ([]store.WalletVerification, error) {
	q := `SELECT id, client_id, sub_client_id, user_id, address, address_key, network_id, network_type, method, message, signature,
		integration_id, wallet_name, sandbox, created_at FROM wallet_verifications WHERE client_id = ?`
	args := []any{f.ClientID}
	if f.UserID != "" {
		q += ` AND user_id = ?`
		args = append(args, f.UserID)
	}
	if f.AddressKey != "" {
		q += ` AND address_key = ?`
		args = append(args, f.AddressKey)
	}
	q += ` ORDER BY created_at DESC, rowid DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallet verifications: %w", err)
	}
	defer rows.Close()
	out := []store.WalletVerification{}
	for rows.Next() {
		var (
			v       store.WalletVerification
			sandbox int
			created int64
		)
		if err := rows.Scan(&v.ID, &v.ClientID, &v.SubClientID, &v.UserID, &v.Address, &v.AddressKey, &v.NetworkID, &v.NetworkType,
			&v.Method, &v.Message, &v.Signature, &v.IntegrationID, &v.WalletName, &sandbox, &created); err != nil {
			return nil, fmt.Errorf("sqlite: wallet verifications: %w", err)
		}
		v.Sandbox, v.CreatedAt = sandbox != 0, fromMS(created)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: wallet verifications: %w", err)
	}
	return out, nil
}
