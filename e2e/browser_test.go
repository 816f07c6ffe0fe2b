package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/meshapi"
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
	sandboxEVMAddr  = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359" // the sandbox brokerage's address (transfers)
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
	"transfer", "transfer-amount", "transfer-max", "verify", "verify-rejected", "wallet-connect", "wallet-refused",
	"wallet-timeout", "wallet-verify-evm", "wallet-verify-solana", "wallet-wrong-address", "wallet-tampered", "pay-wallet",
	"wallet-chooser", "reused-token", "operator-revoked", "blocked-origin", "readme-snippet", "expired-token",
}

// blockedLoadTimeout is the linkdLoadTimeout the blocked-origin scenario gives linkd's
// SDK: long enough for the scenario to look at the refused frame first.
const blockedLoadTimeout = 6 * time.Second

// walletScenarios run with the scripted browser wallets (browser/host/test-wallets-entry.js)
// injected into the host page (into the payment link's page for pay-wallet).
var walletScenarios = []string{"wallet-connect", "wallet-refused", "wallet-timeout", "wallet-verify-evm", "wallet-verify-solana",
	"wallet-wrong-address", "wallet-tampered", "pay-wallet", "wallet-chooser"}

// onlySDK are scenarios that run once, with one SDK: pay-wallet does not depend on the host
// page's SDK; operator-revoked revokes every session of its client (env.revocable), so a
// second run beside it would be revoked too.
var onlySDK = map[string]string{"pay-wallet": "linkd", "operator-revoked": "mesh"}

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
	linkd, short        *proc
	client, shortClient creds
	// revocable is a client of linkd whose tokens only the operator-revoked scenario gets
	// (token scenario "revocable"): POST /revoke-tokens on the host runs `linkd client
	// revoke-tokens` for it.
	revocable                 creds
	host, blocked             *httptest.Server
	hostOrigin, blockedOrigin string
	bundleDir                 string
	artifacts                 string
	// snippetFile holds the README's Playwright snippet (readme-snippet scenario).
	snippetFile   string
	ws            string
	baseID        string
	verifyMessage string

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
	for _, m := range []string{"playwright-core", "esbuild", "@meshconnect/web-link-sdk", "@noble/curves"} {
		if !fileExists(filepath.Join(e2eDir, "node_modules", m, "package.json")) {
			t.Fatalf("e2e/node_modules/%s is missing: run npm ci --prefix e2e", m)
		}
	}
	start := time.Now()
	env := newBrowserEnv(t, node, chromium)
	t.Logf("browser test environment ready in %v: linkd %s (public %s), host %s, blocked host %s, screenshots in %s",
		time.Since(start).Round(time.Millisecond), env.linkd.URL, env.linkd.PublicURL(), env.hostOrigin, env.blockedOrigin, env.artifacts)
	t.Cleanup(func() {
		t.Logf("screenshots and each scenario's recorded callbacks: %s/{mesh,linkd}/", env.artifacts)
		fmt.Fprintf(os.Stderr, "browser tests: screenshots in %s\n", env.artifacts)
	})

	// Scenarios run in parallel (bounded by -parallel, and by this semaphore on big
	// machines), each in its own browser context.
	sem := make(chan struct{}, min(4, max(2, runtime.GOMAXPROCS(0))))
	for _, sc := range browserScenarios {
		for _, sdk := range browserSDKs {
			if only, ok := onlySDK[sc]; ok && only != sdk {
				continue
			}
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
	env.hostOrigin, env.blockedOrigin = env.host.URL, env.blocked.URL

	// The short-lived linkd first: its tokens must age past --token-ttl.
	env.short = startLinkd(t, "--token-ttl", shortTokenTTL.String())
	env.shortClient = clientFor(t, env.short, "Acme Pay (short TTL)", env.hostOrigin)
	for _, sdk := range browserSDKs {
		tok, err := env.short.api(env.shortClient).CreateLinkToken(context.Background(), user("browser-"+sdk+"-expired"))
		if err != nil {
			t.Fatal(err)
		}
		env.expired[sdk] = tok.LinkToken
	}
	env.expiredAt = time.Now()

	// Transfers settle after a second (the default 5 s would only slow the test down).
	env.linkd = startLinkd(t, "--sandbox-settle-delay", "1s")
	env.client = clientFor(t, env.linkd, "Acme Pay", env.hostOrigin)
	env.baseID = networkID(t, env.linkd, env.client, "Base")
	env.revocable = clientFor(t, env.linkd, "Acme Pay (revocable)", env.hostOrigin)

	env.bundleDir = t.TempDir()
	env.buildBundle(t)
	env.snippetFile = filepath.Join(env.bundleDir, "readme-snippet.mjs")
	if err := os.WriteFile(env.snippetFile, []byte(readmeSnippet(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	env.artifacts = filepath.Join(e2eDir, "artifacts")
	for _, sdk := range browserSDKs {
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
	mux.HandleFunc("POST /revoke-tokens", env.serveRevokeTokens)

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
	// The scripted wallets (with @noble/curves), as one classic script.
	cmd = exec.Command(filepath.Join(e2eDir, "node_modules", ".bin", "esbuild"),
		filepath.Join("browser", "host", "test-wallets-entry.js"), "--bundle", "--format=iife", "--platform=browser",
		"--target=chrome120", "--log-level=warning", "--outfile="+filepath.Join(env.bundleDir, "test-wallets.js"))
	cmd.Dir = e2eDir
	cmd.Env = cleanEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild of browser/host/test-wallets-entry.js: %v\n%s", err, b)
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
func (env *browserEnv) tokenRequest(scenario, run string) (*meshapi.LinkTokenRequest, error) {
	sdk, name, _ := strings.Cut(run, "/")
	user := "browser-" + sdk + "-" + name
	if len(user) > 50 {
		user = user[:50]
	}
	req := &meshapi.LinkTokenRequest{UserID: user}
	to := func(networkID, symbol string) meshapi.ToAddress {
		return meshapi.ToAddress{NetworkID: networkID, Symbol: symbol, Address: allowedAddress}
	}
	switch scenario {
	case "success", "blocked", "link-another", "revocable":
	case "restrict":
		req.RestrictMultipleAccounts = true
	case "integration-id":
		req.IntegrationID = sandboxID
	case "transfer":
		fee := 0.01
		req.TransferOptions = &meshapi.TransferOptions{
			ToAddresses:   []meshapi.ToAddress{to(ethereumID, "USDC")},
			AmountInFiat:  25,
			TransactionID: transactionID(run),
			ClientFee:     &fee,
			TransferType:  meshapi.TransferTypeDeposit,
		}
	case "transfer-amount":
		req.TransferOptions = &meshapi.TransferOptions{
			ToAddresses:   []meshapi.ToAddress{to(ethereumID, "USDC"), to(env.baseID, "USDC"), to(ethereumID, "ETH")},
			TransactionID: transactionID(run),
		}
	case "verify", "verify-other", "wallet-verify-evm":
		allowed := map[string][]string{"verify": {allowedAddress, connector.SandboxWalletEVM}, "verify-other": {allowedAddress},
			"wallet-verify-evm": {testWallets.metaMask()}}[scenario]
		req.VerifyWalletOptions = &meshapi.VerifyWalletOptions{
			VerificationMethods: []string{"signedMessage"},
			Message:             env.verifyMessage,
			NetworkID:           ethereumID,
			Addresses:           allowed,
		}
	case "wallet-verify-solana":
		req.VerifyWalletOptions = &meshapi.VerifyWalletOptions{Message: env.verifyMessage, NetworkType: "solana"}
	case "pay-wallet":
		req.TransferOptions = &meshapi.TransferOptions{
			ToAddresses:     []meshapi.ToAddress{to(ethereumID, "USDC")},
			AmountInFiat:    25,
			GeneratePayLink: true,
		}
		req.VerifyWalletOptions = &meshapi.VerifyWalletOptions{Message: env.verifyMessage, NetworkID: ethereumID}
	default:
		return nil, fmt.Errorf("unknown token scenario %q", scenario)
	}
	return req, nil
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
	var token, payLink string
	if in.Scenario == "expired" {
		sdk, _, _ := strings.Cut(in.Run, "/")
		env.mu.Lock()
		token = env.expired[sdk]
		env.mu.Unlock()
		// Wait until it has expired (usually long since).
		time.Sleep(time.Until(env.expiredAt.Add(shortTokenTTL + 1500*time.Millisecond)))
	} else {
		req, err := env.tokenRequest(in.Scenario, in.Run)
		if err != nil {
			writeJSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		// The host page's backend, as a Go backend would write it.
		c := env.client
		if in.Scenario == "revocable" {
			c = env.revocable
		}
		tok, err := env.linkd.api(c).CreateLinkToken(r.Context(), req)
		if err != nil {
			writeJSON(http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		token, payLink = tok.LinkToken, tok.PaymentLink
	}
	env.mu.Lock()
	env.issued[in.Run] = append(env.issued[in.Run], token)
	env.mu.Unlock()
	writeJSON(http.StatusOK, map[string]string{"linkToken": token, "paymentLink": payLink})
}

// serveRevokeTokens runs `linkd client revoke-tokens` for env.revocable against the
// serving linkd's database, as an operator would while a Link session is open, and answers
// with what the command printed.
func (env *browserEnv) serveRevokeTokens(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, linkdBin, "client", "revoke-tokens", env.revocable.ID, "--data", env.linkd.DataDir)
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error(), "stdout": string(out), "stderr": stderr.String()})
		return
	}
	w.Write(out)
}

// readmeSnippetMarker precedes the README's Playwright snippet.
const readmeSnippetMarker = "<!-- e2e/browser_test.go runs this snippet"

// readmeSnippet returns the README's Playwright snippet ("Testing against linkd in CI"):
// the ```js block after readmeSnippetMarker. The readme-snippet scenario imports it, so
// that the snippet integrators copy keeps working.
func readmeSnippet(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), readmeSnippetMarker)
	if !ok {
		t.Fatalf("README.md has no %q", readmeSnippetMarker)
	}
	_, rest, ok = strings.Cut(rest, "```js\n")
	code, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed || !strings.Contains(code, "export async function connectSandbox(page") {
		t.Fatalf("README.md: no ```js block exporting connectSandbox(page, …) after %q", readmeSnippetMarker)
	}
	return code + "\n"
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
	LoadTimeoutMs  int               `json:"loadTimeoutMs"`
	SnippetFile    string            `json:"snippetFile"`
	Networks       map[string]string `json:"networks"`
	Addresses      map[string]string `json:"addresses"`
	// Wallets, when set, injects the scripted wallets (browser/host/test-wallets-entry.js).
	Wallets *walletsConfig `json:"wallets,omitempty"`
}

// walletsConfig says where the scripted wallets go and with which keys.
type walletsConfig struct {
	Bundle string            `json:"bundle"`
	Where  string            `json:"where"` // "host" (the host page) or "page" (a full-page Link UI)
	Keys   map[string]string `json:"keys"`
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
	LinkDocuments    int                    `json:"linkDocuments"`
	Redemptions      int                    `json:"redemptions"`
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
	// BridgePosts are the wallet bridge's Comlink requests the Link UI sent: {type, target};
	// BridgeMessages those the host page received: {origin, type, fromLink}.
	BridgePosts    []map[string]any `json:"bridgePosts"`
	BridgeMessages []map[string]any `json:"bridgeMessages"`
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
		HostURL: env.hostOrigin + page, BlockedHostURL: env.blockedOrigin + page,
		LinkOrigins:   []string{env.linkd.PublicURL(), env.short.PublicURL()},
		ArtifactsDir:  env.artifacts,
		StepTimeoutMs: 15000,
		LoadTimeoutMs: int(blockedLoadTimeout.Milliseconds()),
		SnippetFile:   env.snippetFile,
		Networks:      map[string]string{"ethereum": ethereumID, "base": env.baseID},
		Addresses:     map[string]string{"allowed": allowedAddress, "own": connector.SandboxWalletEVM},
	}
	if slices.Contains(walletScenarios, scenario) {
		cfg.Wallets = &walletsConfig{Bundle: filepath.Join(env.bundleDir, "test-wallets.js"), Where: "host", Keys: testWallets.keys()}
		if scenario == "pay-wallet" {
			cfg.Wallets.Where = "page"
		}
		if scenario == "wallet-chooser" {
			cfg.Wallets.Keys["phantomEvmKey"] = hex.EncodeToString(testWallets.phantomEVM[:])
		}
	}
	b, _ := json.Marshal(cfg)
	br := &browserRun{t: t, env: env, sdk: sdk, scenario: scenario, run: run, linkd: env.linkd, client: env.client}
	switch scenario {
	case "expired-token":
		br.linkd, br.client = env.short, env.shortClient
	case "operator-revoked":
		br.client = env.revocable
	}
	t.Cleanup(func() {
		if t.Failed() {
			br.report(logStart)
		}
	})

	// This run's pictures replace the previous run's.
	old, _ := filepath.Glob(filepath.Join(env.artifacts, sdk, scenario+"-[0-9][0-9]-*.png"))
	for _, f := range append(old, filepath.Join(env.artifacts, sdk, scenario+".json")) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}

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
	// The result line is an artifact too: every callback, message and screen in order.
	if err := os.WriteFile(filepath.Join(env.artifacts, sdk, scenario+".json"), []byte(lines[len(lines)-1]+"\n"), 0o644); err != nil {
		t.Error(err)
	}
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
				fmt.Fprintf(&b, "  callback %s\n", compactJSON(shorten(withoutKey(e, "at"))))
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
		var keep []string
		for _, l := range strings.SplitAfter(logs, "\n") {
			if !strings.Contains(l, "route=link_asset") && !strings.Contains(l, "route=healthz") {
				keep = append(keep, l)
			}
		}
		fmt.Fprintf(&b, "--- linkd %s log since the scenario started (other scenarios interleave; asset requests left out):\n%s", p.URL, strings.Join(keep, ""))
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

// shorten abbreviates long strings (logos in base64) for the failure report.
func shorten(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			out[k] = shorten(vv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = shorten(vv)
		}
		return out
	case string:
		if len(x) > 100 {
			return x[:60] + fmt.Sprintf("…(%d bytes)", len(x))
		}
	}
	return v
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
