package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/groupcommit"
)

// writer serialises every write of the process through one SQLite connection and commits
// the writes that arrive together in one transaction (group commit, see package
// groupcommit). SQLite allows one writer at a time anyway; a commit costs a WAL append
// (and an fsync with synchronous=FULL), so sharing it between N concurrent requests
// divides that cost by N while each caller still returns only after its own write is
// committed.
//
// A batch is committed as up to two transactions: one for the code inserts (issuing link
// tokens, the bulk of the writes), on the raw driver connection (see rawInserter), and one
// through database/sql for every other op.
type writer struct {
	db    *sql.DB   // exactly one connection…
	conn  *sql.Conn // …held here for the writer's lifetime
	raw   *rawInserter
	batch *groupcommit.Batcher[work]
	// health tells Ping whether writes fail (a fault, not an outcome such as ErrConflict).
	health *groupcommit.Health

	// prepared are the statements of preparedSQL, prepared once on the writer's
	// connection: a fn runs one in its transaction with tx.StmtContext, which reuses it
	// (compiling a statement costs more than running it on the capped path).
	prepared map[string]*sql.Stmt

	// Scratch of the batcher's single worker.
	inserts, others []*groupcommit.Op[work]
	codes           []store.LinkCode
}

// preparedSQL are the statements the writer prepares: those of CreateCodesCapped, which
// runs for every link token while --max-active-tokens is set.
var preparedSQL = []string{capCountSQL, capUpsertSQL, plainInsertSQL(1), plainInsertSQL(2)}

// work is one write: either codes to insert, or fn.
//
// fn runs inside the shared transaction and must be safe to run a second time (in a
// transaction of its own) if the batch it was part of fails. It returns:
//   - nil: its writes are committed with the batch;
//   - a store sentinel error (ErrAlreadyUsed, …), an outcome: its writes are committed
//     with the batch and the error is handed to the caller;
//   - a groupcommit.Rollback: the batch is rolled back and, once the op runs alone, its
//     caller receives the outcome it wraps;
//   - any other error, a failure: the batch is rolled back and every op of it is
//     retried alone, so one bad op cannot fail its neighbours.
//
// The codes of all the insert ops of a batch are inserted together by multi-row INSERTs;
// a conflict among them fails that transaction, whose ops are then retried alone, so that
// only the op that brought the duplicate gets ErrConflict.
type work struct {
	fn    func(ctx context.Context, tx *sql.Tx) error
	codes []store.LinkCode
}

// errClosed is returned for writes submitted after Close.
var errClosed = groupcommit.ErrClosed

// newWriter takes db's only connection for itself, once it has prepared preparedSQL on it
// (a statement prepared on the DB is reused by a transaction on the same connection; one
// prepared on a sql.Conn would be prepared again by every transaction).
func newWriter(ctx context.Context, db *sql.DB, maxBatch int, health *groupcommit.Health) (*writer, error) {
	prepared := make(map[string]*sql.Stmt, len(preparedSQL))
	for _, q := range preparedSQL {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		prepared[q] = st
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: writer connection: %w", err)
	}
	raw, err := newRawInserter(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	w := &writer{db: db, conn: conn, raw: raw, health: health, prepared: prepared}
	// One worker: SQLite has one writer at a time, and the scratch above is its own.
	w.batch = groupcommit.New(groupcommit.Options{MaxBatch: maxBatch, Workers: 1, IsOutcome: store.IsOutcome, Health: health}, w.handle)
	return w, nil
}

// do submits fn and waits for its batch to commit. Once submitted, the op runs even if ctx
// is cancelled: its result is awaited so that the caller never reports failure for a write
// that committed (bounded by the database's busy timeout).
func (w *writer) do(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	// No deadline: SQLite's writes are bounded by its busy timeout instead.
	return w.batch.Submit(ctx, work{fn: fn}, time.Time{})
}

// insert submits codes to be inserted and waits for their batch to commit, as do.
func (w *writer) insert(ctx context.Context, codes []store.LinkCode) error {
	return w.batch.Submit(ctx, work{codes: codes}, time.Time{})
}

// handle commits a batch: its code inserts in one transaction, its other ops in another.
func (w *writer) handle(batch []*groupcommit.Op[work]) {
	w.inserts, w.others = splitOps(batch, w.inserts[:0], w.others[:0])
	w.batch.Run(w.inserts, w.insertTx)
	w.batch.Run(w.others, w.sqlTx)
	clear(w.inserts)
	clear(w.others)
}

// splitOps appends the code inserts of batch to inserts and its other ops to others.
func splitOps(batch, inserts, others []*groupcommit.Op[work]) ([]*groupcommit.Op[work], []*groupcommit.Op[work]) {
	for _, o := range batch {
		if o.Work.fn == nil {
			inserts = append(inserts, o)
		} else {
			others = append(others, o)
		}
	}
	return inserts, others
}

// insertTx inserts the codes of insert ops in one transaction on the raw connection.
func (w *writer) insertTx(ops []*groupcommit.Op[work], results []error) error {
	codes := w.codes[:0]
	for _, o := range ops {
		codes = append(codes, o.Work.codes...)
	}
	err := w.raw.run(context.Background(), codes)
	clear(codes) // drop references to the callers' data
	w.codes = codes[:0]
	if err != nil {
		return err
	}
	clear(results)
	return nil
}

// sqlTx runs the fns of ops in one database/sql transaction, storing each op's outcome in
// results. It returns the first failure (after rolling back) or the commit error.
func (w *writer) sqlTx(ops []*groupcommit.Op[work], results []error) error {
	// No deadline: a cancellable context makes the driver watch it with a goroutine and a
	// progress handler on every statement. Waits for other processes' locks are bounded
	// by busy_timeout instead.
	ctx := context.Background()
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	for i, o := range ops {
		err := o.Work.fn(ctx, tx)
		if err != nil && !isOutcome(err) {
			_ = tx.Rollback()
			return err
		}
		results[i] = err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// isOutcome reports whether an op's error is a domain outcome whose writes must be kept
// (see work), as opposed to a failure or a Rollback.
func isOutcome(err error) bool {
	return !groupcommit.IsRollback(err) && store.IsOutcome(err)
}

// rollback wraps an outcome that must not keep the op's writes: see groupcommit.Rollback.
type rollback = groupcommit.Rollback

// stmt returns query, prepared by newWriter, for tx (a transaction of the writer).
func (w *writer) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	return tx.StmtContext(ctx, w.prepared[query])
}

// close stops the writer after the ops already submitted and releases its connection.
func (w *writer) close() error {
	w.batch.Close()
	w.raw.close()
	for _, st := range w.prepared {
		st.Close()
	}
	return errors.Join(w.conn.Close(), w.db.Close())
}
