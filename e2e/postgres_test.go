package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/store/postgres/pgtest"
)

// sharedPublicURL is what every instance behind one load balancer advertises.
const sharedPublicURL = "https://linkd.example"

// startInstances starts n `linkd serve` on the PostgreSQL database dbURL, all advertising
// the same --public-url as instances behind a load balancer do, with args added.
func startInstances(t *testing.T, n int, dbURL string, args ...string) []*proc {
	t.Helper()
	var procs []*proc
	for range n {
		procs = append(procs, startLinkd(t, append([]string{"--database-url", dbURL, "--public-url", sharedPublicURL}, args...)...))
	}
	return procs
}

// TestPostgresInstances runs two instances on one PostgreSQL database and checks what
// only several instances can get wrong: a token minted on one opens on the other, a
// Link session continues on the other, `linkd client` changes reach both within a
// second, both purging at once is harmless, and --max-active-tokens is one bound for
// both. (Exactly-once redemption across them is a case of TestRedeemExactlyOnce.)
func TestPostgresInstances(t *testing.T) {
	t.Parallel()
	// --auth-failures 0: the propagation checks poll with credentials that are refused
	// until the change arrives. --purge-interval: both purge all along.
	dbURL := pgtest.URL(t)
	procs := startInstances(t, 2, dbURL, "--auth-failures", "0", "--purge-interval", "100ms")
	a, b := procs[0], procs[1]
	t.Cleanup(func() {
		for _, p := range procs {
			if logs := p.Logs(); strings.Contains(logs, "purge failed") || strings.Contains(logs, "level=ERROR") {
				t.Errorf("%s logged errors:\n%s", p.Addr, logs)
			}
		}
	})

	t.Run("a token minted on one opens on the other", func(t *testing.T) {
		t.Parallel()
		c := a.createClient(t, "Two Co")
		tok, _ := a.issue(t, c, user("u-1"))
		if !strings.HasPrefix(tok.Raw, sharedPublicURL+"/link/") {
			t.Errorf("link token URL %s, want it under the shared --public-url", tok.Raw)
		}
		if r := b.redeem(t, c.ID, "link", tok.Code); r.Code != http.StatusOK {
			t.Fatalf("B redeems A's token: %v", r)
		}
		if r := a.redeem(t, c.ID, "link", tok.Code); status(r) != "409 linkTokenAlreadyUsed" {
			t.Errorf("A, given the token B redeemed: %v, want 409 linkTokenAlreadyUsed", r)
		}
	})

	t.Run("a Link session opened on one continues on the other", func(t *testing.T) {
		t.Parallel()
		c := a.createClient(t, "Session Co")
		tok, _ := a.issue(t, c, user("u-7"))
		var info sessionInfo
		decodeContent(t, a.redeem(t, c.ID, "link", tok.Code), &info)
		bearer := []string{"Authorization", "Bearer " + info.SessionToken, "Content-Type", "application/json"}
		if r := b.session(t, info.SessionToken); r.Code != http.StatusOK {
			t.Fatalf("B: GET /link/api/session of a session opened on A: %v", r)
		}
		var conn struct {
			ConnectionID string
			Accounts     []struct{ AccountID string }
		}
		decodeContent(t, b.do(t, "POST", "/link/api/connections",
			[]byte(`{"integrationId":"b9cc860a-935d-5982-8562-c164e2e7a703","username":"user_good","password":"pass_good"}`), bearer...), &conn)
		if conn.ConnectionID == "" || len(conn.Accounts) == 0 {
			t.Fatalf("B: sandbox connection: %+v", conn)
		}
		// Back on A: the connection B made is there, and picking its account works.
		var linked struct {
			AccessToken struct {
				AccountTokens []struct{ AccessToken string }
			}
		}
		decodeContent(t, a.do(t, "POST", "/link/api/connections/"+conn.ConnectionID+"/accounts",
			[]byte(`{"accountIds":["`+conn.Accounts[0].AccountID+`"]}`), bearer...), &linked)
		if len(linked.AccessToken.AccountTokens) != 1 {
			t.Fatalf("A: account selection: %+v", linked)
		}
		// And the access token A handed out works on B's client API.
		r := b.do(t, "POST", "/api/v1/balance/get", []byte(`{"authToken":"`+linked.AccessToken.AccountTokens[0].AccessToken+`","type":"sandbox"}`),
			"X-Client-Id", c.ID, "X-Client-Secret", c.Secret, "Content-Type", "application/json")
		if r.Code != http.StatusOK {
			t.Errorf("B: balance with an access token from A: %v", r)
		}
	})

	t.Run("client commands reach both within a second", func(t *testing.T) {
		t.Parallel()
		c := a.createClient(t, "Ops Co")
		db := a.storeFlags()
		cli := func(args ...string) string { t.Helper(); return mustCLI(t, append(args, db...)...) }
		both := func(c creds, want, what string) {
			t.Helper()
			for _, p := range procs {
				expectStatus(t, p, c, want, what+" on "+p.Addr)
			}
		}
		both(c, "200", "a new client")

		cli("client", "disable", c.ID)
		both(c, "423 clientDisabled", "disable")
		cli("client", "enable", c.ID)
		both(c, "200", "enable")

		var rotated struct {
			Secret string `json:"clientSecret"`
		}
		if err := json.Unmarshal([]byte(cli("client", "rotate-secret", c.ID, "--grace", "0s")), &rotated); err != nil || rotated.Secret == "" {
			t.Fatalf("rotate-secret: %v", err)
		}
		both(creds{ID: c.ID, Secret: rotated.Secret}, "200", "the new secret")
		both(c, "401 invalidCredentials", "the old secret after a rotation without grace")
		c.Secret = rotated.Secret

		open, _ := a.issue(t, c, user("u-1"))
		used, _ := b.issue(t, c, user("u-2"))
		var info sessionInfo
		decodeContent(t, b.redeem(t, c.ID, "link", used.Code), &info)
		cli("client", "revoke-tokens", c.ID)
		waitFor(t, propagation, "revoke-tokens on both", func() string {
			if r := b.redeem(t, c.ID, "link", open.Code); status(r) != "403 linkTokenRevoked" {
				return "B redeems a revoked token: " + r.String()
			}
			if r := a.session(t, info.SessionToken); status(r) != "401 sessionRevokedByOperator" {
				return "A: session of a revoked client's token: " + r.String()
			}
			return ""
		})
	})

	t.Run("--max-active-tokens holds across them", func(t *testing.T) {
		t.Parallel()
		capped := startInstances(t, 2, dbURL, "--max-active-tokens", "6")
		c := capped[0].createClient(t, "Capped Co")
		const requests = 20
		codes := make([]string, requests)
		var wg sync.WaitGroup
		for i := range requests {
			wg.Go(func() {
				r, err := capped[i%2].linkTokenReq(c, `{"userId":"u-1"}`)
				switch {
				case err != nil:
					codes[i] = err.Error()
				case r.Code == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "":
					codes[i] = "429 without Retry-After"
				default:
					codes[i] = status(r)
				}
			})
		}
		wg.Wait()
		got := map[string]int{}
		for _, c := range codes {
			got[c]++
		}
		if want := map[string]int{"200": 6, "429 tooManyActiveTokens": requests - 6}; !maps.Equal(got, want) {
			t.Errorf("%d requests at once over two instances, bound 6: %v, want %v", requests, got, want)
		}
	})

	t.Run("a token answered by an instance killed right after is not lost", func(t *testing.T) {
		t.Parallel()
		p := startInstances(t, 1, dbURL)[0]
		c := p.createClient(t, "Durable Co")
		tok, _ := p.issue(t, c, user("u-1"))
		p.Kill()
		if r := b.redeem(t, c.ID, "link", tok.Code); r.Code != http.StatusOK {
			t.Fatalf("B redeems the token of an instance killed with SIGKILL after answering: %v", r)
		}
	})
}

