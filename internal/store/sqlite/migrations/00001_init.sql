-- +goose Up
-- Times are Unix milliseconds (UTC). Hashes are SHA-256 digests; clear-text secrets,
-- codes and session credentials are never stored (docs/threat-model.md T7).
CREATE TABLE clients (
    id                TEXT    PRIMARY KEY,
    name              TEXT    NOT NULL,
    origins           TEXT    NOT NULL DEFAULT '[]',
    enabled           INTEGER NOT NULL DEFAULT 1,
    jurisdiction      TEXT    NOT NULL DEFAULT '',
    rate_limit        REAL    NOT NULL DEFAULT 0,
    rate_burst        INTEGER NOT NULL DEFAULT 0,
    allow_pii_user_id INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);

CREATE TABLE client_secrets (
    client_id  TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    hash       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    PRIMARY KEY (client_id, hash)
);

CREATE TABLE sub_clients (
    id         TEXT    PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sub_clients_client ON sub_clients (client_id);

-- The key of a code is its time-ordered id: inserts append to the B-tree. The secret
-- half of the code is kept as its hash only.
CREATE TABLE link_codes (
    id            BLOB    PRIMARY KEY,
    hash          BLOB    NOT NULL,
    kind          TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    sub_client_id TEXT    NOT NULL DEFAULT '',
    user_id       TEXT    NOT NULL,
    options       BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    redeemed_at   INTEGER,
    revoked_at    INTEGER,
    reuse_count   INTEGER NOT NULL DEFAULT 0,
    session_hash  BLOB
) WITHOUT ROWID;
-- No index on expires_at: codes expire roughly in id (creation) order, so the purge
-- bounds its search by the key (see Store.Purge); one index less on the hot insert.
-- (Migration 3 rekeys this table by the id's leading integer.)

CREATE TABLE sessions (
    hash          BLOB    PRIMARY KEY,
    code_id       BLOB    NOT NULL,
    kind          TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    sub_client_id TEXT    NOT NULL DEFAULT '',
    user_id       TEXT    NOT NULL,
    options       BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_client ON sessions (client_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE link_codes;
DROP TABLE sub_clients;
DROP TABLE client_secrets;
DROP TABLE clients;
