-- +goose Up
-- Mirrors the embedded store's migration 00016: why a session was revoked, so that the
-- Link UI can tell its user: 'operator' when RevokeClientCodes (linkd client
-- revoke-tokens) revoked it; NULL when a reuse of its code did (RFC 6749 §4.1.2), or for
-- a session revoked before this column existed.
ALTER TABLE sessions ADD COLUMN revoked_by text;

-- +goose Down
ALTER TABLE sessions DROP COLUMN revoked_by;
