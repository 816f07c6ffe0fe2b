package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The browser tests (TestBrowser) open linkd's Link UI the way a fintech's web page does,
// in headless Debian Chromium driven by playwright-core:
//
//   - linkd (the built binary) serves on http://127.0.0.1:A, with the default public URL
//     http://localhost:A, so the Link UI's origin differs from the host page's;
//   - a host page and its "backend" (POST /token: asks linkd for a link token with the
//     client's credentials, which stay in Go) are served on http://127.0.0.1:B, the
//     origin registered with `linkd client create --origin`; a second copy on
//     http://127.0.0.1:C is not registered anywhere;
//   - the page loads either Mesh's @meshconnect/web-link-sdk 3.13.0 (an esbuild bundle
//     built once per run into a temporary directory) or linkd's own /sdk/link.js, and
//     records every callback in window.__events;
//   - browser/scenario.mjs completes each scenario in the Link UI's iframe by its test
//     ids and reports what happened as one JSON line; the assertions are here.
//
// Every scenario runs with both SDKs (subtests mesh/NAME and linkd/NAME), each in a fresh
// browser context of one Chromium (browser/server.mjs). Screenshots of every screen go
// to e2e/artifacts/<sdk>/<scenario>-<nn>-<screen>.png.
//
// Needs node (e2e/node_modules is installed by npm ci when missing) and /usr/bin/chromium
// (apt-get install chromium); without them the test is skipped, or fails when
// LINKD_E2E_REQUIRED=1.

// Fixed facts of linkd's catalog and sandbox that the scenarios assert on.
const (
	sandboxID       = "b9cc860a-935d-5982-8562-c164e2e7a703"
	ethereumID      = "e3c7fdd8-b1fc-4e51-85ae-bb276e075611"
	allowedAddress  = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	sandboxEVMAddr  = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
	chromiumPath    = "/usr/bin/chromium"
	shortTokenTTL   = 10 * time.Second
	scenarioTimeout = 90 * time.Second
)

// browserSDKs are the two SDKs every scenario runs with: Mesh's package, and linkd's
// /sdk/link.js.
var browserSDKs = []string{"mesh", "linkd"}

// browserScenarios are the scenarios, in the order they start. expired-token comes last
// so that its token (issued when the run starts) has usually expired by then.
var browserScenarios = []string{
	"success", "mfa", "wrong-password", "restrict-accounts", "link-another", "integration-id",
	"transfer", "transfer-amount", "verify", "verify-rejected", "reused-token", "blocked-origin",
	"expired-token",
}

// chromiumBin returns Debian's Chromium, or fails (LINKD_E2E_REQUIRED=1) or skips.
func chromiumBin(t *testing.T) string {
	t.Helper()
	if fileExists(chromiumPath) {
		return chromiumPath
	}
	if os.Getenv("LINKD_E2E_REQUIRED") == "1" {
		t.Fatalf("%s is missing, and LINKD_E2E_REQUIRED=1: apt-get install -y chromium", chromiumPath)
	}
	t.Skipf("%s is missing: skipping the browser tests (apt-get install -y chromium; LINKD_E2E_REQUIRED=1 fails instead)", chromiumPath)
	return ""
}

// browserEnv is one run's linkd instances, host servers, SDK bundle and browser.
type browserEnv struct {
	node string
	// linkd serves the scenarios; short is a second linkd with --token-ttl 10s, for the
	// expired token.
	linkd, short             *proc
	client, shortClient      creds
	host, blocked            *httptest.Server
	hostOrigin, blockedOrign string
	bundleDir                string
	artifacts                string
	ws                       string
	baseID                   string
	verifyMessage            string

	mu sync.Mutex
	// issued are the link tokens the backend handed out, by run (sdk/scenario).
	issued map[string][]string
	// expired are link tokens of the short-lived linkd issued when the run started, by
	// SDK, and when.
	expired   map[string]string
	expiredAt time.Time
}

// TestBrowser runs every browser scenario with both SDKs.
func TestBrowser(t *testing.T) {
	needBinary(t)
	chromium := chromiumBin(t)
	node := ensureNodeModules(t)
	for _, m := range []string{"playwright-core", "esbuild", "@meshconnect/web-link-sdk"} {
		if !fileExists(filepath.Join(e2eDir, "node_modules", m, "package.json")) {
			t.Fatalf("e2e/node_modules/%s is missing: run npm ci --prefix e2e", m)
		}
	}
	start := time.Now()
	env := newBrowserEnv(t, node, chromium)
	t.Logf("browser test environment ready in %v: linkd %s (public %s), host %s, blocked host %s, screenshots in %s",
		time.Since(start).Round(time.Millisecond), env.linkd.URL, env.linkd.PublicURL(), env.hostOrigin, env.blockedOrign, env.artifacts)
	t.Cleanup(func() {
		fmt.Fprintf(os.Stderr, "browser tests: screenshots in %s\n", env.artifacts)
	})

	// Scenarios run in parallel (bounded by -parallel, and by this semaphore on big
	// machines), each in its own browser context.
	sem := make(chan struct{}, min(4, max(2, runtime.GOMAXPROCS(0))))
	for _, sc := range browserScenarios {
		for _, sdk := range browserSDKs {
			t.Run(sdk+"/"+sc, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				env.runScenario(t, sdk, sc)
			})
		}
	}
}

