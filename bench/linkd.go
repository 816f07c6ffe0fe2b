package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // read-only row count after the run

	"github.com/linkd-dev/linkd/internal/store/postgres/pgtest"
)

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the linkd repository")
		}
		dir = parent
	}
}

// buildLinkd builds ./cmd/linkd of the repository into dir.
func buildLinkd(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "linkd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/linkd")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/linkd: %w", err)
	}
	return bin, nil
}

// database is the PostgreSQL server of a -store postgres run.
type database struct {
	cluster *pgtest.Cluster
	url     string // linkd's database on it
}

// startDatabase starts a PostgreSQL server of the run's own (as the tests do, see
// pgtest: the installed server binaries, fsync on, a free loopback port) and creates
// linkd's database on it.
func startDatabase() (*database, error) {
	c, err := pgtest.Start("")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, err := pgtest.CreateDatabase(ctx, c.URL("postgres"), "linkd_bench")
	if err != nil {
		c.Close()
		return nil, err
	}
	return &database{cluster: c, url: u}, nil
}

func (d *database) close() { d.cluster.Close() }

// linkd is a running `linkd serve`.
type linkd struct {
	bin, dataDir, logPath string
	dbURL                 string // -store postgres: its database; else the embedded one in dataDir
	addr                  string
	cmd                   *exec.Cmd
	exited                chan struct{}
	clientID, secret      string
}

// freePort returns a loopback address that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// startLinkd creates a client in a new database (the embedded one under dir, or db) and
// starts linkd on it with its default configuration (access log and metrics on,
// synchronous=normal), its log going to a file.
func startLinkd(bin, dir string, db *database, extra []string) (*linkd, error) {
	l := &linkd{bin: bin, dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "linkd.log")}
	storeArgs := []string{"--data", l.dataDir}
	if db != nil {
		l.dbURL = db.url
		storeArgs = []string{"--database-url", db.url}
	}
	out, err := exec.Command(bin, append([]string{"client", "create", "--name", "bench"}, storeArgs...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("linkd client create: %w", err)
	}
	var cred struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal(out, &cred); err != nil || cred.ClientID == "" || cred.ClientSecret == "" {
		return nil, fmt.Errorf("linkd client create: unexpected output %q", out)
	}
	l.clientID, l.secret = cred.ClientID, cred.ClientSecret

	logf, err := os.Create(l.logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	for attempt := 0; ; attempt++ {
		if l.addr, err = freePort(); err != nil {
			return nil, err
		}
		l.cmd = exec.Command(bin, append(append([]string{"serve", "--addr", l.addr}, storeArgs...), extra...)...)
		l.cmd.Stdout, l.cmd.Stderr = logf, logf
		l.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := l.cmd.Start(); err != nil {
			return nil, fmt.Errorf("start linkd: %w", err)
		}
		l.exited = make(chan struct{})
		go func() { l.cmd.Wait(); close(l.exited) }()
		if err = l.waitReady(15 * time.Second); err == nil {
			return l, nil
		}
		l.kill()
		if attempt == 2 {
			return nil, fmt.Errorf("linkd did not become ready (log: %s): %w", l.logPath, err)
		}
	}
}

func (l *linkd) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-l.exited:
			return fmt.Errorf("linkd exited: %v", l.cmd.ProcessState)
		default:
		}
		resp, err := http.Get("http://" + l.addr + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *linkd) pid() int { return l.cmd.Process.Pid }

// kill stops linkd the hard way (a crash: no graceful shutdown, no checkpoint).
func (l *linkd) kill() {
	l.cmd.Process.Kill()
	<-l.exited
}

// stop stops linkd with SIGTERM (graceful shutdown) and waits for it.
func (l *linkd) stop() error {
	l.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-l.exited:
		return nil
	case <-time.After(30 * time.Second):
		l.kill()
		return errors.New("linkd did not stop within 30s of SIGTERM")
	}
}

