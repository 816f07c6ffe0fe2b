package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// applyItem is what the writer hands the applier, in submission order: journaled codes
// (own copies) with the journal offset after them, or ops to run on SQLite.
type applyItem struct {
	codes []store.LinkCode
	end   int64
	ops   []*op
}

// journalOps is the owner's handling of one group-commit batch: the insert ops whose
// codes are certainly new are appended to the journal in one record and answered; the
// others, and every other op, go to the applier, which answers them once they have run
// on SQLite after everything appended before them.
func (w *writer) journalOps(inserts, others []*op) {
	var slow []*op
	fast := inserts[:0]
	for _, o := range inserts {
		if w.keys.admit(o.codes) {
			fast = append(fast, o)
		} else {
			slow = append(slow, o)
		}
	}
	if len(fast) > 0 {
		codes := w.jcodes[:0]
		for _, o := range fast {
			codes = append(codes, o.codes...)
		}
		end, err := w.j.append(codes)
		var own []store.LinkCode
		if err == nil {
			own = ownCodes(codes)
			w.count(len(fast))
		}
		clear(codes)
		w.jcodes = codes[:0]
		for _, o := range fast {
			o.done <- err
		}
		if err == nil {
			w.apply <- applyItem{codes: own, end: end}
		}
	}
	if len(slow)+len(others) > 0 {
		w.apply <- applyItem{ops: append(slow, others...)}
	}
}

// ownCodes copies the byte slices of codes (which belong to the callers, who reuse them
// once answered) into one allocation.
func ownCodes(codes []store.LinkCode) []store.LinkCode {
	n := 0
	for i := range codes {
		n += len(codes[i].ID) + len(codes[i].Hash) + len(codes[i].Options)
	}
	arena := make([]byte, 0, n)
	take := func(b []byte) []byte {
		start := len(arena)
		arena = append(arena, b...)
		return arena[start:len(arena):len(arena)]
	}
	out := make([]store.LinkCode, len(codes))
	for i, c := range codes {
		c.ID, c.Hash, c.Options = take(c.ID), take(c.Hash), take(c.Options)
		out[i] = c
	}
	return out
}

// applier is the applier goroutine's state: the journaled codes not yet in SQLite.
type applier struct {
	pending []store.LinkCode
	end     int64 // the journal offset after the last code received (its end, or behind it)
	timer   *time.Timer
	armed   bool
}

// applyLoop applies journaled codes to SQLite, applyBatch at a time or applyInterval
// after they arrive, and runs the ops it receives after applying every code received
// before them, so that they see those codes (Redeem, RevokeClientCodes, Purge).
func (w *writer) applyLoop(done chan struct{}) {
	defer close(done)
	a := &applier{timer: time.NewTimer(time.Hour)}
	a.timer.Stop()
	for {
		select {
		case it, ok := <-w.apply:
			if !ok {
				if w.flush(a) == nil {
					// Everything is in SQLite: leave an empty journal behind.
					w.j.mu.Lock()
					_ = w.j.reset(w.j.gen + 1)
					w.j.mu.Unlock()
				}
				return
			}
			w.take(a, it)
		case <-a.timer.C:
			a.armed = false
			_ = w.flush(a)
		}
		if a.end >= w.journalLimit { // the journal's end, as far as the applier has seen it
			w.restartJournal(a)
		}
	}
}

// take handles one item from the writer.
func (w *writer) take(a *applier, it applyItem) {
	if it.ops == nil {
		a.pending = append(a.pending, it.codes...)
		a.end = it.end
		switch {
		case len(a.pending) >= applyBatch:
			_ = w.flush(a)
		case !a.armed:
			a.timer.Reset(w.applyInterval)
			a.armed = true
		}
		return
	}
	if err := w.flush(a); err != nil {
		// The ops would not see the codes that failed to apply: fail them too.
		for _, o := range it.ops {
			o.done <- err
		}
		return
	}
	w.runSQL(splitOps(it.ops, nil, nil))
}

// flush applies the pending codes in one transaction (INSERT OR IGNORE: recovery may
// apply a code twice) and records it in the journal's header. On failure the codes stay
// pending and are tried again later.
func (w *writer) flush(a *applier) error {
	if len(a.pending) == 0 {
		return nil
	}
	if err := w.raw.run(context.Background(), a.pending, true); err != nil {
		if !a.armed {
			a.timer.Reset(w.applyInterval)
			a.armed = true
		}
		return err
	}
	clear(a.pending)
	a.pending = a.pending[:0]
	// If the header keeps an older offset, recovery applies the same codes again, which
	// changes nothing.
	_ = w.j.markApplied(a.end)
	return nil
}