// newBrowserEnv starts everything the scenarios share.
func newBrowserEnv(t *testing.T, node, chromium string) *browserEnv {
	env := &browserEnv{node: node, issued: map[string][]string{}, expired: map[string]string{},
		verifyMessage: "Sign to prove you own this wallet (linkd browser test)"}
	mux := http.NewServeMux()
	env.host = httptest.NewServer(mux)
	t.Cleanup(env.host.Close)
	env.blocked = httptest.NewServer(mux)
	t.Cleanup(env.blocked.Close)
	env.hostOrigin, env.blockedOrign = env.host.URL, env.blocked.URL

	// The short-lived linkd first: its tokens must age past --token-ttl.
	env.short = startLinkd(t, "--token-ttl", shortTokenTTL.String())
	env.shortClient = clientFor(t, env.short, "Acme Pay (short TTL)", env.hostOrigin)
	for _, sdk := range browserSDKs {
		r := env.short.linkToken(t, env.shortClient, `{"userId":"browser-`+sdk+`-expired"}`)
		var c struct {
			LinkToken string `json:"linkToken"`
		}
		decodeContent(t, r, &c)
		env.expired[sdk] = c.LinkToken
	}
	env.expiredAt = time.Now()

	env.linkd = startLinkd(t)
	env.client = clientFor(t, env.linkd, "Acme Pay", env.hostOrigin)
	env.baseID = networkID(t, env.linkd, env.client, "Base")

	env.bundleDir = t.TempDir()
	env.buildBundle(t)
	env.artifacts = filepath.Join(e2eDir, "artifacts")
	for _, sdk := range browserSDKs {
		// Each run's pictures replace the previous run's.
		if err := os.RemoveAll(filepath.Join(env.artifacts, sdk)); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(env.artifacts, sdk), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	hostDir := filepath.Join(e2eDir, "browser", "host")
	for _, f := range []string{"mesh.html", "linkd.html", "host.js", "host.css"} {
		mux.HandleFunc("GET /"+f, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			http.ServeFile(w, r, filepath.Join(hostDir, f))
		})
	}
	mux.HandleFunc("GET /mesh-sdk.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, filepath.Join(env.bundleDir, "mesh-sdk.js"))
	})
	mux.HandleFunc("GET /config.js", func(w http.ResponseWriter, r *http.Request) {
		cfg, _ := json.Marshal(map[string]string{"linkdSDK": env.linkd.PublicURL() + "/sdk/link.js"})
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		fmt.Fprintf(w, "window.HOST_CONFIG = %s;\n", cfg)
	})
	mux.HandleFunc("POST /token", env.serveToken)

	env.startBrowser(t, chromium)
	return env
}

// clientFor creates an API client of p whose Link UI may be framed by origin.
func clientFor(t *testing.T, p *proc, name, origin string) creds {
	t.Helper()
	out := mustCLI(t, "client", "create", "--data", p.DataDir, "--name", name, "--origin", origin)
	var c creds
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ID == "" || c.Secret == "" {
		t.Fatalf("client create printed %q (%v)", out, err)
	}
	return c
}