func (l *linkd) get(path string, v any) error {
	req, _ := http.NewRequest("GET", "http://"+l.addr+path, nil)
	req.Header.Set("X-Client-Id", l.clientID)
	req.Header.Set("X-Client-Secret", l.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

// networkIDs returns the ids of the Ethereum and Solana networks of linkd's catalog.
func (l *linkd) networkIDs() (eth, sol string, err error) {
	var env struct {
		Content struct {
			Networks []struct{ ID, Name, NetworkType string }
		}
	}
	if err := l.get("/api/v1/transfers/managed/networks", &env); err != nil {
		return "", "", err
	}
	for _, n := range env.Content.Networks {
		switch {
		case strings.EqualFold(n.Name, "Ethereum"):
			eth = n.ID
		case strings.EqualFold(n.Name, "Solana"):
			sol = n.ID
		}
	}
	if eth == "" || sol == "" {
		return "", "", errors.New("GET /api/v1/transfers/managed/networks: no Ethereum or no Solana network")
	}
	return eth, sol, nil
}

// probe sends one link-token request and returns linkd's answer: its body size and its
// header set (Date and Content-Length aside), which the ceiling reproduces.
func (l *linkd) probe(body []byte) (size int, headers [][2]string, err error) {
	return postLinkToken(l.addr, l.clientID, l.secret, body)
}

// probeCeiling checks what the ceiling answers to the same request.
func probeCeiling(addr string, body []byte) (size int, headers [][2]string, err error) {
	return postLinkToken(addr, "bench", "bench", body)
}

func postLinkToken(addr, id, secret string, body []byte) (size int, headers [][2]string, err error) {
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/linktoken", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Client-Id", id)
	req.Header.Set("X-Client-Secret", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode != 200 {
		return 0, nil, fmt.Errorf("POST /api/v1/linktoken: %s: %s", resp.Status, b)
	}
	var env struct {
		Content struct{ LinkToken string }
		Status  string
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Status != "ok" || env.Content.LinkToken == "" {
		return 0, nil, fmt.Errorf("POST /api/v1/linktoken: unexpected answer %s", b)
	}
	for k, vs := range resp.Header {
		if k == "Date" || k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			headers = append(headers, [2]string{k, v})
		}
	}
	return len(b), headers, nil
}

// metrics reads unlabelled samples from linkd's /metrics; absent names are absent from
// the map.
func (l *linkd) metrics(names ...string) (map[string]float64, error) {
	resp, err := http.Get("http://" + l.addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		for _, n := range names {
			if rest, ok := strings.CutPrefix(line, n+" "); ok {
				if v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64); err == nil {
					out[n] = v
				}
			}
		}
	}
	return out, nil
}

// countCodes counts the rows of link_codes in the (stopped) linkd's database: the
// embedded one opened read-only, or PostgreSQL's.
func (l *linkd) countCodes() (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int64
	if l.dbURL != "" {
		conn, err := pgx.Connect(ctx, l.dbURL)
		if err != nil {
			return 0, err
		}
		defer conn.Close(context.Background())
		err = conn.QueryRow(ctx, `SELECT count(*) FROM link_codes`).Scan(&n)
		return n, err
	}
	path := filepath.Join(l.dataDir, "linkd.db")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM link_codes`).Scan(&n)
	return n, err
}

// treeCPUTime is the CPU time used so far by process pid and its children (a
// PostgreSQL server and its backends).
func treeCPUTime(pid int) time.Duration {
	total, _ := cpuTime(pid)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		if parent, err := parentPid(child); err == nil && parent == pid {
			if d, err := cpuTime(child); err == nil {
				total += d
			}
		}
	}
	return total
}

// parentPid reads a process's parent from /proc/PID/stat.
func parentPid(pid int) (int, error) {
	f, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(f[1]) // field 4
}

// statFields returns the fields of /proc/PID/stat after the command name (which is in
// parentheses and may hold spaces): f[0] is field 3 (state).
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, errors.New("unexpected /proc/PID/stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return nil, errors.New("unexpected /proc/PID/stat")
	}
	return f, nil
}

// cpuTime is the user+system CPU time a process has used so far.
func cpuTime(pid int) (time.Duration, error) {
	f, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unexpected /proc/PID/stat")
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, 100 on every Linux that Go supports.
const clockTicks = 100

// selfCPU is the CPU time this process (the load generator) has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
