package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/linkd-dev/linkd/internal/store"
)

// rawInserter commits group-commit batches made only of code inserts (what issuing link
// tokens produces) on the writer's driver connection directly: BEGIN IMMEDIATE, the
// multi-row INSERTs and COMMIT are statements prepared once, executed without
// database/sql's per-statement bookkeeping (locking, argument conversion, result
// wrapping) and without preparing BEGIN anew each time, which the driver's BeginTx does.
// Batches with any other write go through database/sql as usual.
//
// It is used only by the writer goroutine, inside sql.Conn.Raw, which keeps database/sql
// from using the connection meanwhile; every batch ends in COMMIT or ROLLBACK, so the
// connection is back in autocommit mode when Raw returns.
type rawInserter struct {
	conn                    *sql.Conn
	begin, commit, rollback driver.Stmt
	insert                  [insertSizes]driver.Stmt
	args                    []driver.NamedValue
}

func newRawInserter(ctx context.Context, conn *sql.Conn) (*rawInserter, error) {
	r := &rawInserter{conn: conn}
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("the driver's connection cannot prepare statements")
		}
		var err error
		prep := func(q string) driver.Stmt {
			if err != nil {
				return nil
			}
			var st driver.Stmt
			st, err = c.PrepareContext(ctx, q)
			return st
		}
		r.begin, r.commit, r.rollback = prep(`BEGIN IMMEDIATE`), prep(`COMMIT`), prep(`ROLLBACK`)
		for i := range r.insert {
			r.insert[i] = prep(insertCodesSQL(1 << i))
		}
		return err
	})
	if err != nil {
		r.close()
		return nil, fmt.Errorf("sqlite: prepare raw inserts: %w", err)
	}
	return r, nil
}

// run inserts codes in one transaction. A duplicate id is rollback{ErrConflict}: the
// writer then retries the batch's ops one by one, so that only the op that brought it
// fails.
func (r *rawInserter) run(ctx context.Context, codes []store.LinkCode) error {
	return r.conn.Raw(func(any) error {
		if err := r.exec(ctx, r.begin, nil); err != nil {
			return fmt.Errorf("sqlite: begin: %w", err)
		}
		if err := r.inserts(ctx, codes); err != nil {
			var rb rollback
			if errors.As(err, &rb) {
				return err // a conflict: INSERT OR ROLLBACK has ended the transaction
			}
			if rbErr := r.exec(ctx, r.rollback, nil); rbErr != nil {
				return errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rbErr))
			}
			return err
		}
		if err := r.exec(ctx, r.commit, nil); err != nil {
			// A failed COMMIT leaves the transaction open (SQLITE_BUSY): end it.
			_ = r.exec(ctx, r.rollback, nil)
			return fmt.Errorf("sqlite: commit: %w", err)
		}
		return nil
	})
}

func (r *rawInserter) inserts(ctx context.Context, codes []store.LinkCode) error {
	for len(codes) > 0 {
		i, n := insertChunk(len(codes))
		args := r.args[:0]
		for _, c := range codes[:n] {
			key, tail, _ := codeKey(c.ID)
			for _, v := range [codeCols]driver.Value{key, tail, c.Hash, c.Kind, c.ClientID, c.SubClientID, c.UserID, c.Options, ms(c.CreatedAt), ms(c.ExpiresAt)} {
				args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
			}
		}
		err := r.exec(ctx, r.insert[i], args)
		clear(args)
		r.args = args[:0]
		if err != nil {
			if isConstraint(err) {
				return rollback{Err: fmt.Errorf("sqlite: create code: %w", store.ErrConflict)}
			}
			return fmt.Errorf("sqlite: create code: %w", err)
		}
		codes = codes[n:]
	}
	return nil
}

func (r *rawInserter) exec(ctx context.Context, st driver.Stmt, args []driver.NamedValue) error {
	_, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
	return err
}

func (r *rawInserter) close() {
	_ = r.conn.Raw(func(any) error {
		for _, st := range append([]driver.Stmt{r.begin, r.commit, r.rollback}, r.insert[:]...) {
			if st != nil {
				st.Close()
			}
		}
		return nil
	})
}

// insertSizes is how many multi-row INSERT statements are prepared: 1, 2, 4, … 1<<(insertSizes-1)
// rows each.
const insertSizes = 6

// codeCols is the number of values inserted per code.
const codeCols = 10

// insertCodesSQL is a multi-row INSERT of rows codes. OR ROLLBACK: a duplicate id ends
// the whole transaction (which the writer retries op by op), so SQLite needs no statement
// journal to undo a partly applied statement.
func insertCodesSQL(rows int) string {
	return `INSERT OR ROLLBACK INTO link_codes (id, id_tail, hash, kind, client_id, sub_client_id, user_id, options, created_at, expires_at) VALUES ` +
		strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), `, rows), ", ")
}

// insertChunk splits a batch of n codes into multi-row INSERTs by the binary
// decomposition of n (13 codes: 8 + 4 + 1 rows), so that SQLite's cost per statement
// (binding, stepping, resetting) is paid a few times per batch instead of once per code:
// the next statement inserts 1<<i = rows codes.
func insertChunk(n int) (i, rows int) {
	i = min(bits.Len(uint(n))-1, insertSizes-1)
	return i, 1 << i
}
