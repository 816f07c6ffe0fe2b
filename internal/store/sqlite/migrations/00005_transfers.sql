-- +goose Up
-- Access and refresh tokens remember their grant (the access and refresh token of one
-- connected account: refresh revokes the grant's older access tokens, disconnecting the
-- account revokes the grant) and the Link session that issued them (a reuse of its code
-- revokes them: docs/threat-model.md T5). Tokens issued before this migration are each
-- their own grant.
ALTER TABLE access_tokens ADD COLUMN grant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE access_tokens ADD COLUMN session_hash BLOB;
UPDATE access_tokens SET grant_id = lower(hex(hash)) WHERE grant_id = '';
CREATE INDEX access_tokens_grant ON access_tokens (grant_id);
CREATE INDEX access_tokens_session ON access_tokens (session_hash) WHERE session_hash IS NOT NULL;

-- Transfers executed in Link sessions (node-api's TransferModel). Never purged. The
-- indexes serve GET /api/v1/transfers/managed/mesh within one client: one per order
-- (node-api's OrderBy values; ties go by created_at, id) and per selective filter, each
-- ending in (created_at, id), so that a page comes out of an index already in order,
-- never from a sort of all the client's transfers (TestTransferQueriesUseIndexes checks
-- the plans; transfers are written once per deposit, so the indexes cost little).
CREATE TABLE transfers (
    id                          TEXT    PRIMARY KEY,
    client_id                   TEXT    NOT NULL,
    sub_client_id               TEXT    NOT NULL DEFAULT '',
    user_id                     TEXT    NOT NULL,
    client_transaction_id       TEXT    NOT NULL DEFAULT '',
    institution_transaction_id  TEXT    NOT NULL DEFAULT '',
    status                      TEXT    NOT NULL,
    amount                      REAL    NOT NULL,
    amount_to_receive           REAL    NOT NULL,
    source_amount               REAL    NOT NULL,
    amount_in_fiat              REAL    NOT NULL,
    amount_to_receive_in_fiat   REAL    NOT NULL,
    total_amount_in_fiat        REAL    NOT NULL,
    fiat_currency               TEXT    NOT NULL,
    symbol                      TEXT    NOT NULL,
    token_address               TEXT    NOT NULL DEFAULT '',
    network_id                  TEXT    NOT NULL,
    network_name                TEXT    NOT NULL,
    hash                        TEXT    NOT NULL DEFAULT '',
    from_address                TEXT    NOT NULL DEFAULT '',
    destination_address         TEXT    NOT NULL,
    address_tag                 TEXT    NOT NULL DEFAULT '',
    integration_id              TEXT    NOT NULL,
    integration_type            TEXT    NOT NULL,
    integration_name            TEXT    NOT NULL,
    fees                        TEXT    NOT NULL, -- JSON: gas, withdrawal and processing fees
    funding                     TEXT    NOT NULL DEFAULT 'null', -- JSON list of funding methods
    transfer_type               TEXT    NOT NULL DEFAULT '',
    is_fee_included             INTEGER NOT NULL DEFAULT 0,
    session_hash                BLOB,
    created_at                  INTEGER NOT NULL,
    executed_at                 INTEGER,
    updated_at                  INTEGER NOT NULL,
    settle_at                   INTEGER
);
CREATE INDEX transfers_client_created ON transfers (client_id, created_at, id);
CREATE INDEX transfers_client_id ON transfers (client_id, id);
CREATE INDEX transfers_client_txn ON transfers (client_id, client_transaction_id, created_at, id);
CREATE INDEX transfers_client_user ON transfers (client_id, user_id, created_at, id);
CREATE INDEX transfers_client_type ON transfers (client_id, integration_type, created_at, id);
CREATE INDEX transfers_client_fiat ON transfers (client_id, amount_in_fiat, created_at, id);
CREATE INDEX transfers_client_status ON transfers (client_id, status, created_at, id);
CREATE INDEX transfers_client_symbol ON transfers (client_id, symbol, created_at, id);
CREATE INDEX transfers_client_network ON transfers (client_id, network_name, created_at, id);
CREATE INDEX transfers_client_hash ON transfers (client_id, hash, created_at, id);
-- The settler's question: which pending transfers are due?
CREATE INDEX transfers_due ON transfers (settle_at, id) WHERE status = 'pending' AND settle_at IS NOT NULL;

-- The webhook outbox: one event per status change, written in the transaction of the
-- change, and one delivery per (event, webhook) written with it.
CREATE TABLE transfer_events (
    id          TEXT    PRIMARY KEY,
    transfer_id TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX transfer_events_at ON transfer_events (at);

-- Webhook secrets are sealed (AES-256-GCM) by linkd before they reach the database
-- (docs/threat-model.md H2).
CREATE TABLE webhooks (
    id            TEXT    PRIMARY KEY,
    client_id     TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    url           TEXT    NOT NULL,
    sealed_secret BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX webhooks_client ON webhooks (client_id, created_at);

-- seq orders deliveries by creation, so that the events of one transfer reach a webhook in
-- the order they happened.
CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    webhook_id      TEXT    NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    transfer_id     TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    claim           INTEGER NOT NULL DEFAULT 0, -- claims so far
    claimed         INTEGER NOT NULL DEFAULT 0, -- 1 from a claim until its attempt is recorded
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, transfer_id, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_client ON webhook_deliveries (client_id, seq);
CREATE INDEX webhook_deliveries_ended ON webhook_deliveries (updated_at) WHERE state != 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    delivery_id     TEXT    NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    n               INTEGER NOT NULL,
    claim           INTEGER NOT NULL,
    id              TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    duration_ms     INTEGER NOT NULL,
    status_code     INTEGER NOT NULL,
    outcome         TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    delivered       INTEGER NOT NULL,
    next_attempt_at INTEGER,
    PRIMARY KEY (delivery_id, n)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE transfer_events;
DROP TABLE transfers;
DROP INDEX access_tokens_session;
DROP INDEX access_tokens_grant;
ALTER TABLE access_tokens DROP COLUMN session_hash;
ALTER TABLE access_tokens DROP COLUMN grant_id;
