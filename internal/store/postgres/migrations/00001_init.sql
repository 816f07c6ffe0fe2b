-- +goose Up
-- linkd's schema on PostgreSQL: the same tables as the embedded store's (SQLite), with
-- PostgreSQL's types. Hashes are SHA-256 digests; clear-text secrets, codes and session
-- credentials are never stored (docs/threat-model.md). Times are timestamptz.
CREATE TABLE clients (
    id                text             PRIMARY KEY,
    name              text             NOT NULL,
    origins           text[]           NOT NULL DEFAULT '{}',
    enabled           boolean          NOT NULL DEFAULT true,
    jurisdiction      text             NOT NULL DEFAULT '',
    rate_limit        double precision NOT NULL DEFAULT 0,
    rate_burst        integer          NOT NULL DEFAULT 0,
    allow_pii_user_id boolean          NOT NULL DEFAULT false,
    created_at        timestamptz      NOT NULL
);

CREATE TABLE client_secrets (
    client_id  text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    hash       bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    -- seq orders secrets created in the same instant (newest first).
    seq        bigint      GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (client_id, hash)
);

CREATE TABLE sub_clients (
    id         text        PRIMARY KEY,
    client_id  text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX sub_clients_client ON sub_clients (client_id);

-- A code's key is its id's leading integer (the time it was minted, in ns: see
-- store.CodeKey), so that inserts append to the primary key's B-tree; id_tail is the
-- rest of the id. No index on expires_at: codes expire roughly in key order, so the
-- purge bounds its search by the key (one index less on the hot insert).
CREATE TABLE link_codes (
    id            bigint      PRIMARY KEY,
    id_tail       bytea       NOT NULL,
    hash          bytea       NOT NULL,
    kind          text        NOT NULL,
    client_id     text        NOT NULL,
    sub_client_id text        NOT NULL DEFAULT '',
    user_id       text        NOT NULL,
    options       bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    redeemed_at   timestamptz,
    revoked_at    timestamptz,
    -- The session the code opened: a second redemption revokes it. (No reuse counter,
    -- unlike the embedded store's: the metric linkd_link_token_redemptions_total counts
    -- reuses, and a counter in the row would make every reuse wait for the previous
    -- one's commit.)
    session_hash  bytea
);
-- linkd client revoke-tokens: a client's codes that are still open.
CREATE INDEX link_codes_client_open ON link_codes (client_id) WHERE redeemed_at IS NULL AND revoked_at IS NULL;

CREATE TABLE sessions (
    hash          bytea       PRIMARY KEY,
    code_id       bytea       NOT NULL,
    kind          text        NOT NULL,
    client_id     text        NOT NULL,
    sub_client_id text        NOT NULL DEFAULT '',
    user_id       text        NOT NULL,
    options       bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_client_open ON sessions (client_id) WHERE revoked_at IS NULL;

-- State a Link session accumulates: pending connections (MFA), transfer previews and
-- executions, wallet verifications. Purged with the session's lifetime.
CREATE TABLE session_objects (
    session_hash bytea       NOT NULL,
    kind         text        NOT NULL,
    id           text        NOT NULL,
    state        text        NOT NULL,
    data         bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (session_hash, kind, id)
);
CREATE INDEX session_objects_expires ON session_objects (expires_at);

-- Access and refresh tokens of connected accounts, stored by hash and bound to the
-- client and user that linked them.
CREATE TABLE access_tokens (
    hash           bytea       PRIMARY KEY,
    kind           text        NOT NULL,
    client_id      text        NOT NULL,
    user_id        text        NOT NULL,
    integration_id text        NOT NULL,
    broker_type    text        NOT NULL,
    account_id     text        NOT NULL,
    account_name   text        NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz
);
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);

-- One row that Ping rewrites after a write has failed, to learn whether writes work
-- again (a read-only server after a failover, a full disk): a read cannot tell.
CREATE TABLE store_probe (
    id         integer     PRIMARY KEY CHECK (id = 1),
    checked_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE store_probe;
DROP TABLE access_tokens;
DROP TABLE session_objects;
DROP TABLE sessions;
DROP TABLE link_codes;
DROP TABLE sub_clients;
DROP TABLE client_secrets;
DROP TABLE clients;
