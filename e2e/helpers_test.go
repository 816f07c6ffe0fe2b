// Package e2e tests the linkd binary from the outside: it builds cmd/linkd once, runs
// `linkd serve` and the `linkd client` commands as separate processes on temporary data
// directories, and talks to them over HTTP, from Go and through Mesh's official Node
// client (@meshconnect/node-api, installed from e2e/package-lock.json).
//
// Run with `go test ./e2e/` from the repository root (`-short` skips the package).
// The Node-based tests need `node` and `npm`; they install e2e/node_modules with `npm ci`
// when it is missing, and skip when node is not installed unless LINKD_E2E_REQUIRED=1.
// The PostgreSQL tests (postgres_test.go) run linkd on databases of a PostgreSQL server
// that pgtest starts for the package (or LINKD_TEST_DATABASE_URL's), and skip the same
// way when PostgreSQL is not installed.
package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
	"github.com/linkd-dev/linkd/internal/store/postgres/pgtest"
	"github.com/linkd-dev/linkd/meshapi"
)

// Paths set by TestMain.
var (
	// repoRoot is the repository root (the parent of the test's working directory).
	repoRoot string
	// e2eDir is this package's directory, where package.json and node_modules live.
	e2eDir string
	// linkdBin is the linkd binary built for this run; empty in -short mode.
	linkdBin string
)

// healthTimeout bounds how long a started linkd may take to answer GET /healthz.
const healthTimeout = 15 * time.Second

// TestMain builds the linkd binary once for the whole run.
func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

// runTests locates the repository, builds linkd (unless -short) and runs the tests.
func runTests(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	e2eDir = wd
	repoRoot = filepath.Dir(wd)
	if testing.Short() {
		return pgtest.Main(m)
	}
	tmp, err := os.MkdirTemp("", "linkd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	linkdBin = filepath.Join(tmp, "linkd")
	start := time.Now()
	build := exec.Command(goTool(), "build", "-o", linkdBin, "./cmd/linkd")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build -o %s ./cmd/linkd (in %s): %v\n%s", linkdBin, repoRoot, err, out)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "e2e: built %s in %v\n", linkdBin, time.Since(start).Round(time.Millisecond))
	}
	// pgtest.Main stops the PostgreSQL server the tests shared (pgtest.URL), if any.
	return pgtest.Main(m)
}

// goTool returns the go command of the toolchain running the tests.
func goTool() string {
	//lint:ignore SA1019 the toolchain that built this test binary is on this machine: it builds linkd with the same one
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

// fileExists reports whether p exists.
func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// needBinary skips the test in -short mode, where TestMain builds nothing.
func needBinary(t testing.TB) {
	t.Helper()
	if linkdBin == "" {
		t.Skip("e2e: skipped in -short mode (no linkd binary built)")
	}
}

// cleanEnv is the environment of every linkd process: the test's own, without LINKD_*
// variables, so that a developer's settings cannot change what the tests run.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LINKD_") {
			env = append(env, kv)
		}
	}
	return env
}

// syncBuffer collects a process's output; it is written from the exec package's copying
// goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running `linkd serve`.
type proc struct {
	t *testing.T
	// DataDir is the embedded database's directory; it outlives restarts.
	DataDir string
	// Addr is host:port it listens on, URL "http://"+Addr.
	Addr, URL string
	args      []string
	// prepare, if set, adjusts each run's command before it starts (a wrapper such as
	// prlimit, another user).
	prepare func(*exec.Cmd)
	// early: start returns once /healthz answers, even "starting" (a linkd still waiting
	// for its database).
	early bool
	out   *syncBuffer
	runs  int
	// hc talks to this process only, so that its idle connections can be closed before
	// a graceful stop (http.Server.Shutdown waits up to 5 s for connections that were
	// opened but never used).
	hc *http.Client

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	err  error         // cmd.Wait's result, set before done is closed
}

// startLinkd runs `linkd serve --addr 127.0.0.1:<free port> --data <t.TempDir()>
// --log-format text <args>`, waits until GET /healthz answers 200 from the full server
// (while linkd waits for its database, it answers status "starting"), and stops it
// (SIGTERM, then SIGKILL) when the test ends. Its output is logged if the test fails.
func startLinkd(t *testing.T, args ...string) *proc {
	t.Helper()
	return startLinkdOn(t, t.TempDir(), args...)
}