// networkID finds a network of linkd's catalog by name.
func networkID(t *testing.T, p *proc, c creds, name string) string {
	t.Helper()
	r := p.do(t, "GET", "/api/v1/transfers/managed/networks", nil, "X-Client-Id", c.ID, "X-Client-Secret", c.Secret)
	var content struct {
		Networks []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"networks"`
	}
	decodeContent(t, r, &content)
	for _, n := range content.Networks {
		if n.Name == name {
			return n.ID
		}
	}
	t.Fatalf("GET /api/v1/transfers/managed/networks has no network named %q", name)
	return ""
}

// buildBundle bundles Mesh's web SDK for the browser with esbuild (once per run).
func (env *browserEnv) buildBundle(t *testing.T) {
	t.Helper()
	out := filepath.Join(env.bundleDir, "mesh-sdk.js")
	// node_modules/.bin/esbuild is esbuild's native binary, or a Node shim of it.
	cmd := exec.Command(filepath.Join(e2eDir, "node_modules", ".bin", "esbuild"),
		filepath.Join("browser", "host", "mesh-sdk-entry.js"), "--bundle", "--format=iife", "--platform=browser",
		"--target=chrome120", "--log-level=warning", "--outfile="+out)
	cmd.Dir = e2eDir
	cmd.Env = cleanEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild of @meshconnect/web-link-sdk: %v\n%s", err, b)
	}
}

// startBrowser runs browser/server.mjs (one Chromium for the whole run) and reads its
// WebSocket endpoint. The browser closes when the test ends (stdin closed; then SIGKILL
// of that process group if it lingers).
func (env *browserEnv) startBrowser(t *testing.T, chromium string) {
	t.Helper()
	cmd := exec.Command(env.node, filepath.Join("browser", "server.mjs"))
	cmd.Dir = e2eDir
	cmd.Env = append(cleanEnv(), "CHROMIUM="+chromium)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("node browser/server.mjs: %v", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Logf("browser/server.mjs did not exit 10 s after its stdin closed: killing its process group")
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		var v struct {
			WS string `json:"wsEndpoint"`
		}
		if !ok || json.Unmarshal([]byte(l), &v) != nil || v.WS == "" {
			t.Fatalf("browser/server.mjs did not print its endpoint (got %q)\nstderr:\n%s", l, stderr.String())
		}
		env.ws = v.WS
	case <-time.After(30 * time.Second):
		t.Fatalf("browser/server.mjs: Chromium did not start within 30 s\nstderr:\n%s", stderr.String())
	}
}

// tokenRequest is the link token request the backend sends linkd for a scenario.
func (env *browserEnv) tokenRequest(scenario, run string) (string, error) {
	sdk, name, _ := strings.Cut(run, "/")
	user := "browser-" + sdk + "-" + name
	if len(user) > 50 {
		user = user[:50]
	}
	req := map[string]any{"userId": user}
	switch scenario {
	case "success", "blocked":
	case "restrict":
		req["restrictMultipleAccounts"] = true
	case "link-another":
		req["restrictMultipleAccounts"] = false
	case "integration-id":
		req["integrationId"] = sandboxID
	case "transfer":
		req["transferOptions"] = map[string]any{
			"toAddresses":   []any{map[string]any{"networkId": ethereumID, "symbol": "USDC", "address": allowedAddress}},
			"amountInFiat":  25,
			"transactionId": transactionID(run),
			"clientFee":     0.01,
			"transferType":  "deposit",
		}
	case "transfer-amount":
		req["transferOptions"] = map[string]any{
			"toAddresses": []any{
				map[string]any{"networkId": ethereumID, "symbol": "USDC", "address": allowedAddress},
				map[string]any{"networkId": env.baseID, "symbol": "USDC", "address": allowedAddress},
				map[string]any{"networkId": ethereumID, "symbol": "ETH", "address": allowedAddress},
			},
			"transactionId": transactionID(run),
		}
	case "verify":
		req["verifyWalletOptions"] = map[string]any{
			"verificationMethods": []string{"signedMessage"},
			"message":             env.verifyMessage,
			"networkId":           ethereumID,
			"addresses":           []string{allowedAddress},
		}
	default:
		return "", fmt.Errorf("unknown token scenario %q", scenario)
	}
	b, err := json.Marshal(req)
	return string(b), err
}

// transactionID is the transferOptions.transactionId of a run.
func transactionID(run string) string {
	return "order-" + strings.ReplaceAll(run, "/", "-")
}

// userID is the userId of a run's link tokens.
func userID(run string) string {
	sdk, name, _ := strings.Cut(run, "/")
	return "browser-" + sdk + "-" + name
}

// serveToken is the host's backend: POST /token {"scenario", "run"} → {"linkToken"}. It
// calls linkd's POST /api/v1/linktoken with the client's credentials, server-side.
func (env *browserEnv) serveToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Scenario string `json:"scenario"`
		Run      string `json:"run"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	writeJSON := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	var token string
	if in.Scenario == "expired" {
		sdk, _, _ := strings.Cut(in.Run, "/")
		env.mu.Lock()
		token = env.expired[sdk]
		env.mu.Unlock()
		// Wait until it has expired (usually long since).
		time.Sleep(time.Until(env.expiredAt.Add(shortTokenTTL + 1500*time.Millisecond)))
	} else {
		body, err := env.tokenRequest(in.Scenario, in.Run)
		if err != nil {
			writeJSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		resp, err := env.linkd.linkTokenReq(env.client, body)
		if err != nil {
			writeJSON(http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		var c struct {
			LinkToken string `json:"linkToken"`
		}
		if resp.Code != http.StatusOK || json.Unmarshal(resp.Env.Content, &c) != nil || c.LinkToken == "" {
			writeJSON(http.StatusBadGateway, map[string]string{"error": "linkd: " + resp.String()})
			return
		}
		token = c.LinkToken
	}
	env.mu.Lock()
	env.issued[in.Run] = append(env.issued[in.Run], token)
	env.mu.Unlock()
	writeJSON(http.StatusOK, map[string]string{"linkToken": token})
}

// issuedTokens are the link tokens the backend handed out for run.
func (env *browserEnv) issuedTokens(run string) []string {
	env.mu.Lock()
	defer env.mu.Unlock()
	return slices.Clone(env.issued[run])
}

// scenarioConfig is browser/scenario.mjs's input.
type scenarioConfig struct {
	WS             string            `json:"ws"`
	SDK            string            `json:"sdk"`
	Scenario       string            `json:"scenario"`
	Run            string            `json:"run"`
	HostURL        string            `json:"hostURL"`
	BlockedHostURL string            `json:"blockedHostURL"`
	LinkOrigins    []string          `json:"linkOrigins"`
	ArtifactsDir   string            `json:"artifactsDir"`
	StepTimeoutMs  int               `json:"stepTimeoutMs"`
	Networks       map[string]string `json:"networks"`
	Addresses      map[string]string `json:"addresses"`
}

// scenarioResult is browser/scenario.mjs's output line.
type scenarioResult struct {
	OK               bool                   `json:"ok"`
	Step             string                 `json:"step"`
	Error            string                 `json:"error"`
	LastScreen       string                 `json:"lastScreen"`
	Pages            map[string]*pageResult `json:"pages"`
	Console          []map[string]any       `json:"console"`
	PageErrors       []map[string]any       `json:"pageErrors"`
	ExternalRequests []string               `json:"externalRequests"`
	InstrumentErrors []string               `json:"instrumentErrors"`
	Shots            []string               `json:"shots"`
	Data             map[string]any         `json:"data"`
}

// pageResult is what one host page saw.
type pageResult struct {
	// Events are the host's callbacks in order: {cb, event | payload | error, summary…}.
	Events []map[string]any `json:"events"`
	// Messages are the messages the host page received: {origin, type, fromLink}.
	Messages []map[string]any `json:"messages"`
	// Screens are the Link UI's screens in order: {name, error, title, href}.
	Screens []map[string]any `json:"screens"`
	// Posts are the messages the Link UI posted to its parent: {type, target, payload}.
	Posts []map[string]any `json:"posts"`
}

// browserRun is one scenario's run with one SDK, for the checks.
type browserRun struct {
	t        *testing.T
	env      *browserEnv
	sdk      string
	scenario string
	run      string
	res      *scenarioResult
	// linkd is the instance whose Link UI the scenario opens.
	linkd  *proc
	client creds
}

// runScenario runs browser/scenario.mjs for one SDK and scenario and checks the result.
func (env *browserEnv) runScenario(t *testing.T, sdk, scenario string) {
	run := sdk + "/" + scenario
	logStart := map[*proc]int{env.linkd: len(env.linkd.Logs()), env.short: len(env.short.Logs())}
	page := "/mesh.html"
	if sdk == "linkd" {
		page = "/linkd.html"
	}
	cfg := scenarioConfig{
		WS: env.ws, SDK: sdk, Scenario: scenario, Run: run,
		HostURL: env.hostOrigin + page, BlockedHostURL: env.blockedOrign + page,
		LinkOrigins:   []string{env.linkd.PublicURL(), env.short.PublicURL()},
		ArtifactsDir:  env.artifacts,
		StepTimeoutMs: 15000,
		Networks:      map[string]string{"ethereum": ethereumID, "base": env.baseID},
		Addresses:     map[string]string{"allowed": allowedAddress, "own": sandboxEVMAddr},
	}
	b, _ := json.Marshal(cfg)
	br := &browserRun{t: t, env: env, sdk: sdk, scenario: scenario, run: run, linkd: env.linkd, client: env.client}
	if scenario == "expired-token" {
		br.linkd, br.client = env.short, env.shortClient
	}
	t.Cleanup(func() {
		if t.Failed() {
			br.report(logStart)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.node, filepath.Join("browser", "scenario.mjs"))
	cmd.Dir = e2eDir
	cmd.Env = append(cleanEnv(), "BROWSER_SCENARIO="+string(b))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	var res scenarioResult
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &res); jerr != nil {
		t.Fatalf("%s: scenario.mjs printed no result line (%v; exit: %v, after %v)\nstdout:\n%s\nstderr:\n%s",
			run, jerr, err, time.Since(start).Round(time.Millisecond), stdout.String(), stderr.String())
	}
	br.res = &res
	if !res.OK || err != nil {
		t.Fatalf("%s failed at step %q (last screen: %s; exit: %v, after %v):\n%s\nstderr:\n%s",
			run, res.Step, res.LastScreen, err, time.Since(start).Round(time.Millisecond), res.Error, stderr.String())
	}
	t.Logf("%s: %d screenshots, %v", run, len(res.Shots), time.Since(start).Round(time.Millisecond))
	br.check()
}

// report logs what the scenario saw and linkd's log since it started, for a failure.
func (br *browserRun) report(logStart map[*proc]int) {
	t := br.t
	var b strings.Builder
	fmt.Fprintf(&b, "=== %s: what happened\n", br.run)
	if r := br.res; r != nil {
		fmt.Fprintf(&b, "step: %s\nlast screen: %s\n", r.Step, r.LastScreen)
		if r.Error != "" {
			fmt.Fprintf(&b, "error: %s\n", r.Error)
		}
		labels := make([]string, 0, len(r.Pages))
		for l := range r.Pages {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			p := r.Pages[l]
			fmt.Fprintf(&b, "--- page %s: screens %v\n", l, screenNames(p.Screens))
			for _, e := range p.Events {
				fmt.Fprintf(&b, "  callback %s\n", compactJSON(withoutKey(e, "at")))
			}
			for _, m := range p.Posts {
				fmt.Fprintf(&b, "  posted %v → %v\n", m["type"], m["target"])
			}
		}
		for _, c := range r.Console {
			fmt.Fprintf(&b, "console %v %v: %v\n", c["page"], c["type"], c["text"])
		}
		for _, e := range r.PageErrors {
			fmt.Fprintf(&b, "page error %v: %v\n", e["page"], e["message"])
		}
		if len(r.Data) > 0 {
			fmt.Fprintf(&b, "data: %s\n", compactJSON(r.Data))
		}
		fmt.Fprintf(&b, "screenshots: %s\n", strings.Join(r.Shots, "\n  "))
	}
	for _, p := range []*proc{br.env.linkd, br.env.short} {
		logs := p.Logs()
		if n := logStart[p]; n <= len(logs) {
			logs = logs[n:]
		}
		fmt.Fprintf(&b, "--- linkd %s log since the scenario started (other scenarios interleave):\n%s", p.URL, logs)
	}
	t.Log(b.String())
}

func screenNames(screens []map[string]any) []string {
	var out []string
	for _, s := range screens {
		n, _ := s["name"].(string)
		if e, _ := s["error"].(string); e != "" {
			n += "(" + e + ")"
		}
		out = append(out, n)
	}
	return out
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func withoutKey(m map[string]any, k string) map[string]any {
	out := make(map[string]any, len(m))
	for kk, v := range m {
		if kk != k {
			out[kk] = v
		}
	}
	return out
}

// ---- matching JSON values against expectations ----

// re is a string that must match a regular expression.
type re string

// check is a custom expectation; it returns the problem, or "".
type check func(got any) string

// absent marks a member that must not be there (in a wanted object).
type absentT struct{}

var absent = absentT{}

var (
	reUUID        = re(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	reAccessToken = re(`^lkat_[A-Za-z0-9_-]{43}$`)
	reRefresh     = re(`^lkrt_[A-Za-z0-9_-]{43}$`)
	reEVMHash     = re(`^0x[0-9a-f]{64}$`)
	anyNumber     = check(func(got any) string {
		if f, ok := got.(float64); !ok || math.IsNaN(f) {
			return fmt.Sprintf("want a number, got %s", compactJSON(got))
		}
		return ""
	})
)

// match compares got (decoded JSON) with want: objects must have exactly want's members
// (absent ones must be missing), arrays the same length, scalars equal.
func match(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %s", path, compactJSON(got))}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, has := g[k]
			if w[k] == absent {
				if has {
					out = append(out, fmt.Sprintf("%s.%s: want no such member, got %s", path, k, compactJSON(gv)))
				}
				continue
			}
			if !has {
				out = append(out, fmt.Sprintf("%s.%s: missing (want %s)", path, k, describe(w[k])))
				continue
			}
			out = append(out, match(path+"."+k, w[k], gv)...)
		}
		var extra []string
		for k := range g {
			if _, ok := w[k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range extra {
			out = append(out, fmt.Sprintf("%s.%s: unexpected member %s", path, k, compactJSON(g[k])))
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want an array of %d, got %s", path, len(w), compactJSON(got))}
		}
		var out []string
		for i := range w {
			out = append(out, match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	case re:
		s, ok := got.(string)
		if !ok || !regexp.MustCompile(string(w)).MatchString(s) {
			return []string{fmt.Sprintf("%s: want a string matching %s, got %s", path, w, compactJSON(got))}
		}
		return nil
	case check:
		if p := w(got); p != "" {
			return []string{path + ": " + p}
		}
		return nil
	case int:
		return match(path, float64(w), got)
	case float64:
		if g, ok := got.(float64); !ok || g != w {
			return []string{fmt.Sprintf("%s: want %v, got %s", path, w, compactJSON(got))}
		}
		return nil
	case string, bool, nil:
		if got != want {
			return []string{fmt.Sprintf("%s: want %s, got %s", path, compactJSON(want), compactJSON(got))}
		}
		return nil
	}
	return []string{fmt.Sprintf("%s: bad expectation %T", path, want)}
}

func describe(v any) string {
	switch w := v.(type) {
	case re:
		return "a string matching " + string(w)
	case check:
		return "a value passing a check"
	}
	return compactJSON(v)
}

// ---- expected callbacks ----

type obj = map[string]any

// ev is the host's record of onEvent({type, payload}); payload nil means no payload.
func ev(typ string, payload any) obj {
	e := obj{"type": typ}
	if payload != nil {
		e["payload"] = payload
	}
	return obj{"cb": "onEvent", "event": e}
}

func connected(payload any) obj { return obj{"cb": "onIntegrationConnected", "payload": payload} }

func transferFinished(payload any) obj { return obj{"cb": "onTransferFinished", "payload": payload} }

// exit is the record of onExit(error, summary): error nil means undefined.
func exit(errorMessage any, summary obj) obj {
	return obj{"cb": "onExit", "argc": 2, "hasError": errorMessage != nil, "error": errorMessage, "hasSummary": true, "summary": summary}
}

func selectedSandbox() obj {
	return obj{"id": sandboxID, "name": "Sandbox", "integrationType": "sandbox", "integrationName": "Sandbox"}
}

func sandboxInfo() obj { return obj{"integrationType": "sandbox", "integrationName": "Sandbox"} }

// sandboxAccount is one of the sandbox's accounts as the AccessTokenPayload shows it.
func sandboxAccount(id string) obj {
	switch id {
	case "sandbox-brokerage-1234":
		return obj{"accountId": id, "accountName": "Sandbox Brokerage ···1234", "fund": 18945, "cash": 2500}
	case "sandbox-savings-5678":
		return obj{"accountId": id, "accountName": "Sandbox Savings ···5678", "fund": 16750, "cash": 8000}
	}
	panic(id)
}

// accessPayload is the LinkPayload of onIntegrationConnected for the sandbox's accounts.
func (br *browserRun) accessPayload(accounts ...string) obj {
	var tokens []any
	for _, a := range accounts {
		tokens = append(tokens, obj{"account": sandboxAccount(a), "accessToken": reAccessToken, "refreshToken": reRefresh})
	}
	logo := br.linkd.PublicURL() + "/static/logos/sandbox"
	return obj{"accessToken": obj{
		"accountTokens": tokens,
		"brokerBrandInfo": obj{
			"brokerLogo": check(func(got any) string {
				s, _ := got.(string)
				svg, err := base64.StdEncoding.DecodeString(s)
				if err != nil || !bytes.Contains(svg, []byte("<svg")) {
					return fmt.Sprintf("want the base64 of an SVG, got %.60q…", s)
				}
				return ""
			}),
			"logoLightUrl": logo + ".svg", "logoDarkUrl": logo + "-dark.svg",
			"iconLightUrl": logo + ".svg", "iconDarkUrl": logo + "-dark.svg",
		},
		"expiresInSeconds":             3600,
		"refreshTokenExpiresInSeconds": 30 * 24 * 3600,
		"brokerType":                   "sandbox",
		"brokerName":                   "Sandbox",
	}}
}

// connectEvents are the callbacks of connecting the sandbox from the catalog.
func (br *browserRun) connectEvents(searched bool, accounts ...string) []obj {
	p := br.accessPayload(accounts...)
	return []obj{
		ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": searched}),
		ev("credentialsEntered", nil),
		ev("integrationAccountSelectionRequired", nil),
		ev("integrationConnected", p),
		connected(p),
	}
}

func seq(parts ...any) []obj {
	var out []obj
	for _, p := range parts {
		switch v := p.(type) {
		case obj:
			out = append(out, v)
		case []obj:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("seq: %T", p))
		}
	}
	return out
}

// ---- checks ----

func (br *browserRun) page(label string) *pageResult {
	p := br.res.Pages[label]
	if p == nil {
		br.t.Fatalf("%s: no record of page %q", br.run, label)
	}
	return p
}

// wantEvents compares the page's callbacks with want, one by one.
func (br *browserRun) wantEvents(label string, want []obj) {
	t := br.t
	t.Helper()
	got := br.page(label).Events
	gotKinds, wantKinds := callbackKinds(got), callbackKinds(want)
	if !slices.Equal(gotKinds, wantKinds) {
		t.Errorf("%s (page %s): callbacks\n got: %v\nwant: %v", br.run, label, gotKinds, wantKinds)
		return
	}
	for i := range want {
		for _, p := range match(fmt.Sprintf("callback[%d] %s", i, wantKinds[i]), map[string]any(want[i]), any(withoutKey(got[i], "at"))) {
			t.Errorf("%s (page %s): %s", br.run, label, p)
		}
	}
}

// callbackKinds names each callback: onEvent:type, or the callback's name.
func callbackKinds(events []map[string]any) []string {
	var out []string
	for _, e := range events {
		cb, _ := e["cb"].(string)
		if cb == "onEvent" {
			if ev, ok := e["event"].(map[string]any); ok {
				cb += ":" + fmt.Sprint(ev["type"])
			}
		}
		out = append(out, cb)
	}
	return out
}

// wantScreens compares the Link UI's screens with want (a trailing "finished" that the
// page may have shown while the SDK removed its iframe is ignored).
func (br *browserRun) wantScreens(label string, want ...string) {
	br.t.Helper()
	got := screenNames(br.page(label).Screens)
	if n := len(got); n > 0 && got[n-1] == "finished" {
		got = got[:n-1]
	}
	if !slices.Equal(got, want) {
		br.t.Errorf("%s (page %s): Link UI screens\n got: %v\nwant: %v", br.run, label, got, want)
	}
}

// event returns the payload of the page's first onEvent of type typ.
func (br *browserRun) event(label, typ string) map[string]any {
	for _, e := range br.page(label).Events {
		if ev, ok := e["event"].(map[string]any); ok && ev["type"] == typ {
			p, _ := ev["payload"].(map[string]any)
			return p
		}
	}
	br.t.Fatalf("%s: no %s event", br.run, typ)
	return nil
}

func (br *browserRun) data(key string) any { return br.res.Data[key] }

func (br *browserRun) wantData(key string, want any) {
	br.t.Helper()
	for _, p := range match("data."+key, want, br.data(key)) {
		br.t.Errorf("%s: %s", br.run, p)
	}
}

// linkURL is the Link UI's URL for this run's client, without the code.
func (br *browserRun) linkURL() string {
	return br.linkd.PublicURL() + "/link/" + br.client.ID
}

// checkCommon holds for every scenario whose Link UI loaded: the SDK's page made no
// request off the machine (Mesh's pre-warm iframe is off), nothing threw, every message
// the Link UI posted targeted the host's exact origin and arrived from the Link UI's
// origin, and the code left the frame's address as soon as the page had read it
// (security.md T10).
func (br *browserRun) checkCommon() {
	t := br.t
	r := br.res
	if len(r.ExternalRequests) > 0 {
		t.Errorf("%s: requests left the machine: %v", br.run, r.ExternalRequests)
	}
	for _, e := range r.PageErrors {
		t.Errorf("%s: uncaught error on page %v: %v", br.run, e["page"], e["message"])
	}
	for _, e := range r.InstrumentErrors {
		t.Errorf("%s: the test's instrumentation of the Link UI failed: %s", br.run, e)
	}
	linkOrigin := strings.TrimSuffix(br.linkd.PublicURL(), "/")
	tokens := br.env.issuedTokens(br.run)
	var codes []string
	for _, tok := range tokens {
		codes = append(codes, decodeToken(t, tok).Code)
	}
	for label, p := range r.Pages {
		var posted, received []string
		for _, m := range p.Posts {
			posted = append(posted, fmt.Sprint(m["type"]))
			if m["target"] != br.env.hostOrigin {
				t.Errorf("%s (page %s): the Link UI posted %v to target origin %v, want exactly %s", br.run, label, m["type"], m["target"], br.env.hostOrigin)
			}
		}
		for _, m := range p.Messages {
			received = append(received, fmt.Sprint(m["type"]))
			if m["origin"] != linkOrigin || m["fromLink"] != true {
				t.Errorf("%s (page %s): the host page received %v from origin %v (from the Link iframe: %v), want only messages of the Link iframe on %s",
					br.run, label, m["type"], m["origin"], m["fromLink"], linkOrigin)
			}
		}
		if !slices.Equal(posted, received) {
			t.Errorf("%s (page %s): the Link UI posted %v, the host received %v", br.run, label, posted, received)
		}
		if len(p.Screens) == 0 {
			t.Errorf("%s (page %s): no Link UI screen was seen", br.run, label)
		}
		for _, s := range p.Screens {
			href, _ := s["href"].(string)
			if s["name"] == "loading" {
				continue
			}
			if !strings.HasPrefix(href, br.linkURL()+"#") || strings.Contains(href, "c=") {
				t.Errorf("%s (page %s): on screen %v the Link UI's address is %q: want %s#<parameters> without the code", br.run, label, s["name"], href, br.linkURL())
			}
			for _, c := range codes {
				if strings.Contains(href, c) {
					t.Errorf("%s (page %s): on screen %v the Link UI's address still holds the code: %q", br.run, label, s["name"], href)
				}
			}
		}
	}
}

// check runs the scenario's assertions.
func (br *browserRun) check() {
	t := br.t
	if br.scenario != "blocked-origin" {
		br.checkCommon()
	}
	tokens := br.env.issuedTokens(br.run)
	switch br.scenario {
	case "success":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success")
		want := seq(ev("pageLoaded", nil), br.connectEvents(true, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()}))
		br.wantEvents("main", want)
		br.wantData("hrefAfterLoad", br.linkURL()+"#lng=en")
		br.wantData("catalogTitle", "Connect your account")
		br.wantData("successTitle", "Account connected")
		br.wantData("badge", 1)
		br.wantData("linkAnother", 1)
		br.checkAccessTokens()
		br.checkBrandLogo()

	case "mfa":
		br.wantScreens("main", "loading", "catalog", "credentials", "mfa", "accounts", "success")
		p := br.accessPayload("sandbox-brokerage-1234", "sandbox-savings-5678")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("credentialsEntered", nil),
			ev("integrationMfaRequired", nil),
			ev("integrationMfaEntered", nil), // 000000: refused on the screen, no connection error
			ev("integrationMfaEntered", nil), // 123456
			ev("integrationAccountSelectionRequired", nil),
			ev("integrationConnected", p),
			connected(p),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()}),
		))
		br.wantData("mfaSubtitle", "Enter the 6-digit code we sent to your phone ending in 0042.")
		br.wantData("mfaError", "That code isn’t correct. Check it and try again.")
		br.wantData("successTitle", "Accounts connected")
		br.checkAccessTokens()

	case "wrong-password":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success")
		p := br.accessPayload("sandbox-brokerage-1234")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("credentialsEntered", nil),
			ev("integrationConnectionError", obj{"errorMessage": "credentials: the institution refused them"}),
			ev("credentialsEntered", nil),
			ev("integrationAccountSelectionRequired", nil),
			ev("integrationConnected", p),
			connected(p),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()}),
		))
		br.wantData("formError", "The username or password is incorrect.")
		br.wantData("usernameAfter", "user_good")
		br.wantData("passwordAfter", "")

	case "restrict-accounts":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success")
		br.wantEvents("main", seq(ev("pageLoaded", nil), br.connectEvents(false, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()})))
		br.wantData("linkAnother", 0)

	case "link-another":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success", "catalog", "credentials", "accounts", "success")
		br.wantEvents("main", seq(ev("pageLoaded", nil),
			br.connectEvents(false, "sandbox-brokerage-1234"),
			br.connectEvents(false, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()})))
		br.wantData("linkAnother", 1)
		br.checkAccessTokens()

	case "integration-id":
		br.wantScreens("main", "loading", "credentials", "accounts", "success")
		br.wantEvents("main", seq(ev("pageLoaded", nil), br.connectEvents(false, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()})))
		br.wantData("backButtonVisible", false)
		br.wantData("hrefAfterLoad", br.linkURL()+"#lng=en")

	case "transfer":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "loading", "transfer-asset", "loading",
			"transfer-preview", "transfer-executing", "transfer-success")
		br.checkTransfer(transferWant{
			networkID: ethereumID, networkName: "Ethereum", amount: 25, amountInFiat: 25,
			gas: obj{"fee": 0.0004, "feeCurrency": "ETH", "feeInFiat": 1.2},
			institution: obj{"fee": 0.025, "feeCurrency": "USDC", "feeInFiat": 0.03},
			client: obj{"fee": 0.25, "feeCurrency": "USDC", "feeInFiat": 0.25},
			totalAmountInFiat: math.Round((25+0.025+0.25+0.0004*3000)*100) / 100,
		})
		br.wantData("catalogTitle", "Choose where to transfer from")
		br.wantData("preview", obj{
			"preview-amount":  "25 USDC",
			"to-address":      re(`^0x5aAe…eAed\s*Show$`),
			"amount":          re(`^25 USDC\s*\$25\.00$`),
			"fee-network":     re(`^0\.0004 ETH\s*\$1\.20$`),
			"fee-institution": re(`^0\.025 USDC\s*\$0\.03$`),
			"fee-client":      re(`^0\.25 USDC\s*\$0\.25$`),
			"total":           re(`^25\.275 USDC\s*\$26\.48$`),
		})
		br.wantData("toAddressFull", allowedAddress)
		finished := br.transferFinishedPayload()
		br.wantData("txHashTitle", finished["txHash"])

	case "transfer-amount":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "loading", "transfer-asset", "transfer-network",
			"transfer-amount", "transfer-preview", "transfer-executing", "transfer-success")
		br.checkTransfer(transferWant{
			networkID: br.env.baseID, networkName: "Base", amount: 10.5, amountInFiat: 10.5,
			gas: obj{"fee": 0.00001, "feeCurrency": "ETH", "feeInFiat": 0.03},
			institution: obj{"fee": 0.0105, "feeCurrency": "USDC", "feeInFiat": 0.01},
			client: obj{"fee": 0, "feeCurrency": "USDC", "feeInFiat": 0},
			totalAmountInFiat: math.Round((10.5+0.0105+0.00001*3000)*100) / 100,
		})
		br.wantData("balance", "1,200 USDC")
		br.wantData("amountError", "That’s more than you can send. The most is 1,200 USDC.")
		br.wantData("preview", obj{
			"preview-amount":  "10.5 USDC",
			"to-address":      re(`^0x5aAe…eAed\s*Show$`),
			"amount":          re(`^10\.5 USDC\s*\$10\.50$`),
			"fee-network":     re(`^0\.00001 ETH\s*\$0\.03$`),
			"fee-institution": re(`^0\.0105 USDC\s*\$0\.01$`),
			"fee-client":      "Free",
			"total":           re(`^10\.5105 USDC\s*\$10\.54$`),
		})

	case "verify":
		br.wantScreens("main", "loading", "catalog", "verify", "verify-success")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("walletMessageSigned", obj{
				"signedMessageHash": reEVMHash,
				"message":           br.env.verifyMessage,
				"address":           allowedAddress,
				"timeStamp":         anyNumber,
				"isVerified":        true,
				"verifiedAddresses": []any{allowedAddress},
			}),
			ev("verifyDonePage", nil),
			exit(nil, obj{"page": "verifyDonePage", "selectedIntegration": selectedSandbox()}),
		))
		ts, _ := br.event("main", "walletMessageSigned")["timeStamp"].(float64)
		if d := time.Since(time.UnixMilli(int64(ts))); d < 0 || d > 5*time.Minute {
			t.Errorf("%s: walletMessageSigned.timeStamp %v is not the time of signing (%v ago)", br.run, ts, d)
		}
		br.wantData("catalogTitle", "Choose your wallet")
		br.wantData("message", br.env.verifyMessage)
		br.wantData("network", "Ethereum")
		br.wantData("allowedChecked", true)
		br.wantData("ownOffered", 1)
		br.wantData("verifiedAddress", allowedAddress)

	case "verify-rejected":
		br.wantScreens("main", "loading", "catalog", "verify", "verify-rejected")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("verifyWalletRejected", nil),
			exit(nil, obj{"page": "verifyWalletRejectedPage", "selectedIntegration": selectedSandbox()}),
		))
		br.wantData("reasons", "This address isn’t one of those allowed.")

	case "reused-token":
		used := "This link was already used. For your security, please start again from the app."
		revoked := "Your session was ended for your security. Please start again from the app."
		br.wantScreens("second", "loading", "error(linkTokenAlreadyUsed)")
		br.wantEvents("second", seq(ev("pageLoaded", nil), exit(used, obj{"page": "errorPage", "errorMessage": used})))
		br.wantScreens("main", "loading", "catalog", "credentials", "error(sessionRevoked)")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("credentialsEntered", nil),
			exit(revoked, obj{"page": "errorPage", "selectedIntegration": selectedSandbox(), "errorMessage": revoked}),
		))
		br.wantData("secondTitle", "This link was already used")
		br.wantData("secondMessage", "For your security, each link opens only once. Go back to the app and start again.")
		br.wantData("firstTitle", "Your session has ended")
		if len(tokens) != 1 {
			t.Fatalf("%s: the backend issued %d tokens, want 1", br.run, len(tokens))
		}
		tu := decodeToken(t, tokens[0])
		if r := br.linkd.redeem(t, tu.ClientID, "link", tu.Code); r.Code != http.StatusConflict || r.Type() != "linkTokenAlreadyUsed" {
			t.Errorf("%s: redeeming the reused code again: %v, want 409 linkTokenAlreadyUsed", br.run, r)
		}

	case "expired-token":
		expired := "This link has expired. Please start again from the app."
		br.wantScreens("main", "loading", "error(linkTokenExpired)")
		br.wantEvents("main", seq(ev("pageLoaded", nil), exit(expired, obj{"page": "errorPage", "errorMessage": expired})))
		br.wantData("title", "This link has expired")
		br.wantData("message", "Links stay valid for a few minutes only. Go back to the app and start again.")
		br.wantData("hrefAfterLoad", br.linkURL()+"#lng=en")

	case "blocked-origin":
		br.checkBlocked(tokens)

	default:
		t.Fatalf("no checks for scenario %q", br.scenario)
	}
}

