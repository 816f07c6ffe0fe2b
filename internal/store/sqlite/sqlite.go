// Package sqlite is linkd's embedded store: one SQLite database file in WAL mode, through
// the pure-Go driver modernc.org/sqlite, so that `linkd serve` needs nothing installed.
//
// All writes of a process go through one connection and are group-committed (see
// writer): the writes that arrive together share one transaction, and each caller returns
// once that transaction is committed. Reads use a separate pool of read-only connections,
// which WAL lets run alongside the writer. Several processes may use the same file at
// once (two `linkd serve` during a rolling restart, the `linkd client` commands beside a
// running server): SQLite's file locks and busy timeout serialise their writes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/linkd-dev/linkd/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "linkd.db"

// Options tune the store. The zero value is the production default.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "normal" (default) keeps every commit
	// across a crash of the process (kill -9), since committed WAL frames are in the OS
	// page cache; "full" also keeps it across power loss, at several times the cost per
	// commit.
	Synchronous string
	// MaxBatch caps the writes committed in one transaction (default 512).
	MaxBatch int
	// Readers is the size of the read-only connection pool (default 4).
	Readers int
	// BusyTimeout is how long a statement waits for another process's lock on the file
	// before it fails (default 5s); a write that fails so is answered 503.
	BusyTimeout time.Duration
	// SkipMigrations opens the database as it is (the schema must be current).
	SkipMigrations bool
	// MustExist refuses to create anything: Open and OpenFile fail with an error that
	// matches ErrNoDatabase when the database file does not exist (and create neither
	// the directory nor the file). The commands that only read or change an existing
	// database use it, so that a mistyped --data is reported instead of answered from a
	// new, empty database.
	MustExist bool
	// Clock drives the background checkpoints (default: the real clock; tests pass a
	// fake one).
	Clock clockwork.Clock
}

// Store is the SQLite implementation of store.Store.
type Store struct {
	path  string
	w     *writer
	rdb   *sql.DB
	stmts readStmts
	// ckpt is the connection background checkpoints run on.
	ckpt     *sql.DB
	ckptRuns atomic.Int64 // checkpoints taken, for tests
	clock    clockwork.Clock
	closed   chan struct{}
	ckptDone chan struct{}
}

// ErrNoDatabase is matched (errors.Is) by the error of Open and OpenFile with
// Options.MustExist when there is no database file.
var ErrNoDatabase = errors.New("no linkd database")

// NoDatabaseError says where a database was expected and not found (Options.MustExist).
type NoDatabaseError struct {
	// Path is the database file that does not exist.
	Path string
}

func (e *NoDatabaseError) Error() string { return "sqlite: no linkd database at " + e.Path }

// Is makes a *NoDatabaseError match ErrNoDatabase.
func (e *NoDatabaseError) Is(target error) bool { return target == ErrNoDatabase }

// Open opens (creating if needed, unless opts.MustExist) the database in directory dir
// and applies pending migrations.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if !opts.MustExist {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create data directory: %w", err)
		}
	}
	return OpenFile(ctx, filepath.Join(dir, FileName), opts)
}

