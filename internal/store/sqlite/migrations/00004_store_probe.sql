-- +goose Up
-- One row that Ping rewrites after a write has failed, to learn whether writes work
-- again (disk space freed, file writable again, lock released): a read cannot tell.
CREATE TABLE store_probe (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE store_probe;
