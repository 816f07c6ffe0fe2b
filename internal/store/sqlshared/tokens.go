package sqlshared

import (
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// DerivedToken is a new token of kind made by a refresh (store.RefreshRequest): the hash
// and lifetime of t, and everything else (client, user, account, grant, session) of the
// refresh token it comes from, unrevoked.
func DerivedToken(from, t store.AccessToken, kind string) store.AccessToken {
	d := from
	d.Hash, d.Kind, d.CreatedAt, d.ExpiresAt, d.RevokedAt = t.Hash, kind, t.CreatedAt, t.ExpiresAt, time.Time{}
	return d
}

// RevokedByOperator is the sessions.revoked_by of a session that RevokeClientCodes revoked
// (NULL for one revoked by a reuse of its code).
const RevokedByOperator = "operator"

// RevokedBy is the error store.Session returns for a revoked session whose revoked_by is
// by ("" for NULL): store.ErrRevokedByOperator or store.ErrRevoked.
func RevokedBy(by string) error {
	if by == RevokedByOperator {
		return store.ErrRevokedByOperator
	}
	return store.ErrRevoked
}
