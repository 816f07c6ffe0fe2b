// Package groupcommit commits the writes that arrive together in one transaction (group
// commit), and hands each writer its own result once that transaction has committed.
//
// A commit costs about the same for one write as for many (a WAL append and its sync on
// SQLite, a round trip and a WAL flush on PostgreSQL), so sharing it between the N
// requests that are waiting divides its cost by N, while each caller still returns only
// after its own write is durable. Both store backends use it: this package is the queue,
// the collection of a batch, the retry of a failed batch write by write (so that one bad
// write cannot fail its neighbours), the delivery of results and the shutdown; what a
// transaction does is the backend's.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a Batcher.
type Options struct {
	// MaxBatch caps the writes committed in one transaction (default 512).
	MaxBatch int
	// Workers is how many batches may be committing at once (default 1). A backend that
	// allows one writer at a time (SQLite) keeps 1; a server (PostgreSQL) can take the
	// next batch while the previous one waits for its commit.
	Workers int
	// IsOutcome reports whether an error is a domain outcome (not found, conflict, …)
	// rather than a fault; see Health. Nil: every error is a fault.
	IsOutcome func(error) bool
	// Health, if not nil, is kept up to date with every commit.
	Health *Health
}

// Op is one write submitted to a Batcher: the backend's Work, and the channel its
// result is delivered on.
type Op[T any] struct {
	Work T
	// Deadline, if not zero, is when the op gives up: an op whose batch has not started
	// by then is answered ErrDeadline without being run, and backends bound the batch's
	// transaction by the earliest deadline in it (see Deadline).
	Deadline time.Time
	done     chan error
}

// TxFunc commits ops in one transaction. It returns nil once the transaction has
// committed, having stored each op's outcome (nil, or a domain error whose writes were
// kept) in results; or the error that made it roll back.
type TxFunc[T any] func(ops []*Op[T], results []error) error

// Batcher queues writes and commits them in batches, on Options.Workers goroutines.
type Batcher[T any] struct {
	ops       chan *Op[T]
	handle    func(batch []*Op[T])
	maxBatch  int
	isOutcome func(error) bool
	health    *Health
	pool      sync.Pool

	mu      sync.RWMutex // guards closed against sends on a closed channel
	closed  bool
	workers sync.WaitGroup

	batches, committed atomic.Int64
}

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = errors.New("store is closed")

// ErrDeadline is returned for a write whose deadline passed before its batch started:
// nothing of it was written.
var ErrDeadline = fmt.Errorf("the write waited past its deadline: %w", context.DeadlineExceeded)

// New starts a Batcher. handle receives each batch (in arrival order) and must deliver a
// result to every op of it, normally by calling Run once or more.
func New[T any](opts Options, handle func(batch []*Op[T])) *Batcher[T] {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	b := &Batcher[T]{ops: make(chan *Op[T], 4*opts.MaxBatch), handle: handle, maxBatch: opts.MaxBatch,
		isOutcome: opts.IsOutcome, health: opts.Health}
	b.pool.New = func() any { return &Op[T]{done: make(chan error, 1)} }
	for range opts.Workers {
		b.workers.Add(1)
		go b.loop()
	}
	return b
}

// Submit queues work and waits for its batch to commit. Once queued, the op runs (or
// passes its deadline) even if ctx is cancelled: its result is awaited, so that a caller
// never reports failure for a write that committed, and never reuses memory that a
// running transaction still reads.
func (b *Batcher[T]) Submit(ctx context.Context, work T, deadline time.Time) error {
	o := b.pool.Get().(*Op[T])
	o.Work, o.Deadline = work, deadline
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		b.put(o)
		return ErrClosed
	}
	select {
	case b.ops <- o:
	case <-ctx.Done():
		b.mu.RUnlock()
		b.put(o)
		return ctx.Err()
	}
	b.mu.RUnlock()
	err := <-o.done
	b.put(o)
	return err
}

func (b *Batcher[T]) put(o *Op[T]) {
	var zero T
	o.Work, o.Deadline = zero, time.Time{}
	b.pool.Put(o)
}

