-- +goose Up
-- Mirrors the embedded store's migration 00005: access and refresh tokens remember their
-- grant and the Link session that issued them (a reuse of its code revokes them:
-- docs/threat-model.md T5); transfers, the webhook outbox and its attempts. Tokens issued
-- before this migration are each their own grant.
ALTER TABLE access_tokens ADD COLUMN grant_id text NOT NULL DEFAULT '';
ALTER TABLE access_tokens ADD COLUMN session_hash bytea;
UPDATE access_tokens SET grant_id = encode(hash, 'hex') WHERE grant_id = '';
CREATE INDEX access_tokens_grant ON access_tokens (grant_id);
CREATE INDEX access_tokens_session ON access_tokens (session_hash) WHERE session_hash IS NOT NULL;

-- Transfers executed in Link sessions (node-api's TransferModel). Never purged. The
-- indexes serve GET /api/v1/transfers/managed/mesh within one client: one per order and
-- per selective filter, each ending in (created_at, id), so that a page comes out of an
-- index already in order (TestTransferQueriesUseIndexes checks the plans). The columns a
-- page is ordered by compare bytewise (COLLATE "C"), as the embedded store's do, whatever
-- the database's locale.
CREATE TABLE transfers (
    id                          text COLLATE "C" PRIMARY KEY,
    client_id                   text             NOT NULL,
    sub_client_id               text             NOT NULL DEFAULT '',
    user_id                     text COLLATE "C" NOT NULL,
    client_transaction_id       text COLLATE "C" NOT NULL DEFAULT '',
    institution_transaction_id  text             NOT NULL DEFAULT '',
    status                      text COLLATE "C" NOT NULL,
    amount                      double precision NOT NULL,
    amount_to_receive           double precision NOT NULL,
    source_amount               double precision NOT NULL,
    amount_in_fiat              double precision NOT NULL,
    amount_to_receive_in_fiat   double precision NOT NULL,
    total_amount_in_fiat        double precision NOT NULL,
    fiat_currency               text             NOT NULL,
    symbol                      text COLLATE "C" NOT NULL,
    token_address               text             NOT NULL DEFAULT '',
    network_id                  text             NOT NULL,
    network_name                text COLLATE "C" NOT NULL,
    hash                        text             NOT NULL DEFAULT '',
    from_address                text             NOT NULL DEFAULT '',
    destination_address         text             NOT NULL,
    address_tag                 text             NOT NULL DEFAULT '',
    integration_id              text             NOT NULL,
    integration_type            text COLLATE "C" NOT NULL,
    integration_name            text             NOT NULL,
    fees                        text             NOT NULL, -- JSON: gas, withdrawal and processing fees
    funding                     text             NOT NULL DEFAULT 'null', -- JSON list of funding methods
    transfer_type               text             NOT NULL DEFAULT '',
    is_fee_included             boolean          NOT NULL DEFAULT false,
    session_hash                bytea,
    created_at                  timestamptz      NOT NULL,
    executed_at                 timestamptz,
    updated_at                  timestamptz      NOT NULL,
    settle_at                   timestamptz
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
    id          text        PRIMARY KEY,
    transfer_id text        NOT NULL,
    client_id   text        NOT NULL,
    status      text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX transfer_events_at ON transfer_events (at);

-- Webhook secrets are sealed (AES-256-GCM) by linkd before they reach the database
-- (docs/threat-model.md H2).
CREATE TABLE webhooks (
    id            text        PRIMARY KEY,
    client_id     text        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    url           text        NOT NULL,
    sealed_secret bytea       NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX webhooks_client ON webhooks (client_id, created_at);

-- seq orders deliveries by creation, so that the events of one transfer reach a webhook in
-- the order they happened. A claim moves next_attempt_at by the lease and sets claimed;
-- claimers take rows with FOR UPDATE SKIP LOCKED, so that instances never share one.
CREATE TABLE webhook_deliveries (
    seq             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              text        NOT NULL UNIQUE,
    webhook_id      text        NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        text        NOT NULL,
    transfer_id     text        NOT NULL,
    client_id       text        NOT NULL,
    state           text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    claim           bigint      NOT NULL DEFAULT 0,     -- claims so far
    claimed         boolean     NOT NULL DEFAULT false, -- from a claim until its attempt is recorded
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, transfer_id, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_client ON webhook_deliveries (client_id, seq);
CREATE INDEX webhook_deliveries_ended ON webhook_deliveries (updated_at) WHERE state <> 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    delivery_id     text        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    n               integer     NOT NULL,
    claim           bigint      NOT NULL,
    id              text        NOT NULL,
    at              timestamptz NOT NULL,
    duration_ms     bigint      NOT NULL,
    status_code     integer     NOT NULL,
    outcome         text        NOT NULL,
    error           text        NOT NULL,
    delivered       boolean     NOT NULL,
    next_attempt_at timestamptz,
    PRIMARY KEY (delivery_id, n)
);

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