// TestPostgresFaults: with PostgreSQL unreachable, hung or slow (a fault proxy between
// linkd and it), POST /api/v1/linktoken answers 503 storeUnavailable with Retry-After
// within about a second, never a 2xx for a token it did not commit, never a 401 or a
// linkTokenAlreadyUsed caused by the fault; /readyz turns 503 while /healthz stays 200;
// and once the database is back, linkd serves again without a restart.
func TestPostgresFaults(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := pgtest.NewProxy(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	viaProxy := *u
	viaProxy.Host = proxy.Addr
	p := startLinkd(t, "--database-url", viaProxy.String())
	c := p.createClient(t, "Fault Co")

	faults := []struct {
		name  string
		fault func()
	}{
		{"connections refused (stopped or unreachable)", proxy.Refuse},
		{"blackholed (hung)", proxy.Blackhole},
		{"slow (3 s per round trip)", func() { proxy.Delay(3 * time.Second) }},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			before, _ := p.issue(t, c, user("u-1"))
			// Load running when the fault starts: every 200 it gets must be a token that
			// opens once the database is back.
			stop := make(chan struct{})
			var (
				mu       sync.Mutex
				answered []string
				others   = map[string]int{}
				wg       sync.WaitGroup
			)
			for range 8 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						r, err := p.linkTokenReq(c, `{"userId":"u-2"}`)
						mu.Lock()
						switch {
						case err != nil:
							others["transport error"]++
						case r.Code == http.StatusOK:
							var content struct{ LinkToken string }
							json.Unmarshal(r.Env.Content, &content)
							answered = append(answered, content.LinkToken)
						default:
							others[status(r)]++
						}
						mu.Unlock()
					}
				})
			}
			time.Sleep(200 * time.Millisecond)
			f.fault()
			time.Sleep(1500 * time.Millisecond)
			close(stop)
			wg.Wait()
			for k := range others {
				if k != "503 storeUnavailable" {
					t.Errorf("during the fault: %d × %s, want only 200 and 503 storeUnavailable", others[k], k)
				}
			}

			// With the database away: answers within about a second, 503 with
			// Retry-After, never an authentication or redemption verdict.
			for _, wait := range []time.Duration{0, 600 * time.Millisecond} { // 600 ms: past the client cache
				time.Sleep(wait)
				start := time.Now()
				r := p.linkToken(t, c, `{"userId":"u-3"}`)
				if took := time.Since(start); took > 1500*time.Millisecond {
					t.Errorf("POST /api/v1/linktoken answered after %v, want about a second at most", took)
				}
				checkUnavailable(t, "POST /api/v1/linktoken", r)
				if r := p.redeem(t, c.ID, "link", before.Code); status(r) != "503 storeUnavailable" {
					t.Errorf("redeeming a token issued before the fault: %v, want 503 storeUnavailable", r)
				}
			}
			checkReadiness(t, p, false)

			proxy.Resume()
			waitFor(t, 10*time.Second, "GET /readyz 200 once the database is back", func() string {
				if r := p.do(t, "GET", "/readyz", nil); r.Code != http.StatusOK {
					return r.String()
				}
				return ""
			})
			if r := p.linkToken(t, c, `{"userId":"u-4"}`); r.Code != http.StatusOK {
				t.Fatalf("POST /api/v1/linktoken once the database is back: %v", r)
			}
			if r := p.redeem(t, c.ID, "link", before.Code); r.Code != http.StatusOK {
				t.Errorf("the token issued before the fault, once the database is back: %v", r)
			}
			for i, tok := range answered {
				if r := p.redeem(t, c.ID, "link", decodeToken(t, tok).Code); r.Code != http.StatusOK {
					t.Errorf("token %d of %d answered 200 around the fault: redeem %v", i+1, len(answered), r)
				}
			}
			t.Logf("%d tokens answered 200 around the fault, %v otherwise", len(answered), others)
		})
	}
}