// maxYields bounds how often a worker yields to let a batch fill.
const maxYields = 2

func (b *Batcher[T]) loop() {
	defer b.workers.Done()
	batch := make([]*Op[T], 0, b.maxBatch)
	for o := range b.ops {
		batch = append(batch[:0], o)
		// Let the goroutines that are about to submit do so before committing: a commit
		// costs the same for one op as for many, so a slightly fuller batch is much
		// cheaper per op. Yielding costs microseconds, not a timer's resolution, and
		// stops as soon as nothing more arrives.
		for yields := 0; len(batch) < b.maxBatch; {
			select {
			case more, ok := <-b.ops:
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
		if live := dropExpired(batch); len(live) > 0 {
			b.handle(live)
		}
		clear(batch)
	}
}

// dropExpired answers the ops of batch whose deadline has passed with ErrDeadline and
// returns the others, in order, in batch's memory.
func dropExpired[T any](batch []*Op[T]) []*Op[T] {
	var now time.Time
	live := batch[:0]
	for _, o := range batch {
		if !o.Deadline.IsZero() {
			if now.IsZero() {
				now = time.Now()
			}
			if !now.Before(o.Deadline) {
				o.done <- ErrDeadline
				continue
			}
		}
		live = append(live, o)
	}
	return live
}

// Deadline is the earliest deadline of ops (zero if none has one): the bound of the
// transaction that commits them.
func Deadline[T any](ops []*Op[T]) time.Time {
	var d time.Time
	for _, o := range ops {
		if !o.Deadline.IsZero() && (d.IsZero() || o.Deadline.Before(d)) {
			d = o.Deadline
		}
	}
	return d
}

// Run commits ops with tx and hands every op its result. If the transaction fails, each
// op is retried alone, in a transaction of its own, so that one bad op cannot fail its
// neighbours; an op that fails alone with a Rollback receives the outcome it wraps.
func (b *Batcher[T]) Run(ops []*Op[T], tx TxFunc[T]) {
	if len(ops) == 0 {
		return
	}
	results := make([]error, len(ops))
	err := b.commit(ops, results, tx)
	if err == nil {
		for i, o := range ops {
			o.done <- results[i]
		}
		return
	}
	if len(ops) == 1 {
		ops[0].done <- unwrapRollback(err)
		return
	}
	for _, o := range ops {
		var res [1]error
		if err := b.commit([]*Op[T]{o}, res[:], tx); err != nil {
			o.done <- unwrapRollback(err)
		} else {
			o.done <- res[0]
		}
	}
}

// commit runs tx, counts what committed and keeps Health up to date.
func (b *Batcher[T]) commit(ops []*Op[T], results []error, tx TxFunc[T]) error {
	err := tx(ops, results)
	if err == nil {
		b.batches.Add(1)
		b.committed.Add(int64(len(ops)))
	}
	if b.health != nil {
		b.health.Observe(err, b.isOutcome)
	}
	return err
}

// Stats reports how many transactions committed and how many ops they carried
// (ops/batches is the mean group-commit size).
func (b *Batcher[T]) Stats() (batches, ops int64) {
	return b.batches.Load(), b.committed.Load()
}

// Close stops the Batcher after the ops already submitted have been committed (or have
// failed); later Submits get ErrClosed. Close twice is harmless.
func (b *Batcher[T]) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.ops)
	}
	b.mu.Unlock()
	b.workers.Wait()
}

// Rollback wraps an outcome that must not keep the op's writes (a constraint violation
// half way through a multi-row insert): the batch's transaction rolls back and, once the
// op runs alone, its caller receives Err.
type Rollback struct{ Err error }

func (r Rollback) Error() string { return r.Err.Error() }
func (r Rollback) Unwrap() error { return r.Err }

// IsRollback reports whether err is (or wraps) a Rollback.
func IsRollback(err error) bool {
	var rb Rollback
	return errors.As(err, &rb)
}

func unwrapRollback(err error) error {
	var rb Rollback
	if errors.As(err, &rb) {
		return rb.Err
	}
	return err
}