type transferWant struct {
	networkID, networkName   string
	amount, amountInFiat     float64
	gas, institution, client obj
	totalAmountInFiat        float64
}

// transferFinishedPayload is the onTransferFinished payload the page recorded.
func (br *browserRun) transferFinishedPayload() map[string]any {
	for _, e := range br.page("main").Events {
		if e["cb"] == "onTransferFinished" {
			p, _ := e["payload"].(map[string]any)
			return p
		}
	}
	br.t.Fatalf("%s: no onTransferFinished", br.run)
	return nil
}

// checkTransfer asserts the callbacks of a transfer from the sandbox's first account,
// and that the ids agree across events, onTransferFinished and the summary.
func (br *browserRun) checkTransfer(w transferWant) {
	t := br.t
	txn := transactionID(br.run)
	user := userID(br.run)
	p := br.accessPayload("sandbox-brokerage-1234")
	finished := obj{
		"status": "success", "txId": reUUID, "fromAddress": sandboxEVMAddr, "toAddress": allowedAddress,
		"symbol": "USDC", "amount": w.amount, "networkId": w.networkID, "userId": user, "clientTransactionId": txn,
		"amountInFiat": w.amountInFiat, "totalAmountInFiat": w.totalAmountInFiat, "networkName": w.networkName,
		"txHash": reEVMHash, "transferId": reUUID,
	}
	br.wantEvents("main", seq(
		ev("pageLoaded", nil),
		ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
		ev("credentialsEntered", nil),
		ev("integrationAccountSelectionRequired", nil),
		ev("integrationConnected", p),
		connected(p),
		ev("transferStarted", sandboxInfo()),
		ev("transferAssetSelected", obj{"symbol": "USDC"}),
		ev("transferNetworkSelected", obj{"id": w.networkID, "name": w.networkName}),
		ev("transferAmountEntered", nil),
		ev("transferPreviewed", obj{
			"amount": w.amount, "symbol": "USDC", "toAddress": allowedAddress, "networkId": w.networkID,
			"previewId": reUUID, "networkName": w.networkName, "amountInFiat": w.amountInFiat, "fiatCurrency": "USD",
			"integrationType": "sandbox", "integrationName": "Sandbox",
			"estimatedNetworkGasFee": w.gas, "institutionTransferFee": w.institution, "customClientFee": w.client,
			"cryptocurrencyFundingOptions": []any{}, "userId": user, "clientTransactionId": txn,
		}),
		ev("transferInitiated", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "status": "pending"}),
		ev("transferExecuted", obj{
			"status": "success", "txId": reUUID, "fromAddress": sandboxEVMAddr, "toAddress": allowedAddress,
			"symbol": "USDC", "amount": w.amount, "networkId": w.networkID, "userId": user, "clientTransactionId": txn,
		}),
		ev("transferCompleted", finished),
		transferFinished(finished),
		exit(nil, obj{"page": "transferExecutedPage", "selectedIntegration": selectedSandbox(), "transfer": obj{
			"previewId": reUUID, "symbol": "USDC", "amount": w.amount, "amountInFiat": w.amountInFiat,
			"networkId": w.networkID, "transactionId": reUUID,
		}}),
	))
	if t.Failed() {
		return
	}
	// The same transfer everywhere.
	preview := br.event("main", "transferPreviewed")
	executed := br.event("main", "transferExecuted")
	completed := br.event("main", "transferCompleted")
	got := br.transferFinishedPayload()
	var summary map[string]any
	for _, e := range br.page("main").Events {
		if e["cb"] == "onExit" {
			s, _ := e["summary"].(map[string]any)
			summary, _ = s["transfer"].(map[string]any)
		}
	}
	if got["transferId"] != preview["previewId"] || summary["previewId"] != preview["previewId"] {
		t.Errorf("%s: previewId %v, transferId %v, summary.transfer.previewId %v: want one id", br.run, preview["previewId"], got["transferId"], summary["previewId"])
	}
	if got["txId"] != executed["txId"] || summary["transactionId"] != got["txId"] {
		t.Errorf("%s: transferExecuted.txId %v, onTransferFinished.txId %v, summary.transfer.transactionId %v: want one id", br.run, executed["txId"], got["txId"], summary["transactionId"])
	}
	if compactJSON(completed) != compactJSON(got) {
		t.Errorf("%s: transferCompleted payload %s differs from onTransferFinished's %s", br.run, compactJSON(completed), compactJSON(got))
	}
}

