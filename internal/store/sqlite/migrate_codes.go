package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/linkd-dev/linkd/internal/store"
)

// codeKey is store.CodeKey: link_codes is a rowid table keyed by the code id's leading
// integer. A rowid table keyed by a growing integer is what SQLite appends to cheapest:
// each insert lands on the rightmost leaf, which splits by starting a new page. The
// 16-byte BLOB key of a WITHOUT ROWID table that the first schema used cost more CPU per
// insert, because an index B-tree rebalances its siblings on every split (bench/README.md
// has the figures).
func codeKey(id []byte) (key int64, tail []byte, ok bool) { return store.CodeKey(id) }

// codesRowidMigration (version 3) moves link_codes from a WITHOUT ROWID table keyed by
// the 16-byte code id to a rowid table keyed by the id's leading integer (see codeKey).
// It is written in Go because SQL has no way to read a BLOB as a big-endian integer.
// Both directions carry every row over: codes in flight keep working.
var codesRowidMigration = goose.NewGoMigration(3,
	&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return rebuildCodes(ctx, tx, `id INTEGER PRIMARY KEY, -- the code id's first 8 bytes, big-endian (time-ordered)
    id_tail BLOB NOT NULL,                                   -- its last 8 bytes`, "",
			`id, id_tail`, func(id []byte) ([]any, error) {
				key, tail, ok := codeKey(id)
				if !ok {
					return nil, fmt.Errorf("link_codes: id %x is not a code id", id)
				}
				return []any{key, tail}, nil
			}, `id`)
	}},
	&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return rebuildCodes(ctx, tx, `id BLOB PRIMARY KEY,`, " WITHOUT ROWID", `id`, func(id []byte) ([]any, error) {
			return []any{id}, nil
		}, `id, id_tail`)
	}},
)

// rebuildCodes replaces link_codes by a table whose key columns are keyCols (DDL) and
// copies every row, converting the id: the old table's id columns (oldID, read as one
// 16-byte id by concatenation) become newCols through convert.
func rebuildCodes(ctx context.Context, tx *sql.Tx, keyCols, tableOpts, newCols string, convert func(id []byte) ([]any, error), oldID string) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE link_codes_new (
    `+keyCols+`
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
)`+tableOpts); err != nil {
		return fmt.Errorf("create link_codes_new: %w", err)
	}
	const rest = `hash, kind, client_id, sub_client_id, user_id, options, created_at, expires_at, redeemed_at, revoked_at, reuse_count, session_hash`
	rows, err := tx.QueryContext(ctx, `SELECT `+oldID+`, `+rest+` FROM link_codes ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read link_codes: %w", err)
	}
	defer rows.Close()
	nNew := strings.Count(newCols, ",") + 1
	ins, err := tx.PrepareContext(ctx, `INSERT INTO link_codes_new (`+newCols+`, `+rest+`) VALUES (`+
		strings.TrimSuffix(strings.Repeat("?, ", nNew+12), ", ")+`)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	for rows.Next() {
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			return err
		}
		var id []byte
		switch v := (*vals[0].(*any)).(type) {
		case []byte:
			id = v
		case int64: // id INTEGER, then id_tail
			tail, _ := (*vals[1].(*any)).([]byte)
			id = store.CodeID(v, tail)
		}
		args, err := convert(id)
		if err != nil {
			return err
		}
		for _, v := range vals[len(cols)-12:] {
			args = append(args, *v.(*any))
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("copy code %x: %w", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range []string{`DROP TABLE link_codes`, `ALTER TABLE link_codes_new RENAME TO link_codes`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
