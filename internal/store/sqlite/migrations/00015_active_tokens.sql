-- +goose Up
-- The link tokens a client holds, for --max-active-tokens (store.CreateCodesCapped): how
-- many of the client's tokens expire in each second (expires_s, Unix seconds rounded up).
-- Written only when the bound is set, in the transaction that stores the codes, so that
-- the bound costs nothing when it is off and holds across every process sharing the
-- database (docs/threat-model.md A4). A counter per second, not an index on link_codes:
-- the hot insert of codes stays as it is.
CREATE TABLE active_tokens (
    client_id TEXT    NOT NULL,
    expires_s INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (client_id, expires_s)
) WITHOUT ROWID;
CREATE INDEX active_tokens_expires ON active_tokens (expires_s);

-- +goose Down
DROP TABLE active_tokens;
