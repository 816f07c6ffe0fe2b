-- +goose Up
-- Mirrors the embedded store's migration 00015: how many link tokens of a client expire in
-- each second (expires_s, Unix seconds rounded up), for --max-active-tokens
-- (store.CreateCodesCapped). Written only when the bound is set, in the transaction that
-- stores the codes, under a lock on the client's row, so that the bound holds across
-- instances and costs nothing when it is off (docs/threat-model.md A4).
CREATE TABLE active_tokens (
    client_id text    NOT NULL,
    expires_s bigint  NOT NULL,
    n         integer NOT NULL,
    PRIMARY KEY (client_id, expires_s)
);
CREATE INDEX active_tokens_expires ON active_tokens (expires_s);

-- +goose Down
DROP TABLE active_tokens;