// TestPostgresStopped: a real PostgreSQL server of its own, stopped and started again. A
// `linkd serve` started while it is down waits for it, logging why, and listens
// meanwhile: /healthz 200, /readyz and the API 503 storeUnavailable; it serves on the same
// address once the database answers. Once up, linkd answers 503 while the server is
// stopped, and serves again without a restart once it is back.
func TestPostgresStopped(t *testing.T) {
	t.Parallel()
	needBinary(t)
	cluster, err := pgtest.Start("")
	if errors.Is(err, pgtest.ErrNotInstalled) {
		pgtest.SkipOrFail(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Close() })
	dbURL := cluster.URL("postgres")
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	p := startLinkdEarly(t, "--database-url", dbURL) // returns once /healthz answers
	// While it waits, the process is up but not ready, and says so.
	waitFor(t, 5*time.Second, "a log line saying why linkd waits", func() string {
		if logs := p.Logs(); !strings.Contains(logs, "database unavailable, retrying") || !strings.Contains(logs, "connect") {
			return logs
		}
		return ""
	})
	if r := p.do(t, "GET", "/healthz", nil); r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"starting"`) {
		t.Errorf("/healthz while waiting for the database: %v, want 200 starting", r)
	}
	for _, path := range []string{"/readyz", "/api/v1/integrations"} {
		r := p.do(t, "GET", path, nil)
		if r.Code != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), `"storeUnavailable"`) || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s while waiting for the database: %v, want 503 storeUnavailable with Retry-After", path, r)
		}
	}
	if strings.Contains(p.Logs(), "linkd listening") {
		t.Errorf("linkd says it serves before the database answered:\n%s", p.Logs())
	}
	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "linkd serving once PostgreSQL runs", func() string {
		if r := p.do(t, "GET", "/readyz", nil); r.Code != http.StatusOK || !strings.Contains(p.Logs(), "linkd listening") {
			return r.String()
		}
		return ""
	})
	if u, err := url.Parse(dbURL); err != nil {
		t.Fatal(err)
	} else if password, _ := u.User.Password(); strings.Contains(linkdOutput(p), password) {
		t.Errorf("the log holds the database password:\n%s", p.Logs())
	}
	c := p.createClient(t, "Stop Co")
	before, _ := p.issue(t, c, user("u-1"))

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	checkUnavailable(t, "POST /api/v1/linktoken with PostgreSQL stopped", p.linkToken(t, c, `{"userId":"u-1"}`))
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("answered after %v, want about a second at most", took)
	}
	checkReadiness(t, p, false)

	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "GET /readyz 200 once PostgreSQL runs again", func() string {
		if r := p.do(t, "GET", "/readyz", nil); r.Code != http.StatusOK {
			return r.String()
		}
		return ""
	})
	if r := p.redeem(t, c.ID, "link", before.Code); r.Code != http.StatusOK {
		t.Errorf("the token issued before the stop: %v", r)
	}
	if r := p.linkToken(t, c, `{"userId":"u-1"}`); r.Code != http.StatusOK {
		t.Errorf("POST /api/v1/linktoken after the restart: %v", r)
	}
}

// TestPostgresCommandsFailFast: the one-shot commands do not wait for a database that
// does not answer: they fail at once, on one line, without the password.
func TestPostgresCommandsFailFast(t *testing.T) {
	t.Parallel()
	const dbURL = "postgres://linkd:s3cret-pw@127.0.0.1:1/linkd"
	for _, args := range [][]string{{"migrate"}, {"client", "list"}, {"export"}} {
		start := time.Now()
		stdout, stderr, code := runCLI(t, append(args, "--database-url", dbURL)...)
		took := time.Since(start)
		if code != 1 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "connect") ||
			strings.Contains(stderr, "s3cret-pw") || took > 10*time.Second {
			t.Errorf("linkd %s: exit %d after %v, stdout %q, stderr %q; want exit 1 at once, one line without the password",
				strings.Join(args, " "), code, took.Round(time.Millisecond), stdout, stderr)
		}
	}
}

// TestMoveToPostgres moves an embedded deployment to PostgreSQL (linkd export, linkd
// import) and checks that its clients keep working with their old secrets on a `linkd
// serve` on PostgreSQL, with their settings, disabled state, sub-clients, webhooks (a
// delivery signed with the webhook's old secret, the key file moved along), the transfer
// made before the move (listed) and the account connected before it (its refresh token
// works); importing twice changes nothing.
func TestMoveToPostgres(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	from := &proc{DataDir: dir}
	active := from.createClient(t, "Moving Co")
	var rotated struct {
		Secret string `json:"clientSecret"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "client", "rotate-secret", active.ID, "--grace", "1h", "--data", dir)), &rotated); err != nil {
		t.Fatal(err)
	}
	var sub struct {
		ID string `json:"subClientId"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "client", "subclient", "add", "--client", active.ID, "--name", "Shop", "--data", dir)), &sub); err != nil {
		t.Fatal(err)
	}
	disabled := from.createClient(t, "Paused Co")
	mustCLI(t, "client", "disable", disabled.ID, "--data", dir)
	rcv := &hookReceiver{t: t}
	receiver := httptest.NewServer(rcv)
	defer receiver.Close()
	_, hookSecret := from.addWebhook(t, active, receiver.URL+"/hooks")
	keyFile := filepath.Join(dir, config.SecretKeyFileName) // moves with the deployment
	// A deposit before the move: a transfer record and a connected account.
	embedded := startLinkdOn(t, dir, "--webhook-allow-private", "--sandbox-settle-delay", "1s")
	before, account := embedded.depositTokens(t, active, "before-the-move", 25)
	waitFor(t, 40*time.Second, "the deposit before the move settled and delivered", func() string {
		if got := strings.Join(rcv.delivered(before.TransferID), ","); got != "pending,succeeded" {
			return "delivered " + got
		}
		return ""
	})
	embedded.stop()

	export := mustCLI(t, "export", "--data", dir)
	for _, secret := range []string{active.Secret, rotated.Secret, disabled.Secret, hookSecret, account.AccessToken, account.RefreshToken} {
		if strings.Contains(export, secret) {
			t.Fatal("the export holds a clear-text secret")
		}
	}
	file := filepath.Join(t.TempDir(), "linkd.json")
	if err := os.WriteFile(file, []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.URL(t)
	first := mustCLI(t, "import", "--file", file, "--database-url", dbURL, "--secret-key-file", keyFile)
	second := mustCLI(t, "import", "--file", file, "--database-url", dbURL, "--secret-key-file", keyFile)
	var sums [2]struct {
		Clients        struct{ Created, Updated, Unchanged int }
		SecretsChanged int
		SubClients     struct{ Created, Unchanged int }
		Webhooks       struct{ Created, Unchanged int }
		Transfers      struct{ Created, Unchanged int }
		AccessTokens   struct{ Created, Unchanged int }
	}
	for i, out := range []string{first, second} {
		if err := json.Unmarshal([]byte(out), &sums[i]); err != nil {
			t.Fatal(err)
		}
	}
	if s := sums[0]; s.Clients.Created != 2 || s.SubClients.Created != 1 || s.Webhooks.Created != 1 || s.Transfers.Created != 1 ||
		s.AccessTokens.Created != 2 {
		t.Errorf("first import: %s", first)
	}
	if s := sums[1]; s.Clients.Created+s.Clients.Updated+s.SecretsChanged+s.SubClients.Created+s.Webhooks.Created+s.Transfers.Created+
		s.AccessTokens.Created != 0 || s.Clients.Unchanged != 2 || s.Webhooks.Unchanged != 1 {
		t.Errorf("second import changed something: %s", second)
	}
	if again := mustCLI(t, "export", "--database-url", dbURL); stripExportedAt(again) != stripExportedAt(export) {
		t.Errorf("PostgreSQL exports differently from the embedded database:\n%s\n---\n%s", export, again)
	}

	p := startLinkd(t, "--database-url", dbURL, "--secret-key-file", keyFile, "--webhook-allow-private", "--sandbox-settle-delay", "1s")
	for _, tc := range []struct {
		name string
		c    creds
		want string
	}{
		{"the secret from before the rotation (in its grace period)", active, "200"},
		{"the current secret", creds{ID: active.ID, Secret: rotated.Secret}, "200"},
		{"the disabled client", disabled, "423 clientDisabled"},
	} {
		if got := status(p.integrations(t, tc.c)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	r := p.linkToken(t, active, fmt.Sprintf(`{"userId":"u-1","subClientId":"%s"}`, sub.ID))
	if r.Code != http.StatusOK {
		t.Errorf("a link token for the moved sub-client: %v", r)
	}
	// The transfer made before the move is listed, and the account connected before it
	// stays connected: its refresh token gives a new access token.
	auth := []string{"X-Client-Id", active.ID, "X-Client-Secret", active.Secret}
	if r := p.do(t, "GET", "/api/v1/transfers/managed/mesh?ClientTransactionId=before-the-move", nil, auth...); r.Code != http.StatusOK ||
		!strings.Contains(string(r.Body), before.TransferID) || !strings.Contains(string(r.Body), `"succeeded"`) {
		t.Errorf("the transfer made before the move: %v", r)
	}
	if r := p.do(t, "POST", "/api/v1/token/refresh", []byte(`{"type":"sandbox","refreshToken":"`+account.RefreshToken+`"}`),
		append(auth, "Content-Type", "application/json")...); r.Code != http.StatusOK {
		t.Errorf("the refresh token of the account connected before the move: %v", r)
	}
	// The moved webhook is delivered to, signed with the secret it was given before the
	// move (its sealed secret opens with the deployment's key file).
	f := p.deposit(t, active, "moved-order-1", 25)
	waitFor(t, 40*time.Second, "the moved webhook's deliveries", func() string {
		if got := strings.Join(rcv.delivered(f.TransferID), ","); got != "pending,succeeded" {
			return "delivered " + got
		}
		return ""
	})
	for i, r := range rcv.requests() {
		if !validSignature(hookSecret, r.Body, r.Signature) {
			t.Errorf("request %d: the signature does not verify with the webhook's secret from before the move", i)
		}
	}
}

// linkdOutput is what linkd printed, without the command lines the test recorded.
func linkdOutput(p *proc) string {
	var keep []string
	for _, line := range strings.Split(p.Logs(), "\n") {
		if !strings.HasPrefix(line, "--- linkd serve run ") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// stripExportedAt drops the line with the export's time.
func stripExportedAt(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, `"exportedAt"`) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
