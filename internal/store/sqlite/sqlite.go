// Package sqlite is linkd's embedded store: one SQLite database file in WAL mode, through
// the pure-Go driver modernc.org/sqlite, so that `linkd serve` needs nothing installed.
//
// All writes of a process go through one connection and are group-committed (see
// writer); reads use a separate pool of read-only connections, which WAL lets run
// alongside the writer. The process that serves the database (one at a time) appends the
// codes it issues to a journal before answering and applies them to SQLite in large
// transactions (see journal). Other processes (the `linkd client` commands, Options.Shared)
// may write to the same file at the same time; SQLite's file locks and busy timeout
// serialise them.
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
	"time"

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
	// SkipMigrations opens the database as it is (the schema must be current).
	SkipMigrations bool
	// Shared opens the database for a command that runs beside the process serving it
	// (the `linkd client` commands): it does not take the code journal (see journal),
	// and every write transaction first inserts the codes the serving process has
	// journaled but not applied yet. If no process serves the database, opening applies
	// what its journal holds. It does not issue codes (CreateCodes fails). By default the
	// store owns the journal, and opening fails with ErrInUse while another process owns
	// it: one process serves an embedded database (several instances need PostgreSQL).
	Shared bool

	// applyInterval and journalLimit override applyInterval and journalLimit (tests).
	applyInterval time.Duration
	journalLimit  int64
}

// ErrInUse is returned by Open when another process serves the database.
var ErrInUse = errJournalLocked

// Store is the SQLite implementation of store.Store.
type Store struct {
	path      string
	shared    bool
	recovered int // codes applied from a stopped process's journal at open
	w         *writer
	rdb       *sql.DB
	stmts     readStmts
	// ckpt is the connection background checkpoints run on.
	ckpt     *sql.DB
	closed   chan struct{}
	ckptDone chan struct{}
}

// Open opens (creating if needed) the database in directory dir and applies pending
// migrations.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create data directory: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName), opts)
}

// OpenFile opens the database file at path; see Open.
func OpenFile(ctx context.Context, path string, opts Options) (*Store, error) {
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
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")"

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
	rdb, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	rdb.SetMaxOpenConns(opts.Readers)
	rdb.SetMaxIdleConns(opts.Readers)
	ckpt, err := sql.Open("sqlite", base)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	s := &Store{path: path, shared: opts.Shared, rdb: rdb, ckpt: ckpt, closed: make(chan struct{}), ckptDone: make(chan struct{})}
	if err := s.stmts.prepare(ctx, rdb); err != nil {
		wdb.Close()
		rdb.Close()
		ckpt.Close()
		return nil, err
	}
	j, tail, maxKey, recovered, err := openJournalFor(ctx, wdb, path, opts.Shared, sync == "full")
	s.recovered = recovered
	if err == nil {
		s.w, err = newWriter(ctx, wdb, opts, j, tail, maxKey)
		if err != nil && j != nil {
			j.close()
		}
	}
	if err != nil {
		s.stmts.close()
		wdb.Close()
		rdb.Close()
		ckpt.Close()
		return nil, err
	}
	go s.checkpointer()
	return s, nil
}

// openJournalFor takes the code journal of the database at path (unless shared), applies
// what it holds, and returns it, or, for a shared store whose journal another process
// owns, its path; and the largest code key in the database. An owner waits a little for
// the lock, which a shared store holds while it applies a dead owner's journal.
func openJournalFor(ctx context.Context, db *sql.DB, path string, shared, sync bool) (j *journal, tail string, maxKey int64, recovered int, err error) {
	jpath := journalPath(path)
	for attempt := 0; ; attempt++ {
		j, err = openJournal(jpath, sync)
		if !errors.Is(err, errJournalLocked) || shared || attempt == 20 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	switch {
	case errors.Is(err, errJournalLocked) && shared:
		j, tail = nil, jpath
	case err != nil:
		return nil, "", 0, 0, err
	default:
		if recovered, err = recoverJournal(ctx, db, j); err != nil {
			j.close()
			return nil, "", 0, 0, err
		}
		if shared {
			j.close()
			j, tail = nil, jpath // a process may start serving it meanwhile
		}
	}
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM link_codes`).Scan(&maxKey); err != nil {
		if j != nil {
			j.close()
		}
		return nil, "", 0, 0, fmt.Errorf("sqlite: %w", err)
	}
	return j, tail, maxKey, recovered, nil
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
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			// Leave a small WAL behind for the next start.
			s.ckpt.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			return
		case <-t.C:
		}
		var busy, logPages, done int
		if err := s.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done); err != nil {
			continue
		}
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
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithGoMigrations(codesRowidMigration))
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

// Recovered is how many codes opening the store applied from the journal of a process
// that had answered for them and stopped before applying them (a crash, kill -9).
func (s *Store) Recovered() int { return s.recovered }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
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

// BatchStats reports how many group commits the writer made (journal appends of issued
// codes, transactions of other writes) and how many writes they carried (ops/batches is
// the mean group-commit size).
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