// OpenFile opens the database file at path; see Open.
func OpenFile(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.MustExist {
		// Look first for a clear error; mode=rw below keeps SQLite from creating the file
		// should it vanish in between.
		if fi, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
			return nil, &NoDatabaseError{Path: path}
		}
	}
	sync := opts.Synchronous
	switch sync {
	case "":
		sync = "normal"
	case "normal", "full":
	default:
		return nil, fmt.Errorf("sqlite: synchronous must be normal or full, not %q", sync)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.Readers <= 0 {
		opts.Readers = 4
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(" + strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10) + ")&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")"
	if opts.MustExist {
		base += "&mode=rw" // SQLite's own "open, never create": no window between look and open
	}

	// Checkpoints are taken off the commit path (wal_autocheckpoint(0) here, checkpointer
	// below): SQLite's automatic checkpoint would run inside whichever commit crosses the
	// threshold and make every write queued behind it wait.
	wdb, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// The file is created by the ping above; keep it private to its owner.
	_ = os.Chmod(path, 0o600)
	if !opts.SkipMigrations {
		if err := migrate(ctx, wdb); err != nil {
			wdb.Close()
			return nil, err
		}
	}
	s := &Store{path: path, clock: opts.Clock, closed: make(chan struct{}), ckptDone: make(chan struct{})}
	err = s.openRest(ctx, base, wdb, opts)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	go s.checkpointer()
	return s, nil
}

// openRest opens what OpenFile needs besides the writer's database: the reader pool and
// its statements, the checkpointer's connection and the writer. On error it closes what
// it opened.
func (s *Store) openRest(ctx context.Context, base string, wdb *sql.DB, opts Options) (err error) {
	var closers []func() error
	defer func() {
		if err != nil {
			for _, c := range closers {
				c()
			}
		}
	}()
	if s.rdb, err = sql.Open("sqlite", base+"&_pragma=query_only(1)"); err != nil {
		return fmt.Errorf("sqlite: open readers: %w", err)
	}
	closers = append(closers, s.rdb.Close)
	s.rdb.SetMaxOpenConns(opts.Readers)
	s.rdb.SetMaxIdleConns(opts.Readers)
	if s.ckpt, err = sql.Open("sqlite", base); err != nil {
		return fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	closers = append(closers, s.ckpt.Close)
	s.ckpt.SetMaxOpenConns(1)
	if err = s.stmts.prepare(ctx, s.rdb); err != nil {
		return err
	}
	closers = append(closers, func() error { s.stmts.close(); return nil })
	s.w, err = newWriter(ctx, wdb, opts.MaxBatch, opts.Clock)
	return err
}

// checkpointInterval is how often the background checkpointer copies the WAL into the
// database file; walRestartPages is the WAL size (in pages) from which it also waits for
// readers so that the WAL starts over instead of growing.
const (
	checkpointInterval = 200 * time.Millisecond
	walRestartPages    = 4096
)

// checkpointer runs WAL checkpoints on its own connection, off the commit path.
func (s *Store) checkpointer() {
	defer close(s.ckptDone)
	t := s.clock.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			// Leave a small WAL behind for the next start.
			s.ckpt.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			return
		case <-t.Chan():
		}
		var busy, logPages, done int
		if err := s.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done); err != nil {
			continue
		}
		s.ckptRuns.Add(1)
		if logPages >= walRestartPages && done == logPages {
			s.ckpt.Exec(`PRAGMA wal_checkpoint(RESTART)`)
		}
	}
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	// Migration numbers are given out per line of work (00005 transfers and webhooks, 00010
	// wallet verifications), and the lines merge in any order: a database that already has
	// a higher number gets a lower one that arrived later. Each migration touches only its
	// own tables, so applying one out of order is safe.
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithGoMigrations(codesRowidMigration),
		goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	// Two processes starting on a new file can race to create the schema; the loser's
	// attempt fails on the existing table, and a second pass sees the winner's version.
	if _, err := p.Up(ctx); err != nil {
		if _, err2 := p.Up(ctx); err2 != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// probeAfter is how long after a failed write Ping keeps reporting it before it tries a
// write of its own: while requests keep failing, the store is not ready; once they stop
// (a load balancer sends no more), a probe tells whether writes work again.
const probeAfter = 2 * time.Second

// Ping implements store.Store: the readers answer and, if the last write failed, writes
// work again. Within probeAfter of a failed write that is an error; later, a small write
// (the probe row) decides, and its success clears the failure.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if !s.w.failing.Load() {
		return nil
	}
	now := s.clock.Now()
	if since := now.Sub(time.Unix(0, s.w.lastFault.Load())); since < probeAfter {
		return fmt.Errorf("sqlite: ping: a write failed %v ago", since.Round(time.Millisecond))
	}
	err := s.w.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO store_probe (id, checked_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, ms(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: ping: writes fail: %w", err)
	}
	return nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	select {
	case <-s.closed:
		return nil
	default:
	}
	werr := s.w.close()
	close(s.closed)
	<-s.ckptDone
	s.stmts.close()
	err := errors.Join(werr, s.rdb.Close(), s.ckpt.Close())
	if err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// BatchStats reports how many transactions the writer committed and how many writes they
// carried (ops/batches is the mean group-commit size).
func (s *Store) BatchStats() (batches, ops int64) {
	s.w.stats.mu.Lock()
	defer s.w.stats.mu.Unlock()
	return s.w.stats.batches, s.w.stats.ops
}

// isOutcome reports whether an op's error is a domain outcome whose writes must be kept
// (see op), as opposed to a failure.
func isOutcome(err error) bool {
	var rb rollback
	if errors.As(err, &rb) {
		return false
	}
	for _, e := range []error{store.ErrNotFound, store.ErrConflict, store.ErrExpired, store.ErrAlreadyUsed, store.ErrRevoked} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

var _ store.Store = (*Store)(nil)
