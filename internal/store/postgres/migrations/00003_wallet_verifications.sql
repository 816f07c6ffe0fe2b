-- +goose Up
-- Mirrors the embedded store's migration 00010: wallet verifications linkd checked (the
-- signature verified server-side), listed by GET /api/v1/wallets/verify. Kept, not purged.
-- seq orders verifications made in the same instant (newest first).
CREATE TABLE wallet_verifications (
    id             text        PRIMARY KEY,
    client_id      text        NOT NULL,
    sub_client_id  text        NOT NULL DEFAULT '',
    user_id        text        NOT NULL,
    address        text        NOT NULL,
    address_key    text        NOT NULL,
    network_id     text        NOT NULL,
    network_type   text        NOT NULL,
    method         text        NOT NULL,
    message        text        NOT NULL,
    signature      text        NOT NULL,
    integration_id text        NOT NULL,
    wallet_name    text        NOT NULL,
    sandbox        boolean     NOT NULL,
    created_at     timestamptz NOT NULL,
    seq            bigint      GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX wallet_verifications_user ON wallet_verifications (client_id, user_id, created_at);
CREATE INDEX wallet_verifications_address ON wallet_verifications (client_id, address_key, created_at);

-- +goose Down
DROP TABLE wallet_verifications;
