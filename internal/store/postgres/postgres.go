// Package postgres is linkd's PostgreSQL store, for several linkd instances sharing one
// database (behind a load balancer), through jackc/pgx's connection pool.
//
// It keeps the embedded store's guarantees with PostgreSQL's means: a link code is
// redeemed by one conditional UPDATE at READ COMMITTED, so that exactly one of any number
// of concurrent redemptions, on any instance, wins; codes issued by concurrent requests
// are inserted by one statement per batch (group commit, package groupcommit) with
// synchronous_commit left as the server has it, so that an answered token is committed;
// every call is bounded by Options.Timeout, so that a database that is stopped,
// unreachable or slow costs a request an error (503) within about a second, never a
// wrong answer; and the pool reconnects by itself once the database is back.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/groupcommit"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune the store. The zero value is the production default.
type Options struct {
	// Timeout bounds every call, from its start to its answer (default 1s): a database
	// that is stopped, unreachable or slow yields an error after at most this long.
	Timeout time.Duration
	// MaxBatch caps the link codes of the requests inserted by one statement (default 512).
	MaxBatch int
	// Writers is how many batches of codes may be in flight at once, each on its own
	// connection (default 1). One is the cheapest on a small machine: while its batch
	// commits, the next one fills, so that batches are larger (15 codes a commit under
	// the load benchmark against 9 with two writers) and each code costs PostgreSQL and
	// linkd less CPU (bench/README.md).
	Writers int
	// SkipMigrations opens the database as it is (the schema must be current).
	SkipMigrations bool
	// MustExist refuses to create linkd's schema: Open fails with an error that matches
	// ErrNoSchema when the database has none (pending migrations of an existing schema
	// are still applied). The commands that only read or change an existing deployment
	// use it, so that a URL naming the wrong database is reported instead of answered
	// from a new, empty schema.
	MustExist bool
	// Now is the clock of Ping's wait before it probes writes (nil: time.Now).
	Now func() time.Time
}

// ErrBadURL is the error of Open for a URL that is not a valid PostgreSQL connection
// string: waiting for the database would not help.
var ErrBadURL = errors.New("not a valid database URL")

// ErrNoSchema is matched (errors.Is) by the error of Open with Options.MustExist when the
// database holds no linkd schema.
var ErrNoSchema = errors.New("no linkd schema")

// DefaultMaxConns is the pool's size when the URL sets no pool_max_conns.
const DefaultMaxConns = 10

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool    *pgxpool.Pool
	codes   *groupcommit.Batcher[codeWork]
	health  *groupcommit.Health
	timeout time.Duration
	close   sync.Once
}

