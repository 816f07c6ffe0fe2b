-- +goose Up
-- State a Link session accumulates: pending connections (MFA), transfer previews and
-- executions, wallet verifications. Purged with the session's lifetime.
CREATE TABLE session_objects (
    session_hash BLOB    NOT NULL,
    kind         TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (session_hash, kind, id)
) WITHOUT ROWID;
CREATE INDEX session_objects_expires ON session_objects (expires_at);

-- Access and refresh tokens of connected accounts (the brokerageAccountAccessToken
-- message), stored by hash and bound to the client and user that linked them.
CREATE TABLE access_tokens (
    hash           BLOB    PRIMARY KEY,
    kind           TEXT    NOT NULL,
    client_id      TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    integration_id TEXT    NOT NULL,
    broker_type    TEXT    NOT NULL,
    account_id     TEXT    NOT NULL,
    account_name   TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER
) WITHOUT ROWID;
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);

-- +goose Down
DROP TABLE access_tokens;
DROP TABLE session_objects;