// startLinkdOn is startLinkd on an existing data directory, e.g. a second instance
// sharing another one's database.
func startLinkdOn(t *testing.T, dataDir string, args ...string) *proc {
	t.Helper()
	return startLinkdWith(t, dataDir, nil, args...)
}

// startLinkdWith is startLinkdOn with prepare applied to the command of every run.
func startLinkdWith(t *testing.T, dataDir string, prepare func(*exec.Cmd), args ...string) *proc {
	t.Helper()
	return launch(t, &proc{t: t, DataDir: dataDir, args: args, prepare: prepare})
}

// startLinkdEarly is startLinkd returning as soon as /healthz answers 200, before linkd
// serves (while it waits for its database).
func startLinkdEarly(t *testing.T, args ...string) *proc {
	t.Helper()
	return launch(t, &proc{t: t, DataDir: t.TempDir(), args: args, early: true})
}

// launch starts p and stops it when the test ends.
func launch(t *testing.T, p *proc) *proc {
	t.Helper()
	needBinary(t)
	p.out, p.hc = &syncBuffer{}, newHTTPClient()
	checks := &validating{base: p.hc.Transport, t: t}
	p.hc.Transport = checks
	t.Cleanup(func() {
		p.stop()
		checks.running.Wait()
		if t.Failed() {
			t.Logf("linkd serve output (%d run(s), data %s):\n%s", p.runs, p.DataDir, p.Logs())
		}
	})
	p.start(freePort(t))
	return p
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start starts the process on port and waits for health. If the port was taken in the
// meantime (another test's process), it tries a fresh one.
func (p *proc) start(port int) {
	p.t.Helper()
	for attempt := 0; ; attempt++ {
		err := p.startOnce(port)
		if err == nil {
			return
		}
		if attempt < 3 && strings.Contains(p.lastRunOutput(), "address already in use") {
			p.t.Logf("port %d taken, retrying on another one", port)
			port = freePort(p.t)
			continue
		}
		p.t.Fatalf("linkd serve did not start: %v", err) // the cleanup logs the output
	}
}

// lastRunOutput is the output of the latest run only.
func (p *proc) lastRunOutput() string {
	s := p.Logs()
	if i := strings.LastIndex(s, "--- linkd serve run "); i >= 0 {
		return s[i:]
	}
	return s
}

// startOnce starts one process on port and waits for GET /healthz to answer 200, unless
// p.early from the full server (not "starting").
func (p *proc) startOnce(port int) error {
	p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.URL = "http://" + p.Addr
	args := append([]string{"serve", "--addr", p.Addr, "--data", p.DataDir, "--log-format", "text"}, p.args...)
	p.runs++
	fmt.Fprintf(p.out, "--- linkd serve run %d: %s\n", p.runs, strings.Join(args, " "))
	cmd := exec.Command(linkdBin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	if p.prepare != nil {
		p.prepare(cmd)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.err = cmd, done, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()

	deadline := time.Now().Add(healthTimeout)
	for {
		select {
		case <-done:
			return fmt.Errorf("exited before answering /healthz: %v", p.exitErr())
		default:
		}
		resp, err := p.hc.Get(p.URL + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// "starting": linkd answers while it waits for its database (server.Waiting).
			if resp.StatusCode == http.StatusOK && (p.early || !strings.Contains(string(body), `"starting"`)) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			p.signal(syscall.SIGKILL)
			<-done
			return fmt.Errorf("GET /healthz did not answer 200 within %v (last error: %v)", healthTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exitErr is the current process's exit error (nil while it runs or after exit 0).
func (p *proc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// signal sends sig to the current process.
func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Signal(sig)
	}
}

// pid is the current process's id.
func (p *proc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// running reports whether the current process has not exited.
func (p *proc) running() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Kill kills the process with SIGKILL (kill -9: no shutdown, no flush) and waits for it.
func (p *proc) Kill() {
	p.t.Helper()
	if !p.running() {
		p.t.Fatal("Kill: linkd is not running")
	}
	p.signal(syscall.SIGKILL)
	<-p.done
	p.hc.CloseIdleConnections()
	fmt.Fprintf(p.out, "--- killed with SIGKILL\n")
}

// Restart starts linkd again on the same data directory and arguments (and the same port
// if it is still free) after Kill, and waits for health.
func (p *proc) Restart() {
	p.t.Helper()
	if p.running() {
		p.t.Fatal("Restart: linkd is still running; Kill it first")
	}
	_, port, _ := net.SplitHostPort(p.Addr)
	n, _ := strconv.Atoi(port)
	p.start(n)
}

// stop ends the process gracefully (SIGTERM), or with SIGKILL after 15 s, and reports a
// graceful stop that did not exit 0.
func (p *proc) stop() {
	if !p.running() {
		return
	}
	p.hc.CloseIdleConnections()
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if err := p.exitErr(); err != nil {
			p.t.Errorf("linkd serve: exit after SIGTERM: %v (want exit status 0)", err)
		}
	case <-time.After(15 * time.Second):
		p.t.Errorf("linkd serve: still running 15 s after SIGTERM; killing it")
		p.signal(syscall.SIGKILL)
		<-p.done
	}
}

// PublicURL is the public base URL linkd builds link tokens on: --public-url (without a
// trailing slash) if given, else linkd's default, http://localhost:<port>.
func (p *proc) PublicURL() string {
	for i, a := range p.args {
		if v, ok := strings.CutPrefix(a, "--public-url="); ok {
			return strings.TrimRight(v, "/")
		}
		if a == "--public-url" && i+1 < len(p.args) {
			return strings.TrimRight(p.args[i+1], "/")
		}
	}
	_, port, _ := net.SplitHostPort(p.Addr)
	return "http://localhost:" + port
}

// Logs returns everything linkd printed so far, over all runs.
func (p *proc) Logs() string { return p.out.String() }

// runCLI runs `linkd <args>` to completion (at most 30 s) and returns what it printed and
// its exit status.
func runCLI(t testing.TB, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	needBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, linkdBin, args...)
	cmd.Env = cleanEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		exitCode = exit.ExitCode()
	default:
		t.Fatalf("linkd %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, &out, &errOut)
	}
	return out.String(), errOut.String(), exitCode
}

// mustCLI runs `linkd <args>` and fails the test unless it exits 0.
func mustCLI(t testing.TB, args ...string) string {
	t.Helper()
	stdout, stderr, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("linkd %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// creds are an API client's credentials.
type creds struct {
	ID     string `json:"clientId"`
	Secret string `json:"clientSecret"`
}

// storeFlags are the flags that name this process's database, for the `linkd client`
// commands: its --database-url if it was started with one, else --data.
func (p *proc) storeFlags() []string {
	for i, a := range p.args {
		if v, ok := strings.CutPrefix(a, "--database-url="); ok {
			return []string{"--database-url", v}
		}
		if a == "--database-url" && i+1 < len(p.args) {
			return []string{"--database-url", p.args[i+1]}
		}
	}
	return []string{"--data", p.DataDir}
}

// createClient runs `linkd client create --data DIR (or --database-url URL) --name NAME
// --origin https://app.example` and returns the new client's credentials.
func (p *proc) createClient(t testing.TB, name string) creds {
	t.Helper()
	out := mustCLI(t, append([]string{"client", "create", "--name", name, "--origin", "https://app.example"}, p.storeFlags()...)...)
	var c creds
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ID == "" || c.Secret == "" {
		t.Fatalf("client create printed %q: want {\"clientId\",\"clientSecret\"} (%v)", out, err)
	}
	return c
}

// envelope is the Mesh response envelope every linkd answer has.
type envelope struct {
	Content        json.RawMessage `json:"content"`
	Status         string          `json:"status"`
	Message        string          `json:"message"`
	DisplayMessage *string         `json:"displayMessage"`
	ErrorType      *string         `json:"errorType"`
	ErrorData      json.RawMessage `json:"errorData"`
}

// response is an HTTP answer with its body read and, if it is one, its envelope decoded.
type response struct {
	Code   int
	Header http.Header
	Body   []byte
	Env    envelope
	// EnvErr is why the body is not an envelope, if it is not.
	EnvErr error
}

// Type is the envelope's errorType, or "" for null.
func (r *response) Type() string {
	if r.Env.ErrorType == nil {
		return ""
	}
	return *r.Env.ErrorType
}

// String renders the answer for failure messages: status code and body.
func (r *response) String() string {
	return fmt.Sprintf("HTTP %d %s", r.Code, bytes.TrimSpace(r.Body))
}

// newHTTPClient returns a client for one linkd process: generous connection reuse for
// the concurrent tests, and a timeout so that a hung server fails the test instead of
// the run.
func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        512,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// send sends a request to this linkd and returns the answer or the transport error.
func (p *proc) send(method, url string, body []byte, headers ...string) (*response, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &response{Code: resp.StatusCode, Header: resp.Header, Body: b}
	r.EnvErr = json.Unmarshal(b, &r.Env)
	return r, nil
}

// validating is the transport of every proc's HTTP client (p.send, and the meshapi
// client of p.api): each answer the binary gives is validated against the OpenAPI
// document (internal/openapi/openapitest), failing the test that started the process on
// a mismatch, so that the real binary's answers, not only the in-process server's, are
// held to it.
type validating struct {
	base http.RoundTripper
	t    testing.TB
	// running are the validations under way: they run after the answer is returned, so
	// that they add nothing to what a test measures; the test waits for them at its end.
	running sync.WaitGroup
}

// RoundTrip sends req (a copy with its body buffered), reads the whole answer and
// validates the exchange while the caller goes on.
func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		sent = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	resp, err := v.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(got))
	check := req.Clone(context.WithoutCancel(req.Context()))
	check.Body = io.NopCloser(bytes.NewReader(sent))
	status, header := resp.StatusCode, resp.Header.Clone()
	v.running.Go(func() {
		if problems := openapitest.Load(v.t).Exchange(check, status, header, got); len(problems) > 0 {
			v.t.Errorf("openapi: %s %s → %d does not match internal/openapi/openapi.json:\n\t%s\n\tbody: %.600s",
				check.Method, check.URL.RequestURI(), status, strings.Join(problems, "\n\t"), got)
		}
	})
	return resp, nil
}

// do sends a request to linkd and fails the test on a transport error.
func (p *proc) do(t testing.TB, method, path string, body []byte, headers ...string) *response {
	t.Helper()
	r, err := p.send(method, p.URL+path, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// linkTokenReq sends POST /api/v1/linktoken as client c; it returns the transport error
// rather than failing, for use from many goroutines.
func (p *proc) linkTokenReq(c creds, body string) (*response, error) {
	return p.send("POST", p.URL+"/api/v1/linktoken", []byte(body),
		"X-Client-Id", c.ID, "X-Client-Secret", c.Secret, "Content-Type", "application/json")
}

// linkToken sends POST /api/v1/linktoken as client c.
func (p *proc) linkToken(t testing.TB, c creds, body string) *response {
	t.Helper()
	r, err := p.linkTokenReq(c, body)
	if err != nil {
		t.Fatalf("POST /api/v1/linktoken: %v", err)
	}
	return r
}

// integrations sends GET /api/v1/integrations as client c (a cheap authenticated call).
func (p *proc) integrations(t testing.TB, c creds) *response {
	t.Helper()
	return p.do(t, "GET", "/api/v1/integrations", nil, "X-Client-Id", c.ID, "X-Client-Secret", c.Secret)
}

// redeemReq sends POST /link/api/sessions, as the Link UI's script does.
func (p *proc) redeemReq(clientID, kind, code string) (*response, error) {
	body, _ := json.Marshal(map[string]string{"clientId": clientID, "kind": kind, "code": code})
	return p.send("POST", p.URL+"/link/api/sessions", body, "Content-Type", "application/json")
}

// redeem sends POST /link/api/sessions and fails the test on a transport error.
func (p *proc) redeem(t testing.TB, clientID, kind, code string) *response {
	t.Helper()
	r, err := p.redeemReq(clientID, kind, code)
	if err != nil {
		t.Fatalf("POST /link/api/sessions: %v", err)
	}
	return r
}

// session sends GET /link/api/session with the session credential.
func (p *proc) session(t testing.TB, sessionToken string) *response {
	t.Helper()
	return p.do(t, "GET", "/link/api/session", nil, "Authorization", "Bearer "+sessionToken)
}

// sessionInfo is the part of the redemption answer the tests read.
type sessionInfo struct {
	SessionToken string `json:"sessionToken"`
	Kind         string `json:"kind"`
	Client       struct {
		Name    string   `json:"name"`
		Origins []string `json:"origins"`
	} `json:"client"`
	Options json.RawMessage `json:"options"`
}

// decodeContent decodes a 200 answer's content into v, failing the test otherwise.
func decodeContent(t testing.TB, r *response, v any) {
	t.Helper()
	if r.Code != http.StatusOK || r.EnvErr != nil || r.Env.Status != "ok" {
		t.Fatalf("want 200 with status ok, got %v (envelope error: %v)", r, r.EnvErr)
	}
	if err := json.Unmarshal(r.Env.Content, v); err != nil {
		t.Fatalf("content of %v: %v", r, err)
	}
}

// tokenURL is a decoded link token.
type tokenURL struct {
	Raw      string // the decoded text
	URL      *url.URL
	ClientID string // last path element
	Code     string // from the fragment c=<code>
}

// api is a meshapi client of this process for client c, on the process's own HTTP
// client: how a backend talks to linkd.
func (p *proc) api(c creds) *meshapi.Client {
	return meshapi.NewClient(p.URL, c.ID, c.Secret, meshapi.WithHTTPClient(p.hc))
}

// issue requests a link token as c with meshapi, as a backend does, and decodes it; it
// also returns the paymentLink ("" for none).
func (p *proc) issue(t testing.TB, c creds, req *meshapi.LinkTokenRequest) (tokenURL, string) {
	t.Helper()
	tok, err := p.api(c).CreateLinkToken(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateLinkToken: %v", err)
	}
	return decodeToken(t, tok.LinkToken), tok.PaymentLink
}

// user is the simplest link token request: a user id and nothing else.
func user(id string) *meshapi.LinkTokenRequest { return &meshapi.LinkTokenRequest{UserID: id} }

// decodeToken decodes a link token (standard base64 of the Link UI's URL) and splits off
// the code.
func decodeToken(t testing.TB, token string) tokenURL {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("linkToken %q is not standard base64 (window.atob): %v", token, err)
	}
	return parsePageURL(t, string(raw))
}

// parsePageURL parses the URL of a Link UI or payment page: <base>/<kind>/<clientId>#c=<code>.
func parsePageURL(t testing.TB, raw string) tokenURL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("page URL %q does not parse: %v", raw, err)
	}
	tu := tokenURL{Raw: raw, URL: u, ClientID: u.Path[strings.LastIndex(u.Path, "/")+1:]}
	code, ok := strings.CutPrefix(u.Fragment, "c=")
	if !ok {
		t.Fatalf("page URL %q: fragment %q does not start with c=", raw, u.Fragment)
	}
	tu.Code = code
	return tu
}

// waitFor polls check every 50 ms until it returns "" (done) and fails the test with the
// last complaint if that takes longer than limit. It returns how long it took.
func waitFor(t testing.TB, limit time.Duration, what string, check func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		problem := check()
		if problem == "" {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v; last: %s", what, limit, problem)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nodeBin returns the node executable, or fails (LINKD_E2E_REQUIRED=1) or skips the
// test when there is none.
func nodeBin(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("LINKD_E2E_REQUIRED") == "1" {
			t.Fatalf("node is not installed, and LINKD_E2E_REQUIRED=1: install Node.js ≥ 20 and npm")
		}
		t.Skip("node is not installed: skipping the tests with Mesh's Node client (set LINKD_E2E_REQUIRED=1 to fail instead)")
	}
	return node
}

// nodeModulesMu serialises ensureNodeModules between parallel tests.
var nodeModulesMu sync.Mutex

// ensureNodeModules makes sure e2e/node_modules is installed from package-lock.json
// (npm ci when @meshconnect/node-api is missing) and returns the node executable.
func ensureNodeModules(t testing.TB) string {
	t.Helper()
	node := nodeBin(t)
	nodeModulesMu.Lock()
	defer nodeModulesMu.Unlock()
	if fileExists(filepath.Join(e2eDir, "node_modules", "@meshconnect", "node-api", "package.json")) {
		return node
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("LINKD_E2E_REQUIRED") == "1" {
			t.Fatalf("node is installed but npm is not, and LINKD_E2E_REQUIRED=1")
		}
		t.Skip("npm is not installed: cannot install e2e/node_modules")
	}
	t.Logf("e2e/node_modules is missing: running npm ci in %s", e2eDir)
	start := time.Now()
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = e2eDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", e2eDir, err, out)
	}
	t.Logf("npm ci took %v", time.Since(start).Round(time.Millisecond))
	return node
}

// isUUID reports whether s is a lower-case canonical uuid.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if slices.Contains([]int{8, 13, 18, 23}, i) {
			if c != '-' {
				return false
			}
		} else if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
