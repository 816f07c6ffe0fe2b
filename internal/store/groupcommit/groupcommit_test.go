package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

var (
	errOutcome = errors.New("outcome")
	errFault   = errors.New("fault")
)

func isOutcome(err error) bool { return errors.Is(err, errOutcome) }

// ledger is a fake store: a transaction commits the values of its ops unless one of them
// is "fault" (rolls back) or "dup" (a Rollback outcome); "outcome" commits and answers
// errOutcome.
type ledger struct {
	mu        sync.Mutex
	committed []string
	txs       int
}

func (l *ledger) tx(ops []*Op[string], results []error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.txs++
	var kept []string
	for i, o := range ops {
		switch o.Work {
		case "fault":
			return errFault
		case "dup":
			return Rollback{Err: fmt.Errorf("dup: %w", errOutcome)}
		case "outcome":
			results[i] = errOutcome
		default:
			results[i] = nil
		}
		kept = append(kept, o.Work)
	}
	l.committed = append(l.committed, kept...)
	return nil
}

// TestBatcherIsolatesFailures: a fault or a Rollback in a batch fails only its own op;
// its neighbours are committed (retried alone) and each caller gets its own result.
func TestBatcherIsolatesFailures(t *testing.T) {
	tests := []struct {
		name string
		bad  string
		want func(error) bool
	}{
		{"a fault", "fault", func(err error) bool { return errors.Is(err, errFault) }},
		{"a rollback outcome", "dup", func(err error) bool { return errors.Is(err, errOutcome) && !IsRollback(err) }},
		{"an outcome that keeps its writes", "outcome", func(err error) bool { return errors.Is(err, errOutcome) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &ledger{}
			var b *Batcher[string]
			b = New(Options{IsOutcome: isOutcome}, func(batch []*Op[string]) { b.Run(batch, l.tx) })
			defer b.Close()
			const n = 64
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					w := fmt.Sprint(i)
					if i == n/2 {
						w = tc.bad
					}
					errs[i] = b.Submit(context.Background(), w, time.Time{})
				})
			}
			wg.Wait()
			for i, err := range errs {
				if i == n/2 {
					if !tc.want(err) {
						t.Errorf("the bad op got %v", err)
					}
				} else if err != nil {
					t.Errorf("op %d failed with its neighbour: %v", i, err)
				}
			}
			wantRows := n - 1
			if tc.bad == "outcome" {
				wantRows = n
			}
			if len(l.committed) != wantRows {
				t.Errorf("%d rows committed, want %d", len(l.committed), wantRows)
			}
		})
	}
}

// TestBatcherDeadline: an op whose deadline passed before its batch started is answered
// ErrDeadline and never run; Deadline is the earliest of a batch.
func TestBatcherDeadline(t *testing.T) {
	l := &ledger{}
	var b *Batcher[string]
	b = New(Options{}, func(batch []*Op[string]) { b.Run(batch, l.tx) })
	defer b.Close()
	if err := b.Submit(context.Background(), "late", time.Now().Add(-time.Millisecond)); !errors.Is(err, ErrDeadline) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("expired op: %v, want ErrDeadline", err)
	}
	if err := b.Submit(context.Background(), "on time", time.Now().Add(time.Minute)); err != nil {
		t.Errorf("op on time: %v", err)
	}
	if len(l.committed) != 1 || l.committed[0] != "on time" {
		t.Errorf("committed %q, want only the op on time", l.committed)
	}
	now := time.Now()
	ops := []*Op[string]{{}, {Deadline: now.Add(2 * time.Second)}, {Deadline: now.Add(time.Second)}}
	if got := Deadline(ops); !got.Equal(now.Add(time.Second)) {
		t.Errorf("Deadline = %v, want the earliest", got)
	}
}

// TestBatcherClose: ops submitted before Close complete, later ones get ErrClosed, and
// Close twice is harmless.
func TestBatcherClose(t *testing.T) {
	l := &ledger{}
	var b *Batcher[string]
	b = New(Options{Workers: 2}, func(batch []*Op[string]) { b.Run(batch, l.tx) })
	const n = 200
	errs := make(chan error, n)
	var started sync.WaitGroup
	for i := range n {
		started.Add(1)
		go func() {
			started.Done()
			errs <- b.Submit(context.Background(), fmt.Sprint(i), time.Time{})
		}()
	}
	started.Wait()
	b.Close()
	ok := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case !errors.Is(err, ErrClosed):
			t.Errorf("op during Close: %v", err)
		}
	}
	if ok != len(l.committed) {
		t.Errorf("%d ops reported committed, %d rows", ok, len(l.committed))
	}
	if err := b.Submit(context.Background(), "after", time.Time{}); !errors.Is(err, ErrClosed) {
		t.Errorf("op after Close: %v", err)
	}
	b.Close()
	if batches, ops := b.Stats(); ops != int64(ok) || batches > ops {
		t.Errorf("Stats = %d batches, %d ops; want %d ops", batches, ops, ok)
	}
}

// TestHealth: a fault makes Check fail until ProbeAfter has passed and a probe succeeds;
// outcomes (a Rollback's included) never count as faults.
func TestHealth(t *testing.T) {
	now := time.Unix(1000, 0)
	h := &Health{Now: func() time.Time { return now }}
	probeErr := errFault
	probe := func(context.Context) error { h.Observe(probeErr, isOutcome); return probeErr }
	steps := []struct {
		name    string
		observe error
		advance time.Duration
		probe   error
		wantErr bool
	}{
		{"healthy at first", nil, 0, nil, false},
		{"an outcome is no fault", errOutcome, 0, nil, false},
		{"a rollback outcome is no fault", Rollback{Err: errOutcome}, 0, nil, false},
		{"a fault", errFault, 0, nil, true},
		{"still within ProbeAfter", nil, ProbeAfter - time.Millisecond, nil, true},
		{"the probe fails", nil, time.Millisecond, errFault, true},
		{"the probe succeeds", nil, ProbeAfter, nil, false},
		{"healthy again", nil, 0, nil, false},
	}
	for _, st := range steps {
		if st.observe != nil {
			h.Observe(st.observe, isOutcome)
		}
		now = now.Add(st.advance)
		probeErr = st.probe
		if err := h.Check(context.Background(), probe); (err != nil) != st.wantErr {
			t.Fatalf("%s: Check = %v, want error %v", st.name, err, st.wantErr)
		}
	}
}
