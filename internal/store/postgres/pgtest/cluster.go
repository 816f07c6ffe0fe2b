// Package pgtest runs a real PostgreSQL server for tests and benchmarks (never a mock):
// the installed package's initdb and postgres, on a temporary directory and a free
// loopback port, with fsync on, since linkd's durability is what is being tested.
//
// Tests call URL, which returns a fresh, empty database of one server shared by the whole
// test binary; such a package runs its tests through Main, which stops that server when
// they end:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// With LINKD_TEST_DATABASE_URL set (a role that may create databases), URL creates its
// databases there instead and no server is started. Without PostgreSQL installed, URL
// skips the test, naming what is missing, or fails it when LINKD_E2E_REQUIRED=1.
//
// Programs that are not tests (the load benchmark) use Start.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotInstalled is returned by Start when no PostgreSQL server binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL is not installed: no initdb and postgres under /usr/lib/postgresql/*/bin or on PATH (apt-get install postgresql, or set LINKD_TEST_DATABASE_URL)")

// Cluster is a PostgreSQL server started by Start: its data lives in a directory of its
// own and it listens on 127.0.0.1 only. It runs as a child of this process and dies with
// it (a parent-death signal), so that a test binary killed half way leaves no server
// behind.
type Cluster struct {
	// Dir holds the data directory, the server's log (postgres.log) and its socket.
	Dir  string
	Port int

	bin      string
	password string
	cred     *syscall.Credential // run as this user (when we are root), else nil

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// superuser is the cluster's superuser; its password is random per cluster.
const superuser = "postgres"

// Binaries returns the directory of the newest installed PostgreSQL server binaries
// (Debian's /usr/lib/postgresql/VERSION/bin, else the PATH), or ErrNotInstalled.
func Binaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// version is the major version in a path like /usr/lib/postgresql/15/bin.
func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Start creates a cluster in a new directory under parent (os.TempDir() if empty) and
// starts it. initdb and postgres refuse to run as root: when this process is root, they
// run as the system user "postgres" (created by Debian's package), which then owns the
// directory.
func Start(parent string) (*Cluster, error) {
	bin, err := Binaries()
	if err != nil {
		return nil, err
	}
	if parent == "" {
		parent = os.TempDir()
	}
	removeStale(parent)
	dir, err := os.MkdirTemp(parent, dirPrefix)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, password: randomHex(16)}
	if err := c.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if c.Port, err = freePort(); err != nil {
			break
		}
		if err = c.Start(); err == nil || attempt == 2 || !strings.Contains(c.Log(), "could not bind") {
			break
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// dirPrefix names the clusters' directories, so that those of killed test binaries can
// be found and removed (removeStale).
const dirPrefix = "linkd-pgtest-"

// ownerFile holds the pid of the process that created a cluster's directory.
const ownerFile = "owner.pid"

// removeStale removes the cluster directories under parent whose creator has exited:
// its server died with it, but a process that was killed could not remove its files.
func removeStale(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, dirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		os.RemoveAll(d)
	}
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }
func (c *Cluster) sockDir() string { return filepath.Join(c.Dir, "sock") }

// Pid is the server's (the postmaster's) process id, 0 when it is stopped: its
// backends are its children.
func (c *Cluster) Pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// Log returns what the server has logged so far.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "postgres.log"))
	return string(b)
}

// init runs initdb: password authentication for every connection, UTF-8, the C locale.
func (c *Cluster) init() error {
	if err := os.WriteFile(filepath.Join(c.Dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	pwfile := filepath.Join(c.Dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(c.password+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Mkdir(c.sockDir(), 0o700); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("pgtest: running as root, and initdb refuses root: no user \"postgres\" to run it as (%w)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, p := range []string{c.Dir, pwfile, c.sockDir()} {
			if err := os.Chown(p, uid, gid); err != nil {
				return err
			}
		}
		if err := os.Chmod(c.Dir, 0o700); err != nil {
			return err
		}
	}
	// --no-sync: only initdb's own files go unsynced; the running server syncs every
	// commit (fsync stays on).
	cmd := exec.Command(filepath.Join(c.bin, "initdb"), "-D", c.dataDir(), "-U", superuser, "--pwfile", pwfile,
		"--auth", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: %s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	os.Remove(pwfile)
	return nil
}

// Start starts the server (again, after Stop) on c.Port and waits until it accepts
// connections.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return errors.New("pgtest: the server is already running")
	}
	logf, err := os.OpenFile(filepath.Join(c.Dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	// postgres runs in the foreground as our child, not through pg_ctl (which would
	// detach it): SIGQUIT reaches it if this process dies, so no server outlives it.
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-D", c.dataDir(), "-p", strconv.Itoa(c.Port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+c.sockDir(),
		"-c", "max_connections=400", "-c", "fsync=on", "-c", "synchronous_commit=on")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	done := make(chan struct{})
	started := make(chan error)
	go func() {
		// The parent-death signal is sent when the thread that started the child ends,
		// not the process: keep that thread for as long as the child runs.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.cmd, c.done = cmd, done
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-done:
			c.cmd = nil
			return fmt.Errorf("pgtest: postgres exited at start: %v; its log:\n%s", cmd.ProcessState, tail(c.Log(), 2000))
		default:
		}
		if time.Now().After(deadline) {
			c.stopLocked(syscall.SIGQUIT)
			return fmt.Errorf("pgtest: postgres does not accept connections after 60 s (%v); its log:\n%s", err, tail(c.Log(), 2000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// Stop stops the server with a fast shutdown (clients are disconnected, a checkpoint is
// written), as `pg_ctl stop -m fast` does. The cluster can be started again.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopLocked(syscall.SIGINT)
}

func (c *Cluster) stopLocked(sig syscall.Signal) error {
	if c.cmd == nil {
		return nil
	}
	c.cmd.Process.Signal(sig)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		c.cmd.Process.Signal(syscall.SIGQUIT)
		<-c.done
	}
	c.cmd = nil
	return nil
}

// Close stops the server and removes its directory.
func (c *Cluster) Close() error {
	c.Stop()
	return os.RemoveAll(c.Dir)
}

// URL is the connection URL of database dbname, as the superuser, over TCP.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(superuser, c.password), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path: "/" + dbname, RawQuery: "sslmode=disable"}
	return u.String()
}

// CreateDatabase creates a new, empty database on the server that adminURL reaches (a
// role allowed to create databases) and returns its URL: adminURL with the new database's
// name as its path.
func CreateDatabase(ctx context.Context, adminURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return withDatabase(adminURL, name)
}

// DropDatabase drops a database made by CreateDatabase, disconnecting its users.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// withDatabase replaces the database of a postgres:// URL.
func withDatabase(rawURL, name string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("pgtest: the admin URL must be a postgres:// URL")
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