// restartJournal empties the journal once it has grown past journalLimit: under the
// journal's lock, which holds back appends, it takes and applies every item up to the
// journal's end, then resets the file. Appends wait for the time that takes (one apply).
func (w *writer) restartJournal(a *applier) {
	w.j.mu.Lock()
	defer w.j.mu.Unlock()
	target := w.j.end
	for a.end < target {
		it, ok := <-w.apply
		if !ok {
			return // closing: applyLoop's last flush resets the journal
		}
		w.take(a, it)
	}
	if w.flush(a) == nil && w.j.reset(w.j.gen+1) == nil {
		a.end = journalHeader
	}
}

// recentKeys screens the codes the owner journals: a code may be journaled (and answered
// before it reaches SQLite) only if its key is certainly not in the database, since the
// applier's INSERT OR IGNORE would drop it silently. Keys minted by this process are
// increasing nanosecond times, so a key above the database's largest at start, and not
// among those journaled in the last 50–100 ms of key time, is new; any other goes
// through SQLite, where a duplicate is ErrConflict.
type recentKeys struct {
	floor     int64 // keys at or below it take the slow path
	rotateAt  int64
	max       int64
	prevMax   int64
	cur, prev map[int64]struct{}
}

// recentSpan is the key time each generation of recentKeys covers: short, so that the
// sets stay small (~1,000 keys at 25,000 codes/s) and cache-resident; a code that reaches
// the writer more than a span after newer ones were journaled takes the SQLite path.
const recentSpan = int64(50 * time.Millisecond)

// admit reports whether codes may be journaled, and if so remembers their keys.
func (r *recentKeys) admit(codes []store.LinkCode) bool {
	for i := range codes {
		k, _, _ := codeKey(codes[i].ID) // checked by CreateCodes
		if k <= r.floor {
			return false
		}
		if k <= r.max { // out of order: look it up (keys above max are new)
			if _, ok := r.cur[k]; ok {
				return false
			}
			if _, ok := r.prev[k]; ok {
				return false
			}
		}
		for j := range i {
			if kj, _, _ := codeKey(codes[j].ID); kj == k {
				return false
			}
		}
	}
	if r.cur == nil {
		r.cur, r.prev = map[int64]struct{}{}, map[int64]struct{}{}
	}
	for i := range codes {
		k, _, _ := codeKey(codes[i].ID)
		r.cur[k] = struct{}{}
		r.max = max(r.max, k)
	}
	if r.max >= r.rotateAt {
		// Forget the older generation: its keys are all at or below prevMax.
		r.floor = max(r.floor, r.prevMax)
		old := r.prev
		clear(old)
		r.prev, r.cur = r.cur, old
		r.prevMax = r.max
		r.rotateAt = r.max + recentSpan
	}
	return true
}

// importJournal inserts, in tx, the codes of another process's journal that it has not
// applied yet.
func importJournal(ctx context.Context, tx *sql.Tx, path string) error {
	codes, err := readJournalTail(path)
	if err != nil || len(codes) == 0 {
		return err
	}
	return insertIgnore(ctx, tx, codes)
}

// insertIgnore inserts codes one by one, skipping those already there.
func insertIgnore(ctx context.Context, tx *sql.Tx, codes []store.LinkCode) error {
	st, err := tx.PrepareContext(ctx, insertCodesSQL(1, "IGNORE"))
	if err != nil {
		return fmt.Errorf("sqlite: apply journal: %w", err)
	}
	defer st.Close()
	for _, c := range codes {
		key, tail, ok := codeKey(c.ID)
		if !ok {
			continue
		}
		if _, err := st.ExecContext(ctx, key, tail, c.Hash, c.Kind, c.ClientID, c.SubClientID, c.UserID, c.Options, ms(c.CreatedAt), ms(c.ExpiresAt)); err != nil {
			return fmt.Errorf("sqlite: apply journal: %w", err)
		}
	}
	return nil
}

// recoverJournal applies what j holds (codes a process answered for but had not applied
// when it stopped) and empties it.
func recoverJournal(ctx context.Context, db *sql.DB, j *journal) (int, error) {
	codes, err := j.unapplied()
	if err != nil {
		return 0, err
	}
	if len(codes) > 0 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, fmt.Errorf("sqlite: recover journal: %w", err)
		}
		if err := insertIgnore(ctx, tx, codes); err != nil {
			_ = tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, fmt.Errorf("sqlite: recover journal: %w", err)
		}
	}
	return len(codes), j.reset(j.gen + 1)
}