// Open connects to the database at url (postgres://… or key=value pairs, as libpq takes
// them; pool settings such as pool_max_conns go in the URL) and applies pending
// migrations. It fails at once if the database does not answer; callers that want to
// wait for it retry (linkd serve does, with backoff).
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Writers <= 0 {
		opts.Writers = 1
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w: %w", ErrBadURL, err) // pgx's message hides the password
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	cc := cfg.ConnConfig
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "linkd"
	}
	if cc.ConnectTimeout == 0 {
		// Requests are bounded by Timeout; this bounds the pool's own dials, so that a
		// blackholed server does not keep connection attempts for minutes.
		cc.ConnectTimeout = 5 * time.Second
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		// Times come back in UTC, as the embedded store returns them.
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, max(opts.Timeout, 5*time.Second))
	err = pool.Ping(pctx)
	cancel()
	if err != nil {
		pool.Close()
		return nil, &oneLine{fmt.Errorf("postgres: connect to %s: %w", Redact(url), err)}
	}
	if opts.MustExist {
		var found bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, migrationTable).Scan(&found); err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: look for linkd's schema: %w", err)
		}
		if !found {
			pool.Close()
			return nil, fmt.Errorf("postgres: %w in %s", ErrNoSchema, Redact(url))
		}
	}
	if !opts.SkipMigrations {
		if err := migrate(ctx, pool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	s := &Store{pool: pool, timeout: opts.Timeout, health: &groupcommit.Health{Now: opts.Now}}
	s.codes = groupcommit.New(groupcommit.Options{MaxBatch: opts.MaxBatch, Workers: opts.Writers, IsOutcome: store.IsOutcome, Health: s.health},
		s.handleCodes)
	return s, nil
}

// Migration bookkeeping: its own table and advisory lock, so that linkd can share a
// database with other applications that use goose.
const (
	migrationTable  = "linkd_schema_migrations"
	migrationLockID = 0x6c696e6b64 // "linkd"
)

// migrate applies the embedded migrations. Instances starting at the same moment take
// turns: the first holds a session-level advisory lock while it migrates, the others wait
// for it (polling every second) and find nothing left to do.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker), goose.WithTableName(migrationTable))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// oneLine is an error whose message fits on one line (pgx lists the addresses it tried
// on lines of their own), for logs and the command line.
type oneLine struct{ err error }

func (e *oneLine) Error() string { return strings.Join(strings.Fields(e.err.Error()), " ") }
func (e *oneLine) Unwrap() error { return e.err }

// Redact returns a database URL fit for a log: without its password (in the userinfo,
// a password= query parameter or a password=… pair).
func Redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Host != "" {
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return passwordPair.ReplaceAllString(raw, "${1}xxxxx")
}

var passwordPair = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// bound is the context of one call: the caller's, with Timeout. Writes are detached from
// the caller's cancellation (a client that goes away must not abort a commit half way,
// nor make the store look unhealthy), reads are not.
func (s *Store) bound(ctx context.Context, write bool) (context.Context, context.CancelFunc) {
	if write {
		ctx = context.WithoutCancel(ctx)
	}
	return context.WithTimeout(ctx, s.timeout)
}

// maxAttempts bounds the retries of a transaction that PostgreSQL aborted for a
// serialization failure or a deadlock.
const maxAttempts = 5

// retryable reports whether PostgreSQL rolled a transaction back for a serialization
// failure (40001) or a deadlock (40P01): nothing of it was written, and running it
// again will most likely succeed.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// isUniqueViolation reports whether err is a unique constraint's violation (23505).
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// backoff waits before the attempt-th retry (a few ms, jittered, so that the
// transactions that collided do not collide again), or until ctx ends.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(1+rand.IntN(1<<attempt)) * time.Millisecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// keeps reports whether a transaction whose work returned err must still commit: an
// outcome that is not a Rollback (see groupcommit).
func keeps(err error) bool { return !groupcommit.IsRollback(err) && store.IsOutcome(err) }

// write runs fn in a transaction at READ COMMITTED and commits it if fn returns nil or an
// outcome to keep; it retries the whole transaction on serialization failures and
// deadlocks, so that these never reach a caller. The result feeds Ping.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.writeWithin(ctx, s.timeout, fn)
}

// writeWithin is write bounded by d instead of Timeout.
func (s *Store) writeWithin(ctx context.Context, d time.Duration, fn func(ctx context.Context, tx pgx.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	defer cancel()
	var err error
	for attempt := 1; ; attempt++ {
		err = s.txOnce(ctx, fn)
		if !retryable(err) || attempt == maxAttempts || backoff(ctx, attempt) != nil {
			break
		}
	}
	s.health.Observe(err, store.IsOutcome)
	var rb groupcommit.Rollback
	if errors.As(err, &rb) {
		return rb.Err
	}
	return err
}

func (s *Store) txOnce(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	ferr := fn(ctx, tx)
	if ferr != nil && !keeps(ferr) {
		_ = tx.Rollback(ctx)
		return ferr
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return ferr
}

// exec runs one statement on its own (its own transaction), with write's retries and
// health bookkeeping, and returns the rows it affected.
func (s *Store) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	ctx, cancel := s.bound(ctx, true)
	defer cancel()
	var (
		tag pgconn.CommandTag
		err error
	)
	for attempt := 1; ; attempt++ {
		tag, err = s.pool.Exec(ctx, sql, args...)
		if !retryable(err) || attempt == maxAttempts || backoff(ctx, attempt) != nil {
			break
		}
	}
	s.health.Observe(err, store.IsOutcome)
	return tag.RowsAffected(), err
}

// Ping implements store.Store: a read answers and, if the last write failed, writes work
// again (groupcommit.Health: within ProbeAfter of a failed write that is an error; later,
// a write of the probe row decides, and its success clears the failure).
func (s *Store) Ping(ctx context.Context) error {
	rctx, cancel := s.bound(ctx, false)
	defer cancel()
	if err := s.pool.Ping(rctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	err := s.health.Check(ctx, func(ctx context.Context) error {
		_, err := s.exec(ctx, `INSERT INTO store_probe (id, checked_at) VALUES (1, now())
			ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// BatchStats implements store.CommitStats: the statements that inserted codes, and the
// CreateCodes calls they carried.
func (s *Store) BatchStats() (batches, ops int64) { return s.codes.Stats() }

// Close implements store.Store: the codes already submitted are inserted (or fail) first.
func (s *Store) Close() error {
	s.close.Do(func() {
		s.codes.Close()
		s.pool.Close()
	})
	return nil
}

var _ store.Store = (*Store)(nil)
var _ store.CommitStats = (*Store)(nil)
