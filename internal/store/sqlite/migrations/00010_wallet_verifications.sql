-- +goose Up
-- Wallet verifications linkd checked (the signature verified server-side), listed by
-- GET /api/v1/wallets/verify. Kept: a client's record of which addresses its users proved
-- they control, not session state.
CREATE TABLE wallet_verifications (
    id             TEXT    PRIMARY KEY,
    client_id      TEXT    NOT NULL,
    sub_client_id  TEXT    NOT NULL DEFAULT '',
    user_id        TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    address_key    TEXT    NOT NULL,
    network_id     TEXT    NOT NULL,
    network_type   TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    message        TEXT    NOT NULL,
    signature      TEXT    NOT NULL,
    integration_id TEXT    NOT NULL,
    wallet_name    TEXT    NOT NULL,
    sandbox        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX wallet_verifications_user ON wallet_verifications (client_id, user_id, created_at);
CREATE INDEX wallet_verifications_address ON wallet_verifications (client_id, address_key, created_at);

-- +goose Down
DROP TABLE wallet_verifications;
