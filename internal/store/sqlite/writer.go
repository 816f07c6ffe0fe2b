package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/jonboulle/clockwork"

	"github.com/linkd-dev/linkd/internal/store"
)

// writer serialises every write of the process through one SQLite connection and commits
// the writes that arrive together in one transaction (group commit). SQLite allows one
// writer at a time anyway; a commit costs a WAL append (and an fsync with
// synchronous=FULL), so sharing it between N concurrent requests divides that cost by N
// while each caller still returns only after its own write is committed.
//
// A batch is committed as up to two transactions: one for the code inserts (issuing link
// tokens, the bulk of the writes), on the raw driver connection (see rawInserter), and one
// through database/sql for every other op.
type writer struct {
	db       *sql.DB   // exactly one connection…
	conn     *sql.Conn // …held here for the writer's lifetime
	raw      *rawInserter
	ops      chan *op
	maxBatch int
	codes    []store.LinkCode // scratch: the codes of a batch

	// failing is true from a transaction that failed (a fault, not an outcome such as
	// ErrConflict) until one commits, and lastFault is when the last one failed: Ping
	// reports them, so that /readyz fails while writes do.
	failing   atomic.Bool
	lastFault atomic.Int64 // clock time in ns
	clock     clockwork.Clock

	mu     sync.RWMutex // guards closed against sends on a closed channel
	closed bool
	done   chan struct{}
	// batches counts committed transactions and batched ops, for tests and metrics.
	stats writerStats
}

type writerStats struct {
	mu      sync.Mutex
	batches int64
	ops     int64
}

// op is one unit of work: either codes to insert, or fn.
//
// fn runs inside the shared transaction and must be safe to run a second time (in a
// transaction of its own) if the batch it was part of fails. It returns:
//   - nil: its writes are committed with the batch;
//   - a store sentinel error (ErrAlreadyUsed, …), an outcome: its writes are committed
//     with the batch and the error is handed to the caller;
//   - any other error, a failure: the batch is rolled back and every op of it is
//     retried alone, so one bad op cannot fail its neighbours.
//
// The codes of all the insert ops of a batch are inserted together by multi-row INSERTs;
// a conflict among them fails that transaction, whose ops are then retried alone, so that
// only the op that brought the duplicate gets ErrConflict.
type op struct {
	fn    func(ctx context.Context, tx *sql.Tx) error
	codes []store.LinkCode
	done  chan error
}

var opPool = sync.Pool{New: func() any { return &op{done: make(chan error, 1)} }}

// errClosed is returned for writes submitted after Close.
var errClosed = errors.New("sqlite: store is closed")

// newWriter takes db's only connection for itself.
func newWriter(ctx context.Context, db *sql.DB, maxBatch int, clock clockwork.Clock) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: writer connection: %w", err)
	}
	raw, err := newRawInserter(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	w := &writer{db: db, conn: conn, raw: raw, ops: make(chan *op, 4*maxBatch), maxBatch: maxBatch, done: make(chan struct{}), clock: clock}
	go w.loop()
	return w, nil
}

// do submits fn and waits for its batch to commit. Once submitted, the op runs even if ctx
// is cancelled: its result is awaited so that the caller never reports failure for a write
// that committed (bounded by the database's busy timeout).
func (w *writer) do(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return w.submit(ctx, fn, nil)
}

// insert submits codes to be inserted and waits for their batch to commit, as do.
func (w *writer) insert(ctx context.Context, codes []store.LinkCode) error {
	return w.submit(ctx, nil, codes)
}

func (w *writer) submit(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error, codes []store.LinkCode) error {
	o := opPool.Get().(*op)
	o.fn, o.codes = fn, codes
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		opPool.Put(o)
		return errClosed
	}
	select {
	case w.ops <- o:
	case <-ctx.Done():
		w.mu.RUnlock()
		opPool.Put(o)
		return ctx.Err()
	}
	w.mu.RUnlock()
	err := <-o.done
	o.fn, o.codes = nil, nil
	opPool.Put(o)
	return err
}