// checkAccessTokens calls POST /api/v1/balance/get, as the client's backend would, with
// every access token onIntegrationConnected delivered (and refuses a refresh token).
func (br *browserRun) checkAccessTokens() {
	t := br.t
	n := 0
	for _, e := range br.page("main").Events {
		if e["cb"] != "onIntegrationConnected" {
			continue
		}
		p, _ := e["payload"].(map[string]any)
		at, _ := p["accessToken"].(map[string]any)
		accounts, _ := at["accountTokens"].([]any)
		for _, a := range accounts {
			a, _ := a.(map[string]any)
			acct, _ := a["account"].(map[string]any)
			for _, kind := range []string{"accessToken", "refreshToken"} {
				tok, _ := a[kind].(string)
				body, _ := json.Marshal(map[string]string{"authToken": tok, "type": "sandbox"})
				r := br.linkd.do(t, "POST", "/api/v1/balance/get", body, "X-Client-Id", br.client.ID, "X-Client-Secret", br.client.Secret,
					"Content-Type", "application/json")
				if kind == "refreshToken" {
					if r.Code != http.StatusUnauthorized || r.Type() != "authTokenInvalid" {
						t.Errorf("%s: balance/get with the refresh token of %v: %v, want 401 authTokenInvalid", br.run, acct["accountId"], r)
					}
					continue
				}
				n++
				var c struct {
					TotalCash float64 `json:"totalCashUsdValue"`
				}
				if r.Code != http.StatusOK || json.Unmarshal(r.Env.Content, &c) != nil {
					t.Errorf("%s: balance/get with the access token of %v: %v, want 200", br.run, acct["accountId"], r)
				} else if c.TotalCash != acct["cash"] {
					t.Errorf("%s: balance/get of %v: totalCashUsdValue %v, want the account's cash %v", br.run, acct["accountId"], c.TotalCash, acct["cash"])
				}
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: no access token to try", br.run)
	}
}

// checkBrandLogo: brokerBrandInfo.brokerLogo is the base64 of the logo at logoLightUrl.
func (br *browserRun) checkBrandLogo() {
	t := br.t
	p := br.event("main", "integrationConnected")
	at, _ := p["accessToken"].(map[string]any)
	brand, _ := at["brokerBrandInfo"].(map[string]any)
	u, _ := brand["logoLightUrl"].(string)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("%s: logoLightUrl %q: %v", br.run, u, err)
	}
	r := br.linkd.do(t, "GET", pu.Path, nil)
	if r.Code != http.StatusOK || base64.StdEncoding.EncodeToString(r.Body) != brand["brokerLogo"] {
		t.Errorf("%s: GET %s: HTTP %d, %d bytes: want 200 with the bytes brokerBrandInfo.brokerLogo encodes", br.run, u, r.Code, len(r.Body))
	}
}

// checkBlocked: on a host origin the client did not register, the browser refused to
// frame the Link UI (CSP frame-ancestors), no callback came, and the code is unspent.
func (br *browserRun) checkBlocked(tokens []string) {
	t := br.t
	r := br.res
	p := br.page("main")
	if len(p.Events) != 0 {
		t.Errorf("%s: the host page got callbacks: %v", br.run, callbackKinds(p.Events))
	}
	if len(p.Messages) != 0 || len(p.Posts) != 0 || len(p.Screens) != 0 {
		t.Errorf("%s: the Link UI ran: screens %v, posted %d, host received %d messages", br.run, screenNames(p.Screens), len(p.Posts), len(p.Messages))
	}
	if n, _ := r.Data["frameScreens"].(float64); n != 0 || r.Data["frameScreens"] == nil {
		t.Errorf("%s: the iframe holds %v [data-screen] elements, want 0", br.run, r.Data["frameScreens"])
	}
	if u, _ := r.Data["frameURL"].(string); u != "chrome-error://chromewebdata/" && u != "about:blank" {
		t.Errorf("%s: the iframe's document is %q, want Chromium's error page (blocked by frame-ancestors)", br.run, u)
	}
	blocked := false
	for _, c := range r.Console {
		if s, _ := c["text"].(string); strings.Contains(s, "frame-ancestors") && strings.Contains(s, br.env.hostOrigin) {
			blocked = true
		}
	}
	if !blocked {
		t.Errorf("%s: no console report of the frame-ancestors refusal naming %s; console: %v", br.run, br.env.hostOrigin, r.Console)
	}
	if len(r.ExternalRequests) > 0 {
		t.Errorf("%s: requests left the machine: %v", br.run, r.ExternalRequests)
	}
	if len(tokens) != 1 {
		t.Fatalf("%s: the backend issued %d tokens, want 1", br.run, len(tokens))
	}
	tu := decodeToken(t, tokens[0])
	res := br.linkd.redeem(t, tu.ClientID, "link", tu.Code)
	if res.Code != http.StatusOK {
		t.Errorf("%s: the code opened on the blocked page should be unspent: POST /link/api/sessions answered %v, want 200", br.run, res)
	}
}