func (w *writer) loop() {
	defer close(w.done)
	batch := make([]*op, 0, w.maxBatch)
	var inserts, others []*op
	for o := range w.ops {
		batch = append(batch[:0], o)
		// Let the goroutines that are about to submit do so before committing: a commit
		// costs the same few page writes for one op as for many, so a slightly fuller
		// batch is much cheaper per op. Yielding costs microseconds, not a timer's
		// resolution, and stops as soon as nothing more arrives.
		for yields := 0; len(batch) < w.maxBatch; {
			select {
			case more, ok := <-w.ops:
				if !ok {
					yields = maxYields
					break
				}
				batch = append(batch, more)
				continue
			default:
			}
			if yields++; yields > maxYields {
				break
			}
			runtime.Gosched()
		}
		inserts, others = splitOps(batch, inserts[:0], others[:0])
		w.run(inserts, w.insertTx)
		w.run(others, w.sqlTx)
		clear(batch)
	}
}

// splitOps appends the code inserts of batch to inserts and its other ops to others.
func splitOps(batch, inserts, others []*op) ([]*op, []*op) {
	for _, o := range batch {
		if o.fn == nil {
			inserts = append(inserts, o)
		} else {
			others = append(others, o)
		}
	}
	return inserts, others
}

// maxYields bounds how often the writer yields to let a batch fill.
const maxYields = 2

// run commits ops with tx and hands every op its result. If the transaction fails, each
// op is retried alone, in a transaction of its own, so that one bad op cannot fail its
// neighbours.
func (w *writer) run(ops []*op, tx func(ops []*op, results []error) error) {
	if len(ops) == 0 {
		return
	}
	results := make([]error, len(ops))
	err := w.commit(ops, results, tx)
	if err == nil || len(ops) == 1 {
		for i, o := range ops {
			if err != nil {
				o.done <- err
			} else {
				o.done <- results[i]
			}
		}
		return
	}
	for _, o := range ops {
		var res [1]error
		if err := w.commit([]*op{o}, res[:], tx); err != nil {
			o.done <- err
		} else {
			o.done <- res[0]
		}
	}
}

// commit runs tx and keeps failing up to date: a fault sets it, a commit clears it.
func (w *writer) commit(ops []*op, results []error, tx func(ops []*op, results []error) error) error {
	err := tx(ops, results)
	switch {
	case err == nil:
		w.failing.Store(false)
	case !isOutcome(err):
		w.lastFault.Store(w.clock.Now().UnixNano())
		w.failing.Store(true)
	}
	return err
}

// insertTx inserts the codes of insert ops in one transaction on the raw connection.
func (w *writer) insertTx(ops []*op, results []error) error {
	codes := w.codes[:0]
	for _, o := range ops {
		codes = append(codes, o.codes...)
	}
	err := w.raw.run(context.Background(), codes)
	clear(codes) // drop references to the callers' data
	w.codes = codes[:0]
	if err != nil {
		var rb rollback
		if errors.As(err, &rb) && len(ops) == 1 {
			return rb.err
		}
		return err
	}
	clear(results)
	w.count(len(ops))
	return nil
}

// sqlTx runs the fns of ops in one database/sql transaction, storing each op's outcome in
// results. It returns the first failure (after rolling back) or the commit error.
func (w *writer) sqlTx(ops []*op, results []error) error {
	// No deadline: a cancellable context makes the driver watch it with a goroutine and a
	// progress handler on every statement. Waits for other processes' locks are bounded
	// by busy_timeout instead.
	ctx := context.Background()
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	for i, o := range ops {
		err := o.fn(ctx, tx)
		if err != nil && !isOutcome(err) {
			_ = tx.Rollback()
			var rb rollback
			if errors.As(err, &rb) && len(ops) == 1 {
				return rb.err
			}
			return err
		}
		results[i] = err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	w.count(len(ops))
	return nil
}

func (w *writer) count(ops int) {
	w.stats.mu.Lock()
	w.stats.batches++
	w.stats.ops += int64(ops)
	w.stats.mu.Unlock()
}

// rollback wraps an outcome that must not keep the op's writes (for example a constraint
// violation half way through a multi-row insert): the transaction is rolled back and, once
// the op runs alone, its caller receives err.
type rollback struct{ err error }

func (r rollback) Error() string { return r.err.Error() }
func (r rollback) Unwrap() error { return r.err }

// close stops the writer after the ops already submitted and releases its connection.
func (w *writer) close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ops)
	}
	w.mu.Unlock()
	<-w.done
	w.raw.close()
	return errors.Join(w.conn.Close(), w.db.Close())
}
